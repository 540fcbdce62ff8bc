// "New report": the Careline worker takes down a call while the caller is on
// the line. Keyboard first: the tab order follows the call, Enter in a field
// never saves by accident, Ctrl+Enter saves from anywhere in the form. As a
// child's names are typed, the known children who may be this child show
// beside them; the worker links the right one once the report is saved.
//
// The draft: as it is typed the form is kept twice, so that a reload, a
// crash or an ended session loses nothing: at once in sessionStorage (this
// browser tab only; it needs no network), and after a pause on the server
// (PUT /api/v1/drafts/intake, sealed, one per worker), which outlives the tab
// and the machine. On opening the page the newer of the two is restored. The
// draft carries the form's Idempotency-Key: a report sent just before a crash
// and sent again from the restored draft is recorded once.

import {
  $, api, busy, formatClock, formatDate, formatShortTime, fullName, getConfig, h, paintCounter, percent, problemText, say, sentence,
  srOnly, matchReasons, termOptions, today, toLocalInput, fromLocalInput, skippedTimeText, townsList, zoneName,
} from './common.js';

export const CHANNELS = [
  ['phone', 'Phone'],
  ['web', 'Web form'],
  ['email', 'E-mail'],
  ['fax', 'Fax'],
  ['walk_in', 'Walk-in'],
  ['law_enforcement', 'Law enforcement'],
];

/** Where a child lives, for the form's select: config's intake_placements after "Not known". */
const placements = () => [['', 'Not known'], ...termOptions('intake_placements')];

export const SEX_LABELS = { F: 'Female', M: 'Male', X: 'X' };

const BANDS = {
  likely: 'Likely match',
  possible: 'Possible match',
  unlikely: 'Unlikely match',
};

const MATCH = '/api/v1/persons/match';
const DRAFT_API = '/api/v1/drafts/intake';
const DRAFT_PREFIX = 'hartline.intake-draft.'; // + username; sessionStorage: this tab only
const MATCH_DELAY_MS = 300;
const DRAFT_DELAY_MS = 400; // to this tab
const SERVER_DRAFT_DELAY_MS = 2000; // to the server: each save is audited, so after a pause
const MAX_SHOWN = 5;

let ctx = { user: () => null, can: () => false, saved: () => {} };
let kids = []; // [{ key, root, timer, lastQuery, gen }] in the order shown
let nextKey = 1;
let idemKey = null;
let started = false; // the form holds a report in progress
let submitting = false;
let draftTimer = null;
let serverTimer = null;
let serverDirty = false; // the form changed since the server last kept it
let serverQueue = Promise.resolve(); // the server's draft calls, one after the other
let touched = false; // typed into since the page was opened (a late server draft must not overwrite it)
let listsFilled = false;
let generation = 0; // bumped by clearIntake(): late answers are dropped

// ---------------------------------------------------------------- set-up

export function initIntake(context) {
  ctx = { ...ctx, ...context };
  const form = $('intake-form');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  form.addEventListener('keydown', onKey);
  form.addEventListener('input', onEdit);
  form.addEventListener('change', onEdit);
  $('ni-anonymous').addEventListener('change', showIdentity);
  $('ni-add-child').addEventListener('click', () => {
    const c = addChild();
    renumber();
    scheduleDraft();
    c.root.querySelector('[data-name="given_name"]').focus();
  });
  $('ni-discard').addEventListener('click', discard);
  $('ni-children').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-action="remove-child"]');
    if (b) removeChild(b.closest('.child'));
  });
  // A reload or a closed tab: the draft is written at once, not after the delay.
  window.addEventListener('pagehide', () => {
    saveDraftNow();
    if (serverDirty) saveServerDraft({ keepalive: true });
  });
}

function fillLists() {
  const cfg = getConfig();
  if (listsFilled || !cfg) return;
  $('ni-channel').replaceChildren(...CHANNELS.map(([v, t]) => h('option', { value: v }, t)));
  $('ni-source').replaceChildren(h('option', { value: '' }, 'Choose the source…'),
    ...(cfg.referral_sources || []).map((s) => h('option', { value: s.id }, s.name)));
  const cse = new Set(cfg.commercial_sex_concerns || []);
  $('ni-concerns').replaceChildren(...(cfg.vulnerabilities || []).map((v) => {
    const id = `ni-concern-${v.id}`;
    return h('div', { className: `concern${cse.has(v.id) ? ' concern-cse' : ''}` },
      h('input', { type: 'checkbox', id, name: 'concerns', value: v.id, 'aria-describedby': v.description ? `${id}-desc` : null }),
      h('label', { for: id }, v.name),
      v.description ? h('p', { id: `${id}-desc`, className: 'concern-desc' }, v.description) : null);
  }));
  $('ni-towns').replaceChildren(...townsList().map((t) => h('option', { value: t })));
  $('ni-received_at-hint').textContent = `${zoneName()}. Now, unless the call came earlier.`;
  listsFilled = true;
}

