// Service referrals (docs/recovery.md, "Service referrals"): the Services
// section of a case page (the case's referrals, refer, re-refer a declined
// one, withdraw), a provider's queue (#referrals) and one referral's page
// (#referral/ID) with the moves allowed now. The statuses, their words and
// the moves from each come from GET /api/v1/config; a provider user is
// answered only what the pack lets it see of the child.

import {
  $, api, busy, clearFieldErrors, countdown, field, formatShortTime, getConfig, h, markFieldErrors, packName,
  problemText, regionName, say, termLabel,
} from './common.js';

let ctx = { can: () => false, user: () => null };
let caseGen = 0;
let queueGen = 0;
let pageGen = 0;
let queueNext = null;
let referral = null; // the referral on its page

const statusLabel = (s) => termLabel('referral_statuses', s);
const urgencyLabel = (u) => termLabel('referral_urgencies', u);
const statusTerm = (s) => ((getConfig() || {}).referral_statuses || []).find((t) => t.id === s) || {};

export function initReferrals(context) {
  ctx = { ...ctx, ...context };
  $('referrals-page').addEventListener('change', (e) => {
    if (e.target.id === 'rq-status') loadQueue();
  });
  $('referrals-page').addEventListener('click', (e) => {
    if (e.target.closest('#rq-more')) loadQueue({ more: true });
  });
  $('referral-page').addEventListener('click', onPageClick);
  $('referral-page').addEventListener('submit', onPageSubmit);
}

export function clearReferrals() {
  caseGen++;
  queueGen++;
  pageGen++;
  queueNext = null;
  referral = null;
  $('referrals-page').replaceChildren();
  $('referral-page').replaceChildren();
  $('referral-heading').textContent = 'Referral';
}

// ---------------------------------------------------------------- small parts

function statusBadge(r) {
  return h('span', { className: `badge ref-${r.status}` }, r.status_label || statusLabel(r.status));
}

/** The answer's due time in words: overdue in red and said so, not by colour only. */
function answerDue(r) {
  const a = r.answer || {};
  if (a.status === 'met_on_time' || a.status === 'met_late') {
    return h('span', { className: 'ref-answered' }, `Answered ${formatShortTime(r.answered_at)}`,
      a.status === 'met_late' ? h('span', { className: 'badge badge-overdue' }, 'Late') : null);
  }
  if (r.status !== 'pending') return h('span', { className: 'none' }, 'No answer needed');
  const overdue = a.status === 'overdue';
  return h('span', { className: `ref-due${overdue ? ' is-overdue' : ''}` },
    overdue ? h('strong', {}, 'Answer overdue: ') : 'Answer ',
    countdown(a.minutes_left, r.answer_due_at),
    h('span', { className: 'sub' }, ` (due ${formatShortTime(r.answer_due_at)})`));
}

function dl(term, ...value) {
  return h('div', {}, h('dt', {}, term), h('dd', {}, ...value));
}

/** What happened to a referral, from its dates (the list answers no steps). */
function historyLine(r) {
  const parts = [`Referred ${formatShortTime(r.referred_at)}`];
  if (r.answered_at) parts.push(`${r.status === 'declined' ? 'declined' : 'answered'} ${formatShortTime(r.answered_at)}`);
  if (r.started_at) parts.push(`started ${formatShortTime(r.started_at)}`);
  if (r.ended_at && r.status !== 'declined') parts.push(`${statusLabel(r.status).toLowerCase()} ${formatShortTime(r.ended_at)}`);
  let why = '';
  if (r.reason_name) why = ` Reason: ${r.reason_name}.`;
  if (r.outcome_name) why += ` Outcome: ${r.outcome_name}.`;
  return `${parts.join(', ')}.${why}`;
}

// ---------------------------------------------------------------- the case's Services section

/**
 * The Services section of case c: its referrals, and for HART and the
 * case's liaison (referrals.write) the Refer form and the re-referral of a
 * declined one. readOnly: the MDT view.
 */
