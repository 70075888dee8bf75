/**
 * The hosted login page's one script (allowed by its hash in the page's CSP): the passkey button and
 * the conditional request on the username field (the browser's autofill offers passkeys there). It
 * fetches options from POST /auth/passkeys/login/options (again every 4 minutes, before the challenge
 * expires; the button names the username typed, if any, so its passkeys are listed), runs the
 * ceremony, and posts the credential as JSON text in the page's own form, so the server's passkey
 * login checks it. Base64url only: parsing and verifying stay on the server.
 */
export const PAGE_SCRIPT = `(function () {
  var form = document.getElementById('passkey-form');
  var button = document.getElementById('passkey');
  if (!form || !button || !window.PublicKeyCredential || !navigator.credentials) return;
  function b64(buffer) {
    var bytes = new Uint8Array(buffer), text = '';
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  }
  function unb64(text) {
    var raw = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }
  function options(username) {
    return fetch(form.getAttribute('data-options'), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, credentials: 'same-origin',
      body: JSON.stringify(username ? { username: username } : {})
    }).then(function (r) { return r.json(); }).then(function (j) {
      var o = j.options;
      return {
        challenge: unb64(o.challenge), rpId: o.rpId, timeout: o.timeout, userVerification: o.userVerification,
        allowCredentials: (o.allowCredentials || []).map(function (c) {
          return { type: c.type, id: unb64(c.id), transports: c.transports };
        })
      };
    });
  }
  function submit(c) {
    var r = c.response;
    form.elements.credential.value = JSON.stringify({
      id: c.id, rawId: b64(c.rawId), type: c.type, authenticatorAttachment: c.authenticatorAttachment || undefined,
      clientExtensionResults: c.getClientExtensionResults(),
      response: {
        clientDataJSON: b64(r.clientDataJSON), authenticatorData: b64(r.authenticatorData),
        signature: b64(r.signature), userHandle: r.userHandle ? b64(r.userHandle) : undefined
      }
    });
    form.submit();
  }
  var pending;
  function ceremony(mediation, username) {
    if (pending) pending.abort();
    pending = new AbortController();
    var signal = pending.signal;
    return options(username).then(function (publicKey) {
      return navigator.credentials.get({ publicKey: publicKey, mediation: mediation, signal: signal });
    }).then(function (c) { if (c) submit(c); });
  }
  button.hidden = false;
  button.addEventListener('click', function () {
    // A username typed already names its passkeys (security keys that hold none for discovery work too).
    var typed = document.getElementById('username');
    ceremony('optional', typed && typed.value.trim()).catch(function () {
      var error = document.getElementById('error');
      if (error) { error.textContent = 'The passkey sign-in did not complete.'; error.hidden = false; }
    });
  });
  if (PublicKeyCredential.isConditionalMediationAvailable) {
    PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
      if (!available) return;
      var run = function () { ceremony('conditional').catch(function () {}); };
      run();
      setInterval(run, 240000);
    });
  }
})();`;

/** The pages' one stylesheet (allowed by its hash). */
export const PAGE_STYLE = `body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}
input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem;width:100%}#error{color:#a00}ul{padding-left:1.2rem}
.muted{color:#555;font-size:.9rem}.row{display:flex;gap:.5rem}.row form{flex:1}`;
