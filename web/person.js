// The child's page (docs/recovery.md): everything about one child that the
// reader may see, on one timeline; merging two records of one child and
// undoing it (HART); record relief; and the break-the-glass form that opens
// a record a court vacated or erased. Text goes in with textContent only.

import {
  $, api, busy, clearFieldErrors, field, formatDate, formatShortTime, fullName, getConfig, h, markFieldErrors,
  packName, problemText, regionName, say, sentence, srOnly, today,
} from './common.js';
import { attachmentsSection, clearAttachments } from './attachments.js';

let ctx = { can: () => false };
let personId = null;
let page = null;
let gen = 0;
let followedFrom = null;
let kindFilter = '';

const none = (text = 'None') => h('span', { className: 'none' }, text);

export function initPerson(c) {
  ctx = c;
}

export function clearPerson() {
  personId = null;
  page = null;
  followedFrom = null;
  gen++;
  clearAttachments('persons');
  if ($('person-body')) $('person-body').replaceChildren();
}

/** A link to a child's page, or the text alone when the reader has no page to go to. */
export function personLink(id, text, can = ctx.can) {
  if (!id || !can('persons.read')) return h('span', {}, text);
  return h('a', { href: `#persons/${id}`, className: 'person-link' }, text);
}

/** Whether an answer is the 403 of a restricted record. */
export function isRestricted(r) {
  return r && r.status === 403 && r.body && /:restricted$/.test(String(r.body.type || ''));
}

// ---------------------------------------------------------------- break the glass

/**
 * The form that opens a restricted record: what the court ordered, a
 * reason, and a button; onOpened() runs once the grant is made.
 */
export function breakGlassForm(kind, id, onOpened, can = ctx.can) {
  const what = kind === 'intake' ? 'report' : 'case';
  const fid = `bg-${kind}-${id}`;
  const err = h('div', { className: 'alert', role: 'alert', id: `${fid}-error` });
  if (!can('persons.read')) {
    return h('section', { className: 'panel restricted-box', 'aria-labelledby': `${fid}-title` },
      h('h3', { id: `${fid}-title` }, 'Restricted record'),
      h('p', {}, `This ${what} was vacated or erased by court order. Ask HART if you need it opened.`));
  }
  const form = h('form', { className: 'form', novalidate: true },
    field({ id: `${fid}-reason`, label: `Why you need to open this ${what}`, type: 'textarea', path: 'reason', required: true,
      hint: 'At least 10 characters. The reason is kept, the opening is audited, and HART is told.' }),
    h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'btn btn-primary' }, `Open the ${what} for an hour`)));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = form.querySelector('button');
    if (button.disabled) return;
    clearFieldErrors(form);
    err.textContent = '';
    const done = busy(button, 'Opening…');
    const r = await api('POST', '/api/v1/break-glass', { kind, id: Number(id), reason: form.querySelector('textarea').value });
    done();
    if (r.ok) {
      onOpened(r.body);
      return;
    }
    const { first, loose } = markFieldErrors(form, r);
    err.textContent = r.status === 422 ? loose.join(' ') : problemText(r, `The ${what} could not be opened`);
    if (first) first.focus();
  });
  return h('section', { className: 'panel restricted-box', 'aria-labelledby': `${fid}-title` },
    h('h3', { id: `${fid}-title` }, 'Restricted record'),
    h('p', {}, 'This record was vacated or erased by court order. To open it, give your reason.'),
    err, form);
}

// ---------------------------------------------------------------- loading

export function showPerson(id) {
  const n = Number(id);
  if (personId !== n) {
    page = null;
    $('person-body').replaceChildren();
    $('person-heading').textContent = 'Child';
  }
  personId = n;
  say('person-error', '');
  return load();
}

