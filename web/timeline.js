// A case's timeline as a list: filtered by kind of entry, long entries
// collapsed (Show more / Show less), a corrected entry marked as corrected
// with its earlier text a click away, and its author's "Correct" form
// while the agency's window for corrections is open. The server decides
// who may correct and until when (docs/cases.md, "Corrections"); the page
// only offers what it would take.

import { api, clearFieldErrors, field, formatShortTime, h, markFieldErrors, problemText, say, termLabel } from './common.js';

// The kinds of entry, in groups a worker looks for. A kind the page does
// not know yet falls under "Other".
const GROUPS = [
  ['notes', 'Notes', ['note']],
  ['contacts', 'Contacts', ['contact']],
  ['care', 'Health, interviews and placement', ['medical_exam', 'forensic_interview', 'placement_change']],
  ['missing', 'Missing and return', ['missing_started', 'missing_located', 'debrief', 'rescreen']],
  ['duties', 'Reports and rapid response', ['report', 'rapid_response_requested', 'rapid_response_arrived']],
  ['status', 'Status changes', ['opened', 'intake_joined', 'status_change', 'victim_status']],
  ['reviews', 'MDT reviews', ['review_scheduled', 'review_held']],
  ['corrections', 'Corrected times', ['time_corrected']],
];
const LONG_CHARS = 400;
const LONG_LINES = 5;
const FIELD_WORDS = { located_at: 'Located time', done_at: 'Done time' };

// The filter chosen for each case, kept while the page is open.
const chosen = new Map();
let seq = 0;

const groupOf = (kind) => (GROUPS.find(([, , kinds]) => kinds.includes(kind)) || ['other'])[0];

function who(u) {
  if (!u) return 'someone';
  return u.display_name || u.username || 'someone';
}

/**
 * What an entry is, in words: its kind, and for a mandated report to whom
 * ("Report made to law enforcement: Hartford Police").
 */
export function eventHead(ev) {
  const what = termLabel('event_kinds', ev.kind);
  if (ev.kind !== 'report' || !ev.report_kind) return what;
  const to = ev.report_kind === 'law_enforcement' ? 'law enforcement' : termLabel('report_kinds', ev.report_kind);
  return `${what} to ${to}${ev.agency ? `: ${ev.agency}` : ''}`;
}

function isLong(text) {
  return text.length > LONG_CHARS || text.split('\n').length > LONG_LINES;
}

/** The entry's text, collapsed with a Show more button when it is long. */
function textBlock(text, id) {
  const p = h('p', { id, className: 'event-text' }, text);
  if (!isLong(text)) return p;
  p.classList.add('is-collapsed');
  const b = h('button', { type: 'button', className: 'link-button event-more', 'aria-expanded': 'false', 'aria-controls': id }, 'Show more');
  b.addEventListener('click', () => {
    const open = b.getAttribute('aria-expanded') !== 'true';
    b.setAttribute('aria-expanded', String(open));
    p.classList.toggle('is-collapsed', !open);
    b.textContent = open ? 'Show less' : 'Show more';
  });
  return h('div', { className: 'event-text-wrap' }, p, b);
}

/** "Corrected 14:02 by J. Doe · Show earlier text", and the earlier texts. */
function correctedBlock(ev, id) {
  const list = ev.corrections || [];
  if (!list.length) return null;
  const last = list[list.length - 1];
  const earlier = h('ol', { id, className: 'event-earlier', hidden: true },
    list.map((c) => h('li', {},
      h('p', { className: 'event-meta' }, `Before the correction of ${formatShortTime(c.corrected_at)} by ${who(c.corrected_by)}:`),
      c.earlier_text ? h('p', { className: 'event-text event-text-earlier' }, c.earlier_text) : h('p', { className: 'none' }, 'No text.'))));
  const b = h('button', { type: 'button', className: 'link-button', 'aria-expanded': 'false', 'aria-controls': id },
    list.length === 1 ? 'Show earlier text' : `Show ${list.length} earlier texts`);
  b.addEventListener('click', () => {
    const open = b.getAttribute('aria-expanded') !== 'true';
    b.setAttribute('aria-expanded', String(open));
    earlier.hidden = !open;
    b.textContent = open ? (list.length === 1 ? 'Hide earlier text' : 'Hide earlier texts')
      : (list.length === 1 ? 'Show earlier text' : `Show ${list.length} earlier texts`);
  });
  return h('div', { className: 'event-corrected' },
    h('p', { className: 'event-meta' }, h('span', { className: 'badge badge-corrected' }, 'Corrected'),
      ` ${formatShortTime(last.corrected_at)} by ${who(last.corrected_by)} · `, b),
    earlier);
}

function timeCorrectedExtra(ev) {
  const what = FIELD_WORDS[ev.field] || 'Time';
  return `${what} corrected: ${formatShortTime(ev.from)} → ${formatShortTime(ev.to)}`;
}

