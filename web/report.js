// One Careline report: what was reported, whether each child is already
// known (and the link to the known child), the screen with its level shown
// as it is answered, and the decision with the fields the pack and the law
// ask for. The server's answers are authoritative; what the page computes
// (the screen's level while answering) is only shown.

import { candidateCard, CHANNELS, SEX_LABELS } from './intake.js';
import { breakGlassForm, isRestricted, personLink } from './person.js';
import {
  $, api, busy, durationText, formatDate, formatShortTime, fullName, getConfig, h, zoneName,
  officeName, packName, problemText, regionName, regionsList, say, sentence, termLabel,
} from './common.js';

const levelText = (l) => termLabel('screening_levels', l);

const RATINGS = [['no', 'No'], ['possible', 'Possible'], ['clear', 'Clear']];

let ctx = { can: () => false };
let report = null; // the report as last read
let reportId = null;
let generation = 0; // bumped on every load and at clearReport(): late answers are dropped
let pending = null; // { id, text }: a message for the report about to show
const answers = new Map(); // instrument id -> { question id -> answer }: kept while the page is open
let lastLevel = null;
let changing = false; // the form to change a decision made is open

export function initReport(context) {
  ctx = { ...ctx, ...context };
  $('screen-form').addEventListener('submit', saveScreening);
  $('screen-form').addEventListener('change', onAnswer);
  $('screen-instrument').addEventListener('change', () => buildScreen($('screen-instrument').value));
  $('screen-rest-no').addEventListener('click', answerRestNo);
  $('decide-form').addEventListener('submit', decide);
  $('decide-choices').addEventListener('change', showDecisionFields);
  $('decide-change').addEventListener('click', () => {
    changing = true;
    renderDecide(report, { first: false });
    document.querySelector('#decide-choices input').focus();
  });
  $('report-children').addEventListener('click', onChildAction);
  // Enter in a one-line field of these forms saves nothing by accident.
  for (const id of ['screen-form', 'decide-form']) {
    $(id).addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey && e.target instanceof HTMLInputElement && e.target.type !== 'submit') e.preventDefault();
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        $(id).requestSubmit();
      }
    });
  }
}

/** A message to show on the report about to be opened ("Report … saved."). */
export function setReportMessage(id, text) {
  pending = { id: Number(id), text };
}

/** Shows report id: loads it (again). */
export function showReport(id) {
  const n = Number(id);
  if (n !== reportId) {
    clearReport();
    reportId = n;
  }
  say('report-error', '');
  if (pending && pending.id === n) say('report-status', pending.text);
  else say('report-status', '');
  pending = null;
  return load({ first: !report });
}

export function clearReport() {
  generation++;
  report = null;
  reportId = null;
  answers.clear();
  lastLevel = null;
  changing = false;
  $('report-heading').textContent = 'Report';
  for (const id of ['report-victim', 'report-said', 'report-children-panel', 'screen-panel', 'decide-panel', 'history-panel'])
    $(id).hidden = true;
  for (const id of ['report-facts', 'report-flags', 'report-reporter', 'report-concerns', 'report-narrative', 'report-children',
    'screen-items', 'decide-choices', 'history-decisions', 'history-screenings', 'victim-text', 'victim-cites'])
    $(id).replaceChildren();
  $('screen-form').reset();
  $('decide-form').reset();
  for (const id of ['report-status', 'report-error', 'report-announce', 'screen-status', 'screen-error', 'decide-status', 'decide-error'])
    say(id, '');
}

async function load({ first }) {
  const gen = ++generation;
  const id = reportId;
  const view = $('report-view');
  view.setAttribute('aria-busy', 'true');
  const r = await api('GET', `/api/v1/intakes/${id}`);
  if (gen !== generation) return;
  view.removeAttribute('aria-busy');
  $('report-glass').replaceChildren();
  if (isRestricted(r)) {
    $('report-glass').replaceChildren(breakGlassForm('intake', id, () => load({ first: true })));
    return;
  }
  if (r.ok && r.body && r.body.id) {
    report = r.body;
    render({ first });
    return;
  }
  if (r.status === 404) say('report-error', `There is no report ${id}. Check the link, or open the report from the queue.`);
  else if (r.status === 403) say('report-error', 'This report is outside your area of work.');
  else if (r.status !== 401) say('report-error', problemText(r, 'The report could not be loaded'));
}

// ---------------------------------------------------------------- the report

function dlRow(term, ...value) {
  return h('div', {}, h('dt', {}, term), h('dd', {}, ...value));
}

function none(text = 'Not recorded') {
  return h('span', { className: 'none' }, text);
}

function deadlineMinutes() {
  const d = ((getConfig() || {}).deadlines || []).find((x) => x.id === 'intake_disposition');
  return d ? d.minutes : 24 * 60;
}

function ageMinutes(rep) {
  return (Date.now() - new Date(rep.received_at).getTime()) / 60000;
}