async function load() {
  const mine = ++gen;
  const id = personId;
  $('person-view').setAttribute('aria-busy', 'true');
  const r = await api('GET', `/api/v1/persons/${id}`);
  if (mine !== gen) return;
  $('person-view').removeAttribute('aria-busy');
  if (r.ok && r.body && r.body.merged_into) {
    // A merged record: go to the record kept, and say why.
    followedFrom = id;
    location.replace(`#persons/${r.body.kept_id || r.body.merged_into}`);
    return;
  }
  if (!r.ok || !r.body) {
    if (r.status === 404) say('person-error', `There is no child ${id} that you may see. Check the link, or find the child again.`);
    else if (r.status !== 401) say('person-error', problemText(r, 'The child could not be loaded'));
    return;
  }
  page = r.body;
  render();
}

// ---------------------------------------------------------------- the page

const KINDS = [
  ['', 'Everything'],
  ['report', 'Reports'],
  ['case', 'Cases'],
  ['placement', 'Placements'],
  ['missing', 'Missing'],
  ['service', 'Services'],
  ['plan', 'Plans'],
  ['relief', 'Relief'],
  ['merge', 'Merges'],
];
const KIND_OF = {
  report: 'report', case_opened: 'case', case_closed: 'case', placement: 'placement', missing: 'missing', located: 'missing',
  service_referred: 'service', service_started: 'service', service_ended: 'service', plan: 'plan', plan_review: 'plan',
  relief_identified: 'relief', relief_filed: 'relief', relief_hearing: 'relief', relief_decided: 'relief', merge: 'merge', merge_undone: 'merge',
};

// One entry's kind, in the singular.
const KIND_WORDS = {
  report: 'Report', case: 'Case', placement: 'Placement', missing: 'Missing', service: 'Service', plan: 'Plan', relief: 'Relief', merge: 'Merge',
};
const SEX_WORDS = { F: 'Female', M: 'Male', X: 'Another' };

function when(date) {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) ? formatDate(date) : formatShortTime(date);
}

function dl(term, ...value) {
  return h('div', {}, h('dt', {}, term), h('dd', {}, ...value));
}

function section(id, title, ...children) {
  return h('section', { className: 'panel person-section', 'aria-labelledby': `ps-${id}` },
    h('h3', { id: `ps-${id}`, className: 'section-title' }, title), ...children);
}

function render() {
  const p = page;
  const c = p.child || {};
  const name = fullName(c.given_name, c.family_name) || 'No name on file';
  $('person-heading').textContent = name;
  document.title = document.title.replace(/^[^·]*·/, `${name} ·`);
  $('person-eyebrow').textContent = p.view === 'mdt' ? 'Child · MDT view: what the agency shares with the team' : `Child · record ${p.id}`;
  $('person-note').textContent = followedFrom ? `Record ${followedFrom} was merged into this one: you are on the record kept.` : '';
  followedFrom = null;
  const facts = [
    dl('Age', Number.isInteger(c.age) ? String(c.age) : none('Not known')),
  ];
  if (p.view !== 'mdt') {
    facts.push(dl('Born', c.dob ? formatDate(c.dob) : none('No birth date on file')));
    facts.push(dl('Sex', c.sex ? SEX_WORDS[c.sex] || c.sex : none()));
    facts.push(dl('Town', c.town || none()));
    if (Array.isArray(c.aliases) && c.aliases.length) facts.push(dl('Also known as', c.aliases.join(', ')));
  }
  $('person-facts').replaceChildren(...facts);
  const parts = [timelinePanel(), namesPanel(), recordsPanel()];
  if (p.services.length || p.plans.length) parts.push(servicesPanel());
  if (ctx.can('relief.read') && p.view !== 'mdt') parts.push(reliefPanel());
  if (p.view !== 'mdt') parts.push(mergesPanel());
  if (ctx.can('attachments.read') && p.view !== 'mdt') parts.push(attachmentsSection('persons', p.id, { write: ctx.can('attachments.write'), level: 3 }));
  $('person-body').replaceChildren(...parts.filter(Boolean));
}

