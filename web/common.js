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

/** The session's CSRF token, for a request api() cannot make (an upload with its progress). */
export function csrfTokenValue() {
  return csrfToken;
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
  } else if (opts.rawBody !== undefined) {
    // A file sent as it is (an import's CSV).
    headers['Content-Type'] = opts.contentType || 'application/octet-stream';
    init.body = opts.rawBody;
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

/**
 * The filled part of a bar, steps twentieths of its width. The width is set
 * through the style object, which the page's style-src 'self' allows (a
 * style attribute it would not).
 */
export function barFill(steps) {
  const el = h('span', { className: 'bar-fill' });
  el.style.width = `${steps * 5}%`;
  return el;
}

/**
 * Puts the product's mark at the head of the page's masthead: one mark
 * for every page (the app and the set-up page), written once here.
 */
export function showBrand() {
  const head = document.querySelector('header.masthead');
  if (!head || head.querySelector('.brand')) return;
  head.prepend(h('div', { className: 'brand' },
    h('img', { src: '/favicon.svg', alt: '', width: 32, height: 32 }),
    h('span', { className: 'product' }, 'hartline')));
}

/**
 * The reasons a match gives for and against a known child, as list items
 * (the sign is drawn, the words "For" and "Against" are read).
 */
export function matchReasons(explanation) {
  return (Array.isArray(explanation) ? explanation : []).map((w) => {
    const weight = Number(w.weight) || 0;
    const kind = weight > 0 ? 'for' : weight < 0 ? 'against' : 'neutral';
    const sign = kind === 'for' ? '+' : kind === 'against' ? '−' : '·';
    const spoken = kind === 'for' ? 'For: ' : kind === 'against' ? 'Against: ' : '';
    return h('li', { className: `why-${kind}` },
      h('span', { className: 'sign', 'aria-hidden': 'true' }, sign),
      h('span', {}, spoken ? srOnly(spoken) : null, w.text || `${w.field}: ${w.level}`));
  });
}

/**
 * GET a list a page shows: the answer's body when it holds the list under
 * key; null when not (the problem said in errId, unless the session
 * ended, which the page says itself); undefined when stale() says a newer
 * load has started meanwhile, and then nothing is said.
 */
export async function getList(path, key, errId, what, stale) {
  const r = await api('GET', path);
  if (stale()) return undefined;
  if (!r.ok || !r.body || !Array.isArray(r.body[key])) {
    if (r.status !== 401) say(errId, problemText(r, what));
    return null;
  }
  say(errId, '');
  return r.body;
}

/** A table row that says something instead of listing (loading, none). */
export function messageRow(text, columns = 7) {
  return h('tr', { className: 'message-row' }, h('td', { colspan: columns }, text));
}

/**
 * getList for a table: marks the table busy while it loads and says
 * loading in a body still empty; on a failure the body is emptied.
 */
export async function getTableList(tableId, bodyId, loading, path, key, errId, what, stale) {
  $(tableId).setAttribute('aria-busy', 'true');
  if (!$(bodyId).childElementCount) $(bodyId).replaceChildren(messageRow(loading));
  const body = await getList(path, key, errId, what, stale);
  if (body === undefined) return undefined;
  $(tableId).removeAttribute('aria-busy');
  if (!body) $(bodyId).replaceChildren();
  return body;
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

/**
 * The start of a form's submit handler: stops the page's own submit and
 * gives the form's button, or null while the button is busy.
 */
export function submitButton(event, id) {
  event.preventDefault();
  const button = $(id);
  return button.disabled ? null : button;
}

/**
 * The start of a form's submit handler that marks field errors: the button
 * (see submitButton) and the form, with its field errors and its error line
 * cleared, or null while the button is busy.
 */
export function submitForm(event, buttonId, formId, errorId) {
  const button = submitButton(event, buttonId);
  if (!button) return null;
  const form = $(formId);
  clearFieldErrors(form);
  say(errorId, '');
  return { button, form };
}

/**
 * Wires a list page's filters PREFIX-filters: each of the selects
 * PREFIX-NAME reloads on a change, the form on submit, and PREFIX-refresh
 * reloads and announces the result.
 */
export function wireListFilters(prefix, names, load) {
  for (const name of names) $(`${prefix}-${name}`).addEventListener('change', () => load());
  $(`${prefix}-refresh`).addEventListener('click', () => load({ announce: true }));
  $(`${prefix}-filters`).addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
}

/**
 * Fills a list page's region filter PREFIX-region: only its own region,
 * with the field hidden, for a user held to one (own); else every region
 * after "All regions", then the extra options.
 */
export function fillRegionFilter(prefix, own, ...extra) {
  const sel = $(`${prefix}-region`);
  if (own) {
    sel.replaceChildren(h('option', { value: own }, regionName(own)));
  } else {
    sel.replaceChildren(h('option', { value: '' }, 'All regions'),
      ...regionsList().map((r) => h('option', { value: r.id }, r.name)), ...extra);
  }
  $(`${prefix}-region-field`).hidden = Boolean(own);
}

/** Adds the handlers to the element with that id: listen('x', { click: f, change: g }). */
export function listen(id, handlers) {
  for (const [type, fn] of Object.entries(handlers)) $(id).addEventListener(type, fn);
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

/**
 * Sends req ({ method, path, body }) with the button busy ("Saving…"): the
 * answer, or null when stale() says a later load has replaced the page
 * (the button is then left as it is, for the new page to redraw).
 */
export async function sendBusy(button, req, stale) {
  const done = busy(button, 'Saving…');
  const r = await api(req.method, req.path, req.body);
  if (stale()) return null;
  done();
  return r;
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
      return user.provider ? user.provider.name : `Agency ${user.scope}`;
    default:
      return user.scope;
  }
}

// Dates and times are shown one way throughout: in the pack's time zone,
// which is the agency's, and written as the pack's locale writes them.
let timeZone;
let locale = 'en-US';

export function setTimeZone(tz) {
  try {
    new Intl.DateTimeFormat(locale, { timeZone: tz });
    timeZone = tz;
  } catch {
    timeZone = undefined;
  }
}

export function getTimeZone() {
  return timeZone;
}

/** The pack's locale ("en-US"); one the browser does not know leaves "en-US". */
export function setLocale(tag) {
  try {
    locale = tag && Intl.DateTimeFormat.supportedLocalesOf([tag]).length ? tag : 'en-US';
  } catch {
    locale = 'en-US';
  }
}

export function getLocale() {
  return locale;
}

/** An instant as a date and time: "Nov 28, 2026, 3:12 AM" (en-US). */
export function formatTime(iso) {
  return formatShortTime(iso);
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

/**
 * The one way a date is shown: "2011-03-04" as "Mar 4, 2011" (en-US), the
 * month in words so day and month cannot be misread. An instant is shown as
 * its day on the agency's clock.
 */
export function formatDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
  if (m) {
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return new Intl.DateTimeFormat(locale, { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' }).format(d);
  }
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return iso || '';
  return new Intl.DateTimeFormat(locale, { timeZone, year: 'numeric', month: 'short', day: 'numeric' }).format(d);
}

/** The one way a date and time is shown, on the agency's clock: "Nov 28, 2026, 3:12 AM" (en-US). */
export function formatShortTime(iso) {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return iso || '';
  return new Intl.DateTimeFormat(locale, {
    timeZone, year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit',
  }).format(d);
}

/** The clock time only, in the agency's time zone: "3:02 PM" (en-US). */
export function formatClock(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(locale, { timeZone, hour: 'numeric', minute: '2-digit' }).format(d);
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

// The zone's offset at ms, in milliseconds east of UTC.
function offsetAt(ms) {
  const p = zoneParts(ms);
  return Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s) - Math.floor(ms / 1000) * 1000;
}

/**
 * A wall-clock value ("2026-11-28T03:12") on the agency's clock: { at (ms),
 * fit } where fit is 'once', 'twice' (the autumn hour the clocks show twice:
 * at is the earlier) or 'skipped' (the spring hour the clocks jump over: at
 * is read with the offset before the jump); null when it is not a time. The
 * server reads a wall time the same way (src/base/clock.c, time_from_local).
 */
function readLocal(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value || '');
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  if (Number.isNaN(wall)) return null;
  // The offsets a day either side: each gives one candidate instant, real
  // when the zone has that offset then.
  const before = offsetAt(wall - 86400000);
  const after = offsetAt(wall + 86400000);
  const a = wall - before;
  const b = wall - after;
  const aReal = offsetAt(a) === before;
  const bReal = offsetAt(b) === after;
  if (aReal && bReal && a !== b) return { at: Math.min(a, b), fit: 'twice' };
  if (aReal) return { at: a, fit: 'once' };
  if (bReal) return { at: b, fit: 'once' };
  return { at: a, fit: 'skipped', before, after };
}

/**
 * "2026-11-28T03:12" read on the agency's clock, as an RFC 3339 time in UTC
 * ("2026-11-28T08:12:00Z"); null when it is not a time, or is a time the
 * clocks skipped (skippedTimeText says so to the person). Of the autumn hour
 * that comes twice, the first.
 */
export function fromLocalInput(value) {
  const r = readLocal(value);
  if (!r || r.fit === 'skipped') return null;
  return new Date(r.at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Words for the person when value is a time the agency's clocks skipped
 * (02:30 on the morning they go forward): what happened and what to give
 * instead. '' for any other value.
 */
export function skippedTimeText(value) {
  const r = readLocal(value);
  if (!r || r.fit !== 'skipped') return '';
  // The instant of the jump: the last before it shows the old offset.
  let lo = r.at - 86400000;
  let hi = r.at + 86400000;
  while (hi - lo > 60000) {
    const mid = Math.floor((lo + hi) / 2 / 60000) * 60000;
    if (offsetAt(mid) === r.before) lo = mid;
    else hi = mid;
  }
  const clock = (ms) => new Intl.DateTimeFormat(locale, { timeZone: 'UTC', hour: 'numeric', minute: '2-digit' }).format(new Date(ms));
  const from = clock(hi + r.before);
  const to = clock(hi + r.after);
  const day = formatDate(value.slice(0, 10));
  return `On ${day} the clocks went forward from ${from} to ${to}, so ${clock(Date.parse(`${value.slice(0, 16)}:00Z`))} never happened. Give a time before ${from} or from ${to} on.`;
}

// ---------------------------------------------------------------- duties and countdowns

// The vocabularies come with GET /api/v1/config (src/model/casestate.c
// makes the case ones): case_statuses (each with the statuses it may move
// to), victim_statuses, petition_statuses, placements, report_kinds,
// event_kinds, and duty_statuses, review_statuses, screening_levels and
// intake_placements. The page keeps no copy, so that it cannot offer what
// the server refuses.
function terms(list) {
  const t = packConfig && packConfig[list];
  return Array.isArray(t) ? t : [];
}

/** The words for a value of one of config's lists; the value itself when the list does not know it. */
export function termLabel(list, id) {
  const t = terms(list).find((x) => x.id === id);
  return t ? t.label : (id || '');
}

/** A list of config as [[id, words]], for a select. */
export function termOptions(list, keep = () => true) {
  return terms(list).filter(keep).map((x) => [x.id, x.label]);
}

/** What a case's status may move to, as config says. */
export function caseMoves(status) {
  const t = terms('case_statuses').find((x) => x.id === status);
  return t && Array.isArray(t.allowed) ? t.allowed : [];
}

/**
 * "overdue by 1 h 02 min" or "due in 3 h 10 min", from the minutes left
 * (negative: past due). Minutes are counted whole, down for what is left
 * and up for how late, so that the words never promise a minute too many.
 */
export function countdownText(minutesLeft) {
  const m = Number(minutesLeft);
  if (!Number.isFinite(m)) return '';
  if (m < 0) return `overdue by ${clockText(Math.ceil(-m))}`;
  if (m < 1) return 'due now';
  return `due in ${clockText(Math.floor(m))}`;
}

/**
 * How long a child has been (or was) missing, as the server counts it for
 * every page: from when last seen, not from when the agency learned of it
 * (missing_for_minutes of a missing episode). '' when not known.
 */
export function missingFor(ep) {
  const m = ep ? ep.missing_for_minutes : null;
  return Number.isFinite(m) ? clockText(m) : '';
}

/** Minutes as "1 h 02 min", "45 min", "2 d 3 h 05 min". */
export function clockText(minutes) {
  const m = Math.max(0, Math.round(minutes));
  if (m < 60) return `${m} min`;
  const d = Math.floor(m / 1440);
  const hh = Math.floor((m % 1440) / 60);
  const mm = String(m % 60).padStart(2, '0');
  return d ? `${d} d ${hh} h ${mm} min` : `${hh} h ${mm} min`;
}

// A countdown counts from what the server said (minutes_left when it
// answered), not from this computer's clock, which may be wrong.
const countdowns = new Set();
let tickTimer = 0;

/**
 * A live countdown: a <span> whose text follows the time left. minutesLeft
 * is the server's figure at the time of its answer; dueAt is used when it
 * is not given. The span carries data-state "overdue" or "open".
 */
export function countdown(minutesLeft, dueAt) {
  let left = Number(minutesLeft);
  if (minutesLeft === null || minutesLeft === undefined || !Number.isFinite(left)) {
    const t = new Date(dueAt).getTime();
    left = Number.isFinite(t) ? (t - Date.now()) / 60000 : NaN;
  }
  const el = h('span', { className: 'countdown' });
  el._left = left;
  el._at = performance.now();
  paintCountdown(el);
  countdowns.add(el);
  if (!tickTimer) tickTimer = setInterval(tick, 15_000);
  return el;
}

function paintCountdown(el) {
  const left = el._left - (performance.now() - el._at) / 60000;
  const text = countdownText(left);
  if (el.textContent !== text) el.textContent = text;
  el.dataset.state = left < 0 ? 'overdue' : left <= 120 ? 'soon' : 'open';
}

function tick() {
  for (const el of countdowns) {
    if (!el.isConnected) countdowns.delete(el);
    else paintCountdown(el);
  }
  if (!countdowns.size) {
    clearInterval(tickTimer);
    tickTimer = 0;
  }
}

/** A duty's status as a badge. */
export function dutyBadge(status) {
  return h('span', { className: `badge duty-${status || 'open'}` }, termLabel('duty_statuses', status));
}

/**
 * A field error as a sentence that names its field: the server's reasons
 * begin with the field in the form's words ("Held at: enter a date and a
 * time"); an older one without gets the key in words.
 */
export function reasonText(x) {
  const reason = String(x.reason || '');
  if (/^[^:]{1,60}: /.test(reason) || !x.field) return sentence(reason);
  const words = String(x.field).replace(/\[(\d+)\]/g, (m, d) => ` ${Number(d) + 1} `).replace(/[_.\-]+/g, ' ').replace(/\s+/g, ' ').trim();
  return sentence(`${words}: ${reason}`);
}

/** The field errors of a 422 answer as sentences ("Agency: required; fill it in."). */
export function fieldErrorsText(r) {
  const errs = (r && r.body && Array.isArray(r.body.errors)) ? r.body.errors : [];
  return errs.map(reasonText).join(' ');
}

// ---------------------------------------------------------------- small forms

/**
 * A labelled field: { id, label, type ('text', 'datetime-local', 'select',
 * 'textarea', 'checkbox', ...), path (the API's field name, for 422
 * errors), options ([[value, text]] for a select), value, hint, optional,
 * required, attrs }. Returns the .field element.
 */
export function field(f) {
  const described = [f.hint ? `${f.id}-hint` : null, f.max ? `${f.id}-count` : null, `${f.id}-error`].filter(Boolean).join(' ');
  const attrs = { id: f.id, name: f.name || f.id, 'aria-describedby': described, dataset: f.path ? { path: f.path } : undefined, ...(f.attrs || {}) };
  if (f.max) attrs.maxlength = String(f.max);
  let control;
  if (f.type === 'select') {
    control = h('select', attrs, (f.options || []).map(([v, t]) => h('option', { value: v }, t)));
    if (f.value !== undefined && f.value !== null) control.value = f.value;
  } else if (f.type === 'textarea') {
    control = h('textarea', { rows: f.rows || 3, ...attrs });
    if (f.value) control.value = f.value;
    if (f.max) {
      return h('div', { className: `field${f.className ? ` ${f.className}` : ''}`, dataset: f.path ? { for: f.path } : undefined },
        h('label', { for: f.id }, f.label,
          f.optional ? h('span', { className: 'optional' }, ' (optional)') : null,
          f.required ? h('span', { className: 'required' }, ' (needed)') : null),
        f.hint ? h('p', { id: `${f.id}-hint`, className: 'field-hint' }, f.hint) : null,
        control, charCounter(control),
        h('p', { id: `${f.id}-error`, className: 'field-error' }));
    }
  } else if (f.type === 'checkbox') {
    control = h('input', { type: 'checkbox', ...attrs });
    control.checked = !!f.value;
    return h('div', { className: `field check-field${f.className ? ` ${f.className}` : ''}`, dataset: f.path ? { for: f.path } : undefined },
      h('label', { className: 'check', for: f.id }, control, h('span', {}, f.label)),
      f.hint ? h('p', { id: `${f.id}-hint`, className: 'field-hint' }, f.hint) : null,
      h('p', { id: `${f.id}-error`, className: 'field-error' }));
  } else {
    control = h('input', { type: f.type || 'text', autocomplete: 'off', ...attrs });
    if (f.value !== undefined && f.value !== null) control.value = f.value;
  }
  if (f.required) control.required = true;
  return h('div', { className: `field${f.className ? ` ${f.className}` : ''}`, dataset: f.path ? { for: f.path } : undefined },
    h('label', { for: f.id }, f.label,
      f.optional ? h('span', { className: 'optional' }, ' (optional)') : null,
      f.required ? h('span', { className: 'required' }, ' (needed)') : null),
    f.hint ? h('p', { id: `${f.id}-hint`, className: 'field-hint' }, f.hint) : null,
    control,
    h('p', { id: `${f.id}-error`, className: 'field-error' }));
}

// ------------------------------------------------------- counted text boxes

const numberFmt = new Intl.NumberFormat();

/** "1,204 of 20,000 characters": the counter's words for box. */
function countWords(box) {
  const max = Number(box.getAttribute('maxlength'));
  const n = box.value.length;
  return `${numberFmt.format(n)} of ${numberFmt.format(max)} characters`;
}

/** Paints the counter of a text box with a limit (its id + "-count"). */
export function paintCounter(box) {
  const out = box && box.id ? document.getElementById(`${box.id}-count`) : null;
  if (!out) return;
  const max = Number(box.getAttribute('maxlength'));
  out.textContent = countWords(box);
  out.classList.toggle('near', box.value.length >= max * 0.9);
}

/**
 * The counter under a text box with a maxlength: how much is written and
 * the limit, kept up to date as the person types (see the listener below).
 */
export function charCounter(box) {
  const out = h('p', { id: `${box.id}-count`, className: 'field-count' }, countWords(box));
  return out;
}

// One listener for every counted box, whenever it was made.
if (typeof document !== 'undefined') {
  document.addEventListener('input', (ev) => {
    const t = ev.target;
    if (t && t.matches && t.matches('textarea[maxlength]')) paintCounter(t);
  });
  // A date and time the agency's clocks skipped is said at once, beside
  // its field; the form then sends no time for it.
  document.addEventListener('change', (ev) => {
    const t = ev.target;
    if (!t || !t.matches || !t.matches('input[type="datetime-local"]')) return;
    const slot = document.getElementById(`${t.id}-error`);
    if (!slot) return;
    const text = skippedTimeText(t.value);
    if (text) {
      slot.textContent = text;
      slot.dataset.skipped = 'true';
      t.setAttribute('aria-invalid', 'true');
      t.closest('.field')?.classList.add('has-error');
    } else if (slot.dataset.skipped) {
      slot.textContent = '';
      delete slot.dataset.skipped;
      t.removeAttribute('aria-invalid');
      t.closest('.field')?.classList.remove('has-error');
    }
  });
}

/** Clears the marks of a form's field errors. */
export function clearFieldErrors(form) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of form.querySelectorAll('.has-error')) el.classList.remove('has-error');
}

/**
 * Puts the field errors of a 422 answer beside their fields (found by
 * data-path; "answers.q1" falls back to "answers"). Returns { first, loose }:
 * the first control marked, and the reasons no field took, as sentences.
 */
export function markFieldErrors(form, r) {
  const errs = (r && r.body && Array.isArray(r.body.errors)) ? r.body.errors : [];
  let first = null;
  const loose = [];
  for (const x of errs) {
    const name = String(x.field || '');
    let el = form.querySelector(`[data-path="${CSS.escape(name)}"]`);
    if (!el && name.includes('.')) el = form.querySelector(`[data-path="${CSS.escape(name.split('.')[0])}"]`);
    if (!el && name.includes('[')) el = form.querySelector(`[data-path="${CSS.escape(name.split('[')[0])}"]`);
    const box = el && el.closest('.field, fieldset');
    const slot = box && box.querySelector('.field-error');
    if (!el || !slot || el.closest('[hidden]')) {
      loose.push(reasonText(x));
      continue;
    }
    // Beside its field the field's own label need not be said again.
    const label = box.querySelector('label');
    const said = label ? label.childNodes[0] && label.childNodes[0].textContent.trim() : '';
    const reason = String(x.reason || '');
    // A time the clocks skipped reaches the server as no time: say why.
    const skipped = el.matches('input[type="datetime-local"]') ? skippedTimeText(el.value) : '';
    slot.textContent = skipped || (said && reason.toLowerCase().startsWith(`${said.toLowerCase()}: `) ? sentence(reason.slice(said.length + 2)) : reasonText(x));
    if (el.matches('input, select, textarea')) el.setAttribute('aria-invalid', 'true');
    box.classList.add('has-error');
    if (!first) first = el.matches('input, select, textarea') ? el : el.querySelector('input, select, textarea');
  }
  return { first, loose };
}

/** "Happened at" fields: the local-time input's value as RFC 3339, or null. */
export function timeValue(input) {
  return input && input.value ? fromLocalInput(input.value) : null;
}