export function servicesPanel(c, { readOnly = false } = {}) {
  const sec = h('section', { id: 'cp-services', className: 'panel case-panel cp-services', 'aria-labelledby': 'cp-services-heading' },
    h('h2', { id: 'cp-services-heading', tabindex: '-1' }, 'Services'),
    h('p', { className: 'hint' }, 'Referrals of the child to providers of the network, and their answers.'),
    h('p', { id: 'cp-services-status', className: 'notice', role: 'status' }),
    h('div', { id: 'cp-services-error', className: 'alert', role: 'alert' }),
    h('ul', { id: 'ref-list', className: 'ref-list', 'aria-busy': 'true' }, h('li', { className: 'none' }, 'Loading the referrals…')));
  const write = !readOnly && ctx.can('referrals.write') && c.status !== 'closed';
  if (write) sec.append(referForm(c));
  sec.addEventListener('click', (e) => onServicesClick(e, c));
  sec.addEventListener('submit', (e) => onServicesSubmit(e, c));
  sec.addEventListener('change', (e) => {
    if (e.target.id === 'rf-service') fillProviders(c, e.target.value, $('rf-provider'));
  });
  loadCaseReferrals(c, sec, write);
  return sec;
}

async function loadCaseReferrals(c, sec, write) {
  const gen = ++caseGen;
  const r = await api('GET', `/api/v1/referrals?case=${c.id}&limit=200`);
  if (gen !== caseGen) return;
  const list = sec.querySelector('#ref-list');
  list.removeAttribute('aria-busy');
  if (!r.ok || !r.body || !Array.isArray(r.body.items)) {
    list.replaceChildren();
    if (r.status !== 401) say('cp-services-error', problemText(r, 'The referrals could not be loaded'));
    return;
  }
  const items = r.body.items;
  list.replaceChildren(...(items.length ? items.map((x) => caseReferralItem(x, c, write))
    : [h('li', { className: 'none' }, 'No referral yet.')]));
}

function caseReferralItem(r, c, write) {
  const actions = [];
  if (write && r.status === 'declined' && !r.rereferred_as) {
    actions.push(h('details', { className: 'form-box ref-rerefer' },
      h('summary', {}, 'Refer to another provider'),
      h('form', { className: 'form', dataset: { form: 'ref-rerefer', id: String(r.id), service: r.service }, novalidate: true },
        field({ id: `rr-provider-${r.id}`, label: `Another provider of ${r.service_name || r.service}`, type: 'select', path: 'provider_id', required: true, options: [['', 'Loading…']] }),
        field({ id: `rr-note-${r.id}`, label: 'Note for the record', type: 'textarea', path: 'note', optional: true, max: 4000 }),
        h('div', { className: 'alert', role: 'alert', id: `rr-error-${r.id}` }),
        h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'btn btn-primary' }, 'Refer to this provider')))));
  }
  if (write && (r.moves || []).includes('withdrawn')) {
    actions.push(h('button', { type: 'button', className: 'btn btn-caution btn-small', dataset: { act: 'withdraw', id: String(r.id), version: String(r.version) } },
      `Withdraw ${r.number}`));
  }
  const li = h('li', { className: `ref-item ref-item-${r.status}`, dataset: { id: String(r.id) } },
    h('p', { className: 'ref-title' },
      h('a', { href: `#referral/${r.id}`, className: 'ref-number' }, r.number), ' ',
      h('strong', {}, r.service_name || r.service), ' · ', r.provider ? r.provider.name : '', ' ',
      statusBadge(r),
      r.urgency && r.urgency !== 'routine' ? h('span', { className: 'badge badge-urgent' }, urgencyLabel(r.urgency)) : null),
    h('p', { className: 'ref-due-line' }, answerDue(r)),
    h('p', { className: 'ref-history' }, historyLine(r),
      r.rereferral_of ? h('span', { className: 'sub' }, ` Re-referred from ${r.rereferral_of.number}.`) : null,
      r.rereferred_as ? h('span', { className: 'sub' }, ` Re-referred as ${r.rereferred_as.number}.`) : null),
    ...actions);
  const sel = li.querySelector('select[data-path="provider_id"]');
  if (sel) fillProviders(c, r.service, sel, r.provider ? r.provider.id : null);
  return li;
}

