// Adding a person who came without registering (checkin.walk_ins on the server). The
// form's errors come back naming their field and are shown next to it. Without a
// connection the walk-in waits in the queue like a scan, with its nonce, and the
// server adds the person when it syncs (the same address from two devices is one person).
import { isOnline, nonce, postWithRetry } from "./api.js";
import { data, T } from "./page.js";
import { addRecent, remember, walkInRow } from "./recent.js";
import { enqueue } from "./sync.js";
import { showSending, showVerdict } from "./ui.js";

var FIELDS = ["first_name", "last_name", "organization", "county", "email", "phone"];

function control(name) {
  return document.getElementById("walk-in-" + name);
}

function clearErrors() {
  FIELDS.concat(["consent"]).forEach(function (name) {
    var error = document.getElementById("walk-in-" + name + "-error");
    error.hidden = true;
    error.textContent = "";
    var input = control(name); // for the consent: its fieldset
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  });
}

function showError(field, message) {
  var name = FIELDS.concat(["consent"]).indexOf(field) >= 0 ? field : "first_name";
  var error = document.getElementById("walk-in-" + name + "-error");
  error.textContent = message;
  error.hidden = false;
  // The consent's error describes its group of choices; focus goes to the first choice.
  control(name).setAttribute("aria-describedby", error.id);
  if (name !== "consent") control(name).setAttribute("aria-invalid", "true");
  var target = name === "consent" ? document.getElementById("walk-in-consent-device") : control(name);
  target.focus();
}

function person(form) {
  var values = {};
  FIELDS.forEach(function (name) { values[name] = control(name).value.trim(); });
  var consent = form.querySelector("input[name=consent]:checked");
  values.consent = consent ? consent.value : "";
  return values;
}

function added(form, json) {
  form.reset();
  document.getElementById("walk-in-box").open = false;
  remember(json);
  showVerdict(json);
}

function queueIt(form, body) {
  var item = { kind: "walk_in", nonce: body.nonce, at: new Date().toISOString(), person: body, language: document.documentElement.lang, local: "queued" };
  return enqueue(item).then(function () {
    // In the recent list as waiting, so that nobody adds the person a second time.
    addRecent({ id: walkInRow(body.nonce), name: body.first_name + " " + body.last_name, at: item.at, state: "queued", pending: true });
    added(form, { result: "queued", title: T.queued, detail: T.walkInQueued, name: body.first_name + " " + body.last_name, offline: true });
  }, function () {
    showVerdict({ error: T.noConnection });
  });
}

export function setUpWalkIn() {
  var form = document.getElementById("walk-in-form");
  if (!form) return;
  var sending = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) return;
    clearErrors();
    var body = person(form);
    if (!body.first_name) return showError("first_name", T.walkInFirstName);
    if (!body.last_name) return showError("last_name", T.walkInLastName);
    if (!body.county) return showError("county", T.walkInCounty);
    if (!body.consent) return showError("consent", T.walkInConsent);
    body.nonce = nonce(); // a retry of this form adds the person once
    sending = true;
    var answer = isOnline() ? postWithRetry(data.walkInUrl, body, showSending) : Promise.reject({ network: true });
    answer.then(function (json) {
      if (json.httpStatus === 400 && json.field) showError(json.field, json.error);
      else if (json.httpStatus && json.httpStatus !== 200) showVerdict(json);
      else added(form, json);
    }, function () {
      return queueIt(form, body);
    }).then(function () { sending = false; }, function () { sending = false; });
  });
}
