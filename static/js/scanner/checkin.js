// Scanning, checking in by name and undoing. Online, the JSON API decides; a scan
// keeps its nonce across retries, so a lost answer is never counted twice. Offline,
// the verdict comes from the device's ticket list (verdicts.js) and the scan waits in
// the queue (sync.js) until the connection returns; the server then judges again.
import { isOnline, nonce, postWithRetry } from "./api.js";
import { clock, data, T } from "./page.js";
import { findRecent, markRecent, remember } from "./recent.js";
import { enqueue, store } from "./sync.js";
import { normalizeCode } from "./tickets.js";
import { bumpCount, forgetShownVerdict, showSending, showVerdict, shownVerdict } from "./ui.js";
import { offlineVerdict } from "./verdicts.js";

var codeInput = document.getElementById("code");
var chain = Promise.resolve();
var busy = false;

// While a scan is being judged, the camera sends no other.
export function isBusy() {
  return busy;
}

function post(url, body) {
  return postWithRetry(url, body, showSending);
}

function notKept() {
  showVerdict({ error: T.noConnection });
}

// The check-in window of the device's list (null: none known yet).
function doorWindow() {
  return store && store.metaCache ? store.metaCache.window : null;
}

function judgeOffline(body) {
  var at = new Date().toISOString();
  var item = { kind: "scan", nonce: body.nonce, code: normalizeCode(body.code), method: body.method, at: at };
  var judging = store ? store.meta().then(function (meta) { return meta ? store.judge(body.code) : false; }) : Promise.resolve(false);
  return judging.then(function (found) {
    var verdict = offlineVerdict(found, T, clock, doorWindow(), Date.now());
    if (found) item.registration_id = found.person.r;
    if (verdict.result === "checked_in") {
      store.setCheckedIn(found.index, at);
      bumpCount(1);
    }
    item.local = verdict.result;
    return enqueue(item).then(function () {
      remember(verdict, found ? found.index : null);
      showVerdict(verdict);
    }, notKept);
  });
}

export function scan(code, method) {
  var body = { code: code, method: method, nonce: nonce() };
  chain = chain.then(function () {
    busy = true;
    var answer = isOnline() ? post(data.scanUrl, body) : Promise.reject({ network: true });
    return answer.then(
      function (json) {
        remember(json);
        showVerdict(json);
      },
      function () {
        return judgeOffline(body); // the same nonce goes into the queue
      }
    ).then(function () { busy = false; }, function () { busy = false; });
  });
  return chain;
}

// `reason`: why this check-in is made outside the check-in window (an override).
export function checkInById(registrationId, reason) {
  var body = { registration_id: registrationId, nonce: nonce() };
  if (reason) body.reason = reason;
  return post(data.checkinUrl, body).then(
    function (json) {
      remember(json);
      showVerdict(json);
    },
    function () {
      var item = { kind: "checkin", nonce: body.nonce, registration_id: registrationId, at: new Date().toISOString(), local: "queued" };
      if (reason) item.reason = reason;
      return enqueue(item).then(function () {
        showVerdict({ result: "queued", title: T.queued, detail: T.queuedDetail, offline: true });
      }, notKept);
    }
  );
}

// Found by name in the device's list (offline search, when the organizer allows it).
export function checkInOffline(person) {
  var found = { index: person.k, person: person, checkedInAt: person.checkedInAt };
  var verdict = offlineVerdict(found, T, clock, doorWindow(), Date.now());
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

export function undo(registrationId, name, index) {
  var body = { registration_id: registrationId, nonce: nonce() }; // a retried undo counts once
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
  return post(data.undoUrl, body).then(function (json) {
    if (json.result === "undone" || json.httpStatus === 409) markRecent(registrationId, { state: "undone" });
    showVerdict(json);
  }, queueIt);
}

// The code field (a handheld scanner types there and presses Enter) and the verdict's
// buttons; after an undo from the verdict, `undone()` lets the camera read that ticket again.
export function setUpCheckIn(undone) {
  document.getElementById("code-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var code = codeInput.value.trim();
    codeInput.value = "";
    if (code) scan(code, "scanner");
  });
  document.getElementById("verdict-undo").addEventListener("click", function (event) {
    var shown = shownVerdict();
    if (!shown || !shown.registration_id) return;
    forgetShownVerdict(); // one undo per verdict, however often the button is tapped
    event.currentTarget.hidden = true;
    var kept = findRecent(shown.registration_id);
    undo(shown.registration_id, shown.name, kept ? kept.index : null);
    undone(); // the same ticket may be scanned again after an undo
  });
  document.getElementById("verdict-override").addEventListener("submit", function (event) {
    event.preventDefault();
    var shown = shownVerdict();
    var reason = document.getElementById("override-reason");
    if (!shown || !shown.registration_id || !reason.value.trim()) return;
    forgetShownVerdict(); // one override per verdict
    checkInById(shown.registration_id, reason.value.trim());
    reason.value = "";
  });
  document.getElementById("verdict-suggest").addEventListener("click", function (event) {
    var shown = shownVerdict();
    if (!shown || !shown.suggestion) return;
    event.currentTarget.hidden = true;
    checkInById(shown.suggestion.registration_id);
  });
}