function flagBadges(rep) {
  const out = [];
  if (rep.suspected_victim) out.push(h('span', { className: 'badge badge-victim' }, 'Suspected victim'));
  if (rep.disposition) out.push(h('span', { className: 'badge badge-decided' }, `Decided: ${packName('dispositions', rep.disposition)}`));
  else out.push(h('span', { className: 'badge badge-open' }, 'Open: waiting for a decision'));
  if (!rep.disposition && ageMinutes(rep) > deadlineMinutes()) out.push(h('span', { className: 'badge badge-overdue' }, 'Overdue'));
  if (rep.unmapped_town) out.push(h('span', { className: 'badge badge-unmapped' }, 'Statewide queue — town not mapped'));
  return out;
}

function routeText(rep) {
  if (rep.unmapped_town || !rep.region) {
    return h('span', {}, h('strong', {}, 'Statewide queue — town not mapped'),
      h('span', { className: 'sub' }, 'No area office lists the town: HART routes it by hand.'));
  }
  return h('span', {}, regionName(rep.region), rep.office ? h('span', { className: 'sub' }, `${officeName(rep.office)} area office`) : null);
}

function render({ first }) {
  const rep = report;
  $('report-heading').textContent = `Report ${rep.number}`;
  document.title = document.title.replace(/^[^·]*·/, `Report ${rep.number} ·`);
  $('report-flags').replaceChildren(...flagBadges(rep));
  const channel = (CHANNELS.find(([v]) => v === rep.channel) || [rep.channel, rep.channel])[1];
  const facts = [
    dlRow('Received', h('span', {}, formatShortTime(rep.received_at), h('span', { className: 'sub' }, zoneName(rep.received_at)))),
    dlRow('Came in by', channel),
    dlRow('Source', packName('referral_sources', rep.source)),
    dlRow('Routed to', routeText(rep)),
  ];
  if (rep.town) facts.push(dlRow('Town where it happened', rep.town));
  $('report-facts').replaceChildren(...facts);

  // The law, when a child is a suspected victim: prominent, first.
  const victim = $('report-victim');
  victim.hidden = !rep.suspected_victim;
  if (rep.suspected_victim) {
    const law = rep.law || (getConfig() || {}).law?.victim_not_offender || {};
    $('victim-text').textContent = law.text || '';
    $('victim-cites').textContent = (law.citations || []).join(' · ');
  }

  renderSaid(rep);
  renderChildren(rep);
  if (ctx.can('intakes.write')) {
    $('screen-panel').hidden = false;
    if (first || !$('screen-items').childElementCount) buildScreenPicker();
  }
  if (ctx.can('intakes.dispose')) {
    $('decide-panel').hidden = false;
    renderDecide(rep, { first });
  }
  renderHistory(rep);
}

function renderSaid(rep) {
  $('report-said').hidden = false;
  const rows = [];
  if (rep.reporter_anonymous) {
    rows.push(dlRow('Caller', h('strong', {}, 'Anonymous'), h('span', { className: 'sub' }, 'The caller asked not to be named: nothing about them is kept.')));
  } else {
    const r = rep.reporter || {};
    rows.push(dlRow('Caller', r.name || none()));
    rows.push(dlRow('Agency or relationship', r.agency || none()));
    rows.push(dlRow('Phone', r.phone || none()));
    rows.push(dlRow('E-mail', r.email || none()));
  }
  $('report-reporter').replaceChildren(...rows);
  const cse = new Set((getConfig() || {}).commercial_sex_concerns || []);
  const concerns = rep.concerns || [];
  $('report-concerns').replaceChildren(...(concerns.length
    ? concerns.map((c) => h('li', { className: cse.has(c) ? 'tag tag-cse' : 'tag' }, packName('vulnerabilities', c)))
    : [h('li', { className: 'none' }, 'None recorded')]));
  const n = $('report-narrative');
  n.textContent = rep.narrative || '';
  n.classList.toggle('none', !rep.narrative);
  if (!rep.narrative) n.textContent = 'No narrative recorded.';
}

// ---------------------------------------------------------------- children: is this child known?

function childFacts(c) {
  const rows = [];
  if (c.aliases && c.aliases.length) rows.push(dlRow('Also called', c.aliases.join(', ')));
  if (c.dob) rows.push(dlRow('Born', `${formatDate(c.dob)}${Number.isInteger(c.age_at_report) ? ` (${c.age_at_report} at the report)` : ''}`));
  else if (Number.isInteger(c.estimated_age)) rows.push(dlRow('Age', `About ${c.estimated_age}`));
  else rows.push(dlRow('Age', none('Not known')));
  rows.push(dlRow('Sex', c.sex ? (SEX_LABELS[c.sex] || c.sex) : none('Not known')));
  if (c.gender_identity) rows.push(dlRow('Gender identity', c.gender_identity));
  rows.push(dlRow('Town', c.town || none('Not known')));
  const placement = termLabel('intake_placements', c.placement);
  rows.push(dlRow('Placement', c.placement && c.placement !== 'unknown' ? (placement || c.placement) : none('Not known')));
  const status = [c.in_care ? 'In the agency’s care' : null, c.missing ? 'Missing' : null].filter(Boolean);
  if (status.length) rows.push(dlRow('Status', status.join(' · ')));
  return rows;
}