function referForm(c) {
  const services = (getConfig() || {}).services || [];
  const urgencies = (getConfig() || {}).referral_urgencies || [];
  return h('details', { className: 'form-box ref-refer' },
    h('summary', {}, 'Refer the child to a provider'),
    h('form', { className: 'form form-grid', dataset: { form: 'ref-refer' }, novalidate: true },
      field({ id: 'rf-service', label: 'Service', type: 'select', path: 'service', required: true,
        options: [['', 'Choose a service first…'], ...services.map((s) => [s.id, s.name])] }),
      field({ id: 'rf-provider', label: 'Provider', type: 'select', path: 'provider_id', required: true,
        hint: `Only providers that offer the service in ${regionName(c.region) || 'the case\'s region'}, those with openings first.`,
        options: [['', 'Choose the service first']] }),
      field({ id: 'rf-urgency', label: 'Urgency', type: 'select', path: 'urgency', value: 'routine',
        options: urgencies.map((u) => [u.id, u.label]) }),
      field({ id: 'rf-reason', label: 'Reason for the referral', type: 'textarea', path: 'reason', required: true, max: 4000,
        hint: 'What the provider should know to answer. Kept sealed; the provider sees it only if the pack allows.' }),
      h('div', { id: 'rf-error', className: 'alert', role: 'alert' }),
      h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'btn btn-primary', id: 'rf-submit' }, 'Refer'))));
}

/** The providers that offer service in the case's region, openings first, into sel (leaving out one). */
async function fillProviders(c, service, sel, without = null) {
  if (!service) {
    sel.replaceChildren(h('option', { value: '' }, 'Choose the service first'));
    return;
  }
  sel.replaceChildren(h('option', { value: '' }, 'Loading the providers…'));
  const q = new URLSearchParams({ service, region: c.region || '', sort: 'openings', limit: '200' });
  const r = await api('GET', `/api/v1/providers?${q}`);
  const list = r.ok && r.body ? (r.body.items || r.body.providers || []) : [];
  const offered = list.filter((p) => p.id !== without && p.active !== false);
  if (!offered.length) {
    sel.replaceChildren(h('option', { value: '' }, r.ok ? 'No provider offers it in this region' : 'The providers could not be loaded'));
    return;
  }
  sel.replaceChildren(h('option', { value: '' }, 'Choose a provider…'),
    ...offered.map((p) => h('option', { value: String(p.id) },
      `${p.name}${Number.isInteger(p.openings) ? ` (${p.openings} ${p.openings === 1 ? 'opening' : 'openings'})` : ''}`)));
}

async function onServicesClick(e, c) {
  const b = e.target.closest('button[data-act="withdraw"]');
  if (!b) return;
  say('cp-services-error', '');
  const done = busy(b, 'Withdrawing…');
  const r = await api('PATCH', `/api/v1/referrals/${b.dataset.id}`, { version: Number(b.dataset.version), status: 'withdrawn' });
  done();
  if (r.ok) {
    reloadServices(c, `Referral ${r.body.number} withdrawn.`);
  } else if (r.status !== 401) {
    say('cp-services-error', conflictText(r, 'The referral was not withdrawn'));
  }
}

async function onServicesSubmit(e, c) {
  const form = e.target.closest('form[data-form^="ref-"]');
  if (!form) return;
  e.preventDefault();
  const button = form.querySelector('button[type="submit"]');
  if (button.disabled) return;
  clearFieldErrors(form);
  const errId = form.dataset.form === 'ref-refer' ? 'rf-error' : `rr-error-${form.dataset.id}`;
  say(errId, '');
  say('cp-services-status', '');
  const v = (sel) => form.querySelector(sel).value.trim();
  let req;
  if (form.dataset.form === 'ref-refer') {
    const body = { service: v('#rf-service'), provider_id: Number(v('#rf-provider')) || 0, urgency: v('#rf-urgency'), reason: v('#rf-reason') };
    req = { path: `/api/v1/cases/${c.id}/referrals`, body, ok: (x) => `Referred: ${x.number} to ${x.provider.name}. The provider's answer is due ${formatShortTime(x.answer_due_at)}.` };
  } else {
    const body = { provider_id: Number(v('select')) || 0 };
    const note = v('textarea');
    if (note) body.note = note;
    req = { path: `/api/v1/referrals/${form.dataset.id}/rereferral`, body, ok: (x) => `Re-referred as ${x.number} to ${x.provider.name}.` };
  }
  const done = busy(button, 'Referring…');
  const r = await api('POST', req.path, req.body);
  done();
  if (r.ok) {
    reloadServices(c, req.ok(r.body));
    return;
  }
  if (r.status === 422) {
    const { first, loose } = markFieldErrors(form, r);
    say(errId, `Nothing was sent. ${loose.join(' ')}${loose.length ? '' : 'Correct the fields marked below.'}`);
    if (first) first.focus();
  } else if (r.status !== 401) {
    say(errId, conflictText(r, 'Nothing was sent'));
  }
}