/** Shows the page: a report in progress, the draft of one, or a fresh form. */
export function showIntake() {
  fillLists();
  if (!started) {
    const local = loadDraft();
    fresh();
    if (local) {
      restore(local);
      say('intake-status', `The report you were taking was restored (draft of ${formatShortTime(local.saved_at)}). Nothing was lost.`);
    }
    loadServerDraft(local);
  }
  for (const el of document.querySelectorAll('#intake-form input[type="date"]')) el.max = today();
  $('ni-received_at').max = toLocalInput(Date.now() + 5 * 60 * 1000);
}

/**
 * Empties the form (at logout, or when the session ended). The draft stays
 * in the tab unless discardDraft: a worker whose session ended logs in again
 * and finds the report as it was.
 */
export function clearIntake({ discardDraft = false } = {}) {
  generation++;
  if (discardDraft) removeDraft();
  clearTimeout(draftTimer);
  clearTimeout(serverTimer);
  serverDirty = false;
  for (const c of kids) clearTimeout(c.timer);
  kids = [];
  $('ni-children').replaceChildren();
  $('intake-form').reset();
  paintCounter($('ni-narrative'));
  clearErrors();
  started = false;
  idemKey = null;
  say('intake-status', '');
  say('intake-error', '');
  say('intake-announce', '');
  $('intake-draft').textContent = '';
}

/** True when this tab holds a report that is not saved yet. */
export function hasUnsavedReport() {
  return started && !isEmpty(snapshot());
}

