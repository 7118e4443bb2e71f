// The device's queue and its sync with the server: queued scans are sent in batches
// and judged again there (the server's verdict stands, and what differs from the
// device's is noted), the ticket list is fetched and refreshed, and what other
// devices did is read from the feed of changes. Without IndexedDB the store stays
// null: the scanner then works online only.
import { call, isOnline, setCsrf, withQuery } from "./api.js";
import { openStore } from "../offline.js";
import { clock, data, storeKey, T } from "./page.js";
import { addRecent, findRecent, isMine, markMine, markRecent, walkInRow } from "./recent.js";
import { fill } from "./texts.js";
import { hideConnectionProblem, note, setCounts, showConnectionProblem, showStatus } from "./ui.js";

var POLL_EVERY_MS = 3000;
var REFRESH_LIST_EVERY_MS = 5 * 60 * 1000;

export var store = null;
var queuedCount = 0;
var lastSyncAt = null;
var lastScanId = null;
var linkGone = false;
var syncing = false;

// Rejects when this browser keeps no queue (no IndexedDB): then nothing is promised.
export function enqueue(item) {
  if (!store) return Promise.reject(new Error("no queue on this device"));
  return store.enqueue(item).then(updateStatus);
}

function updateStatus() {
  var counting = store ? store.queued().then(function (items) { return items.length; }) : Promise.resolve(0);
  var meta = store ? store.meta() : Promise.resolve(null);
  return Promise.all([counting, meta]).then(function (values) {
    queuedCount = values[0];
    showStatus(isOnline(), queuedCount, values[1], lastSyncAt);
  });
}

function refused(json) {
  if (json.httpStatus === 401 || json.httpStatus === 403) {
    linkGone = true;
    var erase = store ? store.eraseList() : Promise.resolve();
    return erase.then(updateStatus).then(function () {
      showConnectionProblem(fill(T.linkGone, { count: queuedCount }));
      return true;
    });
  }
  return Promise.resolve(false);
}

function refreshList() {
  if (!store || linkGone || !isOnline()) return Promise.resolve();
  return call(data.datasetUrl).then(function (json) {
    if (json.httpStatus === 410) {
      return store.eraseList().then(function () { note(T.eventOver); });
    }
    if (json.httpStatus !== 200) return refused(json);
    setCsrf(json.csrf);
    setCounts(json.counts);
    lastSyncAt = new Date().toISOString();
    lastScanId = json.last_scan_id;
    return store.saveDataset(json).then(function () {
      return store.queued().then(function (items) {
        // Check-ins still waiting are not in the server's list yet.
        return Promise.all(items.map(function (item) {
          if (item.local !== "checked_in") return null;
          if (item.index) return store.setCheckedIn(item.index, item.at);
          return store.judge(item.code).then(function (found) { if (found) store.setCheckedIn(found.index, item.at); });
        }));
      });
    });
  }, function () {}).then(updateStatus);
}

// A queued check-in the server refused: the device's list and its recent list say so.
function notRecorded(item) {
  if (item.kind === "undo") return;
  var row = item.kind === "walk_in" ? walkInRow(item.nonce) : item.registration_id;
  if (row) markRecent(row, { pending: false, state: "refused", note: T.notRecorded });
  if (!store || item.local !== "checked_in") return;
  if (item.index) store.setCheckedIn(item.index, null);
  else store.judge(item.code).then(function (found) { if (found) store.setCheckedIn(found.index, null); });
}

// A walk-in queued offline: its row in the recent list takes the registration the
// server made (or found by the address). False when this tab has no such row.
function settleWalkIn(item, verdict, changes) {
  if (item.kind !== "walk_in" || !findRecent(walkInRow(item.nonce))) return false;
  markRecent(walkInRow(item.nonce), Object.assign({ id: verdict.registration_id, pending: false }, changes));
  return true;
}

// The server's answer to one queued item, against what the device said offline.
function synced(item, result) {
  var verdict = result.verdict;
  if (!verdict) {
    if (item.kind === "undo" && result.code === "not_checked_in") return;
    note(fill(T.refused, { error: result.error }));
    notRecorded(item);
    return;
  }
  if (verdict.scan_id) markMine(verdict.scan_id);
  if (verdict.result === "outside_window" && item.kind !== "undo") {
    // A refusal the device itself showed is no news; a check-in it accepted is.
    if (item.local !== "outside_window") note(fill(T.refused, { error: verdict.title + ": " + verdict.detail }));
    notRecorded(item);
    return;
  }
  if (item.kind === "undo") {
    markRecent(verdict.registration_id, { state: "undone", pending: false });
    return;
  }
  if (verdict.result === "checked_in") {
    var settled = settleWalkIn(item, verdict, { state: "in" });
    markRecent(verdict.registration_id, { pending: false });
    if (result.previous_at) {
      // Another device checked this ticket in later: this check-in stands, that one is the duplicate.
      note(fill(T.duplicate, { name: verdict.name, time: clock(result.previous_at) }));
      markRecent(verdict.registration_id, { note: T.already });
    }
    if (item.local !== "checked_in" && !settled) {
      note(fill(T.differs, { name: verdict.name, title: verdict.title }));
      if (!findRecent(verdict.registration_id)) {
        addRecent({ id: verdict.registration_id, name: verdict.name, at: item.at, state: "in", pending: false });
      }
    }
  } else if (verdict.result === "already" && item.local === "checked_in") {
    var text = fill(T.duplicate, { name: verdict.name, time: clock(result.previous_at) });
    note(text);
    markRecent(verdict.registration_id, { pending: false, state: "duplicate", note: T.already });
  } else if (verdict.result !== item.local) {
    // The same address added on another device first: one person, in already.
    settleWalkIn(item, verdict, { state: "duplicate", note: T.already });
    note(fill(T.differs, { name: verdict.name || item.code, title: verdict.title }));
  }
}

