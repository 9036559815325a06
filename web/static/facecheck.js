// Video identity check: shows the front camera, and on "Take the check"
// grabs one frame as JPEG, fetches a fresh single-use challenge for a video
// check (POST /api/v1/identity/challenge {"purpose":"video"}) and submits
// both (POST /api/v1/identity/biometric) with the page's session cookie.
// The server enforces the rules (the challenge expires in 2 minutes and is
// spent once; a failed video check blocks biometric checks for 15 minutes
// and goes to an operator); this script only tells the result. Without a
// camera, or when access is refused, it points to the upload form, which
// works without JavaScript.
(function () {
  "use strict";
  var root = document.getElementById("facecheck");
  if (!root) return;
  var video = document.getElementById("facecheck-camera");
  var startBtn = document.getElementById("facecheck-start");
  var takeBtn = document.getElementById("facecheck-take");
  var result = document.getElementById("facecheck-result");
  var noCamera = document.getElementById("facecheck-nocamera");
  var upload = document.getElementById("upload-photo");
  var canvas = document.createElement("canvas");
  var stream = null, busy = false;

  root.hidden = false;

  function say(kind, text) {
    result.hidden = false;
    result.dataset.result = kind;
    result.className = kind === "done" || kind === "checking" ? "notice" : "form-error";
    result.textContent = text;
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.srcObject = null;
    video.hidden = true;
  }

  // finish ends the check on this page: no more camera, no more tries.
  function finish(kind, text) {
    stopCamera();
    startBtn.hidden = true;
    takeBtn.hidden = true;
    say(kind, text);
  }

  function cameraMissing() {
    stopCamera();
    startBtn.hidden = true;
    takeBtn.hidden = true;
    noCamera.hidden = false;
    var input = document.getElementById("image");
    if (input) input.focus();
  }

  // at is the local time seconds from now, as hours and minutes.
  function at(seconds) {
    var d = new Date(Date.now() + seconds * 1000);
    try {
      return d.toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit" });
    } catch (e) {
      return d.toTimeString().slice(0, 5);
    }
  }

  function retryAt(res) {
    var s = parseInt(res.headers.get("Retry-After") || "", 10);
    return at(isFinite(s) && s > 0 ? s : 15 * 60);
  }

  async function problemOf(res) {
    try { return await res.json(); } catch (e) { return {}; }
  }

  // refused tells a refusal of either call; it returns true when there was one.
  async function refused(res, lockedText) {
    if (res.ok) return false;
    if (res.status === 401) {
      finish("signedout", root.dataset.tSignedout);
    } else if (res.status === 423) {
      if (upload) upload.hidden = true;
      finish("locked", lockedText.replace("{time}", retryAt(res)));
    } else {
      var p = await problemOf(res);
      say("error", p.detail || root.dataset.tGeneric);
    }
    return true;
  }

  function grab() {
    return new Promise(function (resolve, reject) {
      var w = video.videoWidth, h = video.videoHeight;
      if (!stream || !w || !h) { reject(new Error("no frame")); return; }
      canvas.width = w;
      canvas.height = h;
      canvas.getContext("2d").drawImage(video, 0, 0, w, h);
      canvas.toBlob(function (blob) {
        if (blob) resolve(blob); else reject(new Error("no frame"));
      }, "image/jpeg", 0.92);
    });
  }

  async function check() {
    var image = await grab();
    var res = await fetch("/api/v1/identity/challenge", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ purpose: "video" })
    });
    if (await refused(res, root.dataset.tLocked)) return;
    var challenge = (await res.json()).challenge;
    var body = new FormData();
    body.append("challenge", challenge);
    body.append("image", image, "face.jpg");
    res = await fetch("/api/v1/identity/biometric", {
      method: "POST", credentials: "same-origin", headers: { "Accept": "application/json" }, body: body
    });
    // A failed video check blocks at once: 423 is "no match, sent to review".
    if (await refused(res, root.dataset.tFailed)) return;
    var d = await res.json();
    if (d.assurance !== "high") { say("error", root.dataset.tGeneric); return; }
    if (upload) upload.hidden = true;
    var level = document.getElementById("assurance");
    if (level) level.textContent = root.dataset.tHigh;
    finish("done", root.dataset.tDone);
  }

  if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== "function") {
    cameraMissing();
    return;
  }

  startBtn.addEventListener("click", async function () {
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } }, audio: false
      });
    } catch (e) {
      cameraMissing();
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    startBtn.hidden = true;
    try { await video.play(); } catch (e) { /* muted inline video plays; a refusal leaves the first frame */ }
    takeBtn.hidden = false;
  });

  takeBtn.addEventListener("click", async function () {
    if (busy) return;
    busy = true;
    takeBtn.disabled = true;
    say("checking", root.dataset.tChecking);
    try {
      await check();
    } catch (e) {
      say("error", root.dataset.tGeneric);
    } finally {
      busy = false;
      takeBtn.disabled = false;
    }
  });

  window.addEventListener("pagehide", stopCamera);
})();