function newKey() {
  if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
  const b = new Uint8Array(16);
  window.crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** A fresh form: received now, by phone, one child, a new idempotency key. */
function fresh() {
  generation++;
  for (const c of kids) clearTimeout(c.timer);
  kids = [];
  $('ni-children').replaceChildren();
  $('intake-form').reset();
  paintCounter($('ni-narrative'));
  clearErrors();
  addChild();
  renumber();
  $('ni-received_at').value = toLocalInput();
  $('ni-channel').value = 'phone';
  showIdentity();
  updateLawHint();
  idemKey = newKey();
  started = true;
  touched = false;
  clearTimeout(serverTimer);
  serverDirty = false;
  $('intake-draft').textContent = '';
}

// ---------------------------------------------------------------- keys

function onKey(e) {
  if (e.key !== 'Enter' || e.isComposing) return;
  if (e.ctrlKey || e.metaKey) {
    e.preventDefault();
    submit();
    return;
  }
  // Enter in a field moves nothing and saves nothing: only the button saves.
  const t = e.target;
  if (t instanceof HTMLInputElement && !['submit', 'button', 'reset'].includes(t.type)) e.preventDefault();
}

function onEdit(e) {
  const t = e.target;
  const child = t.closest && t.closest('.child');
  if (child && t.dataset && ['given_name', 'family_name', 'dob', 'age', 'sex', 'town'].includes(t.dataset.name)) {
    const c = kids.find((k) => k.root === child);
    if (c) scheduleMatch(c);
  }
  if (t.name === 'concerns' || (t.dataset && (t.dataset.name === 'dob' || t.dataset.name === 'age'))) updateLawHint();
  // A field fixed after an error: its mark goes.
  if (t.getAttribute && t.getAttribute('aria-invalid') === 'true' && e.type === 'input') clearFieldError(t);
  touched = true;
  scheduleDraft();
}

function showIdentity() {
  const anon = $('ni-anonymous').checked;
  $('ni-identity').hidden = anon;
}

// ---------------------------------------------------------------- children

function field(key, name, label, control, { hint, wide = false, optional = false } = {}) {
  const id = `ni-c${key}-${name}`;
  control.id = id;
  control.dataset.name = name;
  const described = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  return h('div', { className: `field${wide ? ' field-wide' : ''}` },
    h('label', { for: id }, label, optional ? h('span', { className: 'optional' }, ' (optional)') : null),
    control,
    hint ? h('p', { id: `${id}-hint`, className: 'field-hint' }, hint) : null,
    h('p', { id: `${id}-error`, className: 'field-error' }));
}

function textInput(extra = {}) {
  return h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', ...extra });
}

function select(options) {
  return h('select', {}, options.map(([v, t]) => h('option', { value: v }, t)));
}

function check(key, name, label) {
  const id = `ni-c${key}-${name}`;
  return h('div', { className: 'field check-field' },
    h('label', { className: 'check', for: id },
      h('input', { type: 'checkbox', id, dataset: { name } }),
      h('span', {}, label)));
}

function addChild() {
  const key = nextKey++;
  const k = `ni-c${key}`;
  const dob = h('input', { type: 'date', className: 'born-dob', autocomplete: 'off', max: today() });
  const age = h('input', { type: 'number', className: 'born-age', inputmode: 'numeric', min: '0', max: '25', step: '1', autocomplete: 'off' });
  dob.id = `${k}-dob`;
  age.id = `${k}-age`;
  dob.dataset.name = 'dob';
  age.dataset.name = 'age';
  dob.setAttribute('aria-describedby', `${k}-born-hint ${k}-dob-error`);
  age.setAttribute('aria-describedby', `${k}-born-hint ${k}-age-error`);
  const born = h('fieldset', { className: 'field born field-wide' },
    h('legend', { className: 'sr-only' }, 'Birth date or age'),
    h('label', { for: dob.id, className: 'born-dob-label' }, 'Birth date'),
    h('label', { for: age.id, className: 'born-age-label' }, 'Or age ', h('span', { className: 'optional' }, '(about)')),
    dob, age,
    h('p', { id: `${k}-born-hint`, className: 'field-hint born-hint' }, 'Give one or the other, not both.'),
    h('p', { id: `${k}-dob-error`, className: 'field-error born-error' }),
    h('p', { id: `${k}-age-error`, className: 'field-error born-error' }));

  const remove = h('button', { type: 'button', className: 'btn btn-caution btn-small', dataset: { action: 'remove-child' } },
    'Remove this child');

  const root = h('section', { className: 'panel child', role: 'group', 'aria-labelledby': `${k}-heading`, dataset: { key: String(key) } },
    h('h3', { id: `${k}-heading`, className: 'section-title child-title' }, 'Child'),
    h('div', { className: 'child-body' },
      h('div', { className: 'child-fields' },
        field(key, 'given_name', 'Given name', textInput()),
        field(key, 'family_name', 'Family name', textInput()),
        field(key, 'aliases', 'Other names or nicknames', textInput(), { hint: 'Separate them with commas.', wide: true }),
        born,
        field(key, 'sex', 'Sex', select([['', 'Not known'], ['F', 'Female (F)'], ['M', 'Male (M)'], ['X', 'X']])),
        field(key, 'gender_identity', 'Gender identity', textInput(), { hint: 'In the child’s own words, if known.' }),
        field(key, 'town', 'Town', textInput({ list: 'ni-towns' }), { hint: 'Where the child lives or stays.' }),
        field(key, 'placement', 'Placement', select(placements())),
        h('div', { className: 'checks field-wide' },
          check(key, 'in_care', 'In the agency’s care'),
          check(key, 'missing', 'Missing now')),
        h('div', { className: 'child-remove field-wide' }, remove)),
      h('aside', { className: 'child-match', 'aria-labelledby': `${k}-match-heading` },
        h('h4', { id: `${k}-match-heading`, className: 'match-title' }, 'Is this child known?'),
        h('p', { className: 'match-state' }),
        h('ol', { className: 'cand-list', hidden: true }))));
  $('ni-children').append(root);
  const c = { key, root, timer: 0, lastQuery: '', gen: 0 };
  kids.push(c);
  showMatchIdle(c);
  return c;
}

function removeChild(root) {
  const i = kids.findIndex((c) => c.root === root);
  if (i < 0 || kids.length === 1) return;
  const c = kids[i];
  const name = fullName(val(c, 'given_name'), val(c, 'family_name'));
  if (name && !window.confirm(`Remove ${name} from this report?`)) return;
  clearTimeout(c.timer);
  c.gen++;
  root.remove();
  kids.splice(i, 1);
  renumber();
  updateLawHint();
  scheduleDraft();
  const next = kids[Math.min(i, kids.length - 1)];
  say('intake-announce', `Child removed. ${kids.length === 1 ? 'One child' : `${kids.length} children`} in the report.`);
  next.root.querySelector('[data-name="given_name"]').focus();
}

/** Numbers the children as the server will, and sets each control's path for its errors. */
function renumber() {
  kids.forEach((c, i) => {
    c.root.querySelector('.child-title').textContent = kids.length > 1 ? `Child ${i + 1} of ${kids.length}` : 'Child';
    for (const el of c.root.querySelectorAll('[data-name]')) {
      const name = el.dataset.name === 'age' ? 'estimated_age' : el.dataset.name;
      el.dataset.path = `children[${i}].${name}`;
    }
    const remove = c.root.querySelector('[data-action="remove-child"]');
    remove.hidden = kids.length === 1;
    remove.setAttribute('aria-label', `Remove this child (child ${i + 1})`);
  });
  $('ni-add-child').textContent = 'Add another child';
}

const val = (c, name) => {
  const el = c.root.querySelector(`[data-name="${name}"]`);
  if (!el) return '';
  return el.type === 'checkbox' ? el.checked : el.value;
};

// ---------------------------------------------------------------- is this child known?

function matchQuery(c) {
  const q = {};
  const given = String(val(c, 'given_name')).trim();
  const family = String(val(c, 'family_name')).trim();
  if (given) q.given_name = given;
  if (family) q.family_name = family;
  const dobEl = c.root.querySelector('[data-name="dob"]');
  const dob = dobEl.value;
  const ageText = String(val(c, 'age')).trim();
  if (dob && !dobEl.validity.badInput && dob <= today()) q.dob = dob;
  else if (/^\d{1,2}$/.test(ageText) && Number(ageText) <= 25) q.age = Number(ageText);
  const sex = val(c, 'sex');
  if (sex) q.sex = sex;
  const town = String(val(c, 'town')).trim();
  if (town) q.town = town;
  // Enough to look: a family name, or a given name with a birth date or an age.
  if (!family && !(given && (q.dob || q.age !== undefined))) return null;
  return q;
}

function scheduleMatch(c) {
  clearTimeout(c.timer);
  c.timer = setTimeout(() => runMatch(c), MATCH_DELAY_MS);
}

function showMatchIdle(c) {
  c.lastQuery = '';
  c.root.querySelector('.match-state').textContent =
    'Type a family name, or a given name and a birth date or an age: the children already known who may be this child show here.';
  const list = c.root.querySelector('.cand-list');
  list.replaceChildren();
  list.hidden = true;
  c.root.querySelector('.child-match').removeAttribute('aria-busy');
}

async function runMatch(c) {
  if (!ctx.can('persons.match')) return;
  const q = matchQuery(c);
  if (!q) {
    c.gen++;
    showMatchIdle(c);
    return;
  }
  const query = JSON.stringify(q);
  if (query === c.lastQuery) return;
  c.lastQuery = query;
  const gen = ++c.gen;
  const pageGen = generation;
  const aside = c.root.querySelector('.child-match');
  aside.setAttribute('aria-busy', 'true');
  const r = await api('POST', MATCH, q);
  if (gen !== c.gen || pageGen !== generation || !c.root.isConnected) return;
  aside.removeAttribute('aria-busy');
  const state = c.root.querySelector('.match-state');
  const list = c.root.querySelector('.cand-list');
  if (r.ok && r.body && Array.isArray(r.body.candidates)) {
    const all = r.body.candidates;
    const shown = all.slice(0, MAX_SHOWN);
    const n = kids.indexOf(c) + 1;
    const who = kids.length > 1 ? `child ${n}` : 'this child';
    if (!shown.length) {
      state.textContent = 'No known child matches yet: this may be a new child.';
      list.replaceChildren();
      list.hidden = true;
      say('intake-announce', `No known child matches ${who}.`);
      return;
    }
    state.replaceChildren(
      h('strong', {}, all.length === 1 ? '1 known child may be this child.' : `${all.length} known children may be this child${all.length > shown.length ? `; the ${shown.length} most probable:` : ', most probable first.'}`),
      ' Link the right one once the report is saved.');
    list.replaceChildren(...shown.map((x) => candidateCard(x)));
    list.hidden = false;
    const first = shown[0];
    say('intake-announce', `${all.length === 1 ? '1 known child' : `${all.length} known children`} may be ${who}. First: ${fullName(first.given_name, first.family_name) || 'no name on file'}, ${(BANDS[first.band] || '').toLowerCase()}.`);
    return;
  }
  list.replaceChildren();
  list.hidden = true;
  if (r.status === 422 && r.body && Array.isArray(r.body.errors)) {
    state.textContent = `Not looked up yet: ${r.body.errors.map((e) => sentence(e.reason)).join(' ')}`;
  } else if (r.status !== 401) {
    c.lastQuery = '';
    state.textContent = problemText(r, 'The known children could not be looked up');
  }
}

function bornText(c) {
  if (c.dob) return `Born ${formatDate(c.dob)}${Number.isInteger(c.age) ? ` (age ${c.age})` : ''}`;
  if (Number.isInteger(c.age)) return `About ${c.age}, no birth date on file`;
  return 'No birth date on file';
}

/**
 * A known child who may be the child of a report, with the reasons for and
 * against; action: a button to put in the card (the report page links).
 */
export function candidateCard(c, { action = null, linked = false } = {}) {
  const band = BANDS[c.band] ? c.band : 'unlikely';
  const p = percent(c.probability);
  const name = fullName(c.given_name, c.family_name) || 'No name on file';
  const facts = [bornText(c), c.sex ? (SEX_LABELS[c.sex] || c.sex) : null, c.town || 'town not on file'].filter(Boolean);
  const why = matchReasons(c.explanation);
  return h('li', { className: `cand-card band-${band}${linked ? ' is-linked' : ''}`, dataset: { personId: String(c.person_id) } },
    h('p', { className: 'cand-top' },
      h('span', { className: 'cand-name' }, name),
      h('span', { className: 'cand-record' }, `Record ${c.person_id}`)),
    h('p', { className: 'cand-facts' }, facts.join(' · ')),
    h('p', { className: 'cand-match' },
      h('strong', { className: 'pct' }, h('span', { 'aria-hidden': 'true' }, p.text), srOnly(p.spoken)),
      ' ',
      h('span', { className: `badge badge-${band}` }, BANDS[band])),
    why.length ? h('ul', { className: 'why' }, why) : null,
    action);
}

// ---------------------------------------------------------------- the law, as the worker types

function updateLawHint() {
  const cfg = getConfig();
  const el = $('ni-victim-hint');
  if (!cfg) return;
  const cse = new Set(cfg.commercial_sex_concerns || []);
  const ticked = [...document.querySelectorAll('#ni-concerns input:checked')].some((x) => cse.has(x.value));
  const minor = (cfg.law && cfg.law.minor_age) || 18;
  const anyMinor = kids.some((c) => {
    const dob = val(c, 'dob');
    const age = String(val(c, 'age')).trim();
    if (dob && /^\d{4}-\d{2}-\d{2}$/.test(dob)) {
      const [y, m, d] = today().split('-').map(Number);
      const [by, bm, bd] = dob.split('-').map(Number);
      return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0) < minor;
    }
    if (/^\d+$/.test(age)) return Number(age) < minor;
    return true; // an age nobody knows counts as a minor's
  });
  el.hidden = !(ticked && anyMinor);
  el.textContent = el.hidden ? '' : `A child under ${minor} reported in commercial sex is a suspected victim of trafficking, never an offender: the report will be recorded so.`;
}

