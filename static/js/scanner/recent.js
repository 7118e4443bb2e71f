// This device's recent check-ins, newest first, each with an undo (kept for this tab
// only, in sessionStorage), and the scans this device made, known by their id.
import { clock, storeKey, T } from "./page.js";

var RECENT_KEPT = 40;
var recentList = document.getElementById("recent");
var recentKey = "door-recent-" + storeKey;
var recent = [];
var myScanIds = {};
var undo = function () {};

try {
  recent = JSON.parse(sessionStorage.getItem(recentKey) || "[]");
} catch (error) {
  recent = [];
}

export function markMine(scanId) {
  myScanIds[scanId] = true;
}

export function isMine(scanId) {
  return !!myScanIds[scanId];
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

export function findRecent(registrationId) {
  for (var i = 0; i < recent.length; i++) if (recent[i].id === registrationId) return recent[i];
  return null;
}

// The row of a walk-in queued offline, until the server gives it a registration.
export function walkInRow(nonce) {
  return "walk-in-" + nonce;
}

export function addRecent(entry) {
  recent = recent.filter(function (item) { return item.id !== entry.id; });
  recent.unshift(entry);
  saveRecent();
}

export function markRecent(registrationId, changes) {
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

// Show the list; its buttons call `undoCheckIn(registrationId, name, index)`.
export function showRecent(undoCheckIn) {
  undo = undoCheckIn;
  renderRecent();
}

// What a verdict changes in the list; `index` is the ticket's entry in the device's list.
export function remember(json, index) {
  if (json.scan_id) markMine(json.scan_id);
  if (json.result === "checked_in" && json.registration_id) {
    addRecent({
      id: json.registration_id, name: json.name, at: new Date().toISOString(),
      state: "in", pending: !!json.offline, index: index || null,
    });
  } else if (json.result === "undone") {
    markRecent(json.registration_id, { state: "undone", pending: !!json.offline });
  }
}