function renderChildren(rep) {
  $('report-children-panel').hidden = false;
  const write = ctx.can('intakes.write');
  $('report-children-hint').textContent = write
    ? 'Link each child to the known child they are, or record them as a new child.'
    : '';
  $('report-children-hint').hidden = !write;
  const cards = rep.children.map((c) => {
    const n = c.position;
    const name = fullName(c.given_name, c.family_name) || 'No name given';
    return h('article', { className: 'child-card', 'aria-labelledby': `rc-${n}-name`, dataset: { child: String(n) } },
      h('h3', { id: `rc-${n}-name`, className: 'child-name' },
        rep.children.length > 1 ? h('span', { className: 'child-pos' }, `Child ${n + 1}: `) : null,
        personLink(c.person_id, name),
        c.suspected_victim ? h('span', { className: 'badge badge-victim' }, 'Suspected victim') : null),
      h('dl', { className: 'facts child-facts' }, childFacts(c)),
      h('div', { className: 'known', 'aria-labelledby': `rc-${n}-known` },
        h('h4', { id: `rc-${n}-known`, className: 'match-title' }, 'Is this child known?'),
        h('p', { className: 'known-state', tabindex: '-1' }, write ? 'Looking for known children…' : linkedText(c.person_id)),
        h('ol', { className: 'cand-list', hidden: true }),
        h('div', { className: 'known-actions actions', hidden: true })),
      caseBox(rep, c, name));
  });
  $('report-children').replaceChildren(...cards);
  if (write) for (const c of rep.children) loadCandidates(c.position);
}

// An accepted report: HART or the region's liaison opens the child's case
// from here (or the report joins the case the child already has).
function caseBox(rep, c, name) {
  if (rep.disposition !== 'accepted_hart' || !ctx.can('cases.open')) return null;
  const n = c.position;
  const known = c.case || (c.case_id ? { id: c.case_id, number: c.case_number } : null);
  const region = rep.region
    ? null
    : h('div', { className: 'field' },
      h('label', { for: `rc-${n}-region` }, 'Region of the case ', h('span', { className: 'required' }, '(needed)')),
      h('p', { id: `rc-${n}-region-hint`, className: 'field-hint' }, 'The report’s town is not mapped to a region.'),
      h('select', { id: `rc-${n}-region`, 'aria-describedby': `rc-${n}-region-hint` },
        h('option', { value: '' }, 'Choose a region…'), ...regionsList().map((r) => h('option', { value: r.id }, r.name))));
  return h('div', { className: 'case-open-box', 'aria-labelledby': `rc-${n}-case` },
    h('h4', { id: `rc-${n}-case`, className: 'match-title' }, 'HART case'),
    known
      ? h('p', {}, 'This child’s case: ', h('a', { href: `#case/${known.id}` }, known.number || `Case ${known.id}`))
      : h('p', { className: 'field-hint' }, 'Accepted for HART: open the child’s case to track the response and its duties. If the child already has an open case, this report joins it.'),
    known ? null : region,
    known ? null : h('p', { className: 'actions' }, h('button', {
      type: 'button', className: 'btn btn-primary', dataset: { act: 'open-case', child: String(n) },
      'aria-label': `Open a case for ${name}`,
    }, 'Open a case')));
}

async function openCase(b) {
  const n = Number(b.dataset.child);
  const body = { intake_id: reportId, child: n };
  const sel = $(`rc-${n}-region`);
  if (sel) {
    if (!sel.value) {
      say('report-error', 'Choose the region of the case: the report’s town is not mapped to one.');
      sel.setAttribute('aria-invalid', 'true');
      sel.focus();
      return;
    }
    body.region = sel.value;
  }
  say('report-error', '');
  const gen = generation;
  const done = busy(b, 'Opening…');
  const r = await api('POST', '/api/v1/cases', body);
  if (gen !== generation) return;
  done();
  if (r.ok && r.body && r.body.id) {
    say('report-announce', r.body.joined ? `The report joined case ${r.body.number}.` : `Case ${r.body.number} opened.`);
    location.hash = `#case/${r.body.id}`;
    return;
  }
  if (r.status === 422 && r.body && Array.isArray(r.body.errors)) {
    say('report-error', `The case was not opened. ${r.body.errors.map((x) => sentence(`${x.field}: ${x.reason}`)).join(' ')}`);
  } else if (r.status !== 401) {
    say('report-error', problemText(r, 'The case was not opened'));
  }
  b.focus();
}