// ---------------------------------------------------------------- reading the form

function readForm() {
  const errors = [];
  const body = {};
  const received = $('ni-received_at');
  if (received.validity.badInput) errors.push({ field: 'received_at', reason: 'Enter the whole date and time of the call.' });
  else if (skippedTimeText(received.value)) errors.push({ field: 'received_at', reason: skippedTimeText(received.value) });
  body.received_at = fromLocalInput(received.value) || received.value;
  body.channel = $('ni-channel').value;
  const reporter = { source: $('ni-source').value };
  if ($('ni-anonymous').checked) {
    reporter.anonymous = true;
  } else {
    for (const [k, id] of [['name', 'ni-rep-name'], ['agency', 'ni-rep-agency'], ['phone', 'ni-rep-phone'], ['email', 'ni-rep-email']]) {
      const v = $(id).value.trim();
      if (v) reporter[k] = v;
    }
  }
  body.reporter = reporter;
  body.children = kids.map((c, i) => {
    const child = {};
    for (const k of ['given_name', 'family_name', 'gender_identity', 'town']) {
      const v = String(val(c, k)).trim();
      if (v) child[k] = v;
    }
    const aliases = String(val(c, 'aliases')).split(',').map((s) => s.trim()).filter(Boolean);
    if (aliases.length) child.aliases = aliases;
    const dobEl = c.root.querySelector('[data-name="dob"]');
    if (dobEl.validity.badInput) errors.push({ field: `children[${i}].dob`, reason: 'Enter the whole birth date (month, day and year), or clear it.' });
    else if (dobEl.value) child.dob = dobEl.value;
    const ageEl = c.root.querySelector('[data-name="age"]');
    const ageText = ageEl.value.trim();
    if (ageEl.validity.badInput) errors.push({ field: `children[${i}].estimated_age`, reason: 'Enter the age as a whole number of years, from 0 to 25.' });
    else if (ageText) child.estimated_age = Number(ageText);
    for (const k of ['sex', 'placement']) {
      const v = val(c, k);
      if (v) child[k] = v;
    }
    if (val(c, 'in_care')) child.in_care = true;
    if (val(c, 'missing')) child.missing = true;
    return child;
  });
  const town = $('ni-town').value.trim();
  if (town) body.town = town;
  body.concerns = [...document.querySelectorAll('#ni-concerns input:checked')].map((x) => x.value);
  const narrative = $('ni-narrative').value.trim();
  if (narrative) body.narrative = narrative;
  return { body, errors };
}

