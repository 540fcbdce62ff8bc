// "Find a child": is the child a caller speaks of already known? A search of
// the registry by name, birth date or age, sex and town; the candidates come
// back most probable first, each with the reasons for and against.

import { personLink } from './person.js';
import {
  $, api, busy, formatDate, fullName, h, matchReasons, percent, problemText, say, sentence, srOnly, today, townsList, submitButton, barFill,
} from './common.js';

const FIELDS = ['given_name', 'family_name', 'dob', 'age', 'sex', 'town'];

const BANDS = {
  likely: 'Likely match',
  possible: 'Possible match',
  unlikely: 'Unlikely match',
  family: 'Same family name',
};

const SEX_LABELS = { F: 'Female', M: 'Male', X: 'X' };

let generation = 0; // bumped by clearFind(): late answers for a past session or search are dropped
let townsFilled = 0;

export function initFind() {
  $('find-form').addEventListener('submit', search);
  $('find-clear').addEventListener('click', () => {
    clearFind();
    $('find-given_name').focus();
  });
}

/** Shows the page: the towns for the datalist and the latest possible birth date. */
export function showFind() {
  const towns = townsList();
  if (towns.length !== townsFilled) {
    $('find-towns').replaceChildren(...towns.map((t) => h('option', { value: t })));
    townsFilled = towns.length;
  }
  $('find-dob').max = today();
}

/** Forgets the search and its results (Clear, and at logout). */
export function clearFind() {
  generation++;
  $('find-form').reset();
  clearFieldErrors();
  say('find-error', '');
  say('find-announce', '');
  $('find-results').hidden = true;
  $('find-body').replaceChildren();
  $('find-query').textContent = '';
  $('find-summary').textContent = '';
  $('find-legend').hidden = true;
  $('find-outcome').hidden = true;
}

// ---------------------------------------------------------------- dates and words

const count = (n) => Number(n).toLocaleString('en-US');
const children = (n) => `${count(n)} ${n === 1 ? 'child' : 'children'}`;

// The server's reasons, where a fuller sentence helps at the phone.
const REASONS = {
  dob: { 'in the future': 'This birth date is in the future: check it with the caller.' },
  age: { 'from 0 to 25': 'Give an age from 0 to 25.' },
  given_name: { 'a given or a family name is needed': 'Enter a given name, a family name or both.' },
};

function reasonText(e) {
  const known = REASONS[e.field] && REASONS[e.field][String(e.reason || '').trim()];
  return known || sentence(e.reason);
}

/** What was searched for, in words: "Katie Smyth · about 15 · Hartford". */
function queryText(q) {
  const parts = [];
  const name = fullName(q.given_name, q.family_name);
  if (name) parts.push(`“${name}”`);
  if (q.dob) parts.push(`born ${formatDate(q.dob)}`);
  if (q.age !== undefined) parts.push(`about ${q.age}`);
  if (q.sex) parts.push(SEX_LABELS[q.sex] ? SEX_LABELS[q.sex].toLowerCase() : q.sex);
  if (q.town) parts.push(q.town);
  return parts.join(' · ');
}

// ---------------------------------------------------------------- field errors

const control = (field) => $(`find-${field}`);

function clearFieldErrors() {
  for (const f of FIELDS) {
    const slot = $(`find-${f}-error`);
    if (slot) slot.textContent = '';
    control(f).removeAttribute('aria-invalid');
  }
  for (const el of document.querySelectorAll('#find-form .has-error')) el.classList.remove('has-error');
}

/** Puts each reason beside its field; returns the reasons that have no field here. */
function showFieldErrors(errors) {
  const loose = [];
  let first = null;
  for (const e of errors) {
    const el = FIELDS.includes(e.field) ? control(e.field) : null;
    const slot = el ? $(`find-${e.field}-error`) : null;
    if (!el || !slot) {
      loose.push(e);
      continue;
    }
    const text = reasonText(e);
    if (!slot.textContent.includes(text)) slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
    el.setAttribute('aria-invalid', 'true');
    el.closest('.field').classList.add('has-error');
    if (!first) first = el;
  }
  return { first, loose };
}

function reportErrors(errors) {
  const { first, loose } = showFieldErrors(errors);
  const n = errors.length - loose.length;
  const parts = [];
  if (n) parts.push(n === 1 ? 'One field needs attention.' : `${n} fields need attention.`);
  for (const e of loose) parts.push(sentence(e.field ? `${e.field}: ${e.reason}` : e.reason));
  say('find-error', `Nothing was searched. ${parts.join(' ')}`);
  if (first) first.focus();
}

// ---------------------------------------------------------------- the search