function reloadServices(c, text) {
  const old = $('cp-services');
  if (!old) return;
  const fresh = servicesPanel(c, { readOnly: false });
  old.replaceWith(fresh);
  say('cp-services-status', text);
  $('cp-services-heading').focus();
}

function conflictText(r, what) {
  if (r.status === 409 && r.body && /stale-version$/.test(r.body.type || '')) return `${what}: someone changed it meanwhile. Reload the page and try again.`;
  if (r.status === 409 && r.body && Array.isArray(r.body.allowed)) {
    const allowed = r.body.allowed.map(statusLabel).join(', ');
    return `${what}: ${problemText(r)}${allowed ? ` Allowed now: ${allowed}.` : ' No move is allowed now.'}`;
  }
  return problemText(r, what);
}

// ---------------------------------------------------------------- the queue

export function showReferrals() {
  const page = $('referrals-page');
  if (!page.childElementCount) {
    const statuses = (getConfig() || {}).referral_statuses || [];
    page.append(
      h('p', { className: 'hint' }, ctx.can('referrals.answer')
        ? 'The referrals made to your agency, newest first. Open one to answer it. You see only what the agency lets providers see of the child.'
        : 'Service referrals in your area of work, newest first.'),
      h('form', { className: 'filters', id: 'rq-filters' },
        field({ id: 'rq-status', label: 'Status', type: 'select', options: [['', 'Every status'], ...statuses.map((s) => [s.id, s.label])] })),
      h('p', { id: 'rq-summary', className: 'queue-summary', role: 'status' }),
      h('div', { id: 'rq-error', className: 'alert', role: 'alert' }),
      h('ul', { id: 'rq-list', className: 'ref-list ref-queue' }),
      h('div', { className: 'actions' }, h('button', { type: 'button', id: 'rq-more', className: 'btn btn-secondary', hidden: true }, 'Show more')));
    $('rq-filters').addEventListener('submit', (e) => e.preventDefault());
  }
  return loadQueue();
}

async function loadQueue({ more = false } = {}) {
  const gen = ++queueGen;
  const q = new URLSearchParams({ limit: '50' });
  const status = $('rq-status').value;
  if (status) q.set('status', status);
  if (more && queueNext) q.set('after', queueNext);
  $('rq-list').setAttribute('aria-busy', 'true');
  const r = await api('GET', `/api/v1/referrals?${q}`);
  if (gen !== queueGen) return;
  $('rq-list').removeAttribute('aria-busy');
  if (!r.ok || !r.body || !Array.isArray(r.body.items)) {
    if (r.status !== 401) say('rq-error', problemText(r, 'The referrals could not be loaded'));
    return;
  }
  say('rq-error', '');
  const items = r.body.items.map(queueItem);
  if (more) $('rq-list').append(...items);
  else $('rq-list').replaceChildren(...(items.length ? items : [h('li', { className: 'none' }, status ? `No referral is ${statusLabel(status).toLowerCase()}.` : 'No referral yet.')]));
  queueNext = r.body.next;
  $('rq-more').hidden = !queueNext;
  const shown = $('rq-list').querySelectorAll('li.ref-item').length;
  const overdue = $('rq-list').querySelectorAll('.ref-due.is-overdue').length;
  say('rq-summary', `${shown} ${shown === 1 ? 'referral' : 'referrals'}${queueNext ? ' so far' : ''}${overdue ? `, ${overdue} with the answer overdue` : ''}.`);
}

function childText(r) {
  const c = r.child || {};
  const bits = [c.initials, Number.isInteger(c.age) ? `${c.age} years old` : null, c.sex, c.town].filter(Boolean);
  return bits.length ? bits.join(', ') : '';
}

