// A case's safety plan and service plan (docs/recovery.md, "Safety and
// service plans"): the current version of each, an editor (goals, the
// services that serve each from the pack's catalogue, who is responsible,
// a target date, and the review date), the versions with a read-only view
// of an older one, and a print view (#case/ID/plans/KIND/print[/N]).
// The case page (cases.js) places the section; this file keeps its state,
// so a redraw of the case page keeps an editor open as it was.

import {
  $, api, busy, clearFieldErrors, dutyBadge, formatDate, formatShortTime, getConfig, h, markFieldErrors,
  problemText, say, today,
} from './common.js';

const KINDS = [
  ['safety', 'Safety plan', 'How the child is kept safe: what is done, by whom, by when.'],
  ['service', 'Service plan', 'The services that help the child recover, and who sees to each.'],
];
const kindName = (k) => (KINDS.find((x) => x[0] === k) || [k, k])[1];

let ctx = { can: () => false, user: () => null };
let sec = null; // the section, kept across redraws of the case page
let caseId = null;
let canWrite = false;
let plans = {}; // kind -> { current, versions }
let editing = null; // { kind, base: version number, goals: [...], review_at }
let viewing = null; // { kind, version: the version shown read-only }
let gen = 0;

export function initPlans(context) {
  ctx = { ...ctx, ...context };
}

export function clearPlans() {
  gen++;
  sec = null;
  caseId = null;
  plans = {};
  editing = null;
  viewing = null;
}

const services = () => (getConfig() || {}).services || [];
const serviceName = (id) => (services().find((s) => s.id === id) || { name: id }).name;
const person = (u) => (u ? u.display_name || u.username : 'someone');
const base = () => `/api/v1/cases/${caseId}/plans`;

/**
 * The plans section of case id (the same element while the case stays
 * the same). write: the user may write plans of this case now.
 */
export function plansSection(id, { write }) {
  canWrite = Boolean(write);
  if (sec && caseId === String(id)) {
    draw();
    return sec;
  }
  clearPlans();
  caseId = String(id);
  sec = h('section', { id: 'cp-plans', className: 'panel case-panel cp-plans', 'aria-labelledby': 'cp-plans-heading' },
    h('h2', { id: 'cp-plans-heading', tabindex: '-1' }, 'Safety and service plans'),
    h('p', { id: 'cp-plans-status', className: 'notice', role: 'status' }),
    h('div', { id: 'cp-plans-error', className: 'alert', role: 'alert' }),
    h('div', { id: 'cp-plans-body', className: 'plan-cards' }, h('p', { className: 'hint' }, 'Loading the plans…')));
  sec.addEventListener('click', onClick);
  sec.addEventListener('submit', onSubmit);
  load();
  return sec;
}

async function load() {
  const g = ++gen;
  const got = {};
  for (const [kind] of KINDS) {
    const r = await api('GET', `${base()}/${kind}`);
    if (g !== gen) return;
    if (!r.ok) {
      sayIn('cp-plans-error', problemText(r, 'The plans could not be loaded'));
      return;
    }
    got[kind] = r.body;
  }
  plans = got;
  draw();
}

function sayIn(id, text) {
  const el = sec && sec.querySelector(`#${id}`);
  if (el) el.textContent = text || '';
}

// ---------------------------------------------------------------- reading

function goalsList(goals) {
  if (!goals || !goals.length) return h('p', { className: 'hint' }, 'No goals.');
  return h('ol', { className: 'plan-goals' }, goals.map((g) => h('li', { className: 'plan-goal' },
    h('p', { className: 'plan-goal-text' }, g.goal),
    h('dl', { className: 'plan-goal-facts' },
      h('dt', {}, 'Services'), h('dd', {}, g.services && g.services.length ? g.services.map(serviceName).join(', ') : 'None named'),
      h('dt', {}, 'Responsible'), h('dd', {}, g.responsible),
      h('dt', {}, 'Target date'), h('dd', {}, g.target_date ? formatDate(g.target_date) : 'None set')))));
}