function linkedText(personId, who) {
  if (!personId) return 'Not linked to a known child yet.';
  return who ? `Linked to record ${personId}: ${who}.` : `Linked to record ${personId}.`;
}

function cardOf(n) {
  return $('report-children').querySelector(`[data-child="${n}"]`);
}

async function loadCandidates(n, { showAll = false } = {}) {
  const gen = generation;
  const r = await api('GET', `/api/v1/intakes/${reportId}/children/${n}/candidates`);
  if (gen !== generation) return;
  const card = cardOf(n);
  if (!card) return;
  const state = card.querySelector('.known-state');
  if (!r.ok || !r.body) {
    if (r.status !== 401) state.textContent = problemText(r, 'The known children could not be looked up');
    return;
  }
  renderKnown(n, r.body, { showAll });
}

function renderKnown(n, body, { showAll = false } = {}) {
  const card = cardOf(n);
  const state = card.querySelector('.known-state');
  const list = card.querySelector('.cand-list');
  const actions = card.querySelector('.known-actions');
  const child = report.children.find((c) => c.position === n);
  const name = fullName(child.given_name, child.family_name) || `child ${n + 1}`;
  card.dataset.candidates = JSON.stringify(body);
  const cands = Array.isArray(body.candidates) ? body.candidates : [];
  const linked = body.linked_person_id;
  if (linked && !showAll) {
    const who = cands.find((c) => c.person_id === linked);
    state.replaceChildren(h('strong', { className: 'linked' }, h('span', { className: 'tick', 'aria-hidden': 'true' }, '✓'), ' ',
      linkedText(linked, who ? fullName(who.given_name, who.family_name) : '')));
    list.replaceChildren(...(who ? [candidateCard(who, { linked: true })] : []));
    list.hidden = !who;
    actions.replaceChildren(h('button', { type: 'button', className: 'btn btn-secondary btn-small', 'aria-label': `Change the link for ${name}`, dataset: { act: 'change', child: String(n) } },
      'Change the link'));
    actions.hidden = false;
    return;
  }
  if (body.not_searched) {
    state.textContent = `Not looked up: ${sentence(body.not_searched)}`;
  } else if (body.verdict === 'too_thin') {
    state.textContent = 'Not enough to tell whether this child is known: a given name, and a birth date or an age, would tell. Find a child can search again with them.';
  } else if (body.by_family) {
    const total = Number(body.total) || cands.length;
    state.replaceChildren(h('strong', {}, `${total === 1 ? '1 known child has' : `${total} known children have`} this family name`),
      total > cands.length ? `; the first ${cands.length} are shown. Find a child lists them all.` : '.',
      ' Nothing else was given to compare.');
  } else if (!cands.length) {
    state.textContent = 'No known child matches: this looks like a new child.';
  } else {
    state.replaceChildren(h('strong', {}, cands.length === 1 ? '1 known child may be this child.' : `${cands.length} known children may be this child, most probable first.`));
  }
  list.replaceChildren(...cands.map((c) => candidateCard(c, {
    linked: c.person_id === linked,
    action: h('p', { className: 'cand-action' },
      h('button', {
        type: 'button',
        className: 'btn btn-primary btn-small',
        'aria-label': `This is the child: ${fullName(c.given_name, c.family_name) || 'no name on file'}, record ${c.person_id}`,
        dataset: { act: 'link', child: String(n), person: String(c.person_id) },
      }, 'This is the child')),
  })));
  list.hidden = !cands.length;
  const label = cands.length ? 'New child: none of these' : 'Record as a new child';
  const buttons = [h('button', { type: 'button', className: 'btn btn-secondary', 'aria-label': `${label} (${name})`, dataset: { act: 'new', child: String(n) } },
    label)];
  if (linked) {
    buttons.push(h('button', { type: 'button', className: 'btn btn-secondary btn-small', dataset: { act: 'keep', child: String(n) } }, 'Keep the link'));
  }
  actions.replaceChildren(...buttons);
  actions.hidden = false;
}

