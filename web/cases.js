// The cases: the list (by status and region, or the children missing now)
// and one case's page: who and where, the status with the moves allowed
// from it, the duties with their countdowns, missing episodes (start, mark
// located, debrief, re-screen), mandated reports, the timeline with its
// add-event form, rapid response, and the MDT's reviews. An MDT member
// gets the MDT view: only what the API returns, without a form.
// docs/cases.md is the contract; the server's answers are authoritative.

import { caseLink, childName, dutyItem } from './dashboard.js';
import { clearPlans, plansSection } from './plans.js';
import { attachmentsSection, clearAttachments } from './attachments.js';
import { breakGlassForm, isRestricted, personLink } from './person.js';
import { servicesPanel } from './referrals.js';
import {
  $, api, busy, caseMoves, clearFieldErrors, clockText, countdown, field,
  formatShortTime, fullName, getConfig, h, markFieldErrors, missingFor, officeName, packName, problemText, regionName,
  say, termLabel, termOptions, toLocalInput, timeValue, getTableList, messageRow, wireListFilters, fillRegionFilter, listen, sendBusy,
} from './common.js';
import { rapidOffersBox } from './providers.js';
import { assignPanel } from './assign.js';
import { closeForm, reopenForm } from './closing.js';
import { printTools } from './print.js';
import { timelineList } from './timeline.js';
import { locatedActions } from './confirm.js';
import { hashState, setHashState, showPager, showSort, trailOf, wireSortHeaders } from './listpage.js';

let ctx = { can: () => false, user: () => null };
let listGen = 0;
let caseGen = 0;
let caseId = null;
let kase = null; // the case as last read
let duties = []; // its duties
let teams = null; // the teams a review may go to (loaded once)
let flash = null; // { id, text }: a message for a section after the page is drawn again
let filledFor = null;

// Debrief and re-screen are recorded with their missing episode, not from
// the timeline's form.
const TIMELINE_KIND = (k) => k.user && k.id !== 'debrief' && k.id !== 'rescreen';
const caseStatus = (s) => termLabel('case_statuses', s);
const victimStatus = (v) => termLabel('victim_statuses', v);
const levelText = (l) => termLabel('screening_levels', l);

export function initCases(context) {
  ctx = { ...ctx, ...context };
  wireListFilters('cases', ['status', 'region', 'missing', 'mine', 'from', 'to', 'sort'], (o) => (o && o.announce ? loadList(o) : filtersChanged()));
  wireSortHeaders('cases-table', () => hashState().get('sort') || DEFAULT_SORT, (sort) => {
    const p = hashState();
    p.set('sort', sort);
    p.delete('trail');
    setHashState('cases', p);
    loadList();
  });
  $('cases-next').addEventListener('click', () => turnPage(1));
  $('cases-prev').addEventListener('click', () => turnPage(-1));
  listen('case-view', { submit: onSubmit, click: onClick, change: onChange });
}

export function clearCases() {
  listGen++;
  caseGen++;
  caseId = null;
  kase = null;
  duties = [];
  teams = null;
  flash = null;
  filledFor = null;
  clearPlans();
  clearAttachments('cases');
  $('cases-body').replaceChildren();
  $('cases-region').replaceChildren();
  $('cases-status').value = 'open';
  $('cases-missing').checked = false;
  $('cases-mine').checked = false;
  for (const id of ['cases-q', 'cases-from', 'cases-to']) $(id).value = '';
  $('cases-sort').value = DEFAULT_SORT;
  nextCursor = null;
  $('cases-pager').hidden = true;
  clearCasePage();
  for (const id of ['cases-summary', 'cases-error']) say(id, '');
}

function clearCasePage() {
  $('case-heading').textContent = 'Case';
  for (const id of ['case-flags', 'case-facts', 'case-tools', 'case-moves', 'case-edit-wrap', 'case-body']) $(id).replaceChildren();
  $('case-moves').hidden = true;
  for (const id of ['case-status', 'case-error', 'case-announce']) say(id, '');
}

// ---------------------------------------------------------------- the list

function ownRegion() {
  const u = ctx.user();
  return u && u.scope_kind === 'region' ? u.scope : null;
}

export function showCases() {
  const u = ctx.user();
  if (u && filledFor !== u.username) {
    fillRegionFilter('cases', ownRegion());
    filledFor = u.username;
  }
  return loadList();
}

const DEFAULT_SORT = '-opened_at';
let nextCursor = null; // the server's cursor for the page after the one shown

// The filters as the address holds them (the list's own query parameters).
const FILTERS = [['status', 'cases-status'], ['region', 'cases-region'], ['q', 'cases-q'],
  ['opened_from', 'cases-from'], ['opened_to', 'cases-to']];

/** The form's filters into the address, from the first page, then the list. */
function filtersChanged() {
  const p = hashState();
  for (const [k, id] of FILTERS) p.set(k, $(id).value.trim());
  p.set('missing', $('cases-missing').checked ? 'true' : '');
  const me = ctx.user();
  p.set('lead', $('cases-mine').checked && me ? String(me.id) : '');
  if (p.get('status') === 'open') p.delete('status');
  if ($('cases-sort').value !== DEFAULT_SORT) p.set('sort', $('cases-sort').value);
  else p.delete('sort');
  p.delete('trail');
  setHashState('cases', p);
  return loadList();
}

/** Next (+1) or Previous (-1): the trail of cursors in the address grows or shrinks by one. */
function turnPage(step) {
  const p = hashState();
  const trail = trailOf(p);
  if (step > 0 && nextCursor) trail.push(nextCursor);
  if (step < 0) trail.pop();
  p.set('trail', trail.join('.'));
  setHashState('cases', p);
  return loadList({ focusTable: true });
}

