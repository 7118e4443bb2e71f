// The scanner's service worker: keeps the scanner page and its files so that the
// page opens and scans with no connection once it has been opened online.
// Scanner pages: network first (fresh counters and token), the kept copy offline.
// Static files: the kept copy first; a new version of the files brings a new cache.
// The API is never answered from a cache.
"use strict";

var VERSION = "{{ version }}";
var ASSETS = {{ assets }};
var PREFIX = {{ prefix }};
// The modules that js/scanner.js imports from js/scanner/ are kept too. VERSION is a
// digest of the files in ASSETS only, so the modules' own digest (MODULES_VERSION,
// which tests/test_scanner_assets.py checks and tells when it must change) names the
// cache as well: a changed module brings a new cache, as a changed file of ASSETS does.
{%- set modules = ["api", "camera", "checkin", "page", "recent", "search", "sync", "texts",
                   "tickets", "ui", "verdicts", "walkin"] %}
var MODULES = [
{%- for name in modules %}
  {{ url_for("static", filename="js/scanner/" ~ name ~ ".js")|tojson }}{{ "," if not loop.last }}
{%- endfor %}
];
var MODULES_VERSION = "e457fad07a490d0c";
MODULES.forEach(function (url) {
  if (ASSETS.indexOf(url) === -1) ASSETS.push(url); // cache.addAll refuses a file twice
});
var STATIC_CACHE = "scanner-static-" + VERSION + "-" + MODULES_VERSION;
var PAGE_CACHE = "scanner-pages";
var NETWORK_WAIT_MS = 4000;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE).then(function (cache) {
      return cache.addAll(ASSETS);
    }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("scanner-static-") === 0 && name !== STATIC_CACHE;
      }).map(function (name) {
        return caches.delete(name);
      }));
    }).then(function () {
      return self.clients.claim();
    })
  );
});

function isScannerPage(url) {
  if (url.pathname.indexOf(PREFIX) !== 0) return false;
  var rest = url.pathname.slice(PREFIX.length);
  return rest.length > 0 && rest.indexOf("/") === -1 && rest !== "sw.js";
}

function pageFromNetwork(request) {
  var timer;
  var late = new Promise(function (resolve, reject) {
    timer = setTimeout(function () { reject(new Error("slow")); }, NETWORK_WAIT_MS);
  });
  var network = fetch(request).then(function (response) {
    clearTimeout(timer);
    if (response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGE_CACHE).then(function (cache) {
        cache.put(request.url, copy);
      });
    }
    return response;
  });
  return Promise.race([network, late]).catch(function () {
    return caches.match(request.url, { cacheName: PAGE_CACHE }).then(function (kept) {
      return kept || network;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && isScannerPage(url)) {
    event.respondWith(pageFromNetwork(request));
  } else if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(
      caches.match(url.pathname, { cacheName: STATIC_CACHE }).then(function (kept) {
        return kept || fetch(request);
      })
    );
  }
});