function timelinePanel() {
  const list = [...page.timeline].reverse().filter((e) => !kindFilter || KIND_OF[e.kind] === kindFilter);
  const select = h('select', { id: 'person-filter' }, KINDS.map(([v, t]) => h('option', { value: v }, t)));
  select.value = kindFilter;
  select.addEventListener('change', () => {
    kindFilter = select.value;
    const fresh = timelinePanel();
    $('ps-timeline').closest('section').replaceWith(fresh);
    $('person-filter').focus();
  });
  return section('timeline', 'Timeline',
    h('div', { className: 'field filter-field' }, h('label', { for: 'person-filter' }, 'Show'), select),
    list.length
      ? h('ol', { className: 'person-timeline' }, list.map((e) => h('li', { className: `tl-item tl-${KIND_OF[e.kind] || 'other'}` },
        h('time', { className: 'tl-date', datetime: e.date }, when(e.date)),
        h('span', { className: 'tl-kind' }, KIND_WORDS[KIND_OF[e.kind]] || 'Other'),
        h('span', { className: 'tl-label' }, e.link ? h('a', { href: e.link }, e.label) : e.label))))
      : h('p', { className: 'none' }, kindFilter ? 'Nothing of this kind.' : 'Nothing on the timeline yet.'));
}

function namesPanel() {
  if (page.view === 'mdt') return null;
  return section('names', 'Names the child was reported under',
    page.names.length
      ? h('ul', { className: 'plain-list' }, page.names.map((n) => h('li', {},
        h('strong', {}, fullName(n.given_name, n.family_name) || 'No name given'),
        Array.isArray(n.aliases) && n.aliases.length ? ` (also ${n.aliases.join(', ')})` : '',
        ' — report ', h('a', { href: `#intake/${n.intake_id}` }, n.number), `, ${formatShortTime(n.received_at)}`)))
      : h('p', { className: 'none' }, 'No report names this child.'));
}

function restrictedItem(kind, x) {
  const slot = h('div', {});
  const button = h('button', { type: 'button', className: 'btn btn-secondary btn-small' }, 'Open with a reason');
  button.addEventListener('click', () => {
    button.hidden = true;
    slot.replaceChildren(breakGlassForm(kind, x.id, () => {
      location.hash = kind === 'intake' ? `#intake/${x.id}` : `#case/${x.id}`;
    }));
    slot.querySelector('textarea').focus();
  });
  return h('li', { className: 'restricted-item' },
    h('span', { className: 'badge badge-restricted' }, 'Restricted record'), ` ${x.number || ''} `, button, slot);
}

function recordsPanel() {
  const cases = page.cases.map((x) => (x.label ? restrictedItem('case', x) : h('li', {},
    h('a', { href: `#case/${x.id}` }, x.number), ` · ${x.status_label || x.status}`,
    x.region ? ` · ${regionName(x.region)}` : '',
    x.opened_at ? ` · opened ${formatShortTime(x.opened_at)}` : '',
    x.restricted ? h('span', { className: 'badge badge-restricted' }, 'Opened by breaking the glass') : null)));
  const reports = page.reports.map((x) => (x.label ? restrictedItem('intake', x) : h('li', {},
    h('a', { href: `#intake/${x.id}` }, x.number), ` · received ${formatShortTime(x.received_at)}`,
    x.disposition ? ` · ${packName('dispositions', x.disposition)}` : '')));
  const missing = page.missing_episodes.map((m) => h('li', {}, `Last seen ${formatShortTime(m.last_seen_at)}`,
    m.located_at ? `, located ${formatShortTime(m.located_at)}` : h('span', { className: 'badge badge-missing' }, 'Missing now'),
    ' (case ', h('a', { href: `#case/${m.case_id}` }, m.case_number), ')'));
  const places = page.placements.map((m) => h('li', {}, `${m.placement_label || 'Not said'} from ${formatShortTime(m.occurred_at)} (case `,
    h('a', { href: `#case/${m.case_id}` }, m.case_number), ')'));
  return section('records', 'Cases and reports',
    h('h4', { className: 'sub-title' }, 'Cases'),
    cases.length ? h('ul', { className: 'plain-list' }, cases) : h('p', { className: 'none' }, 'No case.'),
    page.view === 'mdt' ? null : h('h4', { className: 'sub-title' }, 'Reports'),
    page.view === 'mdt' ? null : (reports.length ? h('ul', { className: 'plain-list' }, reports) : h('p', { className: 'none' }, 'No report.')),
    h('h4', { className: 'sub-title' }, 'Placements'),
    places.length ? h('ul', { className: 'plain-list' }, places) : h('p', { className: 'none' }, 'No placement recorded.'),
    h('h4', { className: 'sub-title' }, 'Missing episodes'),
    missing.length ? h('ul', { className: 'plain-list' }, missing) : h('p', { className: 'none' }, 'Never recorded missing.'));
}

