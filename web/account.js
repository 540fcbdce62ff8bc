// The second step of logging in (setting up an authenticator app, or a
// code from it) and the person's own account page: the sessions they have
// open, each of which they can end.

import { $, api, busy, formatShortTime, h, problemText, say, setCsrfToken, submitButton } from './common.js';

let ctx = null; // { done(), cancel(message) } from app.js
let next = null; // 'enrol' or 'code' while this step is shown
let generation = 0;

// ---------------------------------------------------------------- second step

/** Puts the server's SVG into the page as SVG, not as HTML or a picture. */
function placeQr(svgText) {
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const root = doc.documentElement;
  if (!root || root.nodeName !== 'svg' || doc.getElementsByTagName('parsererror').length) return false;
  $('mfa-qr').replaceChildren(document.importNode(root, true));
  return true;
}

async function startEnrolment() {
  const gen = ++generation;
  say('mfa-error', '');
  $('mfa-secret').textContent = '';
  $('mfa-qr').replaceChildren();
  const r = await api('POST', '/api/v1/session/second-factor/enrolment', undefined, { session: false });
  if (gen !== generation) return;
  if (r.status !== 201 || !r.body) {
    if (r.status === 401 || r.status === 409) ctx.cancel('Your login took too long. Log in again to set up your authenticator app.');
    else say('mfa-error', problemText(r, 'The set-up could not start'));
    return;
  }
  // Groups of four are easier to type into an app than 32 letters at once.
  $('mfa-secret').textContent = r.body.secret.replace(/(.{4})(?=.)/g, '$1 ');
  if (!placeQr(r.body.qr_svg)) say('mfa-error', 'The QR code could not be shown: type the key below into your app instead.');
}

/** Shows the second step: which = 'enrol' (set up the app) or 'code'. */
export function showMfa(which) {
  next = which;
  const enrol = which === 'enrol';
  $('mfa-heading').textContent = enrol ? 'Set up your authenticator app' : 'Type the code from your authenticator app';
  $('mfa-enrol').hidden = !enrol;
  $('mfa-form').hidden = false;
  $('mfa-done').hidden = true;
  $('mfa-code-label').textContent = enrol ? 'Six-digit code the app shows now' : 'Six-digit code from your app, or a recovery code';
  $('mfa-code-hint').textContent = enrol
    ? 'The code changes every 30 seconds. Type the one the app shows now.'
    : 'Lost your phone? Type one of the recovery codes you kept when you set up the app. Each works once.';
  $('mfa-code').value = '';
  $('mfa-code').removeAttribute('aria-invalid');
  say('mfa-error', '');
  $('mfa-heading').focus();
  if (enrol) startEnrolment();
}

export function clearMfa() {
  generation++;
  next = null;
  $('mfa-secret').textContent = '';
  $('mfa-qr').replaceChildren();
  $('mfa-recovery-codes').replaceChildren();
  $('mfa-code').value = '';
  say('mfa-error', '');
}

function showRecoveryCodes(codes) {
  say('mfa-error', ''); // a wrong code typed before the right one is behind us now
  $('mfa-enrol').hidden = true;
  $('mfa-form').hidden = true;
  $('mfa-heading').textContent = 'Keep your recovery codes';
  $('mfa-recovery-codes').replaceChildren(...codes.map((c) => h('li', { className: 'mono' }, c)));
  $('mfa-done').hidden = false;
  $('mfa-heading').focus();
}

