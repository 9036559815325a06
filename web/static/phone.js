// phone.js confirms a phone change without the old phone (account_phone
// page, "I no longer have my old phone"): it runs a passkey
// re-authentication ceremony through the JSON API, puts the ceremony id
// and the browser's response into the form beside the new number's code
// and the PIN, and submits it. The server checks all three factors; the
// passkey response is not used anywhere else (its ceremony is spent by the
// phone change).
(function () {
  'use strict';

  const button = document.getElementById('phone-passkey');
  const form = document.getElementById('lost-phone-form');
  if (!button || !form) {
    return;
  }

  function show(text) {
    const box = document.getElementById(button.dataset.error || '');
    if (box) {
      box.textContent = text;
      box.hidden = false;
    }
  }

  if (!(window.PublicKeyCredential && PublicKeyCredential.parseRequestOptionsFromJSON)) {
    show(button.dataset.unsupported || '');
    return;
  }
  button.hidden = false;

  async function begin() {
    const res = await fetch('/api/v1/auth/reauth/passkey/begin', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: '{}',
    });
    const data = await res.json().catch(function () { return {}; });
    if (!res.ok) {
      throw new Error(data.detail || data.title || String(res.status));
    }
    return data;
  }

  button.addEventListener('click', async function () {
    button.disabled = true;
    try {
      const begun = await begin();
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(begun.options);
      const cred = await navigator.credentials.get({ publicKey: publicKey });
      document.getElementById('passkey_ceremony_id').value = begun.ceremony_id;
      document.getElementById('passkey_response').value = JSON.stringify(cred.toJSON());
      form.submit();
    } catch (err) {
      // A cancelled or timed-out prompt is a DOMException (NotAllowedError).
      show(err instanceof DOMException ? (button.dataset.cancelled || err.message) : err.message);
      button.disabled = false;
    }
  });
})();
