// What the scanner shows and sounds: the verdict, the counters, the status line, the
// offline banner and the notes about synced scans.
import { clock, root, T } from "./page.js";
import { markMine } from "./recent.js";
import { fill } from "./texts.js";

var ICONS = { good: "\u2714", warn: "!", bad: "\u2716" };
var TONE = { checked_in: "good", undone: "warn", already: "warn", queued: "warn" };

var verdictBox = document.getElementById("verdict");
var codeInput = document.getElementById("code");
var searchInput = document.getElementById("search");
var soundBox = document.getElementById("sound");
var connection = document.getElementById("connection");
var statusLine = document.getElementById("status-line");
var offlineBanner = document.getElementById("offline-banner");
var notesList = document.getElementById("sync-notes");

var verdictNow = null;

export function setCounts(counts) {
  if (!counts) return;
  document.getElementById("count-checked-in").textContent = counts.checked_in;
  document.getElementById("count-confirmed").textContent = counts.confirmed;
}

// Offline, the counter follows this device's own check-ins until the server answers.
export function bumpCount(change) {
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
  verdictBox.scrollTop = 0; // a tall verdict on a small screen is read from its top
}

export function showSending() {
  paint("sending", "warn", T.sending, "", "", T.sendingDetail);
  verdictBox.dataset.sending = "true";
  document.getElementById("verdict-undo").hidden = true;
  document.getElementById("verdict-suggest").hidden = true;
}

// A verdict stays until the next scan or a tap; the recent list is the safety net.
export function showVerdict(json) {
  var tone = json.error ? "bad" : json.suggestion ? "warn" : TONE[json.result] || "bad";
  verdictNow = json;
  delete verdictBox.dataset.sending;
  verdictBox.dataset.offline = json.offline ? "true" : "false";
  paint(json.result || "error", tone, json.title || json.error, json.name, json.organization, json.detail);
  var undo = document.getElementById("verdict-undo");
  undo.hidden = !(json.registration_id && (json.result === "checked_in" || json.result === "already"));
  // Outside the check-in window, an organizer (or door staff, where allowed) may
  // check the person in with a reason; offline there is no override.
  document.getElementById("verdict-override").hidden = !(json.result === "outside_window" && json.may_override && json.registration_id && !json.offline);
  var badge = document.getElementById("verdict-badge"); // a walk-in's badge, printed at the door
  badge.hidden = !(json.walk_in && json.walk_in.badge_url);
  if (!badge.hidden) badge.href = json.walk_in.badge_url;
  var suggest = document.getElementById("verdict-suggest");
  suggest.hidden = !json.suggestion;
  if (json.suggestion) suggest.textContent = fill(T.checkInName, { name: json.suggestion.name });
  if (json.scan_id) markMine(json.scan_id);
  setCounts(json.counts);
  feedback(tone);
  // The next handheld scan must land in the code field, whatever was clicked.
  if (document.activeElement !== searchInput) codeInput.focus({ preventScroll: true });
}

export function hideVerdict() {
  verdictBox.hidden = true;
  verdictNow = null;
  if (document.activeElement !== searchInput) codeInput.focus({ preventScroll: true });
}

// The verdict on the screen (null once hidden), and its buttons acted on once only.
export function shownVerdict() {
  return verdictNow;
}

export function forgetShownVerdict() {
  verdictNow = null;
}

// "Next person", Escape or a tap beside the text hides the verdict.
export function setUpVerdict() {
  document.getElementById("verdict-next").addEventListener("click", hideVerdict);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !verdictBox.hidden) hideVerdict();
  });
  verdictBox.addEventListener("click", function (event) {
    if (event.target === verdictBox || event.target.parentNode === verdictBox) hideVerdict();
  });
}

export function note(text) {
  var item = document.createElement("li");
  item.textContent = clock() + " " + text;
  notesList.insertBefore(item, notesList.firstChild);
}

// `list`: the ticket list's meta data, or null when there is none on this device.
export function showStatus(online, queuedCount, list, lastSyncAt) {
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
}

export function showConnectionProblem(text) {
  connection.textContent = text;
  connection.hidden = false;
}

export function hideConnectionProblem() {
  connection.hidden = true;
}
