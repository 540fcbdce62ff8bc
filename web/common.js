// Shared by app.js and admin.js: the API client and small DOM helpers.
// Text goes into the page with textContent only, never as HTML.

export const $ = (id) => document.getElementById(id);

// The session's CSRF token: in memory only. After a reload GET /api/v1/me
// hands it out again.
let csrfToken = null;
let onSessionEnded = () => {};

export function setCsrfToken(token) {
  csrfToken = token || null;
}

/** fn() runs when a request made while logged in answers 401. */
export function setSessionEndedHandler(fn) {
  onSessionEnded = fn;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Calls the API. Resolves { ok, status, body } (body: parsed JSON or null);
 * a network failure resolves { ok: false, status: 0, body: null }.
 * opts.session: false for the calls that may answer 401 without the
 * session having ended (the login itself and the first GET /api/v1/me).
 */
export async function api(method, path, data, opts = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (data !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(data);
  }
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    return { ok: false, status: 0, body: null };
  }
  const text = await res.text().catch(() => '');
  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (res.status === 401 && opts.session !== false) onSessionEnded();
  return { ok: res.ok, status: res.status, body };
}

/** A sentence for a failed call, from its problem+json detail when it has one. */
export function problemText(r, what) {
  if (r.status === 0) return 'The server cannot be reached. Check the connection and try again.';
  const detail = r.body && typeof r.body.detail === 'string' ? r.body.detail : '';
  const sentence = detail ? detail.charAt(0).toUpperCase() + detail.slice(1) : `The server answered ${r.status}.`;
  const end = /[.!?]$/.test(sentence) ? '' : '.';
  return what ? `${what}: ${sentence}${end}` : `${sentence}${end}`;
}

/**
 * Makes an element: h('td', { className: 'x', dataset: { id: 1 } }, 'text', child).
 * Children are strings (as text) or nodes; null, false and '' are skipped.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'className' || k === 'textContent' || k === 'type' || k === 'value' || k === 'hidden')
      el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false || c === '') continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

/** Text that only a screen reader reads. */
export function srOnly(text) {
  return h('span', { className: 'sr-only' }, text);
}

/** Writes a message into a live region (empty text clears it). */
export function say(id, text) {
  const el = $(id);
  if (el) el.textContent = text || '';
}

/** Marks a button busy (disabled, with a busy label) until done() is called. */
export function busy(button, label) {
  const old = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-disabled', 'true');
  if (label) button.textContent = label;
  return () => {
    button.disabled = false;
    button.removeAttribute('aria-disabled');
    button.textContent = old;
  };
}

// The scope of a user in words: "Region 1 (Southwest)", "Team mdt-r1".
let regionNames = new Map();
let towns = [];

export function setRegions(regions) {
  regionNames = new Map((regions || []).map((r) => [r.id, r.name]));
  const all = new Set();
  for (const r of regions || []) for (const o of r.offices || []) for (const t of o.towns || []) all.add(t);
  towns = [...all].sort((a, b) => a.localeCompare(b, 'en'));
}

/** Every town the pack's area offices cover, sorted. */
export function townsList() {
  return towns.slice();
}

export function regionsList() {
  return [...regionNames].map(([id, name]) => ({ id, name }));
}

export function scopeText(user) {
  if (!user || !user.scope) return '';
  switch (user.scope_kind) {
    case 'region':
      return regionNames.get(user.scope) || `Region ${user.scope}`;
    case 'team':
      return `Team ${user.scope}`;
    case 'provider':
      return `Agency ${user.scope}`;
    default:
      return user.scope;
  }
}

// Times are shown in the pack's time zone, which is the agency's.
let timeZone;

export function setTimeZone(tz) {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    timeZone = tz;
  } catch {
    timeZone = undefined;
  }
}

export function getTimeZone() {
  return timeZone;
}

export function formatTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || '';
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    second: '2-digit',
  }).format(d);
}