async function loadList({ announce = false, focusTable = false } = {}) {
  const gen = ++listGen;
  const state = hashState();
  // The address decides: the form shows what it holds.
  for (const [k, id] of FILTERS) if (k !== 'region' || !ownRegion()) $(id).value = state.get(k) || (k === 'status' ? 'open' : '');
  $('cases-missing').checked = state.get('missing') === 'true';
  const me = ctx.user();
  $('cases-mine').checked = Boolean(me && state.get('lead') === String(me.id));
  const trail = trailOf(state);
  const sort = state.get('sort') || DEFAULT_SORT;
  const params = new URLSearchParams({ status: $('cases-status').value || 'open', limit: '50', sort });
  const region = ownRegion() || $('cases-region').value;
  if (region) params.set('region', region);
  if ($('cases-missing').checked) params.set('missing', 'true');
  for (const k of ['q', 'opened_from', 'opened_to', 'lead']) if (state.get(k)) params.set(k, state.get(k));
  if (trail.length) params.set('after', trail[trail.length - 1]);
  showSort('cases-table', sort);
  if ([...$('cases-sort').options].some((o) => o.value === sort)) $('cases-sort').value = sort;
  const body = await getTableList('cases-table', 'cases-body', 'Loading the cases…', `/api/v1/cases?${params}`, 'items',
    'cases-error', 'The cases could not be loaded', () => gen !== listGen);
  if (!body) return;
  const list = body.items;
  nextCursor = body.next;
  showPager('cases', trail, nextCursor);
  const none = state.get('q') ? 'No case matches this search.' : $('cases-missing').checked ? 'No child is missing now.' : 'No case here.';
  $('cases-body').replaceChildren(...(list.length ? list.map(caseRow) : [messageRow(none)]));
  const missing = list.filter(isMissing).length;
  const first = trail.length * 50 + 1;
  const range = list.length && (trail.length || nextCursor) ? `Cases ${first} to ${first + list.length - 1}` : `${list.length} ${list.length === 1 ? 'case' : 'cases'}`;
  const summary = `${range}${missing ? `, ${missing} with the child missing now` : ''}.`;
  say('cases-summary', announce ? `${summary} Up to date as of ${formatShortTime(new Date().toISOString())}.` : summary);
  // What the table shows, for the tests to wait on and the reader to ignore.
  $('cases-table').dataset.query = params.toString();
  if (focusTable) $('cases-heading').focus();
}

function isMissing(c) {
  return !!(c.missing || c.missing_now || c.missing_since);
}

function statusBadge(status) {
  return h('span', { className: `badge status-${status}` }, caseStatus(status));
}

function victimBadge(v) {
  if (!v || v === 'none') return h('span', { className: 'none' }, 'None');
  return h('span', { className: `badge victim-${v}${v === 'suspected' || v === 'confirmed' ? ' badge-victim' : ''}` }, victimStatus(v));
}

function caseRow(c) {
  return h('tr', { className: isMissing(c) ? 'is-missing' : '', dataset: { id: String(c.id) } },
    h('th', { scope: 'row', dataset: { label: 'Case' } }, h('a', { href: `#case/${c.id}`, className: 'case-link' }, c.number)),
    h('td', { dataset: { label: 'Child' } }, h('span', {}, c.restricted ? childName(c) : personLink(c.person_id, childName(c)),
      isMissing(c) ? h('span', { className: 'badge badge-missing' }, 'Missing now') : null)),
    h('td', { dataset: { label: 'Region' } }, c.region ? regionName(c.region) : h('span', { className: 'none' }, 'No region')),
    h('td', { dataset: { label: 'Status' } }, statusBadge(c.status)),
    h('td', { dataset: { label: 'Victim status' } }, victimBadge(c.victim_status)),
    h('td', { dataset: { label: 'Duties' } }, Number(c.overdue) > 0
      ? h('span', { className: 'badge badge-overdue' }, `${c.overdue} overdue`)
      : c.next_due_at ? h('span', {}, 'Next ', countdown(null, c.next_due_at)) : h('span', { className: 'none' }, 'None open')),
    h('td', { dataset: { label: 'Opened' } }, c.opened_at ? formatShortTime(c.opened_at) : ''));
}

// ---------------------------------------------------------------- one case

export function showCase(id) {
  const n = Number(id);
  if (n !== caseId) {
    clearCasePage();
    caseId = n;
    kase = null;
  }
  say('case-error', '');
  return loadCase();
}

async function loadCase() {
  const gen = ++caseGen;
  const id = caseId;
  const view = $('case-view');
  view.setAttribute('aria-busy', 'true');
  const full = ctx.can('deadlines.read');
  const [r, d] = await Promise.all([
    api('GET', `/api/v1/cases/${id}`),
    full ? api('GET', `/api/v1/deadlines?case=${id}&limit=200`) : Promise.resolve(null),
  ]);
  if (gen !== caseGen) return;
  view.removeAttribute('aria-busy');
  if (isRestricted(r)) {
    $('case-heading').textContent = 'Restricted record';
    $('case-body').replaceChildren(breakGlassForm('case', id, () => loadCase()));
    return;
  }
  if (!r.ok || !r.body || !r.body.id) {
    if (r.status === 404) say('case-error', `There is no case ${id}. Check the link, or open the case from the list.`);
    else if (r.status === 403) say('case-error', 'This case is outside your area of work.');
    else if (r.status !== 401) say('case-error', problemText(r, 'The case could not be loaded'));
    return;
  }
  kase = r.body;
  duties = (d && d.ok && d.body && Array.isArray(d.body.items)) ? d.body.items
    : Array.isArray(kase.duties) ? kase.duties : Array.isArray(kase.deadlines) ? kase.deadlines : [];
  if (!teams && ctx.can('reviews.write')) {
    const t = await api('GET', '/api/v1/teams?limit=500');
    if (gen !== caseGen) return;
    teams = t.ok && t.body && Array.isArray(t.body.items) ? t.body.items : [];
  }
  render();
}

const isMdtView = () => !kase || kase.view === 'mdt' || !ctx.can('cases.write');

function dl(term, ...value) {
  return h('div', {}, h('dt', {}, term), h('dd', {}, ...value));
}

function none(text = 'Not recorded') {
  return h('span', { className: 'none' }, text);
}

function person(u) {
  if (!u) return '';
  if (typeof u === 'string') return u;
  return u.display_name || u.username || (u.id ? `User ${u.id}` : '');
}

function openEpisode() {
  return (kase.missing_episodes || []).find((e) => !e.located_at) || null;
}

function ageText(c) {
  if (Number.isInteger(c.age)) return `${c.age} years old`;
  if (Number.isInteger(c.estimated_age)) return `about ${c.estimated_age}`;
  return '';
}

/** Where the identification came from when the case was opened from a report that said so. */
function identifiedFrom(c) {
  const ev = (c.events || []).find((e) => e.kind === 'victim_status' && e.intake_number);
  if (!ev) return null;
  const why = ev.identified_by === 'screening' ? 'its screen' : 'a child under the minor age with a commercial-sex concern';
  return h('span', { className: 'sub', id: 'case-identified-from' },
    `From report ${ev.intake_number} (${why}): the law-enforcement report counts from when it came in.`);
}

