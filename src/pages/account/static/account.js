/*
 * The account page (README "Privacy"). Signs in with the SHA-256 hex of the typed password,
 * as the apps do, then shows the account: download the data, delete the account, sign out.
 * Talks only to this origin's /account/* routes; every request after the sign-in carries
 * the session's X-CSRF-Token. The texts come from the server-rendered page (#texts and the
 * templates), in the browser's language.
 */
(function () {
  'use strict';
  var texts = JSON.parse(document.getElementById('texts').textContent);
  var view = document.getElementById('view');
  var csrfToken = '';

  /** Shows one template in #view (the only copy of its controls in the document). */
  function render(name, into) {
    var target = into || view;
    target.replaceChildren(document.getElementById('tpl-' + name).content.cloneNode(true));
  }

  function byId(id) {
    return document.getElementById(id);
  }

  async function sha256Hex(text) {
    var bytes = new TextEncoder().encode(text);
    if (window.crypto && window.crypto.subtle) {
      var digest = new Uint8Array(await window.crypto.subtle.digest('SHA-256', bytes));
      return Array.from(digest, function (b) {
        return b.toString(16).padStart(2, '0');
      }).join('');
    }
    return window.picteverSha256Hex(bytes); // sha256.js: plain-HTTP pages have no crypto.subtle
  }

  function call(method, path, body) {
    var headers = {};
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  }

  /** The message for a failed answer (401 is read by each caller: it means different things). */
  function failure(status) {
    if (status === 429) return texts.too_many;
    if (status === 503) return texts.busy;
    return texts.failed;
  }

  function showSignIn(message) {
    csrfToken = '';
    render('signin');
    var form = byId('signin-form');
    var error = byId('signin-error');
    if (message) error.textContent = message;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      void signIn(form, error);
    });
    byId('signin-email').focus();
  }

  async function signIn(form, error) {
    var button = form.querySelector('button');
    button.disabled = true;
    error.textContent = '';
    try {
      var password = await sha256Hex(byId('signin-password').value);
      var res = await call('POST', '/account/login', {
        email: byId('signin-email').value,
        password: password,
      });
      if (res.ok) {
        var body = await res.json();
        if (body.state === 'deleted') return showDone();
        csrfToken = body.csrf_token;
        return showAccount(body.account);
      }
      error.textContent = res.status === 401 ? texts.wrong_credentials : failure(res.status);
    } catch {
      error.textContent = texts.network;
    }
    button.disabled = false;
  }

  function showAccount(account) {
    render('account');
    var field = function (name) {
      return view.querySelector('[data-field="' + name + '"]');
    };
    field('email').textContent = account.email;
    field('phone').textContent = account.phone || texts.no_phone;
    field('to').textContent = String(account.waiting.to_you);
    field('from').textContent = String(account.waiting.from_you);
    byId('download').addEventListener('click', function () {
      void download(byId('download'));
    });
    byId('delete').addEventListener('click', function () {
      showDeleteForm(account);
    });
    byId('signout').addEventListener('click', function () {
      void signOut();
    });
  }

  function filenameOf(res) {
    var match = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '');
    return match ? match[1] : 'pictever-data.json';
  }

  async function download(button) {
    var status = byId('account-status');
    button.disabled = true;
    status.textContent = texts.downloading;
    try {
      var res = await call('GET', '/account/export');
      if (res.status === 401) return showSignIn(texts.signed_out);
      if (!res.ok) {
        status.textContent = failure(res.status);
      } else {
        var url = URL.createObjectURL(await res.blob());
        var link = document.createElement('a');
        link.href = url;
        link.download = filenameOf(res);
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () {
          URL.revokeObjectURL(url);
        }, 60000);
        status.textContent = texts.downloaded;
      }
    } catch {
      status.textContent = texts.network;
    }
    button.disabled = false;
  }

  function showDeleteForm(account) {
    var slot = byId('delete-slot');
    if (slot.firstElementChild) return byId('delete-email').focus();
    render('delete', slot);
    var form = byId('delete-form');
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      void deleteAccount(form, account);
    });
    byId('delete-email').addEventListener('input', function () {
      byId('delete-error').textContent = '';
    });
    byId('delete-email').focus();
  }

  async function deleteAccount(form, account) {
    var error = byId('delete-error');
    var typed = byId('delete-email').value;
    // The server checks it too; this spares a request for a typo.
    if (typed.trim().toLowerCase() !== account.email.toLowerCase()) {
      error.textContent = texts.email_mismatch;
      return;
    }
    var button = form.querySelector('button');
    button.disabled = true;
    error.textContent = texts.deleting;
    try {
      var res = await call('POST', '/account/delete', { email: typed });
      if (res.ok) return showDone();
      if (res.status === 401) return showSignIn(texts.signed_out);
      error.textContent = res.status === 400 ? texts.email_mismatch : failure(res.status);
    } catch {
      error.textContent = texts.network;
    }
    button.disabled = false;
  }

  async function signOut() {
    try {
      await call('POST', '/account/logout');
    } catch {
      // Signed out here either way; the session ends with its lifetime at worst.
    }
    showSignIn();
  }

  function showDone() {
    csrfToken = '';
    render('done');
  }

  async function start() {
    try {
      var res = await call('GET', '/account/me');
      if (res.ok) {
        var body = await res.json();
        csrfToken = body.csrf_token;
        return showAccount(body.account);
      }
    } catch {
      return showSignIn(texts.network);
    }
    showSignIn();
  }

  void start();
})();