function versionMeta(v) {
  return h('p', { className: 'plan-meta' },
    `Version ${v.version}${v.current ? '' : ' (an older version)'} · written by ${person(v.written_by)}, ${formatShortTime(v.written_at)} · review by ${formatDate(v.review_at)} `,
    v.review_duty ? dutyBadge(v.review_duty.status) : null);
}

function card(kind, label, about) {
  const p = plans[kind] || { current: null, versions: [] };
  const cur = p.current;
  const body = [h('h3', { id: `plan-${kind}-heading` }, label)];
  if (editing && editing.kind === kind) {
    body.push(editor(kind));
  } else if (!cur) {
    body.push(h('p', { className: 'hint plan-none' }, `No ${label.toLowerCase()} yet. ${about}`));
    if (canWrite) body.push(h('div', { className: 'actions' }, h('button', { type: 'button', className: 'btn btn-primary btn-small', dataset: { planAct: 'edit', kind } }, `Write the ${label.toLowerCase()}`)));
  } else {
    body.push(versionMeta(cur), goalsList(cur.goals));
    body.push(h('div', { className: 'actions' },
      canWrite ? h('button', { type: 'button', className: 'btn btn-primary btn-small', dataset: { planAct: 'edit', kind } }, 'Write a new version') : null,
      h('a', { className: 'btn btn-secondary btn-small', href: `#case/${caseId}/plans/${kind}/print` }, 'Print view')));
  }
  if (p.versions && p.versions.length > 1) body.push(history(kind, p.versions));
  return h('article', { className: 'plan-card', 'aria-labelledby': `plan-${kind}-heading` }, ...body);
}

function history(kind, versions) {
  const shown = viewing && viewing.kind === kind ? viewing : null;
  const items = versions.map((v) => h('li', {},
    h('span', {}, `Version ${v.version}, ${formatShortTime(v.written_at)}, by ${person(v.written_by)}`),
    v.version === versions[0].version ? h('span', { className: 'sub-inline' }, '(current)')
      : h('button', { type: 'button', className: 'btn btn-secondary btn-small', dataset: { planAct: 'view', kind, version: v.version } },
        shown && shown.version === v.version ? `Showing version ${v.version}` : `View version ${v.version}`)));
  const box = h('details', { className: 'form-box plan-history', open: Boolean(shown) },
    h('summary', {}, `Versions (${versions.length})`),
    h('ol', { className: 'plan-versions', reversed: true }, items));
  if (shown && shown.plan) {
    box.append(h('div', { className: 'plan-old', id: `plan-${kind}-old`, tabindex: '-1', 'aria-labelledby': `plan-${kind}-old-heading` },
      h('h4', { id: `plan-${kind}-old-heading` }, `${kindName(kind)}, version ${shown.version} (read only)`),
      versionMeta(shown.plan), goalsList(shown.plan.goals),
      h('div', { className: 'actions' },
        h('a', { className: 'btn btn-secondary btn-small', href: `#case/${caseId}/plans/${kind}/print/${shown.version}` }, `Print version ${shown.version}`),
        h('button', { type: 'button', className: 'btn btn-secondary btn-small', dataset: { planAct: 'close', kind } }, 'Close'))));
  }
  return box;
}

function draw() {
  if (!sec) return;
  const body = sec.querySelector('#cp-plans-body');
  body.replaceChildren(...KINDS.map(([kind, label, about]) => card(kind, label, about)));
}

// ---------------------------------------------------------------- writing