function render() {
  const c = kase;
  const child = c.child || c.person || {};
  const name = fullName(child.given_name, child.family_name) || 'No name on file';
  $('case-heading').replaceChildren(h('span', { className: 'case-number' }, c.number), h('span', { className: 'case-child' }, name));
  document.title = document.title.replace(/^[^·]*·/, `${c.number} ·`);
  $('case-eyebrow').textContent = isMdtView() ? 'Case · MDT view: what the agency shares with the team' : 'Case';
  const ep = openEpisode();
  const flags = [statusBadge(c.status)];
  if (c.victim_status && c.victim_status !== 'none') flags.push(victimBadge(c.victim_status));
  if (ep) flags.push(h('span', { className: 'badge badge-missing' }, `Missing since ${formatShortTime(ep.last_seen_at || ep.learned_at)}`));
  const overdue = duties.filter((d) => d.status === 'overdue').length;
  if (overdue) flags.push(h('span', { className: 'badge badge-overdue' }, `${overdue} overdue ${overdue === 1 ? 'duty' : 'duties'}`));
  if (c.uncared_for) flags.push(h('span', { className: 'badge badge-unmapped' }, 'Uncared for'));
  $('case-flags').replaceChildren(...flags);

  const facts = [
    dl('Child', h('span', {}, personLink(child.person_id, name), ageText(child) ? h('span', { className: 'sub' }, ageText(child)) : null,
      child.dob ? h('span', { className: 'sub' }, `Born ${child.dob}`) : null)),
    dl('Region', c.region ? h('span', {}, regionName(c.region), c.office ? h('span', { className: 'sub' }, `${officeName(c.office)} area office`) : null) : none('No region')),
    dl('Victim status', h('span', {}, victimStatus(c.victim_status) || 'None',
      c.identified_at ? h('span', { className: 'sub' }, `Identified ${formatShortTime(c.identified_at)}`) : null,
      identifiedFrom(c))),
    dl('Trafficking type', c.trafficking_type ? packName('trafficking_types', c.trafficking_type) : none()),
  ];
  if (!isMdtView()) {
    facts.push(dl('Uncared for', h('span', {}, c.uncared_for ? 'Yes' : 'No',
      h('span', { className: 'sub' }, `Petition: ${termLabel('petition_statuses', c.petition_status || 'none')}`))));
    facts.push(dl('Lead', person(c.lead) || none('No lead yet')));
    facts.push(dl('Opened', h('span', {}, c.opened_at ? formatShortTime(c.opened_at) : '', person(c.opened_by) ? h('span', { className: 'sub' }, `by ${person(c.opened_by)}`) : null)));
    if (c.closed_at) facts.push(dl('Closed', h('span', {}, formatShortTime(c.closed_at), c.closure_reason ? h('span', { className: 'sub' }, packName('case_closure_reasons', c.closure_reason)) : null)));
    const intakes = c.intakes || [];
    if (intakes.length) {
      facts.push(dl(intakes.length === 1 ? 'Report' : 'Reports', h('span', { className: 'intake-links' },
        intakes.map((i) => h('a', { href: `#intake/${i.id ?? i.intake_id}` }, i.number || `Report ${i.id ?? i.intake_id}`)))));
    }
  }
  $('case-facts').replaceChildren(...facts);
  $('case-tools').replaceChildren(printTools(c, { mdt: isMdtView() }));

  if (isMdtView()) {
    $('case-moves').hidden = true;
    $('case-edit-wrap').replaceChildren();
    $('case-body').replaceChildren(
      missingPanel({ readOnly: true }),
      timelinePanel({ readOnly: true }),
      ctx.can('referrals.read') ? servicesPanel(c, { readOnly: true }) : null,
      mdtPanel({ readOnly: true }),
      ...plansPanel());
  } else {
    renderMoves();
    renderEdit();
    $('case-body').replaceChildren(
      assignPanel(c, { write: ctx.can('cases.write'), reload: reloadWith('cp-assign-status') }),
      dutiesPanel(),
      missingPanel({ readOnly: false }),
      reportsPanel(),
      timelinePanel({ readOnly: false }),
      rapidPanel(),
      ...plansPanel(),
      ...attachmentsPanel(),
      servicesPanel(c),
      mdtPanel({ readOnly: !ctx.can('reviews.write') }));
  }
  if (flash) {
    say(flash.id, flash.text);
    flash = null;
  }
}

/** The safety and service plans (plans.js), for those who may read them. */
const plansPanel = () => (ctx.can('plans.read')
  ? [plansSection(caseId, { write: ctx.can('plans.write') && !isMdtView() && kase.status !== 'closed' })] : []);

/** The files attached to the case (attachments.js), for those who may read them. */
const attachmentsPanel = () => (ctx.can('attachments.read')
  ? [attachmentsSection('cases', caseId, { write: ctx.can('attachments.write') && kase.status !== 'closed' })] : []);

// ---------------------------------------------------------------- status and classification

function renderMoves() {
  const allowed = Array.isArray(kase.allowed_statuses) ? kase.allowed_statuses : caseMoves(kase.status);
  const box = $('case-moves');
  box.hidden = false;
  if (!allowed.length) {
    const closed = kase.status === 'closed';
    box.replaceChildren(h('p', { className: 'moves-none' }, closed ? (ctx.can('cases.reopen') ? 'The status of a closed case does not change; reopening it is a step of its own, with its reason.' : 'The case is closed: a HART coordinator may reopen it.') : 'No change of status is allowed from here.'),
      closed && ctx.can('cases.reopen') ? reopenForm(kase, { reload: reloadWith('case-status') }) : null);
    return;
  }
  box.replaceChildren(
    h('p', { className: 'moves-label', id: 'case-moves-label' }, `Status: ${caseStatus(kase.status)}. Move the case to:`),
    h('div', { className: 'actions', role: 'group', 'aria-labelledby': 'case-moves-label' },
      allowed.map((s) => h('button', {
        type: 'button',
        className: s === 'closed' ? 'btn btn-caution btn-small' : 'btn btn-secondary btn-small',
        dataset: { act: 'move', to: s },
      }, s === 'closed' ? 'Close the case' : caseStatus(s)))),
    h('p', { id: 'case-moves-status', className: 'notice', role: 'status' }));
}

function renderEdit() {
  const c = kase;
  const types = ((getConfig() || {}).trafficking_types || []).map((t) => [t.id, t.name]);
  const form = h('form', { id: 'case-edit-form', className: 'form form-grid', novalidate: true, dataset: { form: 'edit' } },
    field({ id: 'ce-victim', label: 'Victim status', type: 'select', path: 'victim_status', value: c.victim_status || 'none',
      options: termOptions('victim_statuses') }),
    field({ id: 'ce-identified', label: 'Identified at', type: 'datetime-local', path: 'identified_at', optional: true,
      value: c.identified_at ? toLocalInput(new Date(c.identified_at).getTime()) : '',
      hint: 'When the child was first identified as a suspected or confirmed victim. Empty: now. The law-enforcement report is due 24 hours after.' }),
    field({ id: 'ce-type', label: 'Trafficking type', type: 'select', path: 'trafficking_type', value: c.trafficking_type || '',
      options: [['', 'Not known yet'], ...types] }),
    field({ id: 'ce-uncared', label: 'Uncared for (no caregiver able to protect the child)', type: 'checkbox', path: 'uncared_for', value: c.uncared_for }),
    field({ id: 'ce-petition', label: 'Petition status', type: 'select', path: 'petition_status', value: c.petition_status || 'none', options: termOptions('petition_statuses') }),
    h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'btn btn-primary' }, 'Save changes')));
  const open = $('case-edit-wrap').querySelector('details')?.open;
  $('case-edit-wrap').replaceChildren(h('details', { className: 'case-edit', open: open || false },
    h('summary', {}, 'Change victim status, trafficking type or petition'),
    h('p', { id: 'case-edit-status', className: 'notice', role: 'status' }),
    h('div', { id: 'case-edit-error', className: 'alert', role: 'alert' }),
    form));
}