function servicesPanel() {
  return section('services', 'Services and plans',
    h('ul', { className: 'plain-list' }, page.services.map((s) => h('li', {},
      h('strong', {}, s.service_name || s.service), ` with ${s.provider && s.provider.name ? s.provider.name : 'a provider'} · ${s.status}`,
      ` · referred ${formatShortTime(s.referred_at)}`))),
    h('ul', { className: 'plain-list' }, page.plans.map((x) => h('li', {},
      h('strong', {}, `Plan (${x.kind}), version ${x.version}`), x.review_at ? ` · review by ${when(x.review_at)}` : '',
      ' (case ', h('a', { href: `#case/${x.case_id}` }, x.case_number), ')'))));
}

// ---------------------------------------------------------------- relief

const reliefStatuses = () => (getConfig() && getConfig().relief_statuses) || [];
const statusLabel = (id) => (reliefStatuses().find((s) => s.id === id) || {}).label || id;

function reliefPanel() {
  const items = page.relief.map(reliefItem);
  const parts = [
    h('p', { className: 'hint' }, 'Records the child may have vacated (C.G.S. 54-95c) or erased (P.A. 15-195). Once relief is granted, the reports and cases it names are restricted. This records the work; it is no legal advice.'),
    items.length ? h('ul', { className: 'relief-list' }, items) : h('p', { className: 'none' }, 'No relief recorded.'),
  ];
  if (ctx.can('relief.write')) parts.push(reliefForm());
  return section('relief', 'Record relief', ...parts);
}

function reliefItem(x) {
  const links = (x.links || []).map((l) => h('a', { href: l.kind === 'intake' ? `#intake/${l.id}` : `#case/${l.id}` }, l.number || `${l.kind} ${l.id}`));
  const facts = h('dl', { className: 'facts relief-facts' },
    dl('Court', x.court),
    dl('Docket', x.docket || none()),
    dl('Offence', x.offence_name || x.offence, x.offence_date ? h('span', { className: 'sub' }, formatDate(x.offence_date)) : null),
    dl('Petition filed', x.petition_filed_on ? formatDate(x.petition_filed_on) : none('Not yet')),
    dl('Hearing', x.hearing_on ? formatDate(x.hearing_on) : none('Not set')),
    dl('Decided', x.decided_on ? formatDate(x.decided_on) : none('Not yet')),
    dl('Outcome', x.outcome || none()),
    dl('Affirmative defence', x.defence_notes || none()),
    dl('Records', links.length ? h('span', { className: 'link-list' }, links.flatMap((a, i) => (i ? [', ', a] : [a]))) : none()));
  const moves = ctx.can('relief.write') && x.allowed.length ? reliefMoves(x) : null;
  return h('li', { className: 'relief-item', dataset: { id: String(x.id) } },
    h('p', { className: 'relief-head' }, h('strong', {}, x.relief_kind_label || x.relief_kind), ' · ',
      h('span', { className: `badge relief-${x.status}` }, x.status_label || statusLabel(x.status))),
    facts, moves);
}