async function onChildAction(e) {
  const b = e.target.closest('button[data-act]');
  if (!b || b.disabled) return;
  if (b.dataset.act === 'open-case') {
    await openCase(b);
    return;
  }
  const n = Number(b.dataset.child);
  const card = cardOf(n);
  const body = JSON.parse(card.dataset.candidates || '{}');
  if (b.dataset.act === 'change' || b.dataset.act === 'keep') {
    renderKnown(n, body, { showAll: b.dataset.act === 'change' });
    const first = card.querySelector(b.dataset.act === 'change' ? '.cand-list button, .known-actions button' : '.known-actions button');
    if (first) first.focus();
    return;
  }
  const data = b.dataset.act === 'link' ? { person_id: Number(b.dataset.person) } : { new_person: true };
  say('report-error', '');
  const done = busy(b, b.dataset.act === 'link' ? 'Linking…' : 'Recording…');
  for (const x of card.querySelectorAll('button')) x.disabled = true;
  const gen = generation;
  const r = await api('POST', `/api/v1/intakes/${reportId}/children/${n}/link`, data);
  if (gen !== generation) return;
  done();
  for (const x of card.querySelectorAll('button')) x.disabled = false;
  if (r.ok && r.body && r.body.person_id) {
    const child = report.children.find((c) => c.position === n);
    child.person_id = r.body.person_id;
    body.linked_person_id = r.body.person_id;
    renderKnown(n, body);
    const who = (body.candidates || []).find((c) => c.person_id === r.body.person_id);
    const text = data.new_person
      ? `Recorded as a new child: record ${r.body.person_id}.`
      : linkedText(r.body.person_id, who ? fullName(who.given_name, who.family_name) : '');
    if (data.new_person) {
      card.querySelector('.known-state').replaceChildren(h('strong', { className: 'linked' },
        h('span', { className: 'tick', 'aria-hidden': 'true' }, '✓'), ' ', text));
    }
    say('report-announce', text);
    card.querySelector('.known-state').focus();
    return;
  }
  if (r.status === 422 && r.body && Array.isArray(r.body.errors)) {
    say('report-error', `The child was not linked. ${r.body.errors.map((x) => sentence(x.reason)).join(' ')}`);
  } else if (r.status !== 401) {
    say('report-error', problemText(r, 'The child was not linked'));
  }
  b.focus();
}

// ---------------------------------------------------------------- screening

function instruments() {
  return (getConfig() || {}).screening_instruments || [];
}

function buildScreenPicker() {
  const list = instruments();
  const pick = $('screen-instrument');
  pick.replaceChildren(...list.map((i) => h('option', { value: i.id }, `${i.name} (${i.version})`)));
  const def = ((getConfig() || {}).pack || {}).default_screening;
  pick.value = list.some((i) => i.id === def) ? def : (list[0] || {}).id || '';
  pick.closest('.field').hidden = list.length < 2;
  buildScreen(pick.value);
}

function questionsOf(ins) {
  if (!ins) return [];
  if (ins.kind === 'yes_no') return (ins.items || []).map((i) => i.id);
  return (ins.domains || []).flatMap((d) => (d.indicators || []).map((i) => i.id));
}

function ratingGroup(ins, q, text) {
  const name = `scr-${q}`;
  const choices = ins.kind === 'yes_no' ? [['no', 'No'], ['yes', 'Yes']] : RATINGS;
  const saved = (answers.get(ins.id) || {})[q];
  return h('div', { className: 'rating', role: 'radiogroup', dataset: { q }, 'aria-labelledby': `${name}-q`, 'aria-describedby': `${name}-error` },
    h('p', { id: `${name}-q`, className: 'rating-q' }, text),
    h('div', { className: 'rating-choices' }, choices.map(([v, t]) => {
      const input = h('input', { type: 'radio', name, value: v, id: `${name}-${v}` });
      const stored = ins.kind === 'yes_no' ? (saved === true ? 'yes' : saved === false ? 'no' : null) : saved;
      if (stored === v) input.checked = true;
      return h('label', { className: `choice choice-${v}`, for: input.id }, input, h('span', {}, t));
    })),
    h('p', { id: `${name}-error`, className: 'field-error' }));
}

function buildScreen(id) {
  const ins = instruments().find((i) => i.id === id);
  const box = $('screen-items');
  say('screen-error', '');
  if (!ins) {
    box.replaceChildren();
    return;
  }
  $('screen-about').textContent = ins.kind === 'yes_no'
    ? `${(ins.items || []).length} yes or no questions; positive at ${ins.positive_at} or more “Yes”.`
    : 'Rate each indicator: no, possible or clear concern. The level follows the pack’s rules.';
  if (ins.kind === 'yes_no') {
    box.replaceChildren(h('div', { className: 'domain' }, (ins.items || []).map((i) => ratingGroup(ins, i.id, i.text))));
  } else {
    box.replaceChildren(...(ins.domains || []).map((d) =>
      h('fieldset', { className: 'domain' },
        h('legend', { className: 'domain-name' }, d.name),
        (d.indicators || []).map((i) => ratingGroup(ins, i.id, i.text)))));
  }
  lastLevel = null;
  updateLevel({ announce: false });
}

function currentIns() {
  return instruments().find((i) => i.id === $('screen-instrument').value);
}

function readAnswers(ins) {
  const out = {};
  for (const q of questionsOf(ins)) {
    const x = document.querySelector(`#screen-items input[name="scr-${CSS.escape(q)}"]:checked`);
    if (!x) continue;
    out[q] = ins.kind === 'yes_no' ? x.value === 'yes' : x.value;
  }
  return out;
}