// ---------------------------------------------------------------- panels

function panel(id, title, ...children) {
  return h('section', { id: `cp-${id}`, className: `panel case-panel cp-${id}`, 'aria-labelledby': `cp-${id}-heading` },
    h('h2', { id: `cp-${id}-heading`, tabindex: '-1' }, title),
    h('p', { id: `cp-${id}-status`, className: 'notice' }),
    h('div', { id: `cp-${id}-error`, className: 'alert', role: 'alert' }),
    ...children);
}

/** A form that opens on request: a <details> with the form inside. */
function formBox(summary, form, { open = false, className = '' } = {}) {
  return h('details', { className: `form-box ${className}`, open }, h('summary', {}, summary), form);
}

function submitRow(label) {
  return h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'btn btn-primary' }, label));
}

const nowInput = () => toLocalInput(Date.now());

function dutiesPanel() {
  const order = [...duties].sort((a, b) => {
    const rank = (d) => (d.status === 'overdue' ? 0 : d.status === 'open' ? 1 : 2);
    return rank(a) - rank(b) || String(a.due_at).localeCompare(String(b.due_at));
  });
  const counts = termOptions('duty_statuses').map(([s]) => [s, duties.filter((d) => d.status === s).length]).filter(([, n]) => n);
  return panel('duties', 'Duties and deadlines',
    h('p', { className: 'hint' }, counts.length ? counts.map(([s, n]) => `${n} ${termLabel('duty_statuses', s).toLowerCase()}`).join(' · ') : 'No duty yet: duties open when the child is identified as a victim, goes missing or returns, or a rapid response is requested.'),
    order.length ? h('ol', { className: 'duty-list' }, order.map((d) => dutyItem(d, { showCase: false }))) : null);
}

// Missing episodes: the one open first, its "located" form; each located
// episode with its debrief and re-screen.
function missingPanel({ readOnly }) {
  const eps = [...(kase.missing_episodes || [])].sort((a, b) => String(b.learned_at).localeCompare(String(a.learned_at)));
  const open = eps.find((e) => !e.located_at);
  const parts = [];
  if (!readOnly && !open) {
    parts.push(formBox('Record that the child is missing',
      h('form', { className: 'form form-grid', novalidate: true, dataset: { form: 'missing' } },
        field({ id: 'mi-last-seen', label: 'Last seen', type: 'datetime-local', path: 'last_seen_at', required: true, value: nowInput() }),
        field({ id: 'mi-learned', label: 'Agency learned of it', type: 'datetime-local', path: 'learned_at', required: true, value: nowInput(),
          hint: 'The law-enforcement and NCMEC reports are due 24 hours after this.' }),
        field({ id: 'mi-circ', label: 'Circumstances', type: 'textarea', path: 'circumstances', optional: true, max: 20000, className: 'field-wide' }),
        submitRow('Start the missing episode')), { className: 'form-box-warn' }));
  }
  parts.push(eps.length
    ? h('ol', { className: 'episodes' }, eps.map((e) => episodeItem(e, { readOnly })))
    : h('p', { className: 'none' }, 'The child has not been missing during this case.'));
  return panel('missing', 'Missing episodes', ...parts);
}

function eventsOf(kind, epId) {
  return (kase.events || []).filter((ev) => ev.kind === kind && Number(ev.missing_episode_id) === Number(epId));
}

function episodeItem(e, { readOnly }) {
  const located = !!e.located_at;
  const head = h('div', { className: 'episode-head' },
    h('h3', { className: 'episode-title' }, located ? 'Missing, now located' : 'Missing now'),
    located ? h('span', { className: 'badge badge-active' }, `Located ${formatShortTime(e.located_at)}`)
      : h('span', { className: 'badge badge-missing' }, 'Missing now'));
  const facts = h('dl', { className: 'facts episode-facts' },
    dl('Last seen', formatShortTime(e.last_seen_at)),
    dl('Agency learned', formatShortTime(e.learned_at)),
    located ? dl('Located', formatShortTime(e.located_at)) : dl('Missing for', missingFor(e) || none('Not known')),
    e.ncmec_case_number || e.ncmec_number ? dl('NCMEC case number', e.ncmec_case_number || e.ncmec_number) : null);
  const parts = [head, facts];
  if (e.circumstances) parts.push(h('p', { className: 'narrative episode-circ' }, e.circumstances));
  const epDuties = duties.filter((d) => d.subject && d.subject.type === 'missing_episode' && Number(d.subject.id) === Number(e.id));
  if (epDuties.length) parts.push(h('ol', { className: 'duty-list duty-list-small' }, epDuties.map((d) => dutyItem(d, { showCase: false }))));
  if (!readOnly) parts.push(locatedActions(e, { caseId, onChanged: afterChange }));
  if (!readOnly && located) {
    const debriefed = eventsOf('debrief', e.id).length > 0;
    const rescreened = eventsOf('rescreen', e.id).length > 0;
    parts.push(h('div', { className: 'return-forms' },
      debriefed ? h('p', { className: 'done-line' }, h('span', { 'aria-hidden': 'true' }, '✓ '), 'Debrief recorded')
        : formBox('Record the debrief', h('form', { className: 'form', novalidate: true, dataset: { form: 'debrief', episode: String(e.id) } },
          field({ id: `db-at-${e.id}`, label: 'Happened at', type: 'datetime-local', path: 'occurred_at', required: true, value: nowInput() }),
          field({ id: `db-text-${e.id}`, label: 'What the child said', type: 'textarea', path: 'text', optional: true }),
          field({ id: `db-share-${e.id}`, label: 'Share with the MDT', type: 'checkbox', path: 'shared' }),
          submitRow('Save the debrief'))),
      rescreened ? h('p', { className: 'done-line' }, h('span', { 'aria-hidden': 'true' }, '✓ '), 'Re-screen recorded')
        : formBox('Re-screen for sex trafficking', rescreenForm(e))));
  }
  return h('li', { className: `episode${located ? '' : ' episode-open'}`, dataset: { id: String(e.id) } }, ...parts);
}

