// What a scanner keeps on the device for one event (or one session of a course), in
// IndexedDB:
//  - entries: the event's tickets, each indexed by a keyed hash of its code, with the
//    person's details encrypted (AES-GCM) under a key derived from that code, so the
//    device can read a person's details only when their ticket is shown to it
//    (scanner/tickets.js reads them);
//  - queue: scans and undos made without a connection, with their nonce and the
//    device's time, until the server has answered them;
//  - meta: the event key, the list's age, the last change seen;
//  - names: people in the clear, only when the organizer allows offline search by name.
// Erased on logout (the server sends Clear-Site-Data), when the link stops working,
// and after the event.

import { findTicket, importListKey } from "./scanner/tickets.js";

var VERSION = 2;

function request(idbRequest) {
  return new Promise(function (resolve, reject) {
    idbRequest.onsuccess = function () { resolve(idbRequest.result); };
    idbRequest.onerror = function () { reject(idbRequest.error); };
  });
}

function done(transaction) {
  return new Promise(function (resolve, reject) {
    transaction.oncomplete = function () { resolve(); };
    transaction.onerror = transaction.onabort = function () { reject(transaction.error); };
  });
}

function Store(db, slug) {
  this.db = db;
  this.slug = slug;
  this.hmacKey = null;
  this.metaCache = null;
}

Store.prototype.tx = function (names, mode) {
  return this.db.transaction(names, mode || "readonly");
};

Store.prototype.meta = function () {
  var self = this;
  if (self.metaCache) return Promise.resolve(self.metaCache);
  return request(self.tx(["meta"]).objectStore("meta").get("dataset")).then(function (meta) {
    self.metaCache = meta || null;
    return self.metaCache;
  });
};

Store.prototype.setMeta = function (changes) {
  var self = this;
  return self.meta().then(function (meta) {
    var updated = Object.assign({ name: "dataset" }, meta || {}, changes);
    var transaction = self.tx(["meta"], "readwrite");
    transaction.objectStore("meta").put(updated);
    return done(transaction).then(function () {
      self.metaCache = updated;
      return updated;
    });
  });
};

Store.prototype.saveDataset = function (data) {
  var self = this;
  var transaction = self.tx(["entries", "meta", "names"], "readwrite");
  var entries = transaction.objectStore("entries");
  entries.clear();
  data.entries.forEach(function (entry) { entries.put(entry); });
  var names = transaction.objectStore("names");
  names.clear(); // kept only while the organizer allows offline search by name
  (data.names || []).forEach(function (person) { names.put(person); });
  var meta = {
    name: "dataset",
    key: data.key,
    generatedAt: data.generated_at,
    expiresAt: data.expires_at,
    lastScanId: data.last_scan_id,
    size: data.entries.length,
    window: data.window || null,
  };
  transaction.objectStore("meta").put(meta);
  return done(transaction).then(function () {
    self.metaCache = meta;
    self.hmacKey = null;
    return meta;
  });
};

Store.prototype.key = function () {
  var self = this;
  if (self.hmacKey) return Promise.resolve(self.hmacKey);
  return self.meta().then(function (meta) {
    if (!meta || !meta.key) return null;
    return importListKey(meta.key).then(function (key) {
      self.hmacKey = key;
      return key;
    });
  });
};

// What the list says about a ticket code (tickets.js findTicket): {index, person,
// checkedInAt}; null for a code it does not know; false when it cannot be read.
Store.prototype.judge = function (rawCode) {
  var self = this;
  return self.key().then(function (key) {
    return findTicket(key, rawCode, function (index) {
      return request(self.tx(["entries"]).objectStore("entries").get(index));
    });
  }).catch(function () {
    return false;
  });
};

// Record what is known of a ticket's state: a check-in time, or null after an undo.
Store.prototype.setCheckedIn = function (index, at) {
  var transaction = this.tx(["entries"], "readwrite");
  var entries = transaction.objectStore("entries");
  return request(entries.get(index)).then(function (entry) {
    if (!entry) return;
    entry.c = at;
    entries.put(entry);
    return done(transaction);
  });
};

function fold(text) {
  return String(text).toLowerCase().replace(/\u0142/g, "l").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
}

// People whose name or organization holds every word of `query` (offline search,
// only when the organizer allowed it), each with its entry's check-in state.
Store.prototype.searchNames = function (query) {
  var self = this;
  var words = fold(query).split(/\s+/).filter(Boolean);
  if (!words.length) return Promise.resolve([]);
  return request(self.tx(["names"]).objectStore("names").getAll()).then(function (people) {
    var found = people.filter(function (person) {
      var text = fold(person.n + " " + person.o);
      return words.every(function (word) { return text.indexOf(word) !== -1; });
    }).slice(0, 15);
    return Promise.all(found.map(function (person) {
      return request(self.tx(["entries"]).objectStore("entries").get(person.k)).then(function (entry) {
        return Object.assign({ checkedInAt: entry ? entry.c : null }, person);
      });
    }));
  });
};

Store.prototype.enqueue = function (item) {
  var transaction = this.tx(["queue"], "readwrite");
  transaction.objectStore("queue").add(item);
  return done(transaction);
};

Store.prototype.queued = function () {
  return request(this.tx(["queue"]).objectStore("queue").getAll());
};

Store.prototype.dequeue = function (seqs) {
  var transaction = this.tx(["queue"], "readwrite");
  var queue = transaction.objectStore("queue");
  seqs.forEach(function (seq) { queue.delete(seq); });
  return done(transaction);
};

// Forget the ticket list (the queue stays: no check-in is lost).
Store.prototype.eraseList = function () {
  var self = this;
  var transaction = self.tx(["entries", "meta", "names"], "readwrite");
  transaction.objectStore("entries").clear();
  transaction.objectStore("names").clear();
  transaction.objectStore("meta").clear();
  return done(transaction).then(function () {
    self.metaCache = null;
    self.hmacKey = null;
  });
};

export function openStore(slug) {
  if (!window.indexedDB || !window.crypto || !crypto.subtle) return Promise.reject(new Error("unsupported"));
  var opening = indexedDB.open("door-" + slug, VERSION);
  opening.onupgradeneeded = function (event) {
    var db = opening.result;
    if (event.oldVersion < 1) {
      db.createObjectStore("meta", { keyPath: "name" });
      db.createObjectStore("entries", { keyPath: "k" });
      db.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
    }
    if (event.oldVersion < 2) db.createObjectStore("names", { keyPath: "r" });
  };
  return request(opening).then(function (db) {
    return new Store(db, slug);
  });
}