/** The level from the pack's rules, as the server computes it (for display only). */
export function localLevel(ins, ans) {
  if (ins.kind === 'yes_no') {
    const yes = (ins.items || []).filter((i) => ans[i.id] === true).length;
    return ins.positive_at > 0 && yes >= ins.positive_at ? 'positive' : 'negative';
  }
  const clearIn = (d) => (d.indicators || []).filter((i) => ans[i.id] === 'clear').length;
  const domains = ins.domains || [];
  let clear = 0;
  let possibleOrClear = 0;
  for (const d of domains) {
    clear += clearIn(d);
    possibleOrClear += (d.indicators || []).filter((i) => ans[i.id] === 'clear' || ans[i.id] === 'possible').length;
  }
  for (const rule of ins.rules || []) {
    let n;
    let min;
    if (Array.isArray(rule.clear_in_domains)) {
      n = domains.filter((d) => rule.clear_in_domains.includes(d.id)).reduce((s, d) => s + clearIn(d), 0);
      min = rule.min;
    } else if (rule.clear_count !== undefined) {
      n = clear;
      min = rule.clear_count;
    } else if (rule.possible_count !== undefined) {
      n = possibleOrClear;
      min = rule.possible_count;
    } else {
      continue;
    }
    if (min > 0 && n >= min) return rule.level;
  }
  return 'no';
}

function updateLevel({ announce = true } = {}) {
  const ins = currentIns();
  if (!ins) return;
  const ans = readAnswers(ins);
  answers.set(ins.id, ans);
  const total = questionsOf(ins).length;
  const done = Object.keys(ans).length;
  const box = $('screen-level');
  const text = $('screen-level-text');
  if (!done) {
    box.dataset.level = 'none';
    text.textContent = 'Not answered yet';
    box.querySelector('.level-label').textContent = 'Level so far';
    $('screen-progress').textContent = `0 of ${total} answered`;
    lastLevel = null;
    return;
  }
  const level = localLevel(ins, ans);
  box.dataset.level = level;
  text.textContent = levelText(level);
  box.querySelector('.level-label').textContent = done === total ? 'Level' : 'Level so far';
  $('screen-progress').textContent = done === total ? `All ${total} answered` : `${done} of ${total} answered`;
  if (announce && level !== lastLevel) say('screen-level-live', `Level so far: ${levelText(level)}.`);
  lastLevel = level;
}

function onAnswer(e) {
  if (!(e.target instanceof HTMLInputElement) || e.target.type !== 'radio') return;
  const group = e.target.closest('.rating');
  if (group) {
    group.classList.remove('has-error');
    group.querySelector('.field-error').textContent = '';
  }
  updateLevel();
}

function answerRestNo() {
  const ins = currentIns();
  if (!ins) return;
  let n = 0;
  for (const q of questionsOf(ins)) {
    const name = `scr-${CSS.escape(q)}`;
    if (document.querySelector(`#screen-items input[name="${name}"]:checked`)) continue;
    const no = document.querySelector(`#screen-items input[name="${name}"][value="no"]`);
    if (no) {
      no.checked = true;
      const g = no.closest('.rating');
      g.classList.remove('has-error');
      g.querySelector('.field-error').textContent = '';
      n++;
    }
  }
  updateLevel();
  say('screen-status', n ? `${n} unanswered ${n === 1 ? 'item' : 'items'} set to “No”.` : 'Every item was already answered.');
}

function markUnanswered(ids, reason) {
  let first = null;
  for (const q of ids) {
    const g = document.querySelector(`#screen-items .rating[data-q="${CSS.escape(q)}"]`);
    if (!g) continue;
    g.classList.add('has-error');
    g.querySelector('.field-error').textContent = reason;
    if (!first) first = g.querySelector('input');
  }
  return first;
}

// The start of a form's save: the form's submit button, with its status and
// error lines cleared, or null when a save is already running or no report
// is shown.
function startSave(e, form) {
  e.preventDefault();
  const button = $(`${form}-submit`);
  if (button.disabled || !report) return null;
  say(`${form}-status`, '');
  say(`${form}-error`, '');
  return button;
}

