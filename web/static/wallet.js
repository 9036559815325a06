// wallet.js — the citizen's browser wallet for offline digital ID codes.
//
// It keeps batches of single-use SD-JWT VC credentials (POST
// /api/v1/id/credentials), each bound to its own P-256 key made by WebCrypto
// as NON-extractable: the private key never leaves the browser's key store
// and is kept as a CryptoKey object in IndexedDB, next to its credential.
//
//   window.digitalidWallet.prepare(type) -> Promise<number>  credentials on hand
//   window.digitalidWallet.present(type) -> Promise<string>  a QR payload "DID1:..."
//   window.digitalidWallet.qrSVG(text[, "L"|"M"]) -> string  the QR code as SVG (no network)
//
// present takes one credential (and deletes it: single use), keeps only the
// Disclosures of the purpose, and appends a Key Binding JWT (typ kb+jwt,
// ES256) with iat = now, aud = the purpose name (what the verify package
// checks: the wallet cannot know the scanner, its signature covers what the
// holder agreed to show), a random 96-bit nonce, and sd_hash = SHA-256 over
// the presentation up to and including its last "~". No network is needed
// to present. The result is verify.FormatPayload's text.
(function () {
  "use strict";

  var DB_NAME = "digitalid-wallet", STORE = "credentials", PREFIX = "DID1:";
  var BATCH = 20, LOW = 5, MARGIN = 60; // fetch 20 when fewer than 5 remain; skip those expiring within 60 s

  // The claims each purpose discloses (verify.DefaultPurposes).
  var PURPOSES = {
    age_over_14: ["age_over_14"],
    age_over_18: ["age_over_18"],
    age_over_21: ["age_over_21"],
    student: ["institution", "study_form", "speciality", "group"],
    large_family: ["children_count", "children_ages"]
  };

  function b64url(bytes) {
    var s = "";
    bytes = new Uint8Array(bytes);
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function unb64url(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function utf8(s) { return new TextEncoder().encode(s); }

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () {
        var st = req.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
        st.createIndex("type", "type");
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), result;
        t.oncomplete = function () { db.close(); resolve(result); };
        t.onerror = t.onabort = function () { db.close(); reject(t.error); };
        fn(t.objectStore(STORE), function (r) { result = r; });
      });
    });
  }

  function now() { return Math.floor(Date.now() / 1000); }

  // usable lists the credentials of type that do not expire within MARGIN,
  // dropping the others.
  function usable(type) {
    return tx("readwrite", function (st, done) {
      var out = [];
      st.index("type").openCursor(IDBKeyRange.only(type)).onsuccess = function (ev) {
        var c = ev.target.result;
        if (!c) { out.sort(function (a, b) { return a.exp - b.exp; }); return done(out); }
        if (c.value.exp <= now() + MARGIN) c.delete(); else out.push(c.value);
        c.continue();
      };
    });
  }

  async function fetchBatch(type) {
    var pairs = [];
    for (var i = 0; i < BATCH; i++) {
      pairs.push(await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]));
    }
    var keys = [];
    for (var j = 0; j < pairs.length; j++) {
      var jwk = await crypto.subtle.exportKey("jwk", pairs[j].publicKey); // the public half only
      keys.push({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y });
    }
    var res = await fetch("/api/v1/id/credentials", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ type: type, holder_keys: keys })
    });
    if (!res.ok) {
      var problem = {};
      try { problem = await res.json(); } catch (e) { /* not problem+json */ }
      var err = new Error(problem.detail || ("credentials: HTTP " + res.status));
      err.status = res.status;
      throw err;
    }
    var body = await res.json();
    await tx("readwrite", function (st, done) {
      body.credentials.forEach(function (cred, k) {
        st.add({ type: type, credential: cred, key: pairs[k].privateKey, exp: expOf(cred) });
      });
      done(body.credentials.length);
    });
    return body.credentials.length;
  }

  function expOf(cred) { return payloadOf(cred).exp || 0; }

  // payloadOf reads the claims of a credential's issuer-signed JWT.
  function payloadOf(cred) {
    return JSON.parse(new TextDecoder().decode(unb64url(cred.split("~")[0].split(".")[1])));
  }

  // statusList fetches a Token Status List (the JWT at uri) and inflates its
  // bits, past the HTTP cache so that a revocation is seen at once (a list is
  // a few kilobytes, fetched when Show ID opens and after each code). The
  // wallet does not check its signature: the list only ever makes it drop
  // credentials, never accept one.
  async function statusList(uri) {
    var res = await fetch(uri, { cache: "no-store", credentials: "omit" });
    if (!res.ok) throw new Error("status list: HTTP " + res.status);
    var jwt = (await res.text()).trim();
    var sl = JSON.parse(new TextDecoder().decode(unb64url(jwt.split(".")[1]))).status_list;
    var stream = new Blob([unb64url(sl.lst)]).stream().pipeThrough(new DecompressionStream("deflate")); // zlib
    return { bits: sl.bits, data: new Uint8Array(await new Response(stream).arrayBuffer()) };
  }

  // statusPath is where this page's own origin serves the list at uri. The
  // wallet holds only the platform's credentials, whose lists the platform
  // that served this page publishes under /status/ (its public URL may name
  // it by another host, behind a proxy); the page's CSP allows no other.
  function statusPath(uri) {
    var p = new URL(uri).pathname;
    return p.indexOf("/status/") === 0 ? p : null;
  }

  // revoked reports whether entry idx of list is anything but VALID (0).
  function revoked(list, idx) {
    var bit = idx * list.bits, b = list.data[bit >> 3];
    if (b === undefined) return false; // out of the list: not ours to judge
    return ((b >> (bit & 7)) & ((1 << list.bits) - 1)) !== 0;
  }

  // pruneRevoked drops the stored credentials of type that their status list
  // says are revoked. The platform re-issues by revoking: when the source
  // document changes or is revoked, an age threshold passes or the device is
  // blocked, the old credentials' entries are set, and the next prepare
  // fetches a fresh batch (or none, if the attestation no longer holds).
  // Without a network it keeps everything; verifiers decide.
  async function pruneRevoked(type) {
    var list = await usable(type), byURI = {}, gone = [];
    list.forEach(function (rec) {
      try {
        var st = payloadOf(rec.credential).status.status_list, path = statusPath(st.uri);
        if (path) (byURI[path] = byURI[path] || []).push({ id: rec.id, idx: st.idx });
      } catch (e) { /* no status entry: nothing to check */ }
    });
    for (var uri in byURI) {
      var sl;
      try { sl = await statusList(uri); } catch (e) { continue; }
      byURI[uri].forEach(function (c) { if (revoked(sl, c.idx)) gone.push(c.id); });
    }
    if (gone.length) {
      await tx("readwrite", function (st, done) { gone.forEach(function (id) { st.delete(id); }); done(); });
    }
    return gone.length;
  }

  var preparing = {};

  // prepare drops revoked credentials of type (Show ID calls it when it
  // opens), then refills.
  function prepare(type) {
    if (!PURPOSES[type]) return Promise.reject(new Error("unknown type " + type));
    return pruneRevoked(type).catch(function () { return 0; }).then(function () { return refill(type); });
  }

  // refill makes sure credentials of type are on hand, fetching a batch when
  // fewer than LOW remain; it resolves to how many there are.
  function refill(type) {
    if (preparing[type]) return preparing[type];
    preparing[type] = usable(type).then(function (list) {
      if (list.length >= LOW) return list.length;
      return fetchBatch(type).then(function (n) { return list.length + n; });
    }).finally(function () { delete preparing[type]; });
    return preparing[type];
  }

  // take removes and returns the credential of type that expires first.
  async function take(type) {
    var list = await usable(type);
    if (!list.length) {
      await refill(type);
      list = await usable(type);
    }
    if (!list.length) throw new Error("no credential of type " + type);
    var rec = list[0];
    await tx("readwrite", function (st, done) { st.delete(rec.id); done(); });
    return rec;
  }

  async function present(type) {
    var claims = PURPOSES[type];
    if (!claims) throw new Error("unknown type " + type);
    var rec = await take(type);
    var parts = rec.credential.split("~");
    var kept = parts.slice(1).filter(function (d) {
      if (!d) return false;
      var arr = JSON.parse(new TextDecoder().decode(unb64url(d)));
      return arr.length === 3 && claims.indexOf(arr[1]) >= 0;
    });
    var sdjwt = parts[0] + "~" + (kept.length ? kept.join("~") + "~" : "");
    var sdHash = b64url(await crypto.subtle.digest("SHA-256", utf8(sdjwt)));
    var header = b64url(utf8(JSON.stringify({ alg: "ES256", typ: "kb+jwt" })));
    var nonce = b64url(crypto.getRandomValues(new Uint8Array(12)));
    var payload = b64url(utf8(JSON.stringify({ iat: now(), aud: type, nonce: nonce, sd_hash: sdHash })));
    var input = header + "." + payload;
    var sig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, rec.key, utf8(input)); // r||s, as JWS wants
    refill(type).catch(function () { /* refilled next time */ });
    return PREFIX + sdjwt + input + "." + b64url(sig);
  }

  // ---- QR code (ISO/IEC 18004), byte mode, error correction L or M ----
  // A small encoder so the offline code can be drawn with no network; it
  // follows the structure of Project Nayuki's QR Code generator (MIT).

  var ECC = { // codewords per block and blocks, by version (index 0 unused)
    L: [[-1, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
      [-1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25], 1],
    M: [[-1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
      [-1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49], 0]
  };

  function rawModules(ver) {
    var r = (16 * ver + 128) * ver + 64;
    if (ver >= 2) {
      var n = Math.floor(ver / 7) + 2;
      r -= (25 * n - 10) * n - 55;
      if (ver >= 7) r -= 36;
    }
    return r;
  }

  function dataCodewords(ver, e) { return Math.floor(rawModules(ver) / 8) - e[0][ver] * e[1][ver]; }

  function gfMul(x, y) {
    var z = 0;
    for (var i = 7; i >= 0; i--) {
      z = (z << 1) ^ ((z >>> 7) * 0x11d);
      z ^= ((y >>> i) & 1) * x;
    }
    return z;
  }

  function rsDivisor(degree) {
    var r = [], root = 1, i, j;
    for (i = 0; i < degree - 1; i++) r.push(0);
    r.push(1);
    for (i = 0; i < degree; i++) {
      for (j = 0; j < degree; j++) {
        r[j] = gfMul(r[j], root);
        if (j + 1 < degree) r[j] ^= r[j + 1];
      }
      root = gfMul(root, 2);
    }
    return r;
  }

  function rsRemainder(data, div) {
    var r = div.map(function () { return 0; });
    data.forEach(function (b) {
      var f = b ^ r.shift();
      r.push(0);
      div.forEach(function (c, i) { r[i] ^= gfMul(c, f); });
    });
    return r;
  }

  // qrMatrix returns the modules of the smallest QR code holding text (UTF-8,
  // byte mode) at level "L" (default) or "M": rows of booleans, true = dark.
  function qrMatrix(text, level) {
    var e = ECC[level || "L"];
    if (!e) throw new Error("QR level must be L or M");
    var bytes = utf8(text), ver, cap;
    for (ver = 1; ; ver++) {
      if (ver > 40) throw new Error("text too long for a QR code");
      cap = dataCodewords(ver, e) * 8;
      // Version 23 is skipped: jsQR 1.4.0 (the scanner's decoder) has a
      // wrong alignment pattern position for it and cannot read it.
      if (ver !== 23 && 4 + (ver < 10 ? 8 : 16) + bytes.length * 8 <= cap) break;
    }
    var bits = [];
    function put(v, n) { for (var i = n - 1; i >= 0; i--) bits.push((v >>> i) & 1); }
    put(4, 4);
    put(bytes.length, ver < 10 ? 8 : 16);
    bytes.forEach(function (b) { put(b, 8); });
    put(0, Math.min(4, cap - bits.length));
    put(0, (8 - bits.length % 8) % 8);
    for (var pad = 0xec; bits.length < cap; pad ^= 0xec ^ 0x11) put(pad, 8);
    var data = [];
    for (var i = 0; i < bits.length; i += 8) {
      var v = 0;
      for (var k = 0; k < 8; k++) v = (v << 1) | bits[i + k];
      data.push(v);
    }
    // Error correction, then interleave the blocks.
    var nBlocks = e[1][ver], eccLen = e[0][ver], raw = Math.floor(rawModules(ver) / 8);
    var nShort = nBlocks - raw % nBlocks, shortLen = Math.floor(raw / nBlocks), div = rsDivisor(eccLen);
    var blocks = [], off = 0;
    for (i = 0; i < nBlocks; i++) {
      var dat = data.slice(off, off + shortLen - eccLen + (i < nShort ? 0 : 1));
      off += dat.length;
      var ecc = rsRemainder(dat, div);
      if (i < nShort) dat.push(0);
      blocks.push(dat.concat(ecc));
    }
    var code = [];
    for (i = 0; i < blocks[0].length; i++) {
      for (var j = 0; j < blocks.length; j++) {
        if (i !== shortLen - eccLen || j >= nShort) code.push(blocks[j][i]);
      }
    }
    // Function patterns.
    var size = ver * 4 + 17, m = [], fn = [];
    for (i = 0; i < size; i++) { m.push(new Array(size).fill(false)); fn.push(new Array(size).fill(false)); }
    function setFn(x, y, dark) { m[y][x] = dark; fn[y][x] = true; }
    for (i = 0; i < size; i++) { setFn(6, i, i % 2 === 0); setFn(i, 6, i % 2 === 0); }
    [[3, 3], [size - 4, 3], [3, size - 4]].forEach(function (c) {
      for (var dy = -4; dy <= 4; dy++) {
        for (var dx = -4; dx <= 4; dx++) {
          var d = Math.max(Math.abs(dx), Math.abs(dy)), x = c[0] + dx, y = c[1] + dy;
          if (x >= 0 && x < size && y >= 0 && y < size) setFn(x, y, d !== 2 && d !== 4);
        }
      }
    });
    var align = [];
    if (ver > 1) {
      var n = Math.floor(ver / 7) + 2, step = Math.floor((ver * 8 + n * 3 + 5) / (n * 4 - 4)) * 2;
      for (var pos = size - 7; align.length < n - 1; pos -= step) align.unshift(pos);
      align.unshift(6);
    }
    align.forEach(function (ay, a) {
      align.forEach(function (ax, b) {
        if ((a === 0 && b === 0) || (a === 0 && b === align.length - 1) || (a === align.length - 1 && b === 0)) return;
        for (var dy = -2; dy <= 2; dy++) {
          for (var dx = -2; dx <= 2; dx++) setFn(ax + dx, ay + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
        }
      });
    });
    function formatBits(mask) {
      var d = (e[2] << 3) | mask, r = d;
      for (var q = 0; q < 10; q++) r = (r << 1) ^ ((r >>> 9) * 0x537);
      var f = ((d << 10) | r) ^ 0x5412;
      function bit(q) { return ((f >>> q) & 1) !== 0; }
      for (q = 0; q <= 5; q++) setFn(8, q, bit(q));
      setFn(8, 7, bit(6)); setFn(8, 8, bit(7)); setFn(7, 8, bit(8));
      for (q = 9; q < 15; q++) setFn(14 - q, 8, bit(q));
      for (q = 0; q < 8; q++) setFn(size - 1 - q, 8, bit(q));
      for (q = 8; q < 15; q++) setFn(8, size - 15 + q, bit(q));
      setFn(8, size - 8, true);
    }
    formatBits(0);
    if (ver >= 7) {
      var r = ver;
      for (i = 0; i < 12; i++) r = (r << 1) ^ ((r >>> 11) * 0x1f25);
      var vb = (ver << 12) | r;
      for (i = 0; i < 18; i++) {
        var bit = ((vb >>> i) & 1) !== 0, a2 = size - 11 + i % 3, b2 = Math.floor(i / 3);
        setFn(a2, b2, bit); setFn(b2, a2, bit);
      }
    }
    // Codewords, in the zigzag from the bottom right.
    var idx = 0;
    for (var right = size - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5;
      for (var vert = 0; vert < size; vert++) {
        for (j = 0; j < 2; j++) {
          var x = right - j, up = ((right + 1) & 2) === 0, y = up ? size - 1 - vert : vert;
          if (!fn[y][x] && idx < code.length * 8) {
            m[y][x] = ((code[idx >>> 3] >>> (7 - (idx & 7))) & 1) !== 0;
            idx++;
          }
        }
      }
    }
    // The mask with the lowest penalty (runs, 2×2 blocks, balance).
    function mask(k) {
      for (var y = 0; y < size; y++) {
        for (var x = 0; x < size; x++) {
          var inv;
          switch (k) {
            case 0: inv = (x + y) % 2 === 0; break;
            case 1: inv = y % 2 === 0; break;
            case 2: inv = x % 3 === 0; break;
            case 3: inv = (x + y) % 3 === 0; break;
            case 4: inv = (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0; break;
            case 5: inv = (x * y) % 2 + (x * y) % 3 === 0; break;
            case 6: inv = ((x * y) % 2 + (x * y) % 3) % 2 === 0; break;
            default: inv = ((x + y) % 2 + (x * y) % 3) % 2 === 0;
          }
          if (inv && !fn[y][x]) m[y][x] = !m[y][x];
        }
      }
    }
    function penalty() {
      var p = 0, dark = 0, x, y;
      for (var pass = 0; pass < 2; pass++) {
        for (y = 0; y < size; y++) {
          var run = 1;
          for (x = 1; x <= size; x++) {
            var same = x < size && (pass ? m[x][y] === m[x - 1][y] : m[y][x] === m[y][x - 1]);
            if (same) { run++; continue; }
            if (run >= 5) p += run - 2;
            run = 1;
          }
        }
      }
      for (y = 0; y < size; y++) {
        for (x = 0; x < size; x++) {
          if (m[y][x]) dark++;
          if (x + 1 < size && y + 1 < size && m[y][x] === m[y][x + 1] && m[y][x] === m[y + 1][x] && m[y][x] === m[y + 1][x + 1]) p += 3;
        }
      }
      return p + Math.floor(Math.abs(dark * 20 - size * size * 10) / (size * size)) * 10;
    }
    var best = 0, bestP = Infinity;
    for (k = 0; k < 8; k++) {
      mask(k); formatBits(k);
      var pen = penalty();
      if (pen < bestP) { best = k; bestP = pen; }
      mask(k);
    }
    mask(best); formatBits(best);
    return m;
  }

  // qrSVG draws text as an SVG QR code with a 4-module quiet zone.
  function qrSVG(text, level) {
    var m = qrMatrix(text, level), n = m.length + 8, d = "";
    for (var y = 0; y < m.length; y++) {
      for (var x = 0; x < m.length; x++) if (m[y][x]) d += "M" + (x + 4) + " " + (y + 4) + "h1v1h-1z";
    }
    return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' + n + " " + n + '" shape-rendering="crispEdges">' +
      '<rect width="' + n + '" height="' + n + '" fill="#fff"/><path fill="#000" d="' + d + '"/></svg>';
  }

  // count says how many usable credentials of type are on hand.
  function count(type) { return usable(type).then(function (l) { return l.length; }); }

  // clear forgets every credential and key (sign-out, device blocked).
  function clear() { return tx("readwrite", function (st, done) { st.clear(); done(); }); }

  window.digitalidWallet = { prepare: prepare, present: present, count: count, clear: clear, purposes: PURPOSES,
    qrSVG: qrSVG, qrMatrix: qrMatrix };
})();
