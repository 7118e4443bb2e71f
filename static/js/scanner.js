// The check-in scanner: camera (decoder.js), a handheld keyboard-wedge scanner or a
// typed code, and a search by name. Online, the JSON API decides; a scan keeps its
// nonce across retries, so a lost answer is never counted twice. Offline, the
// verdict comes from the device's ticket list (offline.js) and the scan waits in a
// queue until the connection returns; the server then judges again.
(function () {
  "use strict";

  var root = document.getElementById("scanner");
  if (!root) return;
  var data = root.dataset;
  // A course's sessions each keep their own list and queue on the device.
  var storeKey = data.storeKey || data.slug;

  // The API addresses of a course carry ?session=<id>: further parameters follow it.
  function withQuery(url, query) {
    return url + (url.indexOf("?") === -1 ? "?" : "&") + query;
  }
  var T = JSON.parse(data.texts);

  var verdictBox = document.getElementById("verdict");
  var codeInput = document.getElementById("code");
  var video = document.getElementById("camera");
  var cameraStatus = document.getElementById("camera-status");
  var cameraToggle = document.getElementById("camera-toggle");
  var switchButton = document.getElementById("camera-switch");
  var torchButton = document.getElementById("torch");
  var searchInput = document.getElementById("search");
  var resultsList = document.getElementById("search-results");
  var soundBox = document.getElementById("sound");
  var connection = document.getElementById("connection");
  var statusLine = document.getElementById("status-line");
  var offlineBanner = document.getElementById("offline-banner");
  var recentList = document.getElementById("recent");
  var notesList = document.getElementById("sync-notes");

  var RETRY_DELAYS_MS = [600, 1500, 3000];
  var DECODE_EVERY_MS = 250; // four frames a second: quick enough at the door, easy on a battery
  var POLL_EVERY_MS = 3000;
  var REFRESH_LIST_EVERY_MS = 5 * 60 * 1000;
  var RECENT_KEPT = 40;
  var ICONS = { good: "\u2714", warn: "!", bad: "\u2716" };
  var TONE = { checked_in: "good", undone: "warn", already: "warn", queued: "warn" };

  var csrf = data.csrf;
  var store = null;
  var queuedCount = 0;
  var lastSyncAt = null;
  var lastScanId = null;
  var linkGone = false;
  var syncing = false;
  var chain = Promise.resolve();
  var busy = false;
  var verdictNow = null;
  var myScanIds = {};

  // ---- small helpers

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return values[name] === undefined ? whole : values[name];
    });
  }

  function clock(iso) {
    var date = iso ? new Date(iso) : new Date();
    var options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: data.timeZone };
    try {
      return date.toLocaleTimeString(document.documentElement.lang, options);
    } catch (error) {
      delete options.timeZone; // an unknown zone on an old browser: the device's own
      return date.toLocaleTimeString(document.documentElement.lang, options);
    }
  }

  function nonce() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function wait(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function isOnline() {
    return navigator.onLine !== false;
  }

  // ---- network: JSON in and out; a network error rejects with {network: true}

  function call(url, body) {
    var options = { credentials: "same-origin", cache: "no-store" };
    if (body !== undefined) {
      options.method = "POST";
      options.headers = { "Content-Type": "application/json", "X-CSRFToken": csrf };
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(
      function (response) {
        if (response.status >= 502) return Promise.reject({ network: true });
        return response.json().then(function (json) {
          json.httpStatus = response.status;
          return json;
        });
      },
      function () {
        return Promise.reject({ network: true });
      }
    );
  }

  // The same body, nonce included, until an answer arrives or the retries run out.
  function postWithRetry(url, body, attempt) {
    attempt = attempt || 0;
    return call(url, body).catch(function (problem) {
      if (!problem.network || attempt >= RETRY_DELAYS_MS.length || !isOnline()) throw problem;
      showSending();
      return wait(RETRY_DELAYS_MS[attempt]).then(function () {
        return postWithRetry(url, body, attempt + 1);
      });
    });
  }

  // ---- verdicts

  function setCounts(counts) {
    if (!counts) return;
    document.getElementById("count-checked-in").textContent = counts.checked_in;
    document.getElementById("count-confirmed").textContent = counts.confirmed;
  }

  // Offline, the counter follows this device's own check-ins until the server answers.
  function bumpCount(change) {
    var shown = document.getElementById("count-checked-in");
    shown.textContent = Math.max(0, (parseInt(shown.textContent, 10) || 0) + change);
  }

  function feedback(tone) {
    if (!soundBox.checked) return;
    if (navigator.vibrate) navigator.vibrate(tone === "good" ? 80 : [200, 80, 200]);
    try {
      var audio = new (window.AudioContext || window.webkitAudioContext)();
      var oscillator = audio.createOscillator();
      oscillator.frequency.value = tone === "good" ? 880 : 220;
      oscillator.connect(audio.destination);
      oscillator.onended = function () { audio.close(); };
      oscillator.start();
      oscillator.stop(audio.currentTime + (tone === "good" ? 0.12 : 0.35));
    } catch (error) {
      /* no sound on this device */
    }
  }

  function paint(result, tone, title, name, organization, detail) {
    verdictBox.className = "verdict verdict-" + tone;
    verdictBox.dataset.result = result;
    verdictBox.querySelector(".verdict-icon").textContent = ICONS[tone] || "\u2026";
    verdictBox.querySelector(".verdict-title").textContent = title || "";
    verdictBox.querySelector(".verdict-name").textContent = name || "";
    verdictBox.querySelector(".verdict-org").textContent = organization || "";
    verdictBox.querySelector(".verdict-detail").textContent = detail || "";
    verdictBox.hidden = false;
  }

  function showSending() {
    paint("sending", "warn", T.sending, "", "", T.sendingDetail);
    verdictBox.dataset.sending = "true";
    document.getElementById("verdict-undo").hidden = true;
    document.getElementById("verdict-suggest").hidden = true;
  }

  // A verdict stays until the next scan or a tap; the recent list is the safety net.
  function showVerdict(json) {
    var tone = json.error ? "bad" : json.suggestion ? "warn" : TONE[json.result] || "bad";
    verdictNow = json;
    delete verdictBox.dataset.sending;
    verdictBox.dataset.offline = json.offline ? "true" : "false";
    paint(json.result || "error", tone, json.title || json.error, json.name, json.organization, json.detail);
    var undo = document.getElementById("verdict-undo");
    undo.hidden = !(json.registration_id && (json.result === "checked_in" || json.result === "already"));
    var suggest = document.getElementById("verdict-suggest");
    suggest.hidden = !json.suggestion;
    if (json.suggestion) suggest.textContent = fill(T.checkInName, { name: json.suggestion.name });
    if (json.scan_id) myScanIds[json.scan_id] = true;
    setCounts(json.counts);
    feedback(tone);
    // The next handheld scan must land in the code field, whatever was clicked.
    if (document.activeElement !== searchInput) codeInput.focus({ preventScroll: true });
  }

  function hideVerdict() {
    verdictBox.hidden = true;
    verdictNow = null;
    if (document.activeElement !== searchInput) codeInput.focus({ preventScroll: true });
  }

  // ---- this device's recent check-ins (kept for this tab only)

  var recentKey = "door-recent-" + storeKey;
  var recent = [];
  try {
    recent = JSON.parse(sessionStorage.getItem(recentKey) || "[]");
  } catch (error) {
    recent = [];
  }

  function saveRecent() {
    recent = recent.slice(0, RECENT_KEPT);
    try {
      sessionStorage.setItem(recentKey, JSON.stringify(recent));
    } catch (error) {
      /* private mode: the list lives in memory */
    }
    renderRecent();
  }

  function findRecent(registrationId) {
    for (var i = 0; i < recent.length; i++) if (recent[i].id === registrationId) return recent[i];
    return null;
  }

  function addRecent(entry) {
    recent = recent.filter(function (item) { return item.id !== entry.id; });
    recent.unshift(entry);
    saveRecent();
  }

  function markRecent(registrationId, changes) {
    var item = findRecent(registrationId);
    if (!item) return;
    Object.assign(item, changes);
    saveRecent();
  }

  function renderRecent() {
    recentList.textContent = "";
    document.getElementById("recent-empty").hidden = recent.length > 0;
    recent.forEach(function (item) {
      var row = document.createElement("li");
      row.dataset.registrationId = item.id;
      row.dataset.state = item.state;
      var time = document.createElement("span");
      time.className = "recent-time";
      time.textContent = clock(item.at);
      var name = document.createElement("span");
      name.className = "recent-name";
      name.textContent = item.name;
      row.appendChild(time);
      row.appendChild(name);
      if (item.pending || item.state === "undone" || item.note) {
        var state = document.createElement("span");
        state.className = "recent-state";
        state.textContent = item.state === "undone" ? T.undone : item.note || T.queued;
        row.appendChild(state);
      }
      if (item.state === "in") {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button recent-undo";
        button.textContent = T.undo;
        button.setAttribute("aria-label", T.undoCheckIn + ": " + item.name);
        button.addEventListener("click", function () { undo(item.id, item.name, item.index); });
        row.appendChild(button);
      }
      recentList.appendChild(row);
    });
  }

  function note(text) {
    var item = document.createElement("li");
    item.textContent = clock() + " " + text;
    notesList.insertBefore(item, notesList.firstChild);
  }

  function remember(json, index) {
    if (json.scan_id) myScanIds[json.scan_id] = true;
    if (json.result === "checked_in" && json.registration_id) {
      addRecent({
        id: json.registration_id, name: json.name, at: new Date().toISOString(),
        state: "in", pending: !!json.offline, index: index || null,
      });
    } else if (json.result === "undone") {
      markRecent(json.registration_id, { state: "undone", pending: !!json.offline });
    }
  }

  // ---- scanning, checking in, undoing

  function offlineVerdict(body) {
    var at = new Date().toISOString();
    var item = { kind: "scan", nonce: body.nonce, code: DoorStore.normalize(body.code), method: body.method, at: at };
    var judging = store ? store.meta().then(function (meta) { return meta ? store.judge(body.code) : false; }) : Promise.resolve(false);
    return judging.then(function (found) {
      var verdict = { offline: true, detail: T.offlineDetail };
      if (found === false) {
        Object.assign(verdict, { result: "queued", title: T.queued, detail: T.queuedDetail });
      } else if (!found) {
        Object.assign(verdict, { result: "unknown", title: T.unknown, detail: T.unknownDetail });
      } else {
        var person = found.person;
        Object.assign(verdict, { name: person.n, organization: person.o, registration_id: person.r });
        if (person.s === "cancelled") {
          Object.assign(verdict, { result: "cancelled", title: T.cancelled });
        } else if (person.s !== "confirmed") {
          Object.assign(verdict, { result: "not_confirmed", title: T.notConfirmed });
        } else if (found.checkedInAt) {
          Object.assign(verdict, { result: "already", title: T.already, detail: fill(T.alreadyAt, { time: clock(found.checkedInAt) }) });
        } else {
          Object.assign(verdict, { result: "checked_in", title: T.checkedIn });
          store.setCheckedIn(found.index, at);
          bumpCount(1);
        }
        item.registration_id = person.r;
      }
      item.local = verdict.result;
      return enqueue(item).then(function () {
        remember(verdict, found ? found.index : null);
        showVerdict(verdict);
      }, notKept);
    });
  }

  // Rejects when this browser keeps no queue (no IndexedDB): then nothing is promised.
  function enqueue(item) {
    if (!store) return Promise.reject(new Error("no queue on this device"));
    return store.enqueue(item).then(updateStatus);
  }

  function notKept() {
    showVerdict({ error: T.noConnection });
  }

  function scan(code, method) {
    var body = { code: code, method: method, nonce: nonce() };
    chain = chain.then(function () {
      busy = true;
      var answer = isOnline() ? postWithRetry(data.scanUrl, body) : Promise.reject({ network: true });
      return answer.then(
        function (json) {
          remember(json);
          showVerdict(json);
        },
        function () {
          return offlineVerdict(body); // the same nonce goes into the queue
        }
      ).then(function () { busy = false; }, function () { busy = false; });
    });
    return chain;
  }

  function checkInById(registrationId) {
    var body = { registration_id: registrationId, nonce: nonce() };
    return postWithRetry(data.checkinUrl, body).then(
      function (json) {
        remember(json);
        showVerdict(json);
      },
      function () {
        var item = { kind: "checkin", nonce: body.nonce, registration_id: registrationId, at: new Date().toISOString(), local: "queued" };
        return enqueue(item).then(function () {
          showVerdict({ result: "queued", title: T.queued, detail: T.queuedDetail, offline: true });
        }, notKept);
      }
    );
  }

  // Found by name in the device's list (offline search, when the organizer allows it).
  function checkInOffline(person) {
    var verdict = { offline: true, detail: T.offlineDetail, name: person.n, organization: person.o, registration_id: person.r };
    if (person.s === "cancelled") {
      Object.assign(verdict, { result: "cancelled", title: T.cancelled });
    } else if (person.s !== "confirmed") {
      Object.assign(verdict, { result: "not_confirmed", title: T.notConfirmed });
    } else if (person.checkedInAt) {
      Object.assign(verdict, { result: "already", title: T.already, detail: fill(T.alreadyAt, { time: clock(person.checkedInAt) }) });
    } else {
      Object.assign(verdict, { result: "checked_in", title: T.checkedIn });
    }
    if (verdict.result !== "checked_in") {
      showVerdict(verdict);
      return Promise.resolve();
    }
    var at = new Date().toISOString();
    var item = { kind: "checkin", nonce: nonce(), registration_id: person.r, at: at, local: "checked_in", index: person.k };
    store.setCheckedIn(person.k, at);
    bumpCount(1);
    return enqueue(item).then(function () {
      remember(verdict, person.k);
      showVerdict(verdict);
    });
  }

  function undo(registrationId, name, index) {
    var body = { registration_id: registrationId };
    var queueIt = function () {
      var item = { kind: "undo", nonce: nonce(), registration_id: registrationId, at: new Date().toISOString() };
      return enqueue(item).then(function () {
        if (index) store.setCheckedIn(index, null);
        bumpCount(-1);
        var verdict = { result: "undone", title: T.undoneTitle, name: name, registration_id: registrationId, offline: true, detail: T.offlineDetail };
        remember(verdict);
        showVerdict(verdict);
      }, notKept);
    };
    if (!isOnline()) return queueIt();
    return postWithRetry(data.undoUrl, body).then(function (json) {
      if (json.result === "undone" || json.httpStatus === 409) markRecent(registrationId, { state: "undone" });
      showVerdict(json);
    }, queueIt);
  }

  document.getElementById("code-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var code = codeInput.value.trim();
    codeInput.value = "";
    if (code) scan(code, "scanner");
  });
  document.getElementById("verdict-next").addEventListener("click", hideVerdict);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !verdictBox.hidden) hideVerdict();
  });
  verdictBox.addEventListener("click", function (event) {
    if (event.target === verdictBox || event.target.parentNode === verdictBox) hideVerdict();
  });
  document.getElementById("verdict-undo").addEventListener("click", function (event) {
    if (!verdictNow || !verdictNow.registration_id) return;
    var shown = verdictNow;
    verdictNow = null; // one undo per verdict, however often the button is tapped
    event.currentTarget.hidden = true;
    var kept = findRecent(shown.registration_id);
    undo(shown.registration_id, shown.name, kept ? kept.index : null);
    lastCode = null; // the same ticket may be scanned again after an undo
  });
  document.getElementById("verdict-suggest").addEventListener("click", function (event) {
    if (!verdictNow || !verdictNow.suggestion) return;
    event.currentTarget.hidden = true;
    checkInById(verdictNow.suggestion.registration_id);
  });

  // ---- the queue, the ticket list and what other devices did

  function updateStatus() {
    var counting = store ? store.queued().then(function (items) { return items.length; }) : Promise.resolve(0);
    var meta = store ? store.meta() : Promise.resolve(null);
    return Promise.all([counting, meta]).then(function (values) {
      queuedCount = values[0];
      var list = values[1];
      var online = isOnline();
      root.dataset.online = online ? "true" : "false";
      root.dataset.queued = String(queuedCount);
      root.dataset.list = list ? "ready" : "none";
      statusLine.textContent = [
        online ? T.online : T.offline,
        fill(T.lastSync, { time: lastSyncAt ? clock(lastSyncAt) : T.never }),
        fill(T.waiting, { count: queuedCount }),
        list ? fill(T.listAge, { time: clock(list.generatedAt) }) : T.noList,
      ].join(" · ");
      offlineBanner.hidden = online;
      offlineBanner.textContent = fill(T.offlineBanner, { count: queuedCount });
    });
  }

  function refused(json) {
    if (json.httpStatus === 401 || json.httpStatus === 403) {
      linkGone = true;
      var erase = store ? store.eraseList() : Promise.resolve();
      return erase.then(updateStatus).then(function () {
        connection.textContent = fill(T.linkGone, { count: queuedCount });
        connection.hidden = false;
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
      csrf = json.csrf || csrf;
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

  function synced(item, result) {
    var verdict = result.verdict;
    if (!verdict) {
      if (!(item.kind === "undo" && result.code === "not_checked_in")) note(fill(T.refused, { error: result.error }));
      return;
    }
    if (verdict.scan_id) myScanIds[verdict.scan_id] = true;
    if (result.clock_adjusted) note(T.clockAdjusted);
    if (item.kind === "undo") {
      markRecent(verdict.registration_id, { state: "undone", pending: false });
      return;
    }
    if (verdict.result === "checked_in") {
      markRecent(verdict.registration_id, { pending: false });
      if (result.previous_at) {
        // Another device checked this ticket in later: this check-in stands, that one is the duplicate.
        note(fill(T.duplicate, { name: verdict.name, time: clock(result.previous_at) }));
        markRecent(verdict.registration_id, { note: T.already });
      }
      if (item.local !== "checked_in") {
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
        return { kind: item.kind, nonce: item.nonce, code: item.code, method: item.method, registration_id: item.registration_id, at: item.at };
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
      connection.hidden = true;
      setCounts(json.counts);
      lastScanId = json.last_scan_id;
      lastSyncAt = new Date().toISOString();
      json.changes.forEach(function (change) {
        if (store && change.result !== "already") {
          store.setCheckedIn(change.k, change.result === "checked_in" ? change.at : null);
        }
        var mine = findRecent(change.registration_id);
        if (mine && mine.state === "in" && !myScanIds[change.scan_id] && change.result !== "undone") {
          note(fill(T.duplicate, { name: mine.name, time: clock(change.at) }));
          markRecent(change.registration_id, { note: T.already });
        }
        if (mine && change.result === "undone" && !myScanIds[change.scan_id]) {
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

  window.addEventListener("online", function () { syncQueue().then(refreshList); });
  window.addEventListener("offline", updateStatus);

  // ---- camera: a downscaled frame a few times a second, never every frame

  var stream = null;
  var cameras = [];
  var cameraIndex = 0;
  var lastCode = null;
  var lastCodeSeen = 0;
  var decoding = false;
  var loop = 0;

  function decodeLoop(id) {
    if (!stream || id !== loop) return;
    if (!decoding && !document.hidden && video.readyState >= video.HAVE_CURRENT_DATA) {
      decoding = true;
      TicketDecoder.decodeFrom(video, video.videoWidth, video.videoHeight).then(function (text) {
        decoding = false;
        if (!text) return;
        var now = Date.now();
        var repeated = text === lastCode && now - lastCodeSeen < 5000;
        lastCodeSeen = now;
        if (!repeated && !busy) {
          lastCode = text;
          scan(text, "camera");
        }
      });
    }
    setTimeout(function () { decodeLoop(id); }, DECODE_EVERY_MS);
  }

  function cameraLabel() {
    cameraToggle.textContent = stream ? T.stopCamera : T.startCamera;
    cameraToggle.setAttribute("aria-pressed", stream ? "true" : "false");
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraStatus.textContent = T.cameraError;
      return Promise.resolve();
    }
    var constraints = cameras.length
      ? { video: { deviceId: { exact: cameras[cameraIndex].deviceId } } }
      : { video: { facingMode: "environment" } };
    return navigator.mediaDevices
      .getUserMedia(constraints)
      .then(function (mediaStream) {
        stream = mediaStream;
        video.srcObject = stream;
        video.play();
        cameraStatus.textContent = T.cameraOn;
        cameraLabel();
        setUpTorch();
        loop += 1;
        decodeLoop(loop);
        return navigator.mediaDevices.enumerateDevices();
      })
      .then(function (devices) {
        if (!devices) return;
        cameras = devices.filter(function (device) { return device.kind === "videoinput"; });
        switchButton.hidden = cameras.length < 2;
      })
      .catch(function () {
        stream = null;
        cameraLabel();
        cameraStatus.textContent = T.cameraError;
      });
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    torchButton.hidden = true;
    cameraStatus.textContent = T.cameraOff;
    cameraLabel();
  }

  function setUpTorch() {
    var track = stream.getVideoTracks()[0];
    var capabilities = track.getCapabilities ? track.getCapabilities() : {};
    torchButton.hidden = !capabilities.torch;
  }

  cameraToggle.addEventListener("click", function () {
    if (stream) stopCamera();
    else startCamera();
  });
  switchButton.addEventListener("click", function () {
    if (!cameras.length) return;
    cameraIndex = (cameraIndex + 1) % cameras.length;
    stopCamera();
    startCamera();
  });
  torchButton.addEventListener("click", function () {
    if (!stream) return;
    var on = torchButton.getAttribute("aria-pressed") !== "true";
    stream.getVideoTracks()[0].applyConstraints({ advanced: [{ torch: on }] }).then(function () {
      torchButton.setAttribute("aria-pressed", String(on));
    });
  });

  // ---- search by name, email, organization or the end of a ticket code

  var searchTimer = null;
  searchInput.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 250);
  });

  function runSearch() {
    var query = searchInput.value.trim();
    if (query.replace(/\s/g, "").length < 3) {  // the server wants 3 characters or more
      resultsList.textContent = "";
      return;
    }
    var online = isOnline() ? call(withQuery(data.searchUrl, "q=" + encodeURIComponent(query))) : Promise.reject();
    online.then(showResults, function () {
      return searchOffline(query);
    });
  }

  function searchOffline(query) {
    var searching = store ? store.searchNames(query) : Promise.resolve([]);
    return searching.then(function (people) {
      if (!people.length) {
        resultsList.textContent = T.offlineSearch;
        return;
      }
      showResults({ results: people.map(function (person) {
        return { registration_id: person.r, name: person.n, organization: person.o, checked_in: !!person.checkedInAt, offline: person };
      }) });
    }, function () {
      resultsList.textContent = T.offlineSearch;
    });
  }

  function resultButton(label, name, primary, action) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = primary ? "button button-primary" : "button";
    button.textContent = label;
    button.setAttribute("aria-label", label + ": " + name);
    button.addEventListener("click", function () { action().then(runSearch); });
    return button;
  }

  function showResults(json) {
    resultsList.textContent = "";
    if (json.error || !(json.results || []).length) {
      var none = document.createElement("li");
      none.textContent = json.error || T.noResults;
      resultsList.appendChild(none);
      return;
    }
    json.results.forEach(function (person) {
      var item = document.createElement("li");
      var text = document.createElement("span");
      text.className = "result-text";
      text.textContent = person.offline
        ? person.name + " – " + person.organization
        : person.name + " – " + person.organization + ", " + person.email + " (" + person.status_label + ")";
      item.appendChild(text);
      if (person.checked_in) {
        var done = document.createElement("strong");
        done.textContent = " " + T.checkedIn;
        item.appendChild(done);
        item.appendChild(resultButton(T.undoCheckIn, person.name, false, function () {
          return undo(person.registration_id, person.name, person.offline ? person.offline.k : null);
        }));
      } else {
        item.appendChild(resultButton(T.checkIn, person.name, true, function () {
          return person.offline ? checkInOffline(person.offline) : checkInById(person.registration_id);
        }));
      }
      resultsList.appendChild(item);
    });
  }

  // ---- start

  if (window.TicketDecoder) TicketDecoder.prepare(data.wasmUrl);
  renderRecent();
  cameraLabel();
  startCamera();
  // The offline machinery starts once the page has loaded: it never delays the scanner.
  if (document.readyState === "complete") startOffline();
  else window.addEventListener("load", startOffline);

  function startOffline() {
    registerWorker();
    startStore();
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(data.workerUrl).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      // This page came before its service worker: keep a copy for opening it offline.
      return caches.open("scanner-pages").then(function (cache) {
        return cache.add(location.pathname);
      });
    }).then(function () {
      root.dataset.cached = "true";
    }).catch(function () {});
  }

  function startStore() {
    var opening = window.DoorStore ? DoorStore.open(storeKey) : Promise.reject();
    return opening.then(function (opened) {
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
})();