// ---------------------------------------------------------------- errors beside their fields

// The server's reasons, where a fuller sentence helps at the phone.
const REASONS = {
  'dob|Birth date: it cannot be in the future; check it with the caller': 'This birth date is in the future: check it with the caller.',
  'dob|Birth date: more than 25 years before the report; check it with the caller': 'This birth date makes the child older than 25: check it with the caller.',
  'received_at|Received: it cannot be in the future; check the date and time of the call': 'This time is in the future: check the date and time of the call.',
  'given_name|Given name: a given or a family name is needed; a nickname will do': 'Enter a given name or a family name; a nickname will do.',
  'estimated_age|Age: give a birth date or an age, not both; clear one of them': 'Give a birth date or an age, not both: clear one of them.',
  'estimated_age|Age: not a whole number of years from 0 to 25; type the age in years': 'Enter the age as a whole number of years, from 0 to 25.',
  'source|required': 'Choose where the call comes from.',
};

function reasonText(e) {
  const last = String(e.field || '').replace(/\[\d+\]$/, '').split('.').pop();
  return REASONS[`${last}|${String(e.reason || '').trim()}`] || sentence(e.reason);
}

function controlFor(path) {
  const form = $('intake-form');
  const find = (p) => form.querySelector(`[data-path="${CSS.escape(p)}"]`);
  let el = find(path);
  if (!el) el = find(path.replace(/\[\d+\]$/, '')); // aliases[1], concerns[0]
  if (!el) {
    const m = /^children\[(\d+)\]$/.exec(path);
    if (m) el = find(`children[${m[1]}].given_name`);
  }
  if (!el && path.startsWith('reporter')) el = $('ni-source');
  return el;
}

