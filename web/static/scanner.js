// Verifier scanner: decodes a QR code from the camera or an uploaded image
// with jsQR (vendored), sends its text to the verification API with the
// staff session cookie, and shows a large green or red result with the
// claims in words, the portrait (fetched from the answer's short-lived
// portrait link) and the reason of a refusal.
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root) return;
  var video = document.getElementById("camera");
  var startBtn = document.getElementById("start-camera");
  var stopBtn = document.getElementById("stop-camera");
  var upload = document.getElementById("upload");
  var manual = document.getElementById("manual");
  var text = document.getElementById("payload-text");
  var result = document.getElementById("result");
  var verdict = document.getElementById("verdict");
  var purposeEl = document.getElementById("result-purpose");
  var portrait = document.getElementById("result-portrait");
  var claims = document.getElementById("result-claims");
  var reason = document.getElementById("result-reason");
  var canvas = document.createElement("canvas");
  var stream = null, lastPayload = "", lastAt = 0, busy = false;

  // The portrait shows once it has loaded; a link that gives no photo
  // (none on file, expired, used up) leaves it hidden.
  portrait.addEventListener("load", function () { if (portrait.getAttribute("src")) portrait.hidden = false; });
  portrait.addEventListener("error", function () { portrait.hidden = true; });

  function show(kind, title) {
    result.hidden = false;
    result.className = "result " + kind;
    result.dataset.result = kind;
    verdict.textContent = title;
    purposeEl.textContent = "";
    claims.textContent = "";
    reason.textContent = "";
    portrait.hidden = true;
    portrait.removeAttribute("src");
  }

  function render(d) {
    var titles = { valid: root.dataset.tValid, invalid: root.dataset.tInvalid, undetermined: root.dataset.tUndetermined };
    show(d.result, titles[d.result] || root.dataset.tInvalid);
    if (d.reason) result.dataset.reason = d.reason; else delete result.dataset.reason;
    purposeEl.textContent = d.purpose_label || "";
    (d.display || []).forEach(function (item) {
      var row = document.createElement("p");
      row.className = "claim";
      row.dataset.claim = item.claim;
      row.textContent = item.label + ": " + item.value;
      claims.appendChild(row);
    });
    // The answer carries a short-lived link to the portrait, readable only
    // by this verifier: a plain <img> loads it with the staff cookie
    // (same origin; only the path is used, so no other host is ever asked).
    if (d.result === "valid" && d.portrait_url) {
      var u = null;
      try { u = new URL(d.portrait_url, window.location.href); } catch (e) { u = null; }
      if (u && u.pathname.indexOf("/api/v1/verifier/portraits/") === 0) portrait.src = u.pathname;
    }
    if (d.result !== "valid") reason.textContent = d.reason_text || d.reason || "";
  }

  async function verify(payload) {
    if (busy) return;
    busy = true;
    try {
      var res = await fetch("/api/v1/verifier/verify", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ payload: payload })
      });
      if (res.status === 401) { show("invalid", root.dataset.tSignedout); return; }
      var d = await res.json();
      if (!res.ok) { show("invalid", root.dataset.tFailed); reason.textContent = d.detail || ""; return; }
      render(d);
    } catch (e) {
      show("undetermined", root.dataset.tFailed);
    } finally {
      busy = false;
    }
  }

  function decode(source, w, h) {
    if (!w || !h || typeof window.jsQR !== "function") return null;
    canvas.width = w;
    canvas.height = h;
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    ctx.drawImage(source, 0, 0, w, h);
    var img = ctx.getImageData(0, 0, w, h);
    var code = window.jsQR(img.data, w, h, { inversionAttempts: "attemptBoth" });
    return code ? code.data : null;
  }

  upload.addEventListener("change", async function () {
    var f = upload.files && upload.files[0];
    if (!f) return;
    try {
      var bmp = await createImageBitmap(f);
      var payload = decode(bmp, bmp.width, bmp.height);
      if (!payload) { show("invalid", root.dataset.tNoqr); return; }
      await verify(payload);
    } catch (e) {
      show("invalid", root.dataset.tNoqr);
    } finally {
      upload.value = "";
    }
  });

  manual.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (text.value.trim()) verify(text.value.trim());
  });

  function frame() {
    if (!stream) return;
    var payload = decode(video, video.videoWidth, video.videoHeight);
    var now = Date.now();
    // The same code is sent once; a new one (or the same after 5 s) again.
    if (payload && (payload !== lastPayload || now - lastAt > 5000)) {
      lastPayload = payload;
      lastAt = now;
      verify(payload);
    }
    requestAnimationFrame(frame);
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.hidden = true;
    stopBtn.hidden = true;
    startBtn.hidden = false;
  }

  startBtn.addEventListener("click", async function () {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (e) {
      show("undetermined", root.dataset.tNocamera);
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    stopBtn.hidden = false;
    startBtn.hidden = true;
    await video.play();
    requestAnimationFrame(frame);
  });
  stopBtn.addEventListener("click", stopCamera);
})();
