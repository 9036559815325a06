// passkey.js runs the passkey ceremonies of the citizen pages: adding a
// passkey (security page), signing in with one (sign-in page) and
// confirming a sensitive action with one (confirm page). Each is a button
// with data-passkey="register", "signin" or "reauth"; the pages work
// without this script for everything else. It calls the JSON API on the
// same origin, so the session cookie goes along and no token is ever
// visible to the page.
(function () {
  'use strict';

  // post sends a JSON body and returns the JSON answer, or throws an Error
  // carrying the problem's status and localised detail.
  async function post(path, body) {
    const res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body || {}),
    });
    const data = await res.json().catch(function () { return {}; });
    if (!res.ok) {
      const err = new Error(data.detail || data.title || String(res.status));
      err.status = res.status;
      throw err;
    }
    return data;
  }

  // local keeps a return address on this site; anything else goes home.
  function local(path, fallback) {
    if (typeof path === 'string' && path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\')) {
      return path;
    }
    return fallback;
  }

  function supported() {
    return !!(window.PublicKeyCredential &&
      PublicKeyCredential.parseCreationOptionsFromJSON &&
      PublicKeyCredential.parseRequestOptionsFromJSON);
  }

  async function register(button) {
    let begun;
    try {
      begun = await post('/api/v1/passkeys/register/begin');
    } catch (err) {
      if (err.status === 403) { // the last PIN or passkey check is too old
        location.assign('/account/confirm?next=' + encodeURIComponent(location.pathname));
        return;
      }
      throw err;
    }
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(begun.options);
    const cred = await navigator.credentials.create({ publicKey: publicKey });
    const field = document.getElementById(button.dataset.nameField || '');
    await post('/api/v1/passkeys/register/finish', {
      ceremony_id: begun.ceremony_id, response: cred.toJSON(), name: field ? field.value.trim() : '',
    });
    location.assign('/account/security?msg=passkey_added');
  }

  // assert runs a sign-in or re-authentication ceremony under base.
  async function assert(base, finishExtra) {
    const begun = await post(base + '/begin');
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(begun.options);
    const cred = await navigator.credentials.get({ publicKey: publicKey });
    await post(base + '/finish', Object.assign({ ceremony_id: begun.ceremony_id, response: cred.toJSON() }, finishExtra));
  }

  const ceremonies = {
    register: register,
    signin: async function (button) {
      await assert('/api/v1/auth/passkey', { cookie: true });
      location.assign(local(button.dataset.next, '/account'));
    },
    reauth: async function (button) {
      await assert('/api/v1/auth/reauth/passkey', {});
      location.assign(local(button.dataset.next, '/account'));
    },
  };

  function show(button, text) {
    const box = document.getElementById(button.dataset.error || '');
    if (box) {
      box.textContent = text;
      box.hidden = false;
    }
  }

  document.querySelectorAll('[data-passkey]').forEach(function (button) {
    const run = ceremonies[button.dataset.passkey];
    if (!run) {
      return;
    }
    if (!supported()) {
      show(button, button.dataset.unsupported || '');
      return;
    }
    button.hidden = false;
    button.addEventListener('click', async function () {
      button.disabled = true;
      try {
        await run(button);
      } catch (err) {
        // A cancelled or timed-out prompt is a DOMException (NotAllowedError).
        show(button, err instanceof DOMException ? (button.dataset.cancelled || err.message) : err.message);
        button.disabled = false;
      }
    });
  });
})();
