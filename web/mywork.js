// "My work": the cases the user leads or works (GET /api/v1/me/cases) and
// the duties it owns (GET /api/v1/me/duties), each a page at a time with
// "Show more". docs/cases.md, "Assignment".

import { caseLink, childName, dutyItem } from './dashboard.js';
import { $, api, formatShortTime, h, problemText, regionName, say, termLabel } from './common.js';

// Each list's latest load: an answer to an earlier one is dropped, and
// "Show more" waits while a load is under way (twice clicked, once added).
const loads = { cases: { gen: 0, busy: false }, duties: { gen: 0, busy: false } };
let casesNext = null;
let dutiesNext = null;

/** Start a load of list: its generation, or 0 when "Show more" must wait. */
function startLoad(list, more) {
  const l = loads[list];
  if (more && l.busy) return 0;
  l.busy = true;
  return ++l.gen;
}

/** Whether load g of list is still the latest; it is over either way. */
function latest(list, g) {
  const l = loads[list];
  if (g !== l.gen) return false;
  l.busy = false;
  return true;
}

export function initMyWork() {
  $('mywork-cases-more').addEventListener('click', () => loadCases(true));
  $('mywork-duties-more').addEventListener('click', () => loadDuties(true));
  $('mywork-status').addEventListener('change', () => loadCases(false));
}

export function clearMyWork() {
  for (const l of Object.values(loads)) {
    l.gen++;
    l.busy = false;
  }
  casesNext = dutiesNext = null;
  $('mywork-cases-body').replaceChildren();
  $('mywork-duties').replaceChildren();
  $('mywork-status').value = 'open';
  for (const id of ['mywork-cases-error', 'mywork-duties-error', 'mywork-cases-summary', 'mywork-duties-summary']) say(id, '');
  $('mywork-cases-more').hidden = $('mywork-duties-more').hidden = true;
}

export function showMyWork() {
  loadCases(false);
  loadDuties(false);
}

function caseRow(c) {
  const due = c.overdue ? h('span', { className: 'badge badge-overdue' }, `${c.overdue} overdue`)
    : c.next_due_at ? `Next due ${formatShortTime(c.next_due_at)}` : 'None open';
  return h('tr', {},
    h('td', { dataset: { label: 'Case' } }, caseLink(c)),
    h('td', { dataset: { label: 'Child' } }, h('span', {}, childName(c), c.missing ? h('span', { className: 'badge badge-missing' }, ' Missing') : null)),
    h('td', { dataset: { label: 'Region' } }, regionName(c.region)),
    h('td', { dataset: { label: 'Status' } }, termLabel('case_statuses', c.status)),
    h('td', { dataset: { label: 'You are' } }, `${c.assignment === 'lead' ? 'Lead' : 'Worker'} since ${formatShortTime(c.assigned_at)}`),
    h('td', { dataset: { label: 'Duties' } }, due));
}

async function loadCases(more) {
  const g = startLoad('cases', more);
  if (!g) return;
  const body = $('mywork-cases-body');
  const q = new URLSearchParams({ status: $('mywork-status').value || 'open', limit: '50' });
  if (more && casesNext) q.set('after', casesNext);
  say('mywork-cases-error', '');
  const r = await api('GET', `/api/v1/me/cases?${q}`);
  if (!latest('cases', g)) return;
  if (!r.ok || !r.body) {
    say('mywork-cases-error', problemText(r, 'Your cases could not be loaded'));
    return;
  }
  if (!more) body.replaceChildren();
  body.append(...r.body.items.map(caseRow));
  casesNext = r.body.next;
  $('mywork-cases-more').hidden = !casesNext;
  const n = body.children.length;
  say('mywork-cases-summary', n ? `${n} ${n === 1 ? 'case' : 'cases'}${casesNext ? ' so far' : ''}.` : 'You lead or work no case here yet.');
}

async function loadDuties(more) {
  const g = startLoad('duties', more);
  if (!g) return;
  const list = $('mywork-duties');
  const q = new URLSearchParams({ limit: '50' });
  if (more && dutiesNext) q.set('after', dutiesNext);
  say('mywork-duties-error', '');
  const r = await api('GET', `/api/v1/me/duties?${q}`);
  if (!latest('duties', g)) return;
  if (!r.ok || !r.body) {
    say('mywork-duties-error', problemText(r, 'Your duties could not be loaded'));
    return;
  }
  if (!more) list.replaceChildren();
  list.append(...r.body.items.map((d) => dutyItem(d, { showCase: true })));
  dutiesNext = r.body.next;
  $('mywork-duties-more').hidden = !dutiesNext;
  const n = list.children.length;
  const overdue = list.querySelectorAll('.duty-is-overdue').length;
  say('mywork-duties-summary', n ? `${n} open ${n === 1 ? 'duty' : 'duties'}${overdue ? `, ${overdue} overdue` : ''}${dutiesNext ? ' so far' : ''}.` : 'No open duty is yours.');
}