async function submitCode(event) {
  const submit = submitButton(event, 'mfa-submit');
  if (!submit) return;
  const input = $('mfa-code');
  const typed = input.value.trim();
  const digits = typed.replace(/\s+/g, '');
  if (!typed) {
    input.setAttribute('aria-invalid', 'true');
    say('mfa-error', next === 'enrol' ? 'Type the six-digit code your app shows.' : 'Type the six-digit code from your app, or a recovery code.');
    input.focus();
    return;
  }
  const enrol = next === 'enrol';
  const path = enrol ? '/api/v1/session/second-factor/enrolment/confirm' : '/api/v1/session/second-factor';
  const body = enrol || /^\d{6}$/.test(digits) ? { code: digits } : { recovery_code: typed };
  const done = busy(submit, 'Checking…');
  const r = await api('POST', path, body, { session: false });
  done();
  if (r.status === 201 && r.body) {
    setCsrfToken(r.body.csrf_token);
    input.value = '';
    if (enrol && Array.isArray(r.body.recovery_codes)) showRecoveryCodes(r.body.recovery_codes);
    else ctx.done();
    return;
  }
  if (r.status === 409 || (r.status === 401 && r.body && r.body.type !== 'urn:hartline:problem:code-failed')) {
    ctx.cancel('Your login took too long. Log in again.');
    return;
  }
  input.value = '';
  input.setAttribute('aria-invalid', 'true');
  // The server's sentence says what was wrong and what to do; it needs no prefix.
  const detail = r.body && typeof r.body.detail === 'string';
  say('mfa-error', r.status === 422 ? 'Type the six-digit code from your app, or a recovery code.'
    : problemText(r, detail ? undefined : 'You are not logged in yet'));
  input.focus();
}

async function cancel() {
  await api('DELETE', '/api/v1/session', undefined, { session: false });
  ctx.cancel('You are logged out.');
}

// ---------------------------------------------------------------- account page

async function loadSessions() {
  const gen = ++generation;
  // Every session, a page of 500 at a time, each after the one before.
  const sessions = [];
  let after = null;
  do {
    const q = new URLSearchParams({ limit: '500' });
    if (after) q.set('after', after);
    const r = await api('GET', `/api/v1/me/sessions?${q}`);
    if (gen !== generation) return;
    if (!r.ok || !r.body || !Array.isArray(r.body.items)) {
      if (r.status !== 401) say('account-error', problemText(r, 'Your sessions could not be loaded'));
      return;
    }
    sessions.push(...r.body.items);
    after = r.body.next;
  } while (after);
  const rows = sessions.map((s) => h('tr', { dataset: { id: String(s.id) } },
    h('td', { dataset: { label: 'Started' } }, formatShortTime(s.created_at)),
    h('td', { dataset: { label: 'Last used' } }, formatShortTime(s.last_used_at)),
    h('td', { dataset: { label: 'Address' }, className: 'mono' }, s.client || 'unknown'),
    h('td', { dataset: { label: 'Browser' } }, s.user_agent || 'unknown'),
    h('td', { className: 'row-actions' }, s.current
      ? h('span', { className: 'badge badge-active' }, 'This session')
      : h('button', { type: 'button', className: 'btn btn-small btn-caution', dataset: { id: String(s.id) } },
        'End', h('span', { className: 'sr-only' }, ` the session started ${formatShortTime(s.created_at)}`)))));
  $('sessions-body').replaceChildren(...rows);
}

async function endSession(event) {
  const button = event.target.closest('button[data-id]');
  if (!button) return;
  say('account-status', '');
  say('account-error', '');
  const done = busy(button, 'Ending…');
  const r = await api('DELETE', `/api/v1/me/sessions/${button.dataset.id}`);
  done();
  if (r.status === 204) {
    say('account-status', 'That session has ended: whoever used it must log in again.');
    await loadSessions();
    $('account-heading').focus();
  } else if (r.status !== 401) {
    say('account-error', problemText(r, 'The session was not ended'));
    await loadSessions();
  }
}

export function showAccount() {
  say('account-status', '');
  say('account-error', '');
  loadSessions();
}

export function clearAccount() {
  generation++;
  $('sessions-body').replaceChildren();
  say('account-status', '');
  say('account-error', '');
}

export function initAccount(context) {
  ctx = context;
  $('mfa-form').addEventListener('submit', submitCode);
  $('mfa-cancel').addEventListener('click', cancel);
  $('mfa-continue').addEventListener('click', () => ctx.done());
  $('sessions-body').addEventListener('click', endSession);
  $('account-refresh').addEventListener('click', () => showAccount());
}