/** The request body from the form, and the mistakes a request need not be sent for. */
function readForm() {
  const q = {};
  const errors = [];
  const given = $('find-given_name').value.trim();
  const family = $('find-family_name').value.trim();
  if (given) q.given_name = given;
  if (family) q.family_name = family;
  if (!given && !family) errors.push({ field: 'given_name', reason: 'Enter a given name, a family name or both.' });

  const dobEl = $('find-dob');
  const ageEl = $('find-age');
  const ageText = ageEl.value.trim();
  if (dobEl.validity.badInput) errors.push({ field: 'dob', reason: 'Enter the whole birth date (month, day and year), or clear it.' });
  else if (dobEl.value) q.dob = dobEl.value;
  if (ageEl.validity.badInput || (ageText && !/^\d{1,3}$/.test(ageText))) {
    errors.push({ field: 'age', reason: 'Enter the age as a whole number of years, from 0 to 25.' });
  } else if (ageText) {
    q.age = Number.parseInt(ageText, 10);
  }
  if (q.dob && q.age !== undefined) {
    errors.push({ field: 'age', reason: 'Give a birth date or an age, not both: clear one of them.' });
  }

  const sex = $('find-sex').value;
  if (sex) q.sex = sex;
  const town = $('find-town').value.trim();
  if (town) q.town = town;
  return { q, errors };
}

async function search(event) {
  const submit = submitButton(event, 'find-submit');
  if (!submit) return;
  clearFieldErrors();
  say('find-error', '');
  say('find-announce', '');
  // The results shown belong to the last search; a new one replaces them.
  $('find-results').hidden = true;
  const { q, errors } = readForm();
  if (errors.length) {
    reportErrors(errors);
    return;
  }

  const gen = ++generation;
  const form = $('find-form');
  const results = $('find-results');
  const hadFocus = document.activeElement;
  form.setAttribute('aria-busy', 'true');
  results.setAttribute('aria-busy', 'true');
  const done = busy(submit, 'Searching…');
  const r = await api('POST', '/api/v1/persons/match', q);
  form.removeAttribute('aria-busy');
  results.removeAttribute('aria-busy');
  done();
  if (gen !== generation) return;
  // The busy button lost the focus; give it back where the worker was.
  if (document.activeElement === document.body || document.activeElement === null) {
    (hadFocus && hadFocus !== document.body && !hadFocus.disabled ? hadFocus : submit).focus();
  }

  if (r.ok && r.body && Array.isArray(r.body.candidates)) {
    showResults(q, r.body);
    return;
  }
  showProblem(r);
}

function showProblem(r) {
  if (r.status === 422 && r.body && Array.isArray(r.body.errors) && r.body.errors.length) {
    reportErrors(r.body.errors);
  } else if (r.status !== 401) {
    say('find-error', problemText(r, 'The search could not be done'));
  }
}

// ---------------------------------------------------------------- results

/** The form's words for the fields that would tell (the API's "needed"). */
const NEEDED_WORDS = { given_name: 'the given name', dob: 'a birth date or an age', family_name: 'the family name' };

