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
 * opts.headers: more request headers (an Idempotency-Key); opts.keepalive:
 * the request outlives the page (a draft saved as the tab closes).
 */
export async function api(method, path, data, opts = {}) {
  const headers = { ...(opts.headers || {}), Accept: 'application/json, application/problem+json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (opts.keepalive) init.keepalive = true; // sent even as the page goes away
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

// ---------------------------------------------------------------- the pack

// GET /api/v1/config as it came: the pack's lists (sources, vulnerabilities,
// instruments, dispositions, the law, deadlines). Read-only for the pages.
let packConfig = null;
let officeNames = new Map();

export function setConfig(config) {
  packConfig = config || null;
  officeNames = new Map();
  for (const r of (config && config.regions) || []) for (const o of r.offices || []) officeNames.set(o.id, o.name);
}

/** The pack as GET /api/v1/config answered it, or null before it came. */
export function getConfig() {
  return packConfig;
}

export function regionName(id) {
  return regionNames.get(id) || (id ? `Region ${id}` : '');
}

export function officeName(id) {
  return officeNames.get(id) || id || '';
}

/** The name of an item of one of the pack's lists ("referral_sources", ...), else its id. */
export function packName(list, id) {
  const items = (packConfig && packConfig[list]) || [];
  const item = items.find((x) => x.id === id);
  return item ? item.name : id || '';
}

// ---------------------------------------------------------------- words

export function sentence(text) {
  const s = String(text || '').trim();
  if (!s) return '';
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

export function fullName(given, family) {
  return [given, family].filter((x) => x && String(x).trim()).join(' ');
}

/** Today as YYYY-MM-DD in the agency's time zone. */
export function today() {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
      .format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

/** "2011-03-04" as "Mar 4, 2011": the month in words, so day and month cannot be misread. */
export function formatDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
  if (!m) return iso || '';
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' }).format(d);
}

/** A time without seconds, in the agency's time zone: "Nov 28, 2026, 3:12 AM". */
export function formatShortTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || '';
  return new Intl.DateTimeFormat('en-US', {
    timeZone, year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit',
  }).format(d);
}

/** The clock time only, in the agency's time zone: "3:02 PM". */
export function formatClock(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: '2-digit' }).format(d);
}

/** The agency's time zone in words at that time: "Eastern Standard Time". */
export function zoneName(iso = new Date().toISOString()) {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'long' }).formatToParts(new Date(iso));
    return parts.find((p) => p.type === 'timeZoneName')?.value || timeZone || '';
  } catch {
    return timeZone || '';
  }
}

/** Minutes as "3 h 12 min", "2 d 4 h", "12 min", "less than a minute". */
export function durationText(minutes) {
  const m = Math.max(0, Math.floor(Number(minutes) || 0));
  if (m < 1) return 'less than a minute';
  if (m < 60) return `${m} min`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return m % 60 ? `${hours} h ${m % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** A probability as shown and as spoken: never "100%" nor "0%". */
export function percent(p) {
  const n = Number(p) || 0;
  if (n >= 0.995) return { text: '>99%', spoken: 'more than 99%' };
  if (n < 0.01) return { text: '<1%', spoken: 'less than 1%' };
  const v = `${Math.round(n * 100)}%`;
  return { text: v, spoken: v };
}

// ---------------------------------------------------------------- local time

// The parts of an instant as the agency's clock shows it.
function zoneParts(ms) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (t) => Number(parts.find((p) => p.type === t)?.value);
  return { y: get('year'), mo: get('month'), d: get('day'), h: get('hour') % 24, mi: get('minute'), s: get('second') };
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** An instant as the value of an <input type="datetime-local">, on the agency's clock. */
export function toLocalInput(ms = Date.now()) {
  const p = zoneParts(ms);
  return `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}`;
}

/**
 * "2026-11-28T03:12" read on the agency's clock, as an RFC 3339 time in UTC
 * ("2026-11-28T08:12:00Z"); null when it is not a time.
 */
export function fromLocalInput(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value || '');
  if (!m) return null;
  const want = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  // The zone's offset at that moment; twice, for a time near a change of offset.
  let t = want;
  for (let i = 0; i < 2; i++) {
    const p = zoneParts(t);
    const shown = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s);
    t += want - shown;
  }
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