function reliefMoves(x) {
  const fid = `rm-${x.id}`;
  const err = h('div', { className: 'alert', role: 'alert' });
  const status = field({ id: `${fid}-status`, label: 'Move to', type: 'select', path: 'status', options: x.allowed.map((s) => [s, statusLabel(s)]) });
  const date = field({ id: `${fid}-date`, label: 'On', type: 'date', path: 'date', value: today(),
    hint: 'The date the petition was filed, the hearing is set for, or the court decided.' });
  const outcome = field({ id: `${fid}-outcome`, label: 'Outcome', type: 'text', path: 'outcome', optional: true });
  const form = h('form', { className: 'form form-row relief-move', novalidate: true }, status, date, outcome,
    h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'btn btn-secondary' }, 'Save the step')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = form.querySelector('button');
    if (button.disabled) return;
    clearFieldErrors(form);
    const to = form.querySelector('select').value;
    const on = form.querySelector('input[type=date]').value || null;
    const body = { version: x.version, status: to };
    if (to === 'petition_filed') body.petition_filed_on = on;
    if (to === 'hearing_set') body.hearing_on = on;
    if (to === 'granted' || to === 'denied') body.decided_on = on;
    const out = form.querySelector(`#${fid}-outcome`).value.trim();
    if (out) body.outcome = out;
    const done = busy(button, 'Saving…');
    const r = await api('PATCH', `/api/v1/relief/${x.id}`, body);
    done();
    if (r.ok) {
      await load();
      say('person-announce', `Relief ${statusLabel(to).toLowerCase()}.`);
      return;
    }
    if (r.status === 422) {
      const map = { petition_filed_on: 'date', hearing_on: 'date', decided_on: 'date' };
      const fixed = { ...r, body: { ...r.body, errors: (r.body.errors || []).map((er) => ({ ...er, field: map[er.field] || er.field })) } };
      const { first, loose } = markFieldErrors(form, fixed);
      err.textContent = loose.join(' ');
      if (first) first.focus();
    } else {
      err.textContent = r.body && /stale-version$/.test(r.body.type || '') ? 'Someone changed this record meanwhile: it is shown again as it now stands.' : problemText(r, 'The step could not be saved');
      if (r.status === 409) await load();
    }
  });
  return h('div', { className: 'relief-moves' }, err, form);
}

function reliefForm() {
  const cfg = getConfig() || {};
  const offences = (cfg.relief_offences || []).map((o) => [o.id, o.name]);
  const kinds = ((cfg.relief_kinds) || []).map((k) => [k.id, k.label]);
  const records = [
    ...page.cases.filter((x) => !x.label).map((x) => ({ kind: 'case', id: x.id, text: `Case ${x.number}` })),
    ...page.reports.filter((x) => !x.label).map((x) => ({ kind: 'intake', id: x.id, text: `Report ${x.number}` })),
  ];
  const err = h('div', { className: 'alert', role: 'alert', id: 'rf-error' });
  const form = h('form', { id: 'relief-form', className: 'form form-grid', novalidate: true },
    field({ id: 'rf-court', label: 'Court', path: 'court', required: true }),
    field({ id: 'rf-docket', label: 'Docket number', path: 'docket', optional: true, hint: 'Kept sealed.' }),
    field({ id: 'rf-offence', label: 'Offence', type: 'select', path: 'offence', options: [['', 'Choose…'], ...offences], required: true }),
    field({ id: 'rf-date', label: 'Offence date', type: 'date', path: 'offence_date', optional: true }),
    field({ id: 'rf-kind', label: 'Relief sought', type: 'select', path: 'relief_kind', options: kinds }),
    field({ id: 'rf-notes', label: 'Affirmative-defence notes', type: 'textarea', path: 'defence_notes', optional: true, max: 20000, hint: 'Kept sealed.' }),
    h('fieldset', { className: 'field', dataset: { path: 'links' } }, h('legend', {}, 'The records it is about'),
      records.length ? records.map((x) => h('label', { className: 'check' },
        h('input', { type: 'checkbox', name: 'rf-link', value: `${x.kind}:${x.id}` }), h('span', {}, x.text))) : h('p', { className: 'none' }, 'No record to link.'),
      h('p', { className: 'field-error' })),
    h('div', { className: 'actions' }, h('button', { type: 'submit', id: 'rf-submit', className: 'btn btn-primary' }, 'Record the relief')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = $('rf-submit');
    if (button.disabled) return;
    clearFieldErrors(form);
    err.textContent = '';
    const val = (id) => $(id).value.trim() || null;
    const body = {
      court: val('rf-court'), docket: val('rf-docket'), offence: val('rf-offence'), offence_date: val('rf-date'),
      relief_kind: val('rf-kind'), defence_notes: val('rf-notes'),
      links: [...form.querySelectorAll('input[name=rf-link]:checked')].map((i) => {
        const [kind, id] = i.value.split(':');
        return { kind, id: Number(id) };
      }),
    };
    const done = busy(button, 'Saving…');
    const r = await api('POST', `/api/v1/persons/${page.id}/relief`, body);
    done();
    if (r.ok) {
      await load();
      say('person-announce', 'Relief recorded.');
      return;
    }
    const { first, loose } = markFieldErrors(form, r);
    err.textContent = r.status === 422 ? loose.join(' ') : problemText(r, 'The relief could not be recorded');
    if (first) first.focus();
  });
  return h('details', { className: 'form-box' }, h('summary', {}, 'Add a relief record'), err, form);
}

