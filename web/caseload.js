// The caseload, for HART coordinators and liaisons (its region): each
// worker's open cases, the cases it leads, its overdue duties and the
// children missing from its cases (GET /api/v1/caseload), a page at a
// time. docs/cases.md, "Assignment".

import { $, api, fillRegionFilter, h, problemText, regionName, say } from './common.js';

let ctx = { user: () => null };
let gen = 0;
let next = null;

export function initCaseload(context) {
  ctx = { ...ctx, ...context };
  $('caseload-more').addEventListener('click', () => load(true));
  $('caseload-region').addEventListener('change', () => load(false));
}

export function clearCaseload() {
  gen++;
  next = null;
  $('caseload-body').replaceChildren();
  $('caseload-region').replaceChildren();
  $('caseload-more').hidden = true;
  for (const id of ['caseload-error', 'caseload-summary']) say(id, '');
}

export function showCaseload() {
  const u = ctx.user() || {};
  const own = u.role === 'liaison' ? u.scope : null;
  if (!$('caseload-region').options.length) fillRegionFilter('caseload', own);
  $('caseload-region-field').hidden = !!own;
  load(false);
}

const roleWords = { hart: 'HART coordinator', liaison: 'Regional liaison', mdt: 'MDT member' };

function row(w) {
  const u = w.user || {};
  const n = (v, cls) => (v ? h('span', { className: `badge ${cls}` }, String(v)) : '0');
  return h('tr', {},
    h('th', { scope: 'row', dataset: { label: 'Worker' } }, h('span', {}, u.display_name || u.username,
      h('span', { className: 'sub' }, ` ${roleWords[u.role] || u.role}${u.role === 'liaison' && u.scope ? `, ${regionName(u.scope)}` : ''}`))),
    h('td', { dataset: { label: 'Open cases' } }, String(w.open_cases)),
    h('td', { dataset: { label: 'Leads' } }, String(w.lead_cases)),
    h('td', { dataset: { label: 'Overdue duties' } }, n(w.overdue_duties, 'badge-overdue')),
    h('td', { dataset: { label: 'Missing children' } }, n(w.missing_children, 'badge-missing')));
}

async function load(more) {
  const g = ++gen;
  const body = $('caseload-body');
  const q = new URLSearchParams({ limit: '100' });
  const region = $('caseload-region').value;
  if (region) q.set('region', region);
  if (more && next) q.set('after', next);
  say('caseload-error', '');
  const r = await api('GET', `/api/v1/caseload?${q}`);
  if (g !== gen) return;
  if (!r.ok || !r.body) {
    say('caseload-error', problemText(r, 'The caseload could not be loaded'));
    return;
  }
  if (!more) body.replaceChildren();
  body.append(...r.body.items.map(row));
  next = r.body.next;
  $('caseload-more').hidden = !next;
  const n = body.children.length;
  say('caseload-summary', n ? `${n} ${n === 1 ? 'worker' : 'workers'}${next ? ' so far' : ''}.` : 'No worker here yet.');
}
