// The check-in scanner page: the camera (scanner/camera.js), a handheld
// keyboard-wedge scanner or a typed code, and a search by name. Online, the JSON API
// decides (scanner/checkin.js); offline, the device's ticket list (offline.js,
// scanner/tickets.js) and the offline verdict (scanner/verdicts.js) do, and the scan
// waits in the queue (scanner/sync.js) until the connection returns.
// The service worker (templates/checkin/sw.js) keeps every one of these modules.
import { allowSameCode, setUpCamera, startCamera } from "./scanner/camera.js";
import { isBusy, scan, setUpCheckIn, undo } from "./scanner/checkin.js";
import { data, root } from "./scanner/page.js";
import { showRecent } from "./scanner/recent.js";
import { setUpSearch } from "./scanner/search.js";
import { startSync, watchConnection } from "./scanner/sync.js";
import { setUpVerdict } from "./scanner/ui.js";
import { setUpWalkIn } from "./scanner/walkin.js";

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

// The offline machinery starts once the page has loaded: it never delays the scanner.
function startOffline() {
  registerWorker();
  startSync();
}

if (root) {
  setUpCheckIn(allowSameCode);
  setUpVerdict();
  setUpCamera(function (code) { scan(code, "camera"); }, isBusy);
  setUpSearch();
  setUpWalkIn();
  watchConnection();
  showRecent(undo);
  startCamera();
  if (document.readyState === "complete") startOffline();
  else window.addEventListener("load", startOffline);
}
