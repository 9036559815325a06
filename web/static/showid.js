// Show ID: mints an online QR code for the chosen purpose, draws it over
// the portrait, counts down and draws a new one every ttl seconds. It stops
// at once, saying why, when the session ends (signed out, device blocked):
// any refresh or liveness call answered 401 stops it.
(function () {
  "use strict";
  var root = document.getElementById("showid");
  var form = document.getElementById("purpose-form");
  if (!root || !form) return;
  var card = document.getElementById("card");
  var qr = document.getElementById("qr");
  var countdown = document.getElementById("countdown");
  var timer = document.getElementById("timer");
  var shown = document.getElementById("purpose-shown");
  var stoppedBox = document.getElementById("stopped");
  var offlineChoice = document.getElementById("offline-choice");
  var offline = document.getElementById("offline");
  var ttl = parseInt(root.dataset.ttl, 10) || 30;
  var remaining = 0, ticking = null, stopped = false, purpose = null, busy = false;

  // Offline mode only where the wallet is loaded.
  if (window.digitalidWallet && offlineChoice) offlineChoice.hidden = false;

  function label(name) {
    var input = document.getElementById("purpose-" + name);
    return input && input.parentNode ? input.parentNode.textContent.trim() : name;
  }

  function stop(message) {
    stopped = true;
    if (ticking) clearInterval(ticking);
    ticking = null;
    card.hidden = true;
    qr.removeAttribute("src");
    delete qr.dataset.payload;
    stoppedBox.textContent = message;
    stoppedBox.hidden = false;
  }

  // ended stops the code for good: the session is over (signed out, device
  // blocked), so the wallet's offline credentials are forgotten too.
  function ended() {
    stop(root.dataset.tStopped);
    if (window.digitalidWallet && typeof window.digitalidWallet.clear === "function") {
      window.digitalidWallet.clear().catch(function () { /* nothing to forget */ });
    }
  }

  function draw(svg, payload) {
    qr.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
    qr.dataset.payload = payload;
    remaining = ttl;
    card.hidden = false;
    render();
  }

  function render() {
    countdown.textContent = root.dataset.tSeconds.replace("{n}", String(Math.max(remaining, 0)));
    timer.max = ttl;
    timer.value = Math.max(remaining, 0);
  }

  async function problemOf(res) {
    try { return await res.json(); } catch (e) { return {}; }
  }

  async function mintOnline() {
    var res = await fetch("/api/v1/id/presentations", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ purpose: purpose })
    });
    if (res.status === 401) return ended();
    if (!res.ok) {
      var p = await problemOf(res);
      return stop(p.detail || root.dataset.tFailed);
    }
    var d = await res.json();
    ttl = d.ttl_seconds || ttl;
    draw(d.qr_svg, d.payload);
  }

  // mintOffline builds an SD-JWT presentation on the device (wallet.js) and
  // draws it here (vendored qrcode): no network needed.
  async function mintOffline() {
    var payload = await window.digitalidWallet.present(purpose);
    if (!window.QRCode || typeof window.QRCode.toString !== "function") return stop(root.dataset.tOfflineNodraw);
    var svg = await window.QRCode.toString(payload, { type: "svg", errorCorrectionLevel: "L", margin: 4 });
    ttl = 30;
    qr.classList.add("large");
    draw(svg, payload);
  }

  async function mint() {
    if (stopped || busy) return;
    busy = true;
    try {
      if (offline && offline.checked && window.digitalidWallet) await mintOffline();
      else {
        qr.classList.remove("large");
        await mintOnline();
      }
    } catch (e) {
      stop(root.dataset.tFailed);
    } finally {
      busy = false;
    }
  }

  // alive checks the session every few seconds, so a blocked device or a
  // sign-out elsewhere stops the code before its 30 seconds are over.
  async function alive() {
    try {
      var res = await fetch("/api/v1/me", { credentials: "same-origin", headers: { "Accept": "application/json" } });
      if (res.status === 401) ended();
    } catch (e) { /* offline: the code runs out by itself */ }
  }

  function tick() {
    if (stopped) return;
    remaining--;
    render();
    if (remaining % 5 === 0) alive();
    if (remaining <= 0) mint();
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var checked = form.querySelector("input[name=purpose]:checked");
    if (!checked) return;
    purpose = checked.value;
    shown.textContent = label(purpose);
    stopped = false;
    stoppedBox.hidden = true;
    // Keep offline credentials on hand for when the network is gone.
    if (window.digitalidWallet && typeof window.digitalidWallet.prepare === "function") {
      window.digitalidWallet.prepare(purpose).catch(function () { /* online still works */ });
    }
    mint();
    if (!ticking) ticking = setInterval(tick, 1000);
  });
})();
