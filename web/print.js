// A printable case summary: on the case page, a Print button with the
// parts to print (facts, duties, timeline, plan); the print page reads
// GET /api/v1/cases/{id}/print (which the server records as a print) and
// lays the parts out under a header that repeats on every printed page
// (a table's header group): the case number, who prints and when, and the
// confidentiality notice. docs/cases.md, "A printed summary".

import { eventHead } from './timeline.js';
import {
  $, api, formatDate, formatShortTime, fullName, getConfig, h, officeName, packName, problemText, regionName, say, termLabel,
} from './common.js';

const PARTS = [
  ['facts', 'The facts of the case'],
  ['duties', 'Duties and deadlines'],
  ['timeline', 'The timeline'],
  ['plan', 'Safety and service plans'],
];
const NOTICE = 'Confidential: this summary holds information about a child. Keep it out of sight of anyone who has no need to know, and shred it when it is no longer needed.';

let ctx = { can: () => false };
let gen = 0;

export function initPrint(context) {
  ctx = { ...ctx, ...context };
  $('case-print-go').addEventListener('click', () => window.print());
}

export function clearPrint() {
  gen++;
  $('case-print-doc').replaceChildren();
  say('case-print-error', '');
}

/** The Print button of the case page, with the parts to choose. */
export function printTools(kase, { mdt }) {
  const parts = PARTS.filter(([id]) => !(mdt && id === 'duties') && (id !== 'plan' || ctx.can('plans.read')));
  // Choosing what to print changes nothing: not a form, so that a view
  // without edit controls (the MDT's) has none.
  const form = h('div', { className: 'form print-pick', id: 'case-print-form' },
    h('fieldset', {}, h('legend', {}, 'What to print'),
      parts.map(([id, label]) => h('label', { className: 'check' },
        h('input', { type: 'checkbox', name: 'parts', value: id, checked: true, id: `print-part-${id}` }), h('span', {}, label)))),
    h('p', { className: 'hint' }, 'The print is recorded in the audit trail, with the parts chosen.'),
    h('p', { className: 'field-error', id: 'case-print-pick-error', role: 'alert' }),
    h('div', { className: 'actions' }, h('button', { type: 'button', className: 'btn btn-secondary btn-small', id: 'case-print-open' }, 'Print')));
  form.querySelector('#case-print-open').addEventListener('click', () => {
    const chosen = [...form.querySelectorAll('input[name="parts"]:checked')].map((x) => x.value);
    if (!chosen.length) {
      form.querySelector('#case-print-pick-error').textContent = 'Choose at least one part to print.';
      return;
    }
    location.hash = `#case/${kase.id}/print?parts=${chosen.join(',')}`;
  });
  return h('details', { className: 'form-box print-tools', id: 'case-print' }, h('summary', {}, 'Print a summary'), form);
}

const who = (u) => (u ? u.display_name || u.username || '' : '');

function factsPart(c) {
  const child = c.child || {};
  const rows = [
    ['Child', fullName(child.given_name, child.family_name) || 'No name on file'],
    ['Age', Number.isInteger(child.age) ? `${child.age}` : Number.isInteger(child.estimated_age) ? `about ${child.estimated_age}` : ''],
    ['Born', child.dob || ''],
    ['Region', c.region ? `${regionName(c.region)}${c.office ? `, ${officeName(c.office)} area office` : ''}` : ''],
    ['Status', termLabel('case_statuses', c.status)],
    ['Victim status', termLabel('victim_statuses', c.victim_status || 'none')],
    ['Identified', c.identified_at ? formatShortTime(c.identified_at) : ''],
    ['Trafficking type', c.trafficking_type ? packName('trafficking_types', c.trafficking_type) : ''],
    ['Lead', who(c.lead) || 'No lead'],
    ['Workers', (c.assignments || []).filter((a) => a.current && a.role === 'worker').map((a) => who(a.user)).join(', ')],
    ['Opened', c.opened_at ? `${formatShortTime(c.opened_at)}${c.opened_by ? ` by ${who(c.opened_by)}` : ''}` : ''],
    ['Closed', c.closed_at ? `${formatShortTime(c.closed_at)}${c.closure_reason ? `: ${packName('case_closure_reasons', c.closure_reason)}` : ''}` : ''],
  ].filter(([, v]) => v);
  return h('section', { className: 'print-part', 'aria-labelledby': 'print-facts' },
    h('h3', { id: 'print-facts' }, 'Facts'),
    h('dl', { className: 'print-facts' }, rows.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v)))));
}