function slotFor(el) {
  if (el.id === 'ni-concerns') return $('ni-concerns-error');
  if (el.id === 'ni-children-error') return el;
  return $(`${el.id}-error`);
}

function focusTarget(el) {
  if (el.matches('input, select, textarea, button')) return el;
  return el.querySelector('input, select, textarea, button') || $('ni-add-child');
}

function clearFieldError(el) {
  el.removeAttribute('aria-invalid');
  const slot = slotFor(el);
  if (slot) slot.textContent = '';
  const f = el.closest('.field');
  if (f && !f.querySelector('[aria-invalid="true"]')) f.classList.remove('has-error');
}

function clearErrors() {
  for (const el of document.querySelectorAll('#intake-form [aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of document.querySelectorAll('#intake-form .field-error')) el.textContent = '';
  for (const el of document.querySelectorAll('#intake-form .has-error')) el.classList.remove('has-error');
  say('intake-error', '');
}

function showErrors(errors) {
  const loose = [];
  const marked = [];
  for (const e of errors) {
    const el = controlFor(String(e.field || ''));
    const slot = el && slotFor(el);
    if (!el || !slot) {
      loose.push(e);
      continue;
    }
    const text = reasonText(e);
    if (!slot.textContent.includes(text)) slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
    if (el.matches('input, select, textarea')) el.setAttribute('aria-invalid', 'true');
    const f = el.closest('.field') || el.closest('.concerns');
    if (f) f.classList.add('has-error');
    marked.push(el);
  }
  // Open a hidden part that holds an error (the reporter's identity).
  if (marked.some((el) => el.closest('#ni-identity')) && $('ni-anonymous').checked) {
    $('ni-anonymous').checked = false;
    showIdentity();
  }
  marked.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
  const n = new Set(marked).size;
  const parts = [];
  if (n) parts.push(n === 1 ? 'One field needs attention: it is marked below.' : `${n} fields need attention: they are marked below.`);
  for (const e of loose) parts.push(sentence(e.field ? `${e.field}: ${e.reason}` : e.reason));
  say('intake-error', `The report was not saved. ${parts.join(' ')} Nothing typed is lost.`);
  if (marked.length) focusTarget(marked[0]).focus();
  else $('intake-heading').focus();
}

// ---------------------------------------------------------------- saving

async function submit() {
  const button = $('ni-submit');
  if (submitting || !started) return;
  clearErrors();
  say('intake-status', '');
  const { body, errors } = readForm();
  if (errors.length) {
    showErrors(errors);
    return;
  }
  submitting = true;
  saveDraftNow();
  const form = $('intake-form');
  const gen = generation;
  form.setAttribute('aria-busy', 'true');
  const done = busy(button, 'Saving…');
  const r = await api('POST', '/api/v1/intakes', body, { headers: { 'Idempotency-Key': idemKey } });
  form.removeAttribute('aria-busy');
  done();
  submitting = false;
  if (gen !== generation) return;
  if ((r.status === 201 || r.status === 200) && r.body && r.body.id) {
    started = false;
    removeDraft();
    discardServerDraft();
    ctx.saved(r.body);
    return;
  }
  if (r.status === 422 && r.body && Array.isArray(r.body.errors) && r.body.errors.length) {
    showErrors(r.body.errors);
    return;
  }
  if (r.status === 422 && r.body && r.body.type === 'urn:hartline:problem:idempotency-mismatch') {
    // An earlier save of this form reached the server but its answer never
    // came back, and the form was changed since. Another press is then a new
    // report, under a new key, once the worker has looked for the first.
    idemKey = newKey();
    saveDraftNow();
    say('intake-error', 'This form was saved once before, with other details, but the answer did not reach this page. ' +
      'Look for that report in the queue first. To record what the form holds now as another report, press Save report again.');
    $('intake-heading').focus(); // the message is at the top of the form
    return;
  }
  if (r.status === 401) return; // the login page shows; the draft waits in this tab
  say('intake-error', `${problemText(r, 'The report was not saved')} Nothing typed is lost: try again.`);
  button.focus();
}

function discard() {
  if (hasUnsavedReport() && !window.confirm('Discard this report? What you typed will be lost.')) return;
  removeDraft();
  discardServerDraft();
  fresh();
  say('intake-status', 'The report was discarded. The form is empty.');
  $('ni-received_at').focus();
}

// ---------------------------------------------------------------- the draft (sessionStorage)

function draftKey() {
  const u = ctx.user();
  return u ? `${DRAFT_PREFIX}${u.username}` : null;
}

function snapshot() {
  const reporter = {};
  for (const [k, id] of [['name', 'ni-rep-name'], ['agency', 'ni-rep-agency'], ['phone', 'ni-rep-phone'], ['email', 'ni-rep-email']])
    reporter[k] = $(id).value;
  return {
    v: 1,
    idempotency_key: idemKey,
    saved_at: new Date().toISOString(),
    received_local: $('ni-received_at').value,
    channel: $('ni-channel').value,
    source: $('ni-source').value,
    anonymous: $('ni-anonymous').checked,
    reporter,
    children: kids.map((c) => {
      const o = {};
      for (const el of c.root.querySelectorAll('[data-name]')) o[el.dataset.name] = el.type === 'checkbox' ? el.checked : el.value;
      return o;
    }),
    town: $('ni-town').value,
    concerns: [...document.querySelectorAll('#ni-concerns input:checked')].map((x) => x.value),
    narrative: $('ni-narrative').value,
  };
}

/** Nothing typed: only the defaults (the time, the channel). */
function isEmpty(s) {
  const anything = (o) => Object.values(o).some((v) => v === true || (typeof v === 'string' && v.trim() !== ''));
  return !s.source && !s.anonymous && !anything(s.reporter) && !s.children.some(anything) &&
    !s.town.trim() && !s.concerns.length && !s.narrative.trim();
}

function scheduleDraft() {
  clearTimeout(draftTimer);
  draftTimer = setTimeout(saveDraftNow, DRAFT_DELAY_MS);
  if (!ctx.can('intakes.write')) return;
  serverDirty = true;
  clearTimeout(serverTimer);
  serverTimer = setTimeout(() => saveServerDraft(), SERVER_DRAFT_DELAY_MS);
}

function showDraftStatus(text) {
  $('intake-draft').replaceChildren(h('span', { className: 'draft-dot', 'aria-hidden': 'true' }), text);
}

/** The form to the server's draft (a form with nothing typed removes it). */
function saveServerDraft({ keepalive = false } = {}) {
  clearTimeout(serverTimer);
  if (!serverDirty || !started) return serverQueue;
  serverDirty = false;
  const s = snapshot();
  const gen = generation;
  const empty = isEmpty(s);
  const call = () => (empty ? api('DELETE', DRAFT_API, undefined, { keepalive }) : api('PUT', DRAFT_API, s, { keepalive }));
  if (keepalive) {
    call();
    return serverQueue;
  }
  serverQueue = serverQueue.then(call).then((r) => {
    if (gen !== generation || !started) return;
    if (r.ok) {
      if (!empty) showDraftStatus(`Draft saved at ${formatClock(s.saved_at)}`);
    } else if (r.status !== 401) {
      serverDirty = true;
      showDraftStatus('Draft kept in this tab only: the server did not take it. It is tried again as you type.');
    }
  });
  return serverQueue;
}

/** Removes the server's draft (the report was saved, or discarded). */
export function discardServerDraft() {
  clearTimeout(serverTimer);
  serverDirty = false;
  if (!ctx.can('intakes.write')) return serverQueue;
  serverQueue = serverQueue.then(() => api('DELETE', DRAFT_API));
  return serverQueue;
}

/** The server's draft, restored when it is newer than this tab's and nothing was typed since. */
async function loadServerDraft(local) {
  if (!ctx.can('intakes.write')) return;
  const gen = generation;
  const r = await api('GET', DRAFT_API);
  if (gen !== generation || touched || !started) return;
  if (!r.ok || !r.body || !r.body.body) return; // 404: no draft
  const s = r.body.body;
  if (!(s && s.v === 1 && Array.isArray(s.children)) || isEmpty(s)) return;
  if (local && String(local.saved_at) >= String(s.saved_at)) return;
  fresh();
  restore(s);
  saveDraftNow();
  say('intake-status', `The report you were taking was restored from the server (draft of ${formatShortTime(s.saved_at)}). Nothing was lost.`);
}

function saveDraftNow() {
  clearTimeout(draftTimer);
  const key = draftKey();
  if (!started || !key) return;
  const s = snapshot();
  try {
    if (isEmpty(s)) {
      sessionStorage.removeItem(key);
      $('intake-draft').textContent = '';
      return;
    }
    sessionStorage.setItem(key, JSON.stringify(s));
    if (serverDirty) showDraftStatus(`Draft kept in this tab at ${formatClock(s.saved_at)}; saving…`);
  } catch {
    $('intake-draft').textContent = 'This browser does not keep a draft: save the report before leaving the page.';
  }
}

function loadDraft() {
  const key = draftKey();
  if (!key) return null;
  try {
    const s = JSON.parse(sessionStorage.getItem(key) || 'null');
    return s && s.v === 1 && Array.isArray(s.children) ? s : null;
  } catch {
    return null;
  }
}

function removeDraft() {
  const key = draftKey();
  try {
    if (key) sessionStorage.removeItem(key);
  } catch {
    // nothing kept, nothing to remove
  }
  $('intake-draft').textContent = '';
}

/** Drafts of every user in this tab (at logout). */
export function removeAllDrafts() {
  try {
    for (let i = sessionStorage.length - 1; i >= 0; i--) {
      const k = sessionStorage.key(i);
      if (k && k.startsWith(DRAFT_PREFIX)) sessionStorage.removeItem(k);
    }
  } catch {
    // no storage
  }
}

function restore(s) {
  if (typeof s.idempotency_key === 'string' && s.idempotency_key) idemKey = s.idempotency_key;
  const set = (id, v) => {
    if (typeof v === 'string') $(id).value = v;
  };
  set('ni-received_at', s.received_local);
  set('ni-channel', s.channel);
  set('ni-source', s.source);
  $('ni-anonymous').checked = !!s.anonymous;
  const rep = s.reporter || {};
  set('ni-rep-name', rep.name);
  set('ni-rep-agency', rep.agency);
  set('ni-rep-phone', rep.phone);
  set('ni-rep-email', rep.email);
  set('ni-town', s.town);
  set('ni-narrative', s.narrative);
  paintCounter($('ni-narrative'));
  const concerns = new Set(Array.isArray(s.concerns) ? s.concerns : []);
  for (const x of document.querySelectorAll('#ni-concerns input')) x.checked = concerns.has(x.value);
  const list = s.children.length ? s.children : [{}];
  while (kids.length < list.length) addChild();
  list.forEach((o, i) => {
    for (const el of kids[i].root.querySelectorAll('[data-name]')) {
      const v = o[el.dataset.name];
      if (el.type === 'checkbox') el.checked = v === true;
      else if (typeof v === 'string') el.value = v;
    }
  });
  renumber();
  showIdentity();
  updateLawHint();
  for (const c of kids) runMatch(c);
  showDraftStatus(`Draft of ${formatShortTime(s.saved_at)} restored`);
}