/** The author's form to correct an entry's text, in place of the text. */
function correctForm(ev, caseId, n, onChanged) {
  const tid = `tl-fix-${n}`;
  const error = h('div', { className: 'alert', role: 'alert', id: `${tid}-error` });
  const save = h('button', { type: 'submit', className: 'btn btn-primary btn-small' }, 'Save the correction');
  const cancel = h('button', { type: 'button', className: 'btn btn-secondary btn-small' }, 'Cancel');
  const form = h('form', { className: 'form event-fix', novalidate: true, hidden: true },
    field({ id: tid, label: 'Corrected text', type: 'textarea', path: 'text', required: true, rows: 4, value: ev.text || '',
      hint: `The earlier text is kept and shown as corrected. You can correct this until ${formatShortTime(ev.correctable_until)}.` }),
    error,
    h('div', { className: 'actions' }, save, cancel));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (save.disabled) return;
    clearFieldErrors(form);
    error.textContent = '';
    const text = form.querySelector(`#${tid}`).value;
    if (!text.trim()) {
      markFieldErrors(form, { body: { errors: [{ field: 'text', reason: 'Write the corrected text.' }] } });
      form.querySelector(`#${tid}`).focus();
      return;
    }
    save.disabled = true;
    const r = await api('POST', `/api/v1/cases/${caseId}/events/${ev.id}/corrections`, { text });
    save.disabled = false;
    if (r.ok) {
      await onChanged('The entry is corrected. Its earlier text is kept and shown.');
      return;
    }
    if (r.status === 422) {
      const { first, loose } = markFieldErrors(form, r);
      error.textContent = `Nothing was saved. ${loose.join(' ')}`;
      if (first) first.focus();
      return;
    }
    error.textContent = problemText(r, 'Nothing was saved');
    save.focus();
  });
  return { form, cancel };
}

function mayCorrect(ev, me) {
  return me && ev.recorded_by && ev.recorded_by.username === me.username && ev.correctable_until &&
    Date.parse(ev.correctable_until) > Date.now();
}

function entryItem(ev, opts) {
  const n = ++seq;
  const later = ev.recorded_at && ev.occurred_at && new Date(ev.recorded_at) - new Date(ev.occurred_at) > 10 * 60000;
  const extra = ev.kind === 'time_corrected' ? timeCorrectedExtra(ev) : opts.extra(ev);
  const text = ev.text ? textBlock(ev.text, `tl-text-${n}`) : null;
  const body = h('div', { className: 'event-body' },
    h('p', { className: 'event-head' }, h('strong', {}, eventHead(ev)),
      ev.shared && !opts.readOnly ? h('span', { className: 'badge badge-shared' }, 'Shared with MDT') : null),
    extra ? h('p', { className: 'event-extra' }, extra) : null,
    text,
    correctedBlock(ev, `tl-earlier-${n}`),
    h('p', { className: 'event-meta' }, [who(ev.recorded_by || ev.by), later ? `recorded ${formatShortTime(ev.recorded_at)}` : ''].filter(Boolean).join(' · ')));
  if (!opts.readOnly && mayCorrect(ev, opts.me)) {
    const { form, cancel } = correctForm(ev, opts.caseId, n, opts.onChanged);
    const open = h('button', { type: 'button', className: 'btn btn-secondary btn-small event-fix-open',
      'aria-label': `Correct this ${termLabel('event_kinds', ev.kind).toLowerCase()}` }, 'Correct');
    open.addEventListener('click', () => {
      form.hidden = false;
      open.hidden = true;
      if (text) text.hidden = true;
      form.querySelector('textarea').focus();
    });
    cancel.addEventListener('click', () => {
      form.hidden = true;
      open.hidden = false;
      if (text) text.hidden = false;
      open.focus();
    });
    body.append(h('p', { className: 'event-actions' }, open), form);
  }
  return h('li', { className: `event event-${ev.kind}`, dataset: { kind: ev.kind, group: groupOf(ev.kind), id: String(ev.id) } },
    h('p', { className: 'event-time' }, formatShortTime(ev.occurred_at)), body);
}

/**
 * The timeline of a case: the filter and the list. evs are the entries,
 * newest first. opts: { caseId, readOnly, me (the user), extra (ev → the
 * kind's words), onChanged(text) (after a correction: reload, say text),
 * empty (the words when there is nothing) }.
 */
export function timelineList(evs, opts) {
  if (!evs.length) return h('p', { className: 'none' }, opts.empty);
  const counts = new Map();
  for (const ev of evs) counts.set(groupOf(ev.kind), (counts.get(groupOf(ev.kind)) || 0) + 1);
  const groups = [...GROUPS, ['other', 'Other entries', []]].filter(([id]) => counts.has(id));
  let show = chosen.get(opts.caseId) || 'all';
  if (show !== 'all' && !counts.has(show)) show = 'all';
  const list = h('ol', { className: 'timeline' }, evs.map((ev) => entryItem(ev, opts)));
  // One kind only: nothing to filter.
  if (groups.length < 2) return h('div', { className: 'timeline-wrap' }, list);
  const sid = `tl-show-${opts.caseId}`;
  const status = h('p', { id: `${sid}-status`, className: 'hint timeline-count', role: 'status' });
  const select = h('select', { id: sid, 'aria-describedby': `${sid}-status` },
    h('option', { value: 'all' }, `Everything (${evs.length})`),
    groups.map(([id, words]) => h('option', { value: id }, `${words} (${counts.get(id)})`)));
  select.value = show;
  const apply = (announce) => {
    let n = 0;
    for (const li of list.children) {
      li.hidden = show !== 'all' && li.dataset.group !== show;
      if (!li.hidden) n++;
    }
    const text = show === 'all' ? `Showing all ${evs.length} entries.` : `Showing ${n} of ${evs.length} entries.`;
    if (announce) say(status.id, text);
    else status.textContent = text;
  };
  select.addEventListener('change', () => {
    show = select.value;
    chosen.set(opts.caseId, show);
    apply(true);
  });
  apply(false);
  return h('div', { className: 'timeline-wrap' },
    h('div', { className: 'timeline-filter' }, h('label', { for: sid }, 'Show'), select, status),
    list);
}