function queueItem(r) {
  const child = childText(r);
  return h('li', { className: `ref-item ref-item-${r.status}`, dataset: { id: String(r.id) } },
    h('p', { className: 'ref-title' },
      h('a', { href: `#referral/${r.id}`, className: 'ref-number' }, `Referral ${r.number}`), ' ',
      r.service_name ? h('strong', {}, r.service_name) : null, ' ',
      statusBadge(r),
      r.urgency && r.urgency !== 'routine' ? h('span', { className: 'badge badge-urgent' }, urgencyLabel(r.urgency)) : null),
    child || r.region ? h('p', { className: 'ref-child' }, [child, r.region_name || (r.region ? regionName(r.region) : '')].filter(Boolean).join(' · ')) : null,
    h('p', { className: 'ref-due-line' }, answerDue(r)));
}

// ---------------------------------------------------------------- one referral

export async function showReferral(id) {
  const gen = ++pageGen;
  const page = $('referral-page');
  page.setAttribute('aria-busy', 'true');
  const r = await api('GET', `/api/v1/referrals/${id}`);
  if (gen !== pageGen) return;
  page.removeAttribute('aria-busy');
  if (!r.ok || !r.body || !r.body.id) {
    referral = null;
    $('referral-heading').textContent = 'Referral';
    page.replaceChildren(h('div', { className: 'alert', role: 'alert' },
      r.status === 404 ? `There is no referral ${id} for you to see. Check the link, or open it from your referrals.` : problemText(r, 'The referral could not be loaded')));
    return;
  }
  referral = r.body;
  renderReferral();
}

function renderReferral(message = '') {
  const r = referral;
  $('referral-heading').textContent = `Referral ${r.number}`;
  document.title = document.title.replace(/^[^·]*·/, `${r.number} ·`);
  const c = r.child || null;
  const facts = [
    dl('Status', statusBadge(r)),
    dl('Provider', r.provider ? r.provider.name : ''),
  ];
  if (r.case) facts.push(dl('Case', h('a', { href: `#case/${r.case.id}` }, r.case.number)));
  if (c) facts.push(dl('Child', childText(r) || h('span', { className: 'none' }, 'Nothing the pack lets providers see')));
  if (r.region) facts.push(dl('Region', r.region_name || regionName(r.region)));
  if (r.service) facts.push(dl('Service', r.service_name || r.service));
  if (r.urgency) facts.push(dl('Urgency', urgencyLabel(r.urgency)));
  if (r.reason) facts.push(dl('Reason for the referral', h('span', { className: 'ref-reason' }, r.reason)));
  facts.push(dl('Referred', formatShortTime(r.referred_at)));
  facts.push(dl('Answer', answerDue(r)));
  if (r.reason_name) facts.push(dl(r.status === 'declined' ? 'Declined because' : 'Ended because', r.reason_name));
  if (r.outcome_name) facts.push(dl('Outcome', r.outcome_name));
  if (r.rereferral_of) facts.push(dl('Re-referred from', h('a', { href: `#referral/${r.rereferral_of.id}` }, r.rereferral_of.number)));
  if (r.rereferred_as) facts.push(dl('Re-referred as', h('a', { href: `#referral/${r.rereferred_as.id}` }, r.rereferred_as.number)));
  $('referral-page').replaceChildren(
    h('p', { id: 'ref-status', className: 'notice', role: 'status' }, message),
    h('div', { id: 'ref-error', className: 'alert', role: 'alert' }),
    h('dl', { className: 'facts ref-facts' }, ...facts),
    movesBox(r),
    stepsBox(r));
}

/** The moves this user may make now, as buttons; those that carry a reason open a small form. */
function movesBox(r) {
  const moves = r.moves || [];
  const box = h('section', { className: 'ref-moves', 'aria-labelledby': 'ref-moves-heading' },
    h('h3', { id: 'ref-moves-heading', className: 'section-title' }, 'What you can do now'));
  if (!moves.length) {
    box.append(h('p', { className: 'none' }, (r.allowed || []).length
      ? 'Nothing for you here now: the next step is the other side’s.'
      : 'Nothing: this referral is closed.'));
  } else {
    box.append(h('div', { className: 'actions', role: 'group', 'aria-labelledby': 'ref-moves-heading' },
      moves.map((s) => {
        const t = statusTerm(s);
        return h('button', { type: 'button', className: s === 'declined' || s === 'ended' || s === 'withdrawn' ? 'btn btn-caution' : 'btn btn-primary', dataset: { act: 'move', to: s } },
          t.move_label || statusLabel(s));
      })));
  }
  box.append(h('details', { className: 'form-box ref-note-box' }, h('summary', {}, 'Add a note'),
    h('form', { className: 'form', dataset: { form: 'note' }, novalidate: true },
      field({ id: 'ref-note', label: 'Note', type: 'textarea', path: 'note', required: true, max: 4000 }),
      h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'btn btn-secondary' }, 'Add the note')))));
  box.append(h('div', { id: 'ref-move-form' }));
  return box;
}