function neededText(needed) {
  const words = (Array.isArray(needed) ? needed : []).map((f) => NEEDED_WORDS[f] || f);
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}` : words[0] || 'more about the child';
}

/** Another page of the children who share the family name. */
async function page(q, offset) {
  const r = await api('POST', '/api/v1/persons/match', { ...q, offset });
  if (r.ok && r.body && Array.isArray(r.body.candidates)) showResults(q, r.body);
  else showProblem(r);
}

function pager(q, body) {
  const total = Number(body.total) || 0;
  const offset = Number(body.offset) || 0;
  const limit = Number(body.limit) || 10;
  if (total <= limit) return null;
  const prev = h('button', { type: 'button', className: 'btn btn-secondary btn-small', id: 'find-prev', disabled: offset === 0 }, 'Previous');
  const next = h('button', { type: 'button', className: 'btn btn-secondary btn-small', id: 'find-next', disabled: offset + limit >= total }, 'Next');
  prev.addEventListener('click', () => page(q, Math.max(0, offset - limit)));
  next.addEventListener('click', () => page(q, offset + limit));
  return h('span', { className: 'find-pager' }, ` Showing ${offset + 1} to ${Math.min(total, offset + limit)} of ${total}. `, prev, ' ', next);
}

function showResults(q, body) {
  const list = body.candidates;
  const size = Number(body.registry_size) || 0;
  $('find-results').hidden = false;
  $('find-query').textContent = `You searched for ${queryText(q)}.`;
  const outcome = $('find-outcome');
  const table = $('find-table-wrap');
  if (body.verdict === 'too_thin' && !list.length) {
    // Never "new" when the search could not tell.
    outcome.hidden = false;
    table.hidden = true;
    $('find-body').replaceChildren();
    $('find-outcome-text').textContent = 'Not enough to tell whether this child is known.';
    $('find-outcome-more').textContent = `Add ${neededText(body.needed)}, if the caller knows them, and search again. Searched ${children(size)}.`;
    $('find-summary').textContent = '';
    $('find-legend').hidden = true;
    say('find-announce', `Not enough to tell whether this child is known: add ${neededText(body.needed)}.`);
    return;
  }
  if (body.by_family) {
    outcome.hidden = true;
    table.hidden = false;
    const total = Number(body.total) || list.length;
    const lead = `${total === 1 ? '1 known child has' : `${total} known children have`} this family name.`;
    $('find-summary').replaceChildren(h('strong', {}, lead),
      ` Nothing else was given to compare: add ${neededText(body.needed)} to tell which, if any, is this child.`, pager(q, body));
    $('find-legend').hidden = true;
    $('find-body').replaceChildren(...list.map(candidateRow));
    say('find-announce', `${lead} Add ${neededText(body.needed)} to tell which, if any, is this child.`);
    return;
  }
  if (!list.length) {
    outcome.hidden = false;
    table.hidden = true;
    $('find-body').replaceChildren();
    $('find-outcome-text').textContent = 'No known child matches; this looks like a new child.';
    const nameOnly = !q.dob && q.age === undefined;
    $('find-outcome-more').textContent = nameOnly
      ? `Searched ${children(size)}. Only a name was given: a birth date or an age, if the caller knows one, can find a child recorded under another spelling.`
      : `Searched ${children(size)}.`;
    $('find-summary').textContent = '';
    $('find-legend').hidden = true;
    say('find-announce', `No known child matches; this looks like a new child. Searched ${children(size)}.`);
    return;
  }
  outcome.hidden = true;
  table.hidden = false;
  const first = list[0];
  const lead = list.length === 1 ? '1 known child may be this child.' : `${list.length} known children may be this child, most probable first.`;
  $('find-summary').replaceChildren(h('strong', {}, lead), ` Searched ${children(size)}.`);
  $('find-legend').hidden = false;
  $('find-body').replaceChildren(...list.map(candidateRow));
  const p = percent(first.probability);
  say('find-announce',
    `${lead} First: ${fullName(first.given_name, first.family_name) || 'no name on file'}, ${(BANDS[first.band] || first.band || '').toLowerCase()}, ${p.spoken}. Searched ${children(size)}.`);
}

function none(text = 'Not recorded') {
  return h('span', { className: 'none' }, text);
}

function candidateRow(c) {
  const name = fullName(c.given_name, c.family_name);
  const band = BANDS[c.band] ? c.band : 'unlikely';
  // Listed by family name alone: there is nothing to score.
  const p = c.band === 'family' ? { text: '—', spoken: 'not scored' } : percent(c.probability);
  const steps = Math.max(1, Math.min(20, Math.round((Number(c.probability) || 0) * 20)));

  let born;
  if (c.dob) {
    born = h('span', {}, h('span', { className: 'nowrap' }, formatDate(c.dob)),
      Number.isInteger(c.age) ? h('span', { className: 'sub' }, `age ${c.age}`) : null);
  } else if (Number.isInteger(c.age)) {
    born = h('span', {}, `About ${c.age}`, h('span', { className: 'sub' }, 'no birth date on file'));
  } else {
    born = none();
  }

  const why = matchReasons(c.explanation);

  return h('tr', { className: `cand band-${band}`, dataset: { personId: String(c.person_id) } },
    h('th', { scope: 'row', dataset: { label: 'Child' } },
      h('span', {}, h('span', { className: 'cand-name' }, personLink(c.person_id, name || 'No name on file')),
        h('span', { className: 'sub' }, `Record ${c.person_id}`))),
    h('td', { dataset: { label: 'Born' } }, born),
    h('td', { dataset: { label: 'Sex' } }, c.sex ? (SEX_LABELS[c.sex] || c.sex) : none()),
    h('td', { dataset: { label: 'Town' } }, c.town || none()),
    h('td', { className: 'match', dataset: { label: 'Match' } },
      h('span', { className: 'match-box' },
        h('span', { className: 'match-top' },
          h('strong', { className: 'pct' }, h('span', { 'aria-hidden': 'true' }, p.text), srOnly(p.spoken)),
          h('span', { className: `badge badge-${band}` }, BANDS[band])),
        c.band === 'family' ? null : h('span', { className: 'bar', 'aria-hidden': 'true' }, barFill(steps)))),
    h('td', { className: 'why-cell', dataset: { label: 'Why' } },
      why.length ? h('ul', { className: 'why' }, why) : none('No reasons given')));
}
