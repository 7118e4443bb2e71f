// The check-in scanner: camera (jsQR), a handheld keyboard-wedge scanner or a
// typed code, and a search by name. Every scan goes to the JSON API, which
// decides; this page only shows the verdict and keeps the counters fresh.
(function () {
  "use strict";

  var root = document.getElementById("scanner");
  if (!root) return;
  var data = root.dataset;

  var verdictBox = document.getElementById("verdict");
  var codeInput = document.getElementById("code");
  var video = document.getElementById("camera");
  var cameraStatus = document.getElementById("camera-status");
  var switchButton = document.getElementById("camera-switch");
  var torchButton = document.getElementById("torch");
  var searchInput = document.getElementById("search");
  var resultsList = document.getElementById("search-results");
  var soundBox = document.getElementById("sound");
  var connection = document.getElementById("connection");

  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var cameras = [];
  var cameraIndex = 0;
  var lastCode = null;
  var lastCodeSeen = 0;
  var busy = false;
  var hideTimer = null;
  var lastCheckedIn = null;

  var ICONS = { good: "\u2714", warn: "!", bad: "\u2716" };
  var TONE = { checked_in: "good", undone: "warn", already: "warn" };

  function nonce() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": data.csrf },
      body: JSON.stringify(body),
    }).then(readJson);
  }

  function readJson(response) {
    return response.json().then(function (json) {
      json.httpStatus = response.status;
      return json;
    });
  }

  function setCounts(counts) {
    if (!counts) return;
    document.getElementById("count-checked-in").textContent = counts.checked_in;
    document.getElementById("count-confirmed").textContent = counts.confirmed;
  }

  function feedback(tone) {
    if (!soundBox.checked) return;
    if (navigator.vibrate) navigator.vibrate(tone === "good" ? 80 : [200, 80, 200]);
    try {
      var audio = new (window.AudioContext || window.webkitAudioContext)();
      var oscillator = audio.createOscillator();
      oscillator.frequency.value = tone === "good" ? 880 : 220;
      oscillator.connect(audio.destination);
      oscillator.onended = function () {
        audio.close();
      };
      oscillator.start();
      oscillator.stop(audio.currentTime + (tone === "good" ? 0.12 : 0.35));
    } catch (error) {
      /* no sound on this device */
    }
  }

  function showVerdict(json) {
    var tone = json.error ? "bad" : TONE[json.result] || "bad";
    verdictBox.className = "verdict verdict-" + tone;
    verdictBox.dataset.result = json.result || "error";
    verdictBox.querySelector(".verdict-icon").textContent = ICONS[tone];
    verdictBox.querySelector(".verdict-title").textContent = json.title || json.error;
    verdictBox.querySelector(".verdict-name").textContent = json.name || "";
    verdictBox.querySelector(".verdict-org").textContent = json.organization || "";
    verdictBox.querySelector(".verdict-detail").textContent = json.detail || "";
    var undo = document.getElementById("verdict-undo");
    lastCheckedIn = json.result === "checked_in" ? json.registration_id : null;
    undo.hidden = lastCheckedIn === null;
    verdictBox.hidden = false;
    setCounts(json.counts);
    feedback(tone);
    // The next handheld scan must land in the code field, whatever was clicked.
    if (document.activeElement !== searchInput) codeInput.focus({ preventScroll: true });
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hideVerdict, tone === "good" ? 2500 : 6000);
  }

  function hideVerdict() {
    verdictBox.hidden = true;
    if (document.activeElement !== searchInput) codeInput.focus();
  }

  function send(url, body) {
    if (busy) return Promise.resolve();
    busy = true;
    return post(url, body)
      .then(function (json) {
        // Not allowed any more (a withdrawn or expired link, a session that ended):
        // the page itself says what happened and what to do.
        if (json.httpStatus === 401) window.location.reload();
        else showVerdict(json);
      }, function () {
        showVerdict({ error: data.textOffline });
      })
      .then(function () {
        busy = false;
      });
  }

  function scan(code, method) {
    return send(data.scanUrl, { code: code, method: method, nonce: nonce() });
  }

  // Handheld scanner or typed code: the scanner "types" the code and Enter.
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
    if (event.target === verdictBox) hideVerdict();
  });
  document.getElementById("verdict-undo").addEventListener("click", function (event) {
    if (lastCheckedIn === null) return;
    var registrationId = lastCheckedIn;
    lastCheckedIn = null; // one undo per check-in, however often the button is tapped
    event.currentTarget.hidden = true;
    busy = false;
    send(data.undoUrl, { registration_id: registrationId });
    lastCode = null; // the same ticket may be scanned again after an undo
  });

  // Camera: read frames, decode with jsQR, never send the same code twice in a row.
  function tick() {
    if (!stream) return;
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      var now = Date.now();
      if (found && found.data) {
        var repeated = found.data === lastCode && now - lastCodeSeen < 5000;
        lastCodeSeen = now;
        if (!repeated && !busy) {
          lastCode = found.data;
          scan(found.data, "camera");
        }
      }
    }
    requestAnimationFrame(tick);
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraStatus.textContent = data.textCameraError;
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
        cameraStatus.textContent = data.textCameraOn;
        setUpTorch();
        return navigator.mediaDevices.enumerateDevices();
      })
      .then(function (devices) {
        if (!devices) return;
        cameras = devices.filter(function (device) {
          return device.kind === "videoinput";
        });
        switchButton.hidden = cameras.length < 2;
        requestAnimationFrame(tick);
      })
      .catch(function () {
        stream = null;
        cameraStatus.textContent = data.textCameraError;
      });
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    torchButton.hidden = true;
    cameraStatus.textContent = data.textCameraOff;
  }

  function setUpTorch() {
    var track = stream.getVideoTracks()[0];
    var capabilities = track.getCapabilities ? track.getCapabilities() : {};
    torchButton.hidden = !capabilities.torch;
  }

  document.getElementById("camera-toggle").addEventListener("click", function () {
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

  // Search by name, email or organization.
  var searchTimer = null;
  searchInput.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 250);
  });

  function runSearch() {
    var query = searchInput.value.trim();
    if (query.length < 2) {
      resultsList.textContent = "";
      return;
    }
    fetch(data.searchUrl + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
      .then(readJson)
      .then(showResults, function () {
        resultsList.textContent = data.textOffline;
      });
  }

  function showResults(json) {
    resultsList.textContent = "";
    if (json.error) {
      var problem = document.createElement("li");
      problem.textContent = json.error;
      resultsList.appendChild(problem);
      return;
    }
    var results = json.results || [];
    if (!results.length) {
      var none = document.createElement("li");
      none.textContent = data.textNoResults;
      resultsList.appendChild(none);
      return;
    }
    results.forEach(function (person) {
      var item = document.createElement("li");
      var text = document.createElement("span");
      text.className = "result-text";
      text.textContent =
        person.name + " – " + person.organization + ", " + person.email + " (" + person.status_label + ")";
      item.appendChild(text);
      if (person.checked_in) {
        var done = document.createElement("strong");
        done.textContent = " " + data.textCheckedIn;
        item.appendChild(done);
      } else {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button button-primary";
        button.textContent = data.textCheckIn;
        button.setAttribute("aria-label", data.textCheckIn + ": " + person.name);
        button.addEventListener("click", function () {
          send(data.checkinUrl, { registration_id: person.registration_id, nonce: nonce() }).then(
            runSearch
          );
        });
        item.appendChild(button);
      }
      resultsList.appendChild(item);
    });
  }

  // Counters change when other devices check people in.
  setInterval(function () {
    fetch(data.countsUrl, { credentials: "same-origin" })
      .then(readJson)
      .then(function (json) {
        if (json.httpStatus === 200) {
          setCounts(json);
          connection.hidden = true;
        } else if (json.error) {
          connection.textContent = json.error; // e.g. the check-in link was withdrawn
          connection.hidden = false;
        }
      })
      .catch(function () {});
  }, 2000);

  startCamera();
})();