function stepsBox(r) {
  const steps = r.steps || [];
  return h('section', { className: 'ref-steps', 'aria-labelledby': 'ref-steps-heading' },
    h('h3', { id: 'ref-steps-heading', className: 'section-title' }, 'History'),
    h('ol', { className: 'timeline' }, steps.map((s) => h('li', {},
      h('span', { className: 'when' }, formatShortTime(s.at)), ' ',
      h('strong', {}, s.status_label || statusLabel(s.status)),
      s.reason_name ? ` (${s.reason_name})` : '',
      ` · by ${s.by_name || s.by || (s.by_side === 'provider' ? 'the provider' : 'the referring team')}`,
      s.note ? h('p', { className: 'step-note' }, s.note) : null))));
}

/** The form of a move that carries a reason or outcome (and a note). */
function moveForm(to) {
  const t = statusTerm(to);
  const list = t.needs ? ((getConfig() || {})[t.needs] || []) : [];
  const path = t.needs === 'referral_outcomes' ? 'outcome' : 'reason_code';
  const label = t.needs === 'referral_outcomes' ? 'Outcome' : to === 'declined' ? 'Why you decline' : 'Why it ended early';
  return h('form', { className: 'form ref-move-form', dataset: { form: 'move', to }, novalidate: true },
    h('h4', { id: 'ref-move-form-heading', tabindex: '-1' }, t.move_label || statusLabel(to)),
    field({ id: 'rm-code', label, type: 'select', path, required: true, options: [['', 'Choose…'], ...list.map((x) => [x.id, x.name])] }),
    field({ id: 'rm-note', label: 'Note', type: 'textarea', path: 'note', optional: true, max: 4000, hint: 'Needed when the reason is “another reason”: say which.' }),
    h('div', { className: 'actions' },
      h('button', { type: 'submit', className: 'btn btn-primary' }, t.move_label || statusLabel(to)),
      h('button', { type: 'button', className: 'btn btn-secondary', dataset: { act: 'cancel-move' } }, 'Cancel')));
}

async function onPageClick(e) {
  if (e.target.closest('[data-act="cancel-move"]')) {
    $('ref-move-form').replaceChildren();
    return;
  }
  const b = e.target.closest('button[data-act="move"]');
  if (!b || !referral) return;
  const to = b.dataset.to;
  if (statusTerm(to).needs) {
    $('ref-move-form').replaceChildren(moveForm(to));
    $('rm-code').focus();
    return;
  }
  await send(b, { status: to });
}

async function onPageSubmit(e) {
  const form = e.target.closest('form[data-form]');
  if (!form || !referral) return;
  e.preventDefault();
  clearFieldErrors(form);
  const body = {};
  if (form.dataset.form === 'move') {
    body.status = form.dataset.to;
    body[form.querySelector('select').dataset.path] = form.querySelector('select').value;
  }
  const note = form.querySelector('textarea').value.trim();
  if (note) body.note = note;
  await send(form.querySelector('button[type="submit"]'), body, form);
}

async function send(button, body, form = null) {
  if (button.disabled) return;
  say('ref-error', '');
  const done = busy(button, 'Saving…');
  const r = await api('PATCH', `/api/v1/referrals/${referral.id}`, { version: referral.version, ...body });
  done();
  if (r.ok) {
    referral = r.body;
    const what = body.status ? `${r.body.number}: ${statusLabel(r.body.status)}.` : 'Note added.';
    renderReferral(what);
    $('referral-heading').focus();
    return;
  }
  if (r.status === 422 && form) {
    const { first, loose } = markFieldErrors(form, r);
    say('ref-error', `Nothing was saved. ${loose.join(' ')}${loose.length ? '' : 'Correct the fields marked below.'}`);
    if (first) first.focus();
  } else if (r.status !== 401) {
    say('ref-error', conflictText(r, 'Nothing was saved'));
  }
}