async function saveScreening(e) {
  const button = startSave(e, 'screen');
  if (!button) return;
  const ins = currentIns();
  const ans = readAnswers(ins);
  const missing = questionsOf(ins).filter((q) => !(q in ans));
  if (missing.length) {
    const first = markUnanswered(missing, 'Answer this item.');
    say('screen-error', `Nothing was saved: ${missing.length === 1 ? '1 item is' : `${missing.length} items are`} not answered yet. Answer ${missing.length === 1 ? 'it' : 'them'}, or use “Answer the rest No”.`);
    if (first) first.focus();
    return;
  }
  const local = localLevel(ins, ans);
  const gen = generation;
  const done = busy(button, 'Saving…');
  const r = await api('POST', `/api/v1/intakes/${reportId}/screenings`, { instrument: ins.id, answers: ans });
  if (gen !== generation) return;
  done();
  if (r.status === 201 && r.body) {
    const level = levelText(r.body.level);
    const box = $('screen-level');
    box.dataset.level = r.body.level;
    $('screen-level-text').textContent = level;
    box.querySelector('.level-label').textContent = 'Saved level';
    say('screen-status', r.body.level === local
      ? `Screening saved: ${level}.`
      : `Screening saved. The server’s level is ${level}; the level shown while answering was ${levelText(local)}.`);
    await load({ first: false });
    return;
  }
  if (r.status === 422 && r.body && Array.isArray(r.body.errors)) {
    const byQ = r.body.errors.filter((x) => /^answers\./.test(x.field));
    const first = markUnanswered(byQ.map((x) => x.field.slice(8)), 'Answer this item.');
    say('screen-error', `Nothing was saved. ${r.body.errors.map((x) => sentence(`${x.field}: ${x.reason}`)).slice(0, 3).join(' ')}`);
    if (first) first.focus();
  } else if (r.status !== 401) {
    say('screen-error', problemText(r, 'The screening was not saved'));
  }
}

// ---------------------------------------------------------------- the decision

function renderDecide(rep, { first }) {
  const due = new Date(new Date(rep.received_at).getTime() + deadlineMinutes() * 60000);
  const age = ageMinutes(rep);
  // A decision made is not changed by a stray click: its form opens on request.
  $('decide-form').hidden = !!rep.disposition && !changing;
  $('decide-change').hidden = !rep.disposition || changing;
  if (rep.disposition) {
    $('decide-due').textContent = `Decided: ${packName('dispositions', rep.disposition)}, ${formatShortTime(rep.disposition_at)}.${changing ? ' A new decision replaces it; the history keeps both.' : ''}`;
    $('decide-legend').textContent = 'Change the decision';
  } else {
    $('decide-due').textContent = age > deadlineMinutes()
      ? `Overdue: a decision was due by ${formatShortTime(due.toISOString())}, ${durationText(age - deadlineMinutes())} ago.`
      : `A decision is due by ${formatShortTime(due.toISOString())}, in ${durationText(deadlineMinutes() - age)}.`;
    $('decide-legend').textContent = 'What happens to this report';
  }
  if (!first && $('decide-choices').childElementCount) return;
  const list = (getConfig() || {}).dispositions || [];
  $('decide-choices').replaceChildren(...list.map((d) => {
    const id = `decide-${d.id}`;
    const notes = [d.reason_required ? 'needs a reason' : null, d.jurisdiction_required ? 'needs the jurisdiction' : null,
      d.id === 'screened_out' && rep.suspected_victim ? 'and a supervisor, for a suspected victim' : null].filter(Boolean);
    return h('div', { className: 'choice-row' },
      h('input', { type: 'radio', name: 'disposition', id, value: d.id }),
      h('label', { for: id }, d.name, notes.length ? h('span', { className: 'choice-note' }, ` (${notes.join(' ')})`) : null));
  }));
  showDecisionFields();
}

function chosen() {
  const x = document.querySelector('#decide-choices input:checked');
  const list = (getConfig() || {}).dispositions || [];
  return x ? list.find((d) => d.id === x.value) : null;
}

function showDecisionFields() {
  const d = chosen();
  const rf = $('decide-reason-field');
  rf.hidden = !d;
  if (d) {
    $('decide-reason-label').replaceChildren(d.reason_required ? 'Reason' : 'Note',
      h('span', { className: d.reason_required ? 'required' : 'optional' }, d.reason_required ? ' (needed)' : ' (optional)'));
  }
  $('decide-jurisdiction-field').hidden = !(d && d.jurisdiction_required);
  $('decide-supervisor-block').hidden = !(d && d.id === 'screened_out' && report && report.suspected_victim);
  $('decide-unscreened-block').hidden = !(d && d.id === 'accepted_hart' && report && !(report.screenings || []).length);
  clearDecideErrors();
}

