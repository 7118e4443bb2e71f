// The check-in API, JSON in and out. A network error (or a gateway's 502-504) rejects
// with {network: true}; any other answer resolves, its HTTP status in `httpStatus`.
import { data } from "./page.js";

var RETRY_DELAYS_MS = [600, 1500, 3000];
var csrf = data.csrf;

// The ticket list's answer carries a fresh token: the page may be hours old.
export function setCsrf(token) {
  csrf = token || csrf;
}

// The API addresses of a course carry ?session=<id>: further parameters follow it.
export function withQuery(url, query) {
  return url + (url.indexOf("?") === -1 ? "?" : "&") + query;
}

export function isOnline() {
  return navigator.onLine !== false;
}

export function nonce() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return String(Date.now()) + Math.random().toString(16).slice(2);
}

function wait(ms) {
  return new Promise(function (resolve) { setTimeout(resolve, ms); });
}

export function call(url, body) {
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

// The same body, nonce included, until an answer arrives or the retries run out;
// `retrying()` is called before each retry.
export function postWithRetry(url, body, retrying, attempt) {
  attempt = attempt || 0;
  return call(url, body).catch(function (problem) {
    if (!problem.network || attempt >= RETRY_DELAYS_MS.length || !isOnline()) throw problem;
    retrying();
    return wait(RETRY_DELAYS_MS[attempt]).then(function () {
      return postWithRetry(url, body, retrying, attempt + 1);
    });
  });
}