function tablePart(id, title, head, rows, empty) {
  return h('section', { className: 'print-part', 'aria-labelledby': `print-${id}` },
    h('h3', { id: `print-${id}` }, title),
    rows.length ? h('table', { className: 'print-table' },
      h('thead', {}, h('tr', {}, head.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((x) => h('td', {}, x)))))) : h('p', {}, empty));
}

function dutiesPart(c) {
  const rows = (c.duties || []).map((d) => [d.name || d.kind, formatShortTime(d.due_at), termLabel('duty_statuses', d.status),
    d.met_at ? formatShortTime(d.met_at) : '', who(d.owner)]);
  return tablePart('duties', 'Duties and deadlines', ['Duty', 'Due', 'Status', 'Met', 'Owner'], rows, 'No duty.');
}

function eventWords(e) {
  const out = [];
  if (e.from || e.to) out.push(`${e.from_name || e.from || '—'} → ${e.to_name || e.to || '—'}`);
  if (e.user) out.push(e.user_name || e.user);
  if (e.reason) out.push(packName('case_closure_reasons', e.reason));
  if (e.text) out.push(e.text);
  return out.join(' · ');
}

function timelinePart(c) {
  const evs = [...(c.events || [])].sort((a, b) => String(a.occurred_at).localeCompare(String(b.occurred_at)));
  return tablePart('timeline', 'Timeline', ['When', 'What', 'Details'],
    evs.map((e) => [formatShortTime(e.occurred_at), eventHead(e), eventWords(e)]), 'Nothing on the timeline.');
}

async function planPart(id) {
  const parts = [];
  for (const [kind, title] of [['safety', 'Safety plan'], ['service', 'Service plan']]) {
    const r = await api('GET', `/api/v1/cases/${id}/plans/${kind}?print=true`);
    const v = r.ok && r.body ? r.body.current : null;
    const goals = v && Array.isArray(v.goals) ? v.goals : [];
    parts.push(tablePart(`plan-${kind}`, v ? `${title}, version ${v.version} (review by ${formatDate(v.review_at)})` : title,
      ['Goal', 'Services', 'Responsible', 'Target date'],
      goals.map((g) => [g.goal, (g.services || []).map((s) => packName('services', s)).join(', '), g.responsible || '',
        g.target_date ? formatDate(g.target_date) : '']),
      r.ok ? 'No plan yet.' : problemText(r, 'The plan could not be read')));
  }
  return parts;
}

/** The print page of case id; query: "parts=facts,duties". */
export async function showCasePrint(id, query) {
  const g = ++gen;
  const doc = $('case-print-doc');
  say('case-print-error', '');
  $('case-print-back').href = `#case/${id}`;
  doc.replaceChildren(h('p', { className: 'hint' }, 'Loading the summary…'));
  const parts = new URLSearchParams(query || '').get('parts') || '';
  const r = await api('GET', `/api/v1/cases/${id}/print${parts ? `?parts=${encodeURIComponent(parts)}` : ''}`);
  if (g !== gen) return;
  if (!r.ok || !r.body || !r.body.case) {
    doc.replaceChildren();
    say('case-print-error', problemText(r, 'The summary could not be made'));
    return;
  }
  const { case: c, printed_at: at, printed_by: by } = r.body;
  const chosen = new Set(r.body.parts || []);
  const body = [];
  if (chosen.has('facts')) body.push(factsPart(c));
  if (chosen.has('duties') && Array.isArray(c.duties)) body.push(dutiesPart(c));
  if (chosen.has('timeline')) body.push(timelinePart(c));
  if (chosen.has('plan') && ctx.can('plans.read')) body.push(...await planPart(id));
  if (g !== gen) return;
  const config = getConfig() || {};
  const head = h('div', { className: 'print-head' },
    h('p', { className: 'print-confidential' }, NOTICE),
    h('p', { className: 'print-title' }, h('strong', {}, `Case ${c.number}`), config.pack ? ` · ${config.pack.name}` : ''),
    h('p', { className: 'print-made' }, `Printed by ${who(by)} (${by.username}), ${formatShortTime(at)}.`));
  // The header group of a table repeats at the top of every printed page.
  doc.replaceChildren(h('table', { className: 'print-frame' },
    h('thead', {}, h('tr', {}, h('td', {}, head))),
    h('tbody', {}, h('tr', {}, h('td', {}, h('h2', { className: 'print-doc-title' }, `Case summary: ${c.number}`), ...body)))));
}