function clearDecideErrors() {
  for (const el of document.querySelectorAll('#decide-form [aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of document.querySelectorAll('#decide-form .field-error')) el.textContent = '';
  for (const el of document.querySelectorAll('#decide-form .has-error')) el.classList.remove('has-error');
}

const DECIDE_REASONS = {
  'supervisor|Supervisor: a suspected victim’s report is screened out only with a supervisor; name them': 'Name the supervisor who agrees to screen out a suspected victim’s report.',
  'supervisor_reason|the supervisor\'s reason is required': 'Give the supervisor’s reason.',
  'unscreened_reason|Why accept it without a screen: the report is not screened; say why, or screen it first': 'This report is not screened: say why it is accepted without a screen, or screen it first.',
  'jurisdiction|name the jurisdiction it goes to': 'Name the jurisdiction the report goes to.',
};

async function decide(e) {
  const button = startSave(e, 'decide');
  if (!button) return;
  clearDecideErrors();
  const d = chosen();
  if (!d) {
    say('decide-error', 'Choose what happens to this report.');
    $('decide-disposition-error').textContent = 'Choose one.';
    $('decide-choices').closest('.field').classList.add('has-error');
    document.querySelector('#decide-choices input').focus();
    return;
  }
  const body = { disposition: d.id, version: report.version };
  const text = (id) => $(id).value.trim();
  if (!$('decide-reason-field').hidden && text('decide-reason')) body.reason = text('decide-reason');
  if (!$('decide-jurisdiction-field').hidden && text('decide-jurisdiction')) body.jurisdiction = text('decide-jurisdiction');
  if (!$('decide-unscreened-block').hidden && text('decide-unscreened_reason')) body.unscreened_reason = text('decide-unscreened_reason');
  if (!$('decide-supervisor-block').hidden) {
    if (text('decide-supervisor')) body.supervisor = text('decide-supervisor');
    if (text('decide-supervisor_reason')) body.supervisor_reason = text('decide-supervisor_reason');
  }
  const gen = generation;
  const done = busy(button, 'Recording…');
  const r = await api('POST', `/api/v1/intakes/${reportId}/disposition`, body);
  if (gen !== generation) return;
  done();
  if (r.ok && r.body && r.body.id) {
    report = r.body;
    changing = false;
    render({ first: false });
    $('decide-form').reset();
    showDecisionFields();
    const notified = d.id === 'accepted_hart'
      ? ` The HART coordinators${report.region ? ` and the liaisons of ${regionName(report.region)}` : ''} are notified.`
      : '';
    say('decide-status', `Decision recorded: ${d.name}.${notified}`);
    $('decide-heading').focus();
    return;
  }
  if (r.status === 409) {
    say('decide-error', 'Someone else changed this report since you opened it. It is up to date now: check it, then record your decision again.');
    const again = await api('GET', `/api/v1/intakes/${reportId}`);
    if (gen === generation && again.ok && again.body) {
      report = again.body;
      render({ first: false });
    }
    button.focus();
    return;
  }
  if (r.status === 422 && r.body && Array.isArray(r.body.errors)) {
    const loose = [];
    let firstEl = null;
    for (const x of r.body.errors) {
      const el = document.querySelector(`#decide-form [data-path="${CSS.escape(x.field)}"]`);
      const slot = el && $(`decide-${x.field}-error`);
      const reason = DECIDE_REASONS[`${x.field}|${x.reason}`] || sentence(x.reason);
      if (!el || !slot || el.closest('[hidden]')) {
        loose.push(reason);
        continue;
      }
      slot.textContent = reason;
      if (el.matches('input, textarea')) el.setAttribute('aria-invalid', 'true');
      el.closest('.field').classList.add('has-error');
      if (!firstEl) firstEl = el.matches('input, textarea') ? el : el.querySelector('input');
    }
    say('decide-error', `The decision was not recorded. ${loose.join(' ')}${loose.length ? '' : 'Fill in the fields marked below.'}`);
    if (firstEl) firstEl.focus();
  } else if (r.status !== 401) {
    say('decide-error', problemText(r, 'The decision was not recorded'));
  }
}

// ---------------------------------------------------------------- history

function renderHistory(rep) {
  $('history-panel').hidden = false;
  const decisions = rep.dispositions || [];
  $('history-decisions').replaceChildren(...(decisions.length ? decisions.map((d) => h('li', {},
    h('p', { className: 'history-head' }, h('strong', {}, packName('dispositions', d.disposition))),
    h('p', { className: 'history-meta' }, `${d.decided_by_name || d.decided_by}, ${formatShortTime(d.decided_at)}`),
    d.jurisdiction ? h('p', {}, `Jurisdiction: ${d.jurisdiction}`) : null,
    d.supervisor ? h('p', {}, `Supervisor: ${d.supervisor}`) : null,
    d.screened === false && d.disposition === 'accepted_hart' ? h('p', { className: 'history-unscreened' }, 'Accepted without a screen.') : null,
    d.reason ? h('p', { className: 'history-reason' }, d.reason) : null))
    : [h('li', { className: 'none' }, 'No decision yet.')]));
  const screens = rep.screenings || [];
  $('history-screenings').replaceChildren(...(screens.length ? screens.map((s) => {
    const ins = instruments().find((i) => i.id === s.instrument_id);
    return h('li', {},
      h('p', { className: 'history-head' }, h('strong', {}, levelText(s.level)), ` · ${ins ? ins.name : s.instrument_id} ${s.instrument_version}`),
      h('p', { className: 'history-meta' }, `${s.screened_by_name || s.screened_by}, ${formatShortTime(s.screened_at)}`));
  }) : [h('li', { className: 'none' }, 'Not screened yet.')]));
}