function syncQueue() {
  if (!store || syncing || linkGone || !isOnline()) return Promise.resolve(false);
  return store.queued().then(function (items) {
    if (!items.length) return false;
    syncing = true;
    var batch = items.slice(0, 50);
    var sent = batch.map(function (item) {
      // A walk-in carries the person typed at the door (undefined keys are not sent).
      return { kind: item.kind, nonce: item.nonce, code: item.code, method: item.method, registration_id: item.registration_id, at: item.at, person: item.person, language: item.language };
    });
    return call(data.syncUrl, { event: data.slug, items: sent }).then(function (json) {
      if (json.httpStatus !== 200) {
        return refused(json).then(function (gone) {
          if (!gone) note(fill(T.refused, { error: json.error }));
          return false;
        });
      }
      var byNonce = {};
      json.results.forEach(function (result) { byNonce[result.nonce] = result; });
      // Too many unknown codes at once: the rest waits a minute in the queue, not lost.
      var answered = batch.filter(function (item) {
        return byNonce[item.nonce] && byNonce[item.nonce].code !== "throttled";
      });
      answered.forEach(function (item) { synced(item, byNonce[item.nonce]); });
      setCounts(json.counts);
      lastSyncAt = new Date().toISOString();
      return store.dequeue(answered.map(function (item) { return item.seq; })).then(function () {
        return answered.length === batch.length && items.length > batch.length;
      });
    }, function () { return false; });
  }).then(function (more) {
    syncing = false;
    return updateStatus().then(function () { return more ? syncQueue() : false; });
  }, function () { syncing = false; });
}

function pollChanges() {
  if (linkGone || !isOnline()) return updateStatus();
  if (lastScanId === null) {
    return call(withQuery(data.changesUrl, "since=999999999")).then(function (json) {
      if (json.httpStatus === 200) setCounts(json.counts);
      else refused(json);
    }, function () {}).then(updateStatus);
  }
  return call(withQuery(data.changesUrl, "since=" + lastScanId)).then(function (json) {
    if (json.httpStatus !== 200) return refused(json);
    hideConnectionProblem();
    setCounts(json.counts);
    lastScanId = json.last_scan_id;
    lastSyncAt = new Date().toISOString();
    json.changes.forEach(function (change) {
      if (store && change.result !== "already") {
        store.setCheckedIn(change.k, change.result === "checked_in" ? change.at : null);
      }
      // Another device checking in someone this one has in: one of the two is a duplicate.
      // Its refusal ("already") says this check-in stands, its undo that it is gone.
      var mine = findRecent(change.registration_id);
      if (mine && mine.state === "in" && !isMine(change.scan_id) && change.result === "checked_in") {
        note(fill(T.duplicate, { name: mine.name, time: clock(change.at) }));
        markRecent(change.registration_id, { note: T.already });
      }
      if (mine && change.result === "undone" && !isMine(change.scan_id)) {
        markRecent(change.registration_id, { state: "undone" });
      }
    });
    if (store) store.setMeta({ lastScanId: lastScanId });
  }, function () {}).then(updateStatus);
}

function tick() {
  syncQueue().then(function () {
    return queuedCount ? null : pollChanges();
  }).then(function () {
    setTimeout(tick, POLL_EVERY_MS);
  }, function () {
    setTimeout(tick, POLL_EVERY_MS);
  });
}

export function watchConnection() {
  window.addEventListener("online", function () { syncQueue().then(refreshList); });
  window.addEventListener("offline", updateStatus);
}

// Open the device's store (erasing a list past its time), send what waits, fetch the
// list, then sync and poll every few seconds.
export function startSync() {
  return openStore(storeKey).then(function (opened) {
    store = opened;
    return store.meta();
  }).then(function (meta) {
    if (meta && meta.expiresAt && new Date(meta.expiresAt) < new Date()) return store.eraseList();
    if (meta) lastScanId = meta.lastScanId;
  }).catch(function () {
    store = null; // no IndexedDB here: online only
  }).then(function () {
    return syncQueue();
  }).then(refreshList).then(function () {
    setTimeout(tick, POLL_EVERY_MS);
    setInterval(refreshList, REFRESH_LIST_EVERY_MS);
  });
}
