// The camera: a downscaled frame a few times a second, never every frame, read by
// the decoder (ZXing-C++ in WebAssembly); a code still in view is not sent again.
// decoder.js stays a classic script (its test loads it with a plain <script>): imported
// here for what it defines, window.TicketDecoder.
import "../decoder.js";
import { data, T } from "./page.js";

var DECODE_EVERY_MS = 250; // four frames a second: quick enough at the door, easy on a battery

var video = document.getElementById("camera");
var cameraStatus = document.getElementById("camera-status");
var cameraToggle = document.getElementById("camera-toggle");
var switchButton = document.getElementById("camera-switch");
var torchButton = document.getElementById("torch");

var stream = null;
var cameras = [];
var cameraIndex = 0;
var lastCode = null;
var lastCodeSeen = 0;
var decoding = false;
var loop = 0;
var read = function () {};
var busy = function () { return false; };

function decodeLoop(id) {
  if (!stream || id !== loop) return;
  if (!decoding && !document.hidden && video.readyState >= video.HAVE_CURRENT_DATA) {
    decoding = true;
    window.TicketDecoder.decodeFrom(video, video.videoWidth, video.videoHeight).then(function (text) {
      decoding = false;
      if (!text) return;
      var now = Date.now();
      var repeated = text === lastCode && now - lastCodeSeen < 5000;
      lastCodeSeen = now;
      if (!repeated && !busy()) {
        lastCode = text;
        read(text);
      }
    });
  }
  setTimeout(function () { decodeLoop(id); }, DECODE_EVERY_MS);
}

function cameraLabel() {
  cameraToggle.textContent = stream ? T.stopCamera : T.startCamera;
  cameraToggle.setAttribute("aria-pressed", stream ? "true" : "false");
}

export function startCamera() {
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

// After an undo, the ticket still in view may be read again.
export function allowSameCode() {
  lastCode = null;
}

// `onCode(text)` gets each code read, unless `isBusy()` says a scan is being judged.
export function setUpCamera(onCode, isBusy) {
  read = onCode;
  busy = isBusy;
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
  if (window.TicketDecoder) window.TicketDecoder.prepare(data.wasmUrl);
  cameraLabel();
}