// The re-screen: the pack's instrument, its questions as the intake's screen.
function rescreenInstrument() {
  const cfg = getConfig() || {};
  const list = cfg.screening_instruments || [];
  const id = cfg.rescreen_instrument || (cfg.pack || {}).rescreen_instrument || (cfg.pack || {}).default_screening;
  return list.find((i) => i.id === id) || list[0] || null;
}

function rescreenForm(e) {
  const ins = rescreenInstrument();
  const form = h('form', { className: 'form', novalidate: true, dataset: { form: 'rescreen', episode: String(e.id), instrument: ins ? ins.id : '' } },
    field({ id: `rs-at-${e.id}`, label: 'Happened at', type: 'datetime-local', path: 'occurred_at', required: true, value: nowInput() }));
  if (!ins) {
    form.append(h('p', { className: 'alert' }, 'The jurisdiction pack has no screening instrument.'));
    return form;
  }
  const choices = ins.kind === 'yes_no' ? [['no', 'No'], ['yes', 'Yes']] : [['no', 'No'], ['possible', 'Possible'], ['clear', 'Clear']];
  const group = (q, text) => {
    const name = `rs-${e.id}-${q}`;
    return h('div', { className: 'rating', role: 'radiogroup', dataset: { q }, 'aria-labelledby': `${name}-q` },
      h('p', { id: `${name}-q`, className: 'rating-q' }, text),
      h('div', { className: 'rating-choices' }, choices.map(([v, t]) =>
        h('label', { className: `choice choice-${v}`, for: `${name}-${v}` },
          h('input', { type: 'radio', name, value: v, id: `${name}-${v}` }), h('span', {}, t)))),
      h('p', { className: 'field-error' }));
  };
  const items = ins.kind === 'yes_no'
    ? [h('div', { className: 'domain' }, (ins.items || []).map((i) => group(i.id, i.text)))]
    : (ins.domains || []).map((d) => h('fieldset', { className: 'domain' }, h('legend', { className: 'domain-name' }, d.name),
      (d.indicators || []).map((i) => group(i.id, i.text))));
  form.append(
    h('p', { className: 'field-hint' }, `${ins.name} (${ins.version}). Answer every item.`),
    h('div', { className: 'screen-items', dataset: { path: 'answers' } }, items),
    field({ id: `rs-share-${e.id}`, label: 'Share with the MDT', type: 'checkbox', path: 'shared' }),
    h('div', { className: 'actions' },
      h('button', { type: 'submit', className: 'btn btn-primary' }, 'Save the re-screen'),
      h('button', { type: 'button', className: 'btn btn-secondary', dataset: { act: 'rest-no' } }, 'Answer the rest “No”')));
  return form;
}

function questionsOf(ins) {
  if (!ins) return [];
  if (ins.kind === 'yes_no') return (ins.items || []).map((i) => i.id);
  return (ins.domains || []).flatMap((d) => (d.indicators || []).map((i) => i.id));
}

