// The set-up page (/setup#token=...): the person an account was made for
// chooses their own password with the link their administrator handed
// them. The token travels after "#", which the browser never sends to a
// server or in a Referer, and it leaves the address bar at once; it is
// kept for this tab only, so that a reload still works.

import { $, api, busy, formatShortTime, getTimeZone, problemText, say, setLocale, setTimeZone, showBrand, submitButton } from './common.js';

const KEY = 'hartline-setup-token';

function takeToken() {
  const m = /^#token=([0-9a-f]{64})$/.exec(location.hash);
  if (m) {
    try {
      sessionStorage.setItem(KEY, m[1]);
    } catch {
      // Without storage a reload needs the link again; nothing else changes.
    }
    history.replaceState(null, '', location.pathname);
    return m[1];
  }
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

function forgetToken() {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing kept
  }
}

let token = null;
let username = '';

function refused(r) {
  $('setup-form').hidden = true;
  $('setup-intro').textContent = '';
  if (r.status === 404 || r.status === 410) forgetToken();
  $('setup-heading').textContent = 'This link cannot be used';
  say('setup-error', problemText(r));
  $('setup-login').hidden = false;
  $('setup-heading').focus();
}

function fieldError(field, text) {
  const input = $(`setup-${field}`);
  $(`setup-${field}-error`).textContent = text;
  if (text) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
  input.closest('.field').classList.toggle('has-error', !!text);
}

async function check() {
  token = takeToken();
  if (!token) {
    $('setup-intro').textContent = '';
    say('setup-error', 'This page needs the whole set-up link your administrator gave you. Open that link again, or ask for a new one.');
    $('setup-login').hidden = false;
    return;
  }
  // Times in the agency's own time zone, as everywhere else in hartline.
  const [r, config] = await Promise.all([
    api('POST', '/api/v1/setup/check', { token }, { session: false }),
    api('GET', '/api/v1/config', undefined, { session: false }),
  ]);
  if (config.ok && config.body && config.body.pack) {
    setLocale(config.body.pack.locale);
    setTimeZone(config.body.pack.time_zone);
  }
  if (!r.ok || !r.body) {
    refused(r);
    return;
  }
  username = r.body.username;
  $('setup-username').textContent = username;
  $('setup-name').textContent = r.body.display_name || '';
  $('setup-username-field').value = username;
  const tz = getTimeZone();
  $('setup-intro').textContent = `This link works once, until ${formatShortTime(r.body.expires_at)}${tz ? ` (${tz.replace(/_/g, ' ')} time)` : ''}. Choose the password you will log in with.`;
  $('setup-form').hidden = false;
  $('setup-password').focus();
}

async function submit(event) {
  const button = submitButton(event, 'setup-submit');
  if (!button) return;
  say('setup-error', '');
  const password = $('setup-password').value;
  const again = $('setup-again').value;
  fieldError('password', password ? '' : 'Choose a password.');
  fieldError('again', password && again !== password ? 'The two passwords are not the same: type it again.' : '');
  if (!password || again !== password) {
    (password ? $('setup-again') : $('setup-password')).focus();
    return;
  }
  const done = busy(button, 'Setting…');
  const r = await api('POST', '/api/v1/setup', { token, password }, { session: false });
  done();
  if (r.ok) {
    forgetToken();
    $('setup-form').reset();
    $('setup-form').hidden = true;
    $('setup-intro').textContent = '';
    say('setup-status', `Your password is set. Log in with the username ${username} and the password you chose.`);
    $('setup-login').hidden = false;
    $('setup-heading').focus();
    return;
  }
  if (r.status === 422 && r.body && Array.isArray(r.body.errors)) {
    const e = r.body.errors.find((x) => x.field === 'password');
    const reason = e ? String(e.reason) : 'Choose another password.';
    fieldError('password', `${reason.charAt(0).toUpperCase()}${reason.slice(1)}${/[.!?]$/.test(reason) ? '' : '.'}`);
    $('setup-again').value = '';
    $('setup-password').focus();
    return;
  }
  refused(r);
}

$('setup-form').addEventListener('submit', submit);
// A link pasted into this same tab changes only the fragment: check it too.
window.addEventListener('hashchange', () => {
  if (/^#token=/.test(location.hash)) {
    say('setup-error', '');
    say('setup-status', '');
    $('setup-login').hidden = true;
    $('setup-heading').textContent = 'Choose your password';
    check();
  }
});
document.querySelector('.skip').addEventListener('click', (e) => {
  e.preventDefault();
  $('main').focus();
});
showBrand();
check();