// ---------------------------------------------------------------- merges

function mergesPanel() {
  const merge = ctx.can('persons.merge');
  const items = page.merges.map((m) => {
    const self = m.kept_id === page.id;
    const other = self ? m.merged_id : m.kept_id;
    const what = self ? `Record ${m.merged_id} was merged into this record` : `This record was merged into record ${m.kept_id}`;
    const undo = merge && !m.undone_at ? undoForm(m) : null;
    return h('li', { className: 'merge-item' },
      h('p', {}, what, ` on ${formatShortTime(m.merged_at)}${m.merged_by ? ` by ${m.merged_by_name || m.merged_by}` : ''}. `,
        h('a', { href: `#persons/${other}` }, `Record ${other}`), ' ',
        m.undone_at ? h('span', { className: 'badge' }, `Undone ${formatShortTime(m.undone_at)}`) : null),
      m.reason ? h('p', { className: 'sub' }, `Why: ${m.reason}`) : null,
      m.undo_reason ? h('p', { className: 'sub' }, `Undone because: ${m.undo_reason}`) : null,
      undo);
  });
  return section('merges', 'Merges',
    items.length ? h('ul', { className: 'plain-list' }, items) : h('p', { className: 'none' }, 'This record has not been merged with another.'),
    merge ? mergeFinder() : null);
}

function undoForm(m) {
  const fid = `mu-${m.id}`;
  const err = h('div', { className: 'alert', role: 'alert' });
  const form = h('form', { className: 'form', novalidate: true },
    field({ id: `${fid}-reason`, label: 'Why the merge was wrong', type: 'textarea', path: 'reason', required: true }),
    h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'btn btn-secondary' }, 'Undo the merge')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = form.querySelector('button');
    if (button.disabled) return;
    clearFieldErrors(form);
    const done = busy(button, 'Undoing…');
    const r = await api('POST', `/api/v1/persons/merges/${m.id}/undo`, { reason: form.querySelector('textarea').value });
    done();
    if (r.ok) {
      await load();
      say('person-announce', `The merge is undone: ${r.body.restored} records went back to record ${m.merged_id}.`);
      return;
    }
    const { first, loose } = markFieldErrors(form, r);
    err.textContent = r.status === 422 ? loose.join(' ') : problemText(r, 'The merge could not be undone');
    if (first) first.focus();
  });
  return h('details', { className: 'form-box' }, h('summary', {}, 'Undo'), err, form);
}

