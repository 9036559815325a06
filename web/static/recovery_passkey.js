// recovery_passkey.js runs the passkey check of a recovery on /recover/status:
// the citizen types the new PIN twice, presses the button, confirms with a
// passkey still registered to the account, and the form is sent with the
// assertion. The request is authenticated by the recovery cookie (same
// origin); no handle is visible to the page. Without this script the form
// stays hidden and the page works with a code to the phone.
(function () {
  'use strict';

  const button = document.querySelector('[data-recovery-passkey]');
  if (!button) {
    return;
  }
  const form = button.form;

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
  form.hidden = false;

  async function begin() {
    const path = '/api/v1/recovery/requests/' + encodeURIComponent(button.dataset.recoveryPasskey) + '/passkey';
    const res = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' } });
    const data = await res.json().catch(function () { return {}; });
    if (!res.ok) {
      throw new Error(data.detail || data.title || String(res.status));
    }
    return data;
  }

  button.addEventListener('click', async function () {
    if (!form.reportValidity()) {
      return;
    }
    button.disabled = true;
    try {
      const begun = await begin();
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(begun.options);
      const cred = await navigator.credentials.get({ publicKey: publicKey });
      form.elements.ceremony_id.value = begun.ceremony_id;
      form.elements.response.value = JSON.stringify(cred.toJSON());
      form.submit();
    } catch (err) {
      // A cancelled or timed-out prompt is a DOMException (NotAllowedError).
      show(err instanceof DOMException ? (button.dataset.cancelled || err.message) : err.message);
      button.disabled = false;
    }
  });
})();
