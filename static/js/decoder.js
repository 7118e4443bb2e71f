// Reads a ticket's QR code from a camera frame (or any image) with ZXing-C++ built
// for WebAssembly (static/vendor/zxing-wasm). A frame is drawn downscaled to at most
// MAX_SIDE pixels on its longer side before decoding: a ticket held to the camera
// fills a good part of the frame, and a smaller picture costs a phone far less.
// The scanner calls decodeFrom() a few times a second, never on every frame.
// A classic script, so that a plain <script> can load it (as the decoder's browser
// test does); the scanner's camera module imports it for window.TicketDecoder.
(function () {
  "use strict";

  var MAX_SIDE = 800;
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var prepared = false;

  function prepare(wasmUrl) {
    if (prepared || !window.ZXingWASM) return;
    prepared = true;
    ZXingWASM.prepareZXingModule({
      overrides: {
        locateFile: function (path, prefix) {
          return path.endsWith(".wasm") && wasmUrl ? wasmUrl : prefix + path;
        },
      },
      fireImmediately: false, // compiled on the first frame, not on every page load
    });
  }

  // Resolves to the text of the first QR code found in `source` (a video, image or
  // canvas of the given size), or null.
  function decodeFrom(source, width, height) {
    if (!window.ZXingWASM || !width || !height) return Promise.resolve(null);
    var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    return ZXingWASM.readBarcodes(image, {
      formats: ["QRCode"],
      tryHarder: true,
      tryRotate: true,
      tryInvert: true,
      tryDownscale: true,
      maxNumberOfSymbols: 1,
    }).then(
      function (results) {
        var found = results.filter(function (result) {
          return result.isValid && result.text;
        });
        return found.length ? found[0].text : null;
      },
      function () {
        return null;
      }
    );
  }

  window.TicketDecoder = { prepare: prepare, decodeFrom: decodeFrom, MAX_SIDE: MAX_SIDE };
})();