function reviewDefault() {
  const days = (getConfig() || {}).plan_review_days || 90;
  const [y, m, d] = today().split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function goalFields(kind, g, i, n) {
  const id = `pg-${kind}-${i}`;
  const path = `goals[${i}]`;
  return h('fieldset', { className: 'plan-goal-edit' },
    h('legend', {}, `Goal ${i + 1}`),
    h('div', { className: 'field', dataset: { for: `${path}.goal` } },
      h('label', { for: `${id}-goal` }, 'What the goal is'),
      h('textarea', { id: `${id}-goal`, rows: 2, dataset: { path: `${path}.goal`, k: 'goal', i }, 'aria-describedby': `${id}-goal-error` }, g.goal || ''),
      h('p', { id: `${id}-goal-error`, className: 'field-error' })),
    h('fieldset', { className: 'service-checks', dataset: { path: `${path}.services` }, 'aria-describedby': `${id}-services-error` },
      h('legend', {}, kind === 'service' ? 'Services that serve it (at least one)' : 'Services that serve it'),
      h('div', { className: 'check-grid' }, services().map((s) => h('label', { className: 'check', for: `${id}-s-${s.id}` },
        h('input', { type: 'checkbox', id: `${id}-s-${s.id}`, value: s.id, checked: (g.services || []).includes(s.id), dataset: { k: 'service', i } }),
        h('span', {}, s.name)))),
      h('p', { id: `${id}-services-error`, className: 'field-error' })),
    h('div', { className: 'plan-goal-row' },
      h('div', { className: 'field', dataset: { for: `${path}.responsible` } },
        h('label', { for: `${id}-resp` }, 'Who is responsible'),
        h('p', { id: `${id}-resp-hint`, className: 'field-hint' }, 'A person or an agency.'),
        h('input', { id: `${id}-resp`, type: 'text', autocomplete: 'off', value: g.responsible || '', dataset: { path: `${path}.responsible`, k: 'responsible', i }, 'aria-describedby': `${id}-resp-hint ${id}-resp-error` }),
        h('p', { id: `${id}-resp-error`, className: 'field-error' })),
      h('div', { className: 'field', dataset: { for: `${path}.target_date` } },
        h('label', { for: `${id}-target` }, 'Target date', h('span', { className: 'optional' }, ' (optional)')),
        h('input', { id: `${id}-target`, type: 'date', value: g.target_date || '', dataset: { path: `${path}.target_date`, k: 'target_date', i }, 'aria-describedby': `${id}-target-error` }),
        h('p', { id: `${id}-target-error`, className: 'field-error' }))),
    n > 1 ? h('div', { className: 'actions' }, h('button', { type: 'button', className: 'btn btn-caution btn-small', dataset: { planAct: 'remove', kind, i } }, `Remove goal ${i + 1}`)) : null);
}

function editor(kind) {
  const e = editing;
  const next = e.base + 1;
  return h('form', { className: 'form plan-form', id: `plan-${kind}-form`, novalidate: true, dataset: { kind } },
    h('p', { className: 'hint' }, e.base ? `Saving makes version ${next}; version ${e.base} stays in the history.` : 'Saving makes version 1.'),
    h('div', { id: `plan-${kind}-form-error`, className: 'alert', role: 'alert' }),
    ...e.goals.map((g, i) => goalFields(kind, g, i, e.goals.length)),
    h('div', { className: 'actions' }, h('button', { type: 'button', className: 'btn btn-secondary btn-small', dataset: { planAct: 'add', kind } }, 'Add a goal')),
    h('div', { className: 'field', dataset: { for: 'review_at' } },
      h('label', { for: `plan-${kind}-review` }, 'Review date'),
      h('p', { id: `plan-${kind}-review-hint`, className: 'field-hint' }, 'The plan is reviewed by then: the review is a duty of the case.'),
      h('input', { id: `plan-${kind}-review`, type: 'date', value: e.review_at, dataset: { path: 'review_at' }, 'aria-describedby': `plan-${kind}-review-hint plan-${kind}-review-error` }),
      h('p', { id: `plan-${kind}-review-error`, className: 'field-error' })),
    h('div', { className: 'actions' },
      h('button', { type: 'submit', className: 'btn btn-primary', id: `plan-${kind}-save` }, `Save version ${next}`),
      h('button', { type: 'button', className: 'btn btn-secondary', dataset: { planAct: 'cancel', kind } }, 'Cancel')));
}

/** The editor's values, read back from its fields into editing. */
function readEditor(form) {
  const goals = editing.goals.map(() => ({ goal: '', services: [], responsible: '', target_date: '' }));
  for (const el of form.querySelectorAll('[data-k]')) {
    const g = goals[Number(el.dataset.i)];
    if (!g) continue;
    if (el.dataset.k === 'service') {
      if (el.checked) g.services.push(el.value);
    } else {
      g[el.dataset.k] = el.value;
    }
  }
  editing.goals = goals;
  editing.review_at = form.querySelector('[data-path="review_at"]').value;
}

function startEditing(kind) {
  const cur = plans[kind] && plans[kind].current;
  editing = {
    kind,
    base: cur ? cur.version : 0,
    goals: cur ? cur.goals.map((g) => ({ ...g, services: [...(g.services || [])], target_date: g.target_date || '' }))
      : [{ goal: '', services: [], responsible: '', target_date: '' }],
    review_at: reviewDefault(),
  };
  draw();
  sec.querySelector(`#plan-${kind}-form textarea`)?.focus();
}

async function save(form) {
  const kind = form.dataset.kind;
  const button = form.querySelector('button[type="submit"]');
  if (button.disabled) return;
  readEditor(form);
  clearFieldErrors(form);
  sayIn(`plan-${kind}-form-error`, '');
  sayIn('cp-plans-status', '');
  const body = {
    version: editing.base,
    review_at: editing.review_at || null,
    goals: editing.goals.map((g) => ({ goal: g.goal, services: g.services, responsible: g.responsible, target_date: g.target_date || null })),
  };
  const done = busy(button, 'Saving…');
  const g = gen;
  const r = await api('PUT', `${base()}/${kind}`, body);
  if (g !== gen) return;
  done();
  if (r.ok) {
    editing = null;
    viewing = null;
    await load();
    sayIn('cp-plans-status', `${kindName(kind)} saved: version ${r.body.version}.`);
    sec.querySelector(`#plan-${kind}-heading`)?.focus();
    return;
  }
  if (r.status === 422) {
    const { first, loose } = markFieldErrors(form, r);
    if (loose.length) sayIn(`plan-${kind}-form-error`, loose.join(' '));
    else sayIn(`plan-${kind}-form-error`, 'Some fields need attention: see the messages beside them.');
    if (first) first.focus();
    return;
  }
  if (r.status === 409 && r.body && r.body.type === 'urn:hartline:problem:stale-version') {
    const err = sec.querySelector(`#plan-${kind}-form-error`);
    err.replaceChildren(`Someone saved this plan since you opened it. Your changes are not saved. `,
      h('button', { type: 'button', className: 'btn btn-secondary btn-small', dataset: { planAct: 'latest', kind } }, 'Load the latest version'));
    return;
  }
  sayIn(`plan-${kind}-form-error`, problemText(r, 'The plan was not saved'));
}

async function showOld(kind, version) {
  const g = gen;
  const r = await api('GET', `${base()}/${kind}/versions/${version}`);
  if (g !== gen) return;
  if (!r.ok) {
    sayIn('cp-plans-error', problemText(r, `Version ${version} could not be loaded`));
    return;
  }
  viewing = { kind, version, plan: r.body };
  draw();
  sec.querySelector(`#plan-${kind}-old`)?.focus();
}

async function onClick(e) {
  const b = e.target.closest('button[data-plan-act]');
  if (!b) return;
  const { planAct: act, kind } = b.dataset;
  const form = sec.querySelector(`#plan-${kind}-form`);
  if (act === 'edit') startEditing(kind);
  else if (act === 'cancel') {
    editing = null;
    draw();
    sec.querySelector(`#plan-${kind}-heading`)?.focus();
  } else if (act === 'add' && form) {
    readEditor(form);
    editing.goals.push({ goal: '', services: [], responsible: '', target_date: '' });
    draw();
    const areas = sec.querySelectorAll(`#plan-${kind}-form textarea`);
    areas[areas.length - 1]?.focus();
  } else if (act === 'remove' && form) {
    readEditor(form);
    editing.goals.splice(Number(b.dataset.i), 1);
    draw();
    sayIn('cp-plans-status', `Goal ${Number(b.dataset.i) + 1} removed.`);
    sec.querySelector(`#plan-${kind}-form textarea`)?.focus();
  } else if (act === 'latest') {
    editing = null;
    await load();
    sec.querySelector(`#plan-${kind}-heading`)?.focus();
  } else if (act === 'view') {
    await showOld(kind, Number(b.dataset.version));
  } else if (act === 'close') {
    viewing = null;
    draw();
  }
}

function onSubmit(e) {
  const form = e.target.closest('form.plan-form');
  if (!form) return;
  e.preventDefault();
  e.stopPropagation();
  save(form);
}

// ---------------------------------------------------------------- the print view

/** #case/ID/plans/KIND/print[/N]: the plan as a document, opened to print (audited as a print). */
export async function showPlanPrint(id, kind, version) {
  const g = ++gen;
  const doc = $('plan-print-doc');
  say('plan-print-error', '');
  doc.replaceChildren(h('p', { className: 'hint' }, 'Loading the plan…'));
  $('plan-print-back').href = `#case/${id}`;
  const path = version ? `/api/v1/cases/${id}/plans/${kind}/versions/${version}?print=true`
    : `/api/v1/cases/${id}/plans/${kind}?print=true`;
  const r = await api('GET', path);
  if (g !== gen) return;
  if (!r.ok) {
    doc.replaceChildren();
    say('plan-print-error', problemText(r, 'The plan could not be loaded'));
    return;
  }
  const v = version ? r.body : r.body.current;
  if (!v) {
    doc.replaceChildren(h('p', { className: 'hint' }, `This case has no ${kindName(kind).toLowerCase()} yet.`));
    return;
  }
  const u = ctx.user() || {};
  const config = getConfig() || {};
  const row = (goal, i) => h('tr', {},
    h('th', { scope: 'row' }, String(i + 1)),
    h('td', {}, goal.goal),
    h('td', {}, goal.services && goal.services.length ? goal.services.map(serviceName).join(', ') : 'None named'),
    h('td', {}, goal.responsible),
    h('td', {}, goal.target_date ? formatDate(goal.target_date) : ''));
  const head = h('header', { className: 'plan-print-head' },
    h('p', { className: 'plan-confidential' }, 'Confidential: contains information about a child'),
    h('p', { className: 'eyebrow' }, config.pack ? config.pack.name : ''),
    h('h2', { id: 'plan-print-title' }, `${kindName(kind)}, case ${v.case.number}`),
    h('p', { className: 'plan-print-version' }, `Version ${v.version}${v.current ? ' (current)' : ' (an older version)'}, written by ${person(v.written_by)}, ${formatShortTime(v.written_at)}. Review by ${formatDate(v.review_at)}.`),
    h('p', { className: 'plan-print-made' }, `Printed by ${u.display_name || u.username || ''}, ${formatShortTime(new Date().toISOString())}.`));
  const table = h('table', { className: 'plan-print-table' },
    h('caption', {}, `Goals of the ${kindName(kind).toLowerCase()}`),
    h('thead', {}, h('tr', {}, ['#', 'Goal', 'Services', 'Responsible', 'Target date'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, v.goals.map(row)));
  doc.replaceChildren(head, table,
    h('p', { className: 'plan-confidential plan-confidential-foot' }, 'Confidential: contains information about a child. Do not leave it where others can read it.'));
}

export function wirePlanPrint() {
  $('plan-print-go').addEventListener('click', () => window.print());
}