function mergeFinder() {
  const c = page.child || {};
  const err = h('div', { className: 'alert', role: 'alert', id: 'mf-error' });
  const results = h('div', { id: 'mf-results' });
  const form = h('form', { id: 'merge-find', className: 'form form-row', novalidate: true },
    field({ id: 'mf-given', label: 'Given name', path: 'given_name', value: c.given_name || '' }),
    field({ id: 'mf-family', label: 'Family name', path: 'family_name', value: c.family_name || '' }),
    field({ id: 'mf-age', label: 'Age', type: 'number', path: 'age', optional: true, value: Number.isInteger(c.age) ? c.age : '' }),
    h('div', { className: 'actions' }, h('button', { type: 'submit', id: 'mf-submit', className: 'btn btn-secondary' }, 'Find the other record')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = $('mf-submit');
    if (button.disabled) return;
    clearFieldErrors(form);
    err.textContent = '';
    const age = $('mf-age').value.trim();
    const q = { given_name: $('mf-given').value.trim() || null, family_name: $('mf-family').value.trim() || null };
    if (age) q.age = Number(age);
    const done = busy(button, 'Looking…');
    const r = await api('POST', '/api/v1/persons/match', q);
    done();
    if (!r.ok) {
      const { first, loose } = markFieldErrors(form, r);
      err.textContent = r.status === 422 ? loose.join(' ') : problemText(r, 'The search failed');
      if (first) first.focus();
      return;
    }
    const others = (r.body.candidates || []).filter((x) => x.person_id !== page.id);
    results.replaceChildren(others.length
      ? h('ul', { className: 'plain-list merge-candidates' }, others.map((x) => {
        const pick = h('button', { type: 'button', className: 'btn btn-secondary btn-small' }, `Choose record ${x.person_id}`);
        pick.addEventListener('click', () => results.replaceChildren(mergeConfirm(x)));
        return h('li', {}, h('strong', {}, fullName(x.given_name, x.family_name) || 'No name on file'),
          ` · record ${x.person_id}${x.dob ? ` · born ${formatDate(x.dob)}` : Number.isInteger(x.age) ? ` · about ${x.age}` : ''}${x.town ? ` · ${x.town}` : ''} `, pick);
      }))
      : h('p', { className: 'none', role: 'status' }, 'No other record fits. Try another spelling or the age.'));
  });
  return h('details', { className: 'form-box', id: 'merge-box' }, h('summary', {}, 'Merge with another record'),
    h('p', { className: 'hint' }, 'When two records are one child: find the other record, check them side by side, and merge it into this one. Everything that names it follows, and the merge can be undone.'),
    err, form, results);
}

function sideFacts(title, x) {
  return h('div', { className: 'merge-side' }, h('h4', { className: 'sub-title' }, title),
    h('dl', { className: 'facts' },
      dl('Name', fullName(x.given_name, x.family_name) || none('No name on file')),
      dl('Born', x.dob ? formatDate(x.dob) : Number.isInteger(x.age) ? `About ${x.age}` : none('Not known')),
      dl('Sex', x.sex ? SEX_WORDS[x.sex] || x.sex : none()),
      dl('Town', x.town || none())));
}

function mergeConfirm(other) {
  const err = h('div', { className: 'alert', role: 'alert', id: 'mc-error' });
  const form = h('form', { id: 'merge-confirm', className: 'form', novalidate: true },
    h('div', { className: 'merge-sides' }, sideFacts(`Kept: record ${page.id}`, page.child || {}), sideFacts(`Merged into it: record ${other.person_id}`, other)),
    field({ id: 'mc-reason', label: 'Why these are one child', type: 'textarea', path: 'reason', required: true,
      hint: 'At least 10 characters: what you checked. It is kept with the merge.' }),
    h('div', { className: 'actions' }, h('button', { type: 'submit', id: 'mc-submit', className: 'btn btn-primary' }, `Merge record ${other.person_id} into this one`)));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = $('mc-submit');
    if (button.disabled) return;
    clearFieldErrors(form);
    err.textContent = '';
    const done = busy(button, 'Merging…');
    const r = await api('POST', `/api/v1/persons/${page.id}/merge`, { other_id: other.person_id, reason: $('mc-reason').value });
    done();
    if (r.ok) {
      await load();
      say('person-announce', `Record ${other.person_id} is merged into this one: ${r.body.moved} records moved.`);
      return;
    }
    const { first, loose } = markFieldErrors(form, r);
    err.textContent = r.status === 422 ? loose.join(' ') : sentence(problemText(r, 'The records could not be merged'));
    if (first) first.focus();
    else err.focus?.();
  });
  return h('div', { className: 'merge-confirm' }, srOnly('Check the two records side by side.'), err, form);
}