function reportsPanel() {
  const reps = [...(kase.reports || [])].sort((a, b) => String(b.reported_at).localeCompare(String(a.reported_at)));
  const eps = kase.missing_episodes || [];
  const open = openEpisode();
  const form = h('form', { className: 'form form-grid', novalidate: true, dataset: { form: 'report' } },
    h('fieldset', { className: 'field', dataset: { for: 'kind' } },
      h('legend', {}, 'Reported to'),
      h('div', { className: 'checks', dataset: { path: 'kind' } }, termOptions('report_kinds').map(([v, t]) =>
        h('label', { className: 'check', for: `rp-kind-${v}` },
          h('input', { type: 'radio', name: 'rp-kind', id: `rp-kind-${v}`, value: v, checked: v === 'law_enforcement' }), h('span', {}, t)))),
      h('p', { className: 'field-error' })),
    field({ id: 'rp-agency', label: 'Agency', path: 'agency', required: true, hint: 'The police department, or NCMEC.' }),
    field({ id: 'rp-officer', label: 'Officer or call-taker', path: 'officer', optional: true }),
    field({ id: 'rp-reference', label: 'Report number', path: 'reference', optional: true, hint: 'For NCMEC: its case number.' }),
    field({ id: 'rp-at', label: 'Reported at', type: 'datetime-local', path: 'reported_at', required: true, value: nowInput(),
      hint: 'When the report was made: the duty counts as met then.' }),
    eps.length ? field({ id: 'rp-episode', label: 'For the missing episode', type: 'select', path: 'missing_episode_id',
      value: open ? String(open.id) : '',
      options: [['', 'Not for a missing episode'], ...eps.map((e) => [String(e.id), `Missing since ${formatShortTime(e.last_seen_at)}${e.located_at ? '' : ' (now)'}`])] }) : null,
    submitRow('Record the report'));
  const due = duties.filter((d) => !d.met_at && /report$/.test(d.kind || ''));
  return panel('reports', 'Mandated reports',
    due.length ? h('p', { className: 'law-hint' }, `Due: ${due.map((d) => `${d.name || d.kind} (${d.status === 'overdue' ? 'overdue' : `by ${formatShortTime(d.due_at)}`})`).join('; ')}.`) : null,
    formBox('Record a report to law enforcement or NCMEC', form, { open: due.length > 0 }),
    reps.length ? h('div', { className: 'table-wrap' }, h('table', { className: 'table stack reports-table' },
      h('caption', { className: 'sr-only' }, 'Reports made'),
      h('thead', {}, h('tr', {}, ['To', 'Agency', 'Officer', 'Report number', 'Reported at'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, reps.map((x) => h('tr', {},
        h('th', { scope: 'row', dataset: { label: 'To' } }, termLabel('report_kinds', x.kind)),
        h('td', { dataset: { label: 'Agency' } }, x.agency || ''),
        h('td', { dataset: { label: 'Officer' } }, x.officer || none('—')),
        h('td', { dataset: { label: 'Report number' } }, x.reference ? h('span', { className: 'mono' }, x.reference) : none('—')),
        h('td', { dataset: { label: 'Reported at' } }, formatShortTime(x.reported_at),
          x.before_identification ? h('span', { className: 'sub report-early' }, 'Made before the child was identified as a victim') : null))))))
      : h('p', { className: 'none' }, 'No report recorded yet.'));
}

function eventExtra(ev) {
  const out = [];
  if (ev.kind === 'status_change' && (ev.from || ev.to)) out.push(`${caseStatus(ev.from) || '?'} → ${caseStatus(ev.to) || '?'}`);
  if (ev.kind === 'victim_status' && ev.to) out.push(victimStatus(ev.to));
  if (ev.kind === 'victim_status' && ev.intake_number) out.push(`from report ${ev.intake_number}`);
  if (ev.placement) out.push(`Placement: ${termLabel('placements', ev.placement)}`);
  if (ev.emergency_department) out.push(`At ${ev.emergency_department_name || packName('emergency_departments', ev.emergency_department)}`);
  if (ev.level) out.push(`Level: ${levelText(ev.level)}`);
  if (ev.kind === 'lead_changed') out.push(`${ev.from_name || ev.from || 'no lead'} → ${ev.to_name || ev.to || 'no lead'}`);
  if (ev.kind === 'worker_added' || ev.kind === 'worker_removed') out.push(ev.user_name || ev.user || '');
  if (ev.kind === 'status_change' && ev.reason) out.push(packName('case_closure_reasons', ev.reason));
  return out.join(' · ');
}

function timelinePanel({ readOnly }) {
  const evs = [...(kase.events || [])].sort((a, b) => String(b.occurred_at).localeCompare(String(a.occurred_at)) || (b.id || 0) - (a.id || 0));
  const parts = [];
  if (!readOnly) {
    const eds = ((getConfig() || {}).emergency_departments || []).map((x) => [x.id, x.name]);
    parts.push(formBox('Add to the timeline', h('form', { className: 'form form-grid', novalidate: true, dataset: { form: 'event' } },
      field({ id: 'ev-kind', label: 'What', type: 'select', path: 'kind', value: 'note', options: termOptions('event_kinds', TIMELINE_KIND) }),
      field({ id: 'ev-at', label: 'Happened at', type: 'datetime-local', path: 'occurred_at', required: true, value: nowInput(),
        hint: 'Now, or earlier for something recorded after the fact.' }),
      eds.length
        ? field({ id: 'ev-ed', label: 'Emergency department', type: 'select', path: 'emergency_department', options: [['', 'Choose…'], ...eds], className: 'ev-medical', attrs: {} })
        : field({ id: 'ev-ed', label: 'Emergency department', path: 'emergency_department', className: 'ev-medical' }),
      field({ id: 'ev-placement', label: 'New placement', type: 'select', path: 'placement', options: termOptions('placements'), className: 'ev-placement' }),
      field({ id: 'ev-text', label: 'What happened', type: 'textarea', path: 'text', max: 20000, className: 'field-wide ev-text', rows: 3 }),
      field({ id: 'ev-share', label: 'Share with the MDT', type: 'checkbox', path: 'shared',
        hint: 'The members of the teams reviewing this case will see it.' }),
      submitRow('Add to the timeline'))));
  }
  parts.push(timelineList(evs, { caseId, readOnly, me: ctx.user(), extra: eventExtra, onChanged: (text) => afterChange('cp-timeline', text),
    empty: readOnly ? 'Nothing has been shared with the team yet.' : 'Nothing on the timeline yet.' }));
  const p = panel('timeline', readOnly ? 'Timeline: shared with the MDT' : 'Timeline', ...parts);
  if (!readOnly) setTimeout(() => showKindFields(p.querySelector('form[data-form="event"]')), 0);
  return p;
}

function showKindFields(form) {
  if (!form) return;
  const kind = form.querySelector('#ev-kind').value;
  form.querySelector('.ev-medical').hidden = kind !== 'medical_exam';
  form.querySelector('.ev-placement').hidden = kind !== 'placement_change';
  const needText = kind === 'note' || kind === 'contact';
  const label = form.querySelector('.ev-text label');
  label.replaceChildren('What happened', h('span', { className: needText ? 'required' : 'optional' }, needText ? ' (needed)' : ' (optional)'));
}

function rapidPanel() {
  const list = [...(kase.rapid_responses || [])].sort((a, b) => String(b.requested_at).localeCompare(String(a.requested_at)));
  const target = ((getConfig() || {}).deadlines || []).find((d) => d.id === 'rapid_response_target');
  return panel('rapid', 'Rapid response',
    h('p', { className: 'hint' }, target ? `A responder should meet the child within ${clockText(target.minutes)} of the request.` : ''),
    rapidOffersBox(kase.id),
    formBox('Request a rapid response', h('form', { className: 'form form-grid', novalidate: true, dataset: { form: 'rapid' } },
      field({ id: 'rr-at', label: 'Requested at', type: 'datetime-local', path: 'requested_at', value: nowInput() }),
      field({ id: 'rr-responder', label: 'Responder', path: 'responder', optional: true }),
      submitRow('Request'))),
    list.length ? h('ol', { className: 'rapid-list' }, list.map((x) => {
      const arrived = !!x.arrived_at;
      const mins = Number.isFinite(Number(x.minutes_taken ?? x.minutes)) && (x.minutes_taken ?? x.minutes) !== null ? Number(x.minutes_taken ?? x.minutes) : arrived ? Math.round((new Date(x.arrived_at) - new Date(x.requested_at)) / 60000) : null;
      const tgt = x.target_minutes ?? (target ? target.minutes : null);
      const within = x.within_target ?? (mins !== null && tgt !== null ? mins <= tgt : null);
      return h('li', { className: 'rapid', dataset: { id: String(x.id) } },
        h('p', { className: 'rapid-head' }, h('strong', {}, `Requested ${formatShortTime(x.requested_at)}`), x.responder ? ` · ${x.responder}` : ''),
        arrived
          ? h('p', {}, `Arrived ${formatShortTime(x.arrived_at)}: ${clockText(mins)}${tgt ? ` against a target of ${clockText(tgt)}` : ''} `,
            within === null ? null : h('span', { className: `badge ${within ? 'duty-met_on_time' : 'duty-met_late'}` }, within ? 'Within target' : 'Over target'))
          : h('form', { className: 'form inline-form', novalidate: true, dataset: { form: 'arrived', rapid: String(x.id) } },
            h('p', { className: 'rapid-wait' }, 'Waiting for the responder: ', countdown(null, new Date(new Date(x.requested_at).getTime() + (tgt || 0) * 60000).toISOString())),
            field({ id: `ra-at-${x.id}`, label: 'Arrived at', type: 'datetime-local', path: 'arrived_at', required: true, value: nowInput() }),
            field({ id: `ra-who-${x.id}`, label: 'Responder', path: 'responder', optional: true, value: x.responder || '' }),
            submitRow('Record the arrival')));
    })) : h('p', { className: 'none' }, 'No rapid response requested.'));
}

function mdtPanel({ readOnly }) {
  const reviews = kase.reviews || [];
  const parts = [];
  if (!readOnly && teams) {
    const region = teams.filter((t) => !kase.region || t.region === kase.region);
    const rest = teams.filter((t) => !region.includes(t));
    parts.push(formBox('Schedule a review', h('form', { className: 'form form-grid', novalidate: true, dataset: { form: 'review' } },
      field({ id: 'rv-team', label: 'Team', type: 'select', path: 'team', required: true,
        options: [...(teams.length ? [] : [['', 'No team yet']]), ...[...region, ...rest].map((t) => [String(t.id), `${t.name} (${t.code})`])] }),
      field({ id: 'rv-at', label: 'Scheduled for', type: 'datetime-local', path: 'scheduled_at', required: true, value: '' }),
      submitRow('Schedule the review'))));
  }
  parts.push(reviews.length ? h('ol', { className: 'reviews' }, reviews.map((rv) => reviewItem(rv)))
    : h('p', { className: 'none' }, 'No MDT review of this case yet.'));
  return panel('mdt', readOnly && isMdtView() ? 'Your team’s reviews' : 'MDT reviews', ...parts);
}


export function reviewItem(rv, { caseLinkToo = false } = {}) {
  const team = rv.team || {};
  const items = rv.action_items || [];
  return h('li', { className: `review review-${rv.status}`, dataset: { id: String(rv.id) } },
    h('p', { className: 'review-head' },
      caseLinkToo && rv.case ? caseLink(rv.case) : null,
      h('strong', {}, team.id ? h('a', { href: `#team/${team.id}` }, team.name || team.code) : (team.name || team.code || 'Team')),
      h('span', { className: `badge review-badge-${rv.status}` }, termLabel('review_statuses', rv.status))),
    h('p', { className: 'review-when' }, rv.status === 'held' && rv.held_at ? `Held ${formatShortTime(rv.held_at)}` : `Scheduled for ${formatShortTime(rv.scheduled_at)}`),
    rv.decisions ? h('div', {}, h('p', { className: 'sub-title' }, 'Decisions'), h('p', { className: 'narrative' }, rv.decisions)) : null,
    items.length ? h('div', {}, h('p', { className: 'sub-title' }, 'Action items'),
      h('ul', { className: 'action-items' }, items.map((a) => h('li', { className: a.done_at ? 'is-done' : '' },
        h('span', { className: 'ai-text' }, a.text),
        h('span', { className: 'sub' }, [a.owner ? `Owner: ${a.owner}` : '', a.done_at ? `done ${formatShortTime(a.done_at)}` : a.due_at ? `due ${formatShortTime(a.due_at)}` : ''].filter(Boolean).join(' · ')))))) : null);
}

// ---------------------------------------------------------------- writing

function onChange(e) {
  const form = e.target.closest('form[data-form="event"]');
  if (form && e.target.id === 'ev-kind') showKindFields(form);
  const rating = e.target.closest('.rating');
  if (rating) {
    rating.classList.remove('has-error');
    rating.querySelector('.field-error').textContent = '';
  }
}

async function onClick(e) {
  const b = e.target.closest('button[data-act]');
  if (!b || b.disabled || !kase) return;
  if (b.dataset.act === 'move') await move(b);
  else if (b.dataset.act === 'reload') {
    flash = null;
    await loadCase();
    $('case-heading').focus();
  } else if (b.dataset.act === 'rest-no') {
    const form = b.closest('form');
    let n = 0;
    for (const g of form.querySelectorAll('.rating')) {
      if (g.querySelector('input:checked')) continue;
      g.querySelector('input[value="no"]').checked = true;
      g.classList.remove('has-error');
      g.querySelector('.field-error').textContent = '';
      n++;
    }
    say('case-announce', n ? `${n} unanswered ${n === 1 ? 'item' : 'items'} set to “No”.` : 'Every item was already answered.');
  }
}

async function move(b) {
  const to = b.dataset.to;
  say('case-status', '');
  if (to === 'closed') {
    const form = closeForm(kase, { reload: reloadWith('case-status'), cancel: () => { renderMoves(); $('case-moves').querySelector('button[data-to="closed"]')?.focus(); } });
    $('case-moves').replaceChildren(form);
    form.querySelector('select').focus();
    return;
  }
  say('case-error', '');
  const done = busy(b, 'Saving…');
  const r = await api('PATCH', `/api/v1/cases/${caseId}`, { version: kase.version, status: to });
  done();
  if (r.ok) {
    flash = { id: 'case-status', text: `Status changed to ${caseStatus(to)}.` };
    await loadCase();
    $('case-heading').focus();
    return;
  }
  conflictOr(r, 'The status was not changed', 'case-error');
}

/** Read the case again and draw it, then say text in the element id. */
function reloadWith(id) {
  return async (text) => {
    flash = { id, text };
    await loadCase();
    $(id)?.closest('section')?.querySelector('h2')?.focus();
  };
}

/** A 409 in words: the statuses allowed, or someone else's change and a Reload button. */
function conflictOr(r, what, errId) {
  const box = $(errId);
  const type = (r.body && r.body.type) || '';
  if (r.status === 409 && type === 'urn:hartline:problem:illegal-transition') {
    const allowed = (Array.isArray(r.body.allowed) ? r.body.allowed : []).map((s) => caseStatus(s));
    box.replaceChildren(`${what}: that change is not allowed from ${caseStatus(kase.status)}. ${allowed.length ? `Allowed: ${allowed.join(', ')}.` : 'No change is allowed from here.'}`);
    return;
  }
  if (r.status === 409 && type === 'urn:hartline:problem:stale-version') {
    box.replaceChildren(`${what}: someone else changed this case since you opened it. Reload it, check it, and try again. `,
      h('button', { type: 'button', className: 'btn btn-secondary btn-small', dataset: { act: 'reload' } }, 'Reload the case'));
    return;
  }
  if (r.status === 409) {
    box.replaceChildren(`${problemText(r, what)} `,
      h('button', { type: 'button', className: 'btn btn-secondary btn-small', dataset: { act: 'reload' } }, 'Reload the case'));
    return;
  }
  if (r.status !== 401) box.replaceChildren(problemText(r, what));
}

function val(form, sel) {
  const el = form.querySelector(sel);
  return el ? el.value.trim() : '';
}

/** The body and address of each form, and what to say when it worked. */
function request(form) {
  const kind = form.dataset.form;
  const base = `/api/v1/cases/${caseId}`;
  const t = (sel) => timeValue(form.querySelector(sel));
  switch (kind) {
    case 'edit': {
      const body = { version: kase.version };
      const v = val(form, '#ce-victim');
      if (v !== (kase.victim_status || 'none')) body.victim_status = v;
      const idAt = t('#ce-identified');
      if (idAt && idAt !== kase.identified_at) body.identified_at = idAt;
      const tt = val(form, '#ce-type');
      if (tt && tt !== kase.trafficking_type) body.trafficking_type = tt;
      const uf = form.querySelector('#ce-uncared').checked;
      if (uf !== !!kase.uncared_for) body.uncared_for = uf;
      const ps = val(form, '#ce-petition');
      if (ps !== (kase.petition_status || 'none')) body.petition_status = ps;
      return { method: 'PATCH', path: base, body, section: 'case-edit', statusId: 'case-status', ok: 'Changes saved.', empty: Object.keys(body).length === 1 };
    }
    case 'missing': {
      const body = { last_seen_at: t('#mi-last-seen'), learned_at: t('#mi-learned') };
      const c = val(form, '#mi-circ');
      if (c) body.circumstances = c;
      return { method: 'POST', path: `${base}/missing-episodes`, body, section: 'cp-missing', ok: 'Missing episode started: the law-enforcement and NCMEC reports are due within 24 hours.' };
    }
    case 'debrief': {
      const body = { kind: 'debrief', missing_episode_id: Number(form.dataset.episode), occurred_at: t('input[type="datetime-local"]'), shared: form.querySelector('input[type="checkbox"]').checked };
      const text = val(form, 'textarea');
      if (text) body.text = text;
      return { method: 'POST', path: `${base}/events`, body, section: 'cp-missing', ok: 'Debrief recorded.' };
    }
    case 'rescreen': {
      const ins = rescreenInstrument();
      const answers = {};
      const missing = [];
      for (const q of questionsOf(ins)) {
        const x = form.querySelector(`.rating[data-q="${CSS.escape(q)}"] input:checked`);
        if (!x) missing.push(q);
        else answers[q] = ins.kind === 'yes_no' ? x.value === 'yes' : x.value;
      }
      return { method: 'POST', path: `${base}/events`, section: 'cp-missing', ok: 'Re-screen recorded.', missing,
        body: { kind: 'rescreen', missing_episode_id: Number(form.dataset.episode), instrument: ins ? ins.id : undefined, answers,
          occurred_at: t('input[type="datetime-local"]'), shared: form.querySelector(`#rs-share-${form.dataset.episode}`).checked } };
    }
    case 'report': {
      const kindEl = form.querySelector('input[name="rp-kind"]:checked');
      const body = { kind: kindEl ? kindEl.value : '', agency: val(form, '#rp-agency'), reported_at: t('#rp-at') };
      const officer = val(form, '#rp-officer');
      const ref = val(form, '#rp-reference');
      const ep = val(form, '#rp-episode');
      if (officer) body.officer = officer;
      if (ref) body.reference = ref;
      if (ep) body.missing_episode_id = Number(ep);
      return { method: 'POST', path: `${base}/reports`, body, section: 'cp-reports', ok: `Report to ${termLabel('report_kinds', body.kind)} recorded.` };
    }
    case 'event': {
      const k = val(form, '#ev-kind');
      const body = { kind: k, occurred_at: t('#ev-at'), shared: form.querySelector('#ev-share').checked };
      const text = val(form, '#ev-text');
      if (text) body.text = text;
      if (k === 'medical_exam') body.emergency_department = val(form, '#ev-ed');
      if (k === 'placement_change') body.placement = val(form, '#ev-placement');
      return { method: 'POST', path: `${base}/events`, body, section: 'cp-timeline', ok: `${termLabel('event_kinds', k)} added to the timeline.` };
    }
    case 'rapid': {
      const body = {};
      const at = t('#rr-at');
      if (at) body.requested_at = at;
      const who = val(form, '#rr-responder');
      if (who) body.responder = who;
      return { method: 'POST', path: `${base}/rapid-responses`, body, section: 'cp-rapid', ok: 'Rapid response requested.' };
    }
    case 'arrived': {
      const body = { arrived_at: t('input[type="datetime-local"]') };
      const who = val(form, `#ra-who-${form.dataset.rapid}`);
      if (who) body.responder = who;
      return { method: 'PATCH', path: `${base}/rapid-responses/${form.dataset.rapid}`, body, section: 'cp-rapid', ok: 'Arrival recorded.' };
    }
    case 'review': {
      const team = val(form, '#rv-team');
      return { method: 'POST', path: `/api/v1/teams/${team}/reviews`, body: { case_id: caseId, scheduled_at: t('#rv-at') }, section: 'cp-mdt',
        ok: 'Review scheduled.', noTeam: !team };
    }
    default:
      return null;
  }
}

/** After a change made in a dialog or a section's own form: the case read again, the message said. */
async function afterChange(section, text) {
  flash = { id: `${section}-status`, text };
  await loadCase();
  say('case-announce', text);
  const heading = $(`${section}-heading`);
  if (heading) heading.focus();
}

async function onSubmit(e) {
  const form = e.target.closest('form[data-form]');
  if (!form) return;
  e.preventDefault();
  const req = request(form);
  if (!req || !kase) return;
  const button = form.querySelector('button[type="submit"]');
  if (button.disabled) return;
  const errId = `${req.section}-error`;
  const statusId = req.statusId || `${req.section}-status`;
  say(errId, '');
  say(statusId, '');
  say('case-status', '');
  clearFieldErrors(form);
  if (req.empty) {
    say(statusId, 'Nothing changed.');
    return;
  }
  if (req.noTeam) {
    say(errId, 'There is no team to schedule a review with. HART creates the teams on the Teams page.');
    return;
  }
  if (req.missing && req.missing.length) {
    let first = null;
    for (const q of req.missing) {
      const g = form.querySelector(`.rating[data-q="${CSS.escape(q)}"]`);
      g.classList.add('has-error');
      g.querySelector('.field-error').textContent = 'Answer this item.';
      if (!first) first = g.querySelector('input');
    }
    say(errId, `Nothing was saved: ${req.missing.length === 1 ? '1 item is' : `${req.missing.length} items are`} not answered yet.`);
    first.focus();
    return;
  }
  const gen = caseGen;
  const r = await sendBusy(button, req, () => gen !== caseGen);
  if (!r) return;
  if (r.ok) {
    let text = req.ok;
    if (r.body && Array.isArray(r.body.met) && r.body.met.length) {
      text += ` It meets ${r.body.met.length === 1 ? 'a duty' : `${r.body.met.length} duties`}.`;
    } else if (form.dataset.form === 'report') {
      text += ' It met no open duty.';
    }
    if (form.dataset.form === 'rescreen' && r.body && r.body.level) text += ` Level: ${levelText(r.body.level)}.`;
    flash = { id: statusId, text };
    if (form.dataset.form === 'edit') form.closest('details').open = false;
    await loadCase();
    // The section was drawn again: its message is said from a live region that stays.
    say('case-announce', text);
    const heading = req.section === 'case-edit' ? $('case-heading') : $(`${req.section}-heading`);
    if (heading) heading.focus();
    return;
  }
  if (r.status === 422) {
    const { first, loose } = markFieldErrors(form, r);
    say(errId, `Nothing was saved. ${loose.join(' ')}${loose.length ? '' : 'Correct the fields marked below.'}`);
    if (first) first.focus();
    return;
  }
  conflictOr(r, 'Nothing was saved', errId);
}
