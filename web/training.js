// Training (docs/training.md, "The pages"): the course catalogue, the
// sessions with their filters kept in the address (#training?course=day1),
// scheduling a session, a session's page (cancel it, register people,
// the waiting list, attendance taken in one request) and a person's
// training record (#training/trainee/ID). A provider user reads only its
// own staff: the same pages, without the forms. Everything through the API.

import {
  $, api, busy, clearFieldErrors, field, formatDate, formatShortTime, fromLocalInput, getConfig, h as make, markFieldErrors,
  problemText, regionName, regionsList,
} from './common.js';

let ctx = { can: () => false };

/** common.js's h(), with on* functions as listeners (onclick: fn). */
function h(tag, props = {}, ...children) {
  const rest = {};
  const on = [];
  for (const [k, v] of Object.entries(props || {})) {
    if (/^on[a-z]+$/.test(k)) {
      if (typeof v === 'function') on.push([k.slice(2), v]);
    } else rest[k] = v;
  }
  const el = make(tag, rest, ...children);
  for (const [type, fn] of on) el.addEventListener(type, fn);
  return el;
}
let gen = 0; // a page shown later wins over an answer that comes back late
let sessionsNext = null;
let peopleNext = null;
let current = null; // the session on its page

const T = '/api/v1/training';
const manage = () => ctx.can('training.manage');
const courses = () => (getConfig() || {}).courses || [];
const audiences = () => (getConfig() || {}).training_audiences || [];
const courseName = (id) => courses().find((c) => c.id === id)?.name || id;
const audienceName = (id) => audiences().find((a) => a.id === id)?.name || id;
const STATUS = { scheduled: 'Scheduled', held: 'Held', cancelled: 'Cancelled' };
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function initTraining(context) {
  ctx = { ...ctx, ...context };
}

export function clearTraining() {
  gen++;
  current = null;
  sessionsNext = null;
  peopleNext = null;
  for (const id of ['training-page', 'tsession-page', 'trainee-page']) $(id).replaceChildren();
  $('tsession-heading').textContent = 'Training session';
  $('trainee-heading').textContent = 'Training record';
}

// ---------------------------------------------------------------- small parts

function dl(term, ...value) {
  return h('div', {}, h('dt', {}, term), h('dd', {}, ...value));
}

/** A table; on a phone its rows stack, each cell with its column's name (data-label). */
function table(caption, heads, rows, className = '') {
  for (const row of rows) {
    [...row.children].forEach((cell, i) => {
      if (typeof heads[i] === 'string' && cell.tagName === 'TD' && !className.includes('att-table')) cell.dataset.label = heads[i];
    });
  }
  return h('div', { className: 'table-wrap' },
    h('table', { className: `table tr-stack ${className}` },
      h('caption', { className: 'sr-only' }, caption),
      h('thead', {}, h('tr', {}, heads.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows)));
}

function statusBadge(status) {
  return h('span', { className: `badge tr-${status}` }, STATUS[status] || status);
}

/** A course's prerequisites in words: "Needs DCF Academy Day 1 first". */
function needsText(c) {
  const pre = (c.prerequisites || []).map(courseName);
  if (!pre.length) return 'No prerequisites';
  const list = pre.length === 1 ? pre[0] : `${pre.slice(0, -1).join(', ')} and ${pre[pre.length - 1]}`;
  return `Needs ${list} first`;
}

function certifiesText(c) {
  if (!c.certifies) return 'No certificate';
  const v = c.valid_months ? `certificate valid ${c.valid_months} months` : 'certificate does not expire';
  return c.trains_trainers ? `${v[0].toUpperCase()}${v.slice(1)}; its holders may lead sessions` : `${v[0].toUpperCase()}${v.slice(1)}`;
}

function whenText(s) {
  return `${formatShortTime(s.starts_at)} to ${formatShortTime(s.ends_at)}`;
}

function whereText(s) {
  const parts = [];
  if (s.place) parts.push(s.place);
  if (s.online) parts.push('Online');
  if (s.region) parts.push(regionName(s.region));
  return parts.join(' · ') || 'Not set';
}

function placesText(s) {
  const w = s.waitlisted ? `, ${s.waitlisted} waiting` : '';
  return `${s.registered} of ${s.capacity} places taken${w}`;
}

const options = (list, first) => [['', first], ...list.map((x) => [x.id, x.name])];

// ---------------------------------------------------------------- #training

/** The filters the address holds: #training?course=day1&from=...&status=... */
function filtersFromHash() {
  const q = new URLSearchParams((location.hash.split('?')[1]) || '');
  return { course: q.get('course') || '', from: q.get('from') || '', to: q.get('to') || '', status: q.get('status') || '' };
}

export function showTraining() {
  const g = ++gen;
  const page = $('training-page');
  const f = filtersFromHash();
  const parts = [];
  if (manage()) parts.push(scheduleSection());
  parts.push(sessionsSection(f), peopleSection(), catalogueSection());
  page.replaceChildren(...parts);
  loadSessions(g, false);
  loadPeople(g, false);
}

function catalogueSection() {
  const items = courses().map((c) => h('li', { className: 'tr-course' },
    h('h4', { className: 'tr-course-name' }, c.name),
    c.description ? h('p', { className: 'tr-course-desc' }, c.description) : null,
    h('ul', { className: 'tr-course-facts' },
      h('li', {}, `${c.hours} ${c.hours === 1 ? 'hour' : 'hours'}`),
      h('li', {}, certifiesText(c)),
      h('li', {}, needsText(c)),
      h('li', {}, `For: ${(c.audiences || []).map(audienceName).join(', ')}`))));
  return h('section', { className: 'tr-section', 'aria-labelledby': 'tr-courses-title' },
    h('h3', { id: 'tr-courses-title', className: 'section-title' }, 'Courses'),
    items.length ? h('ul', { className: 'tr-courses' }, items) : h('p', { className: 'none' }, 'The pack has no courses.'));
}

function sessionsSection(f) {
  const form = h('form', { id: 'tr-filters', className: 'form tr-filters', role: 'search', 'aria-label': 'Sessions' },
    field({ id: 'tr-f-course', label: 'Course', type: 'select', options: options(courses(), 'Any course'), value: f.course }),
    field({ id: 'tr-f-from', label: 'From', type: 'date', value: f.from }),
    field({ id: 'tr-f-to', label: 'To', type: 'date', value: f.to }),
    field({ id: 'tr-f-status', label: 'Status', type: 'select', value: f.status,
      options: [['', 'Any status'], ['scheduled', 'Scheduled'], ['held', 'Held'], ['cancelled', 'Cancelled']] }));
  form.addEventListener('change', () => {
    const q = new URLSearchParams();
    for (const k of ['course', 'from', 'to', 'status']) if ($(`tr-f-${k}`).value) q.set(k, $(`tr-f-${k}`).value);
    const text = q.toString();
    // The address keeps the filters (a reload or a link shows the same list) without a new page.
    history.replaceState(null, '', `#training${text ? `?${text}` : ''}`);
    loadSessions(gen, false);
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  return h('section', { className: 'tr-section', 'aria-labelledby': 'tr-sessions-title' },
    h('h3', { id: 'tr-sessions-title', className: 'section-title' }, 'Sessions'),
    form,
    h('p', { id: 'tr-sessions-error', className: 'alert', role: 'alert', hidden: true }),
    h('div', { id: 'tr-sessions' }),
    h('p', { className: 'actions' }, h('button', { id: 'tr-sessions-more', type: 'button', className: 'btn btn-secondary', hidden: true,
      onclick: null }, 'Show more sessions')));
}

async function loadSessions(g, more) {
  const q = new URLSearchParams();
  for (const k of ['course', 'from', 'to', 'status']) if ($(`tr-f-${k}`)?.value) q.set(k, $(`tr-f-${k}`).value);
  if (more && sessionsNext) q.set('after', sessionsNext);
  const box = $('tr-sessions');
  box.setAttribute('aria-busy', 'true');
  const r = await api('GET', `${T}/sessions?${q}`);
  if (g !== gen || !box.isConnected) return;
  box.removeAttribute('aria-busy');
  const err = $('tr-sessions-error');
  if (!r.ok) {
    err.hidden = false;
    err.textContent = problemText(r, 'The sessions could not be read');
    return;
  }
  err.hidden = true;
  sessionsNext = r.body.next;
  const rows = r.body.items.map((s) => h('tr', {},
    h('td', {}, h('a', { href: `#training/session/${s.id}`, className: 'nowrap' }, s.number)),
    h('td', {}, s.course_name),
    h('td', {}, whenText(s)),
    h('td', {}, whereText(s)),
    h('td', {}, placesText(s)),
    h('td', {}, statusBadge(s.status))));
  let list = box.querySelector('tbody');
  if (!more || !list) {
    if (!rows.length) {
      box.replaceChildren(h('p', { className: 'none' }, 'No sessions match these filters.'));
    } else {
      box.replaceChildren(table('Sessions', ['Session', 'Course', 'When', 'Where', 'Places', 'Status'], rows, 'tr-sessions-table'));
    }
  } else {
    list.append(...rows);
  }
  const btn = $('tr-sessions-more');
  btn.hidden = !sessionsNext;
  btn.onclick = () => loadSessions(gen, true);
}

// The people: a trainer finds anyone; a provider user sees its own staff.
function peopleSection() {
  const title = manage() ? 'People trained' : "Our staff's training";
  const form = h('form', { id: 'tr-people-form', className: 'form tr-search', role: 'search', 'aria-label': title },
    field({ id: 'tr-people-q', label: 'Name or e-mail', type: 'search' }),
    h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'btn btn-secondary' }, 'Search')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    loadPeople(gen, false);
  });
  return h('section', { className: 'tr-section', 'aria-labelledby': 'tr-people-title' },
    h('h3', { id: 'tr-people-title', className: 'section-title' }, title),
    manage() ? null : h('p', { className: 'hint' }, 'Your staff: what each registered for, attended and completed, and their certificates.'),
    form,
    h('p', { id: 'tr-people-error', className: 'alert', role: 'alert', hidden: true }),
    h('div', { id: 'tr-people' }),
    h('p', { className: 'actions' }, h('button', { id: 'tr-people-more', type: 'button', className: 'btn btn-secondary', hidden: true }, 'Show more people')));
}

async function loadPeople(g, more) {
  const q = new URLSearchParams();
  const text = $('tr-people-q')?.value.trim();
  if (text) q.set('q', text);
  if (more && peopleNext) q.set('after', peopleNext);
  const box = $('tr-people');
  const r = await api('GET', `${T}/trainees?${q}`);
  if (g !== gen || !box.isConnected) return;
  const err = $('tr-people-error');
  if (!r.ok) {
    err.hidden = false;
    err.textContent = problemText(r, 'The people could not be read');
    return;
  }
  err.hidden = true;
  peopleNext = r.body.next;
  const rows = r.body.items.map((t) => h('tr', {},
    h('td', {}, h('a', { href: `#training/trainee/${t.id}` }, t.name)),
    h('td', {}, t.organisation || t.provider_name || ''),
    h('td', {}, t.role_title || ''),
    h('td', {}, audienceName(t.audience), t.supervisor ? h('span', { className: 'sub' }, 'Supervisor') : null)));
  const list = box.querySelector('tbody');
  if (more && list) list.append(...rows);
  else box.replaceChildren(rows.length ? table('People', ['Name', 'Organisation', 'Role', 'Audience'], rows)
    : h('p', { className: 'none' }, text ? 'Nobody matches.' : 'Nobody yet.'));
  const btn = $('tr-people-more');
  btn.hidden = !peopleNext;
  btn.onclick = () => loadPeople(gen, true);
}

// ---------------------------------------------------------------- scheduling

function scheduleSection() {
  const toggle = h('button', { id: 'tr-schedule-open', type: 'button', className: 'btn btn-primary', 'aria-expanded': 'false',
    'aria-controls': 'tr-schedule-form' }, 'Schedule a session');
  const trainers = []; // [{id, name}]
  const chosen = h('ul', { id: 'tr-trainers', className: 'tag-list' });
  const found = h('ul', { id: 'tr-trainer-found', className: 'tr-found' });
  const paintTrainers = () => {
    chosen.replaceChildren(...trainers.map((t, i) => h('li', { className: 'tag' }, t.name, ' ',
      h('button', { type: 'button', className: 'btn-link', 'aria-label': `Remove ${t.name} as trainer`,
        onclick: () => { trainers.splice(i, 1); paintTrainers(); } }, '×'))));
  };
  const findTrainer = async () => {
    const q = $('tr-s-trainer-q').value.trim();
    if (!q) return;
    const r = await api('GET', `${T}/trainees?q=${encodeURIComponent(q)}&limit=10`);
    if (!r.ok) return found.replaceChildren(h('li', { className: 'alert' }, problemText(r, 'The search failed')));
    found.replaceChildren(...(r.body.items.length ? r.body.items.map((t) => h('li', {},
      h('button', { type: 'button', className: 'btn btn-small btn-secondary', onclick: () => {
        if (!trainers.some((x) => x.id === t.id)) trainers.push({ id: t.id, name: t.name });
        found.replaceChildren();
        $('tr-s-trainer-q').value = '';
        paintTrainers();
      } }, `Add ${t.name}`), t.organisation ? h('span', { className: 'sub' }, t.organisation) : null))
      : [h('li', { className: 'none' }, 'Nobody matches.')]));
  };
  const trainerField = h('fieldset', { className: 'field field-wide tr-trainer-field', 'data-path': 'trainer_ids' },
    h('legend', {}, 'Trainers', h('span', { className: 'optional' }, ' (optional)')),
    h('p', { id: 'tr-s-trainers-hint', className: 'field-hint' }, 'Only people holding a valid train-the-trainer certificate may lead a session.'),
    chosen,
    h('div', { className: 'tr-inline' },
      h('label', { for: 'tr-s-trainer-q', className: 'sr-only' }, 'Find a trainer by name'),
      h('input', { id: 'tr-s-trainer-q', type: 'search', placeholder: 'Find a trainer by name', autocomplete: 'off',
        'aria-describedby': 'tr-s-trainers-hint tr-s-trainers-error', onkeydown: (e) => {
          if (e.key === 'Enter') { e.preventDefault(); findTrainer(); }
        } }),
      h('button', { type: 'button', className: 'btn btn-secondary', onclick: findTrainer }, 'Find')),
    found,
    h('p', { id: 'tr-s-trainers-error', className: 'field-error' }));
  const form = h('form', { id: 'tr-schedule-form', className: 'form tr-box', hidden: true, novalidate: true },
    h('p', { id: 'tr-schedule-error', className: 'alert', role: 'alert', hidden: true }),
    h('div', { className: 'form form-grid' },
      field({ id: 'tr-s-course', label: 'Course', type: 'select', path: 'course', required: true, options: options(courses(), 'Choose a course') }),
      field({ id: 'tr-s-starts', label: 'Starts', type: 'datetime-local', path: 'starts_at', required: true }),
      field({ id: 'tr-s-ends', label: 'Ends', type: 'datetime-local', path: 'ends_at', required: true }),
      field({ id: 'tr-s-region', label: 'Region', type: 'select', path: 'region', optional: true,
        options: [['', 'No region'], ...regionsList().map((x) => [x.id, x.name])] }),
      field({ id: 'tr-s-place', label: 'Place', path: 'place', optional: true, hint: 'The room and address, or leave empty when online only.' }),
      field({ id: 'tr-s-online', label: 'Online', type: 'checkbox', path: 'online' }),
      field({ id: 'tr-s-capacity', label: 'Capacity', type: 'number', path: 'capacity', required: true, value: '25',
        attrs: { min: '1', max: '1000', inputmode: 'numeric' }, hint: 'Places; beyond them people go on the waiting list.' }),
      field({ id: 'tr-s-audience', label: 'Audience', type: 'select', path: 'audience', optional: true, options: options(audiences(), 'Anyone') }),
      trainerField),
    h('div', { className: 'actions' },
      h('button', { id: 'tr-schedule-save', type: 'submit', className: 'btn btn-primary' }, 'Schedule the session'),
      h('button', { type: 'button', className: 'btn btn-secondary', onclick: () => setOpen(false) }, 'Close')));
  function setOpen(open) {
    form.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) $('tr-s-course').focus();
    else toggle.focus();
  }
  toggle.addEventListener('click', () => setOpen(form.hidden));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const err = $('tr-schedule-error');
    err.hidden = true;
    const cap = $('tr-s-capacity').value.trim();
    const body = {
      course: $('tr-s-course').value, starts_at: fromLocalInput($('tr-s-starts').value), ends_at: fromLocalInput($('tr-s-ends').value),
      region: $('tr-s-region').value || null, place: $('tr-s-place').value.trim() || null, online: $('tr-s-online').checked,
      capacity: /^\d+$/.test(cap) ? Number(cap) : cap, audience: $('tr-s-audience').value || null,
      trainer_ids: trainers.map((t) => t.id),
    };
    const done = busy($('tr-schedule-save'), 'Scheduling…');
    const r = await api('POST', `${T}/sessions`, body);
    done();
    if (r.ok) {
      location.hash = `#training/session/${r.body.id}`;
      return;
    }
    let { first, loose } = markFieldErrors(form, r);
    // trainer_ids[i]: which of the chosen people is not a certified trainer.
    const errs = (r.body && Array.isArray(r.body.errors)) ? r.body.errors : [];
    const tr = errs.filter((x) => /^trainer_ids\[\d+\]$/.test(x.field));
    if (tr.length) {
      $('tr-s-trainers-error').textContent = tr.map((x) => {
        const t = trainers[Number(x.field.slice(12, -1))];
        return `${t ? t.name : x.field}: ${x.reason}.`;
      }).join(' ');
      trainerField.classList.add('has-error');
      loose = loose.filter((l) => !/^Trainer_ids\[/i.test(l));
      first = first || $('tr-s-trainer-q');
    }
    if (loose.length || !first) {
      err.hidden = false;
      err.textContent = loose.length ? loose.join(' ') : problemText(r, 'The session was not scheduled');
    }
    (first || err).focus?.();
  });
  return h('section', { className: 'tr-section', 'aria-label': 'Schedule a session' }, h('div', { className: 'actions' }, toggle), form);
}

// ---------------------------------------------------------------- a session

export async function showTrainingSession(id, notice = '') {
  const g = ++gen;
  const page = $('tsession-page');
  if (!current || current.id !== Number(id)) {
    page.replaceChildren(h('p', { className: 'loading' }, 'Loading the session…'));
    $('tsession-heading').textContent = 'Training session';
  }
  const r = await api('GET', `${T}/sessions/${id}`);
  if (g !== gen) return;
  if (!r.ok) {
    current = null;
    page.replaceChildren(h('p', { className: 'alert', role: 'alert' },
      r.status === 404 ? 'There is no such session, or it is not yours to see.' : problemText(r, 'The session could not be read')));
    return;
  }
  current = r.body;
  const s = r.body;
  $('tsession-heading').textContent = `${s.number} · ${s.course_name}`;
  const live = s.status !== 'cancelled';
  page.replaceChildren(...[
    h('p', { id: 'ts-notice', className: 'notice', role: 'status', hidden: !notice }, notice),
    h('dl', { className: 'facts' },
      dl('Status', statusBadge(s.status)),
      dl('When', whenText(s)),
      dl('Where', whereText(s)),
      dl('Places', placesText(s)),
      dl('Audience', s.audience ? audienceName(s.audience) : 'Anyone'),
      dl('Trainers', (s.trainers || []).length ? s.trainers.map((t) => t.name).join(', ') : 'None named'),
      s.status === 'cancelled' && typeof s.cancel_reason === 'string' ? dl('Why cancelled', s.cancel_reason) : null),
    manage() && s.status === 'scheduled' ? cancelBox(s) : null,
    registrationsSection(s),
    manage() && live ? registerSection(s) : null,
    manage() && live ? attendanceSection(s) : null,
    manage() && live ? h('p', { className: 'more' }, h('a', { href: `#training/session/${s.id}/import`, id: 'ts-import' }, 'Import a sign-in sheet')) : null,
    h('p', { className: 'more' }, h('a', { href: '#training' }, 'All sessions'))].filter(Boolean));
}

function cancelBox(s) {
  const form = h('form', { id: 'ts-cancel-form', className: 'form tr-box', hidden: true, novalidate: true },
    h('p', { id: 'ts-cancel-error', className: 'alert', role: 'alert', hidden: true }),
    field({ id: 'ts-cancel-reason', label: 'Why is it cancelled?', type: 'textarea', path: 'reason', required: true, max: 1000,
      hint: 'Everyone registered or waiting is told, with this reason.' }),
    h('div', { className: 'actions' },
      h('button', { id: 'ts-cancel-save', type: 'submit', className: 'btn btn-caution' }, 'Cancel the session and tell them'),
      h('button', { type: 'button', className: 'btn btn-secondary', onclick: () => { form.hidden = true; open.focus(); } }, 'Keep it')));
  const open = h('button', { id: 'ts-cancel-open', type: 'button', className: 'btn btn-caution', 'aria-controls': 'ts-cancel-form',
    onclick: () => { form.hidden = false; $('ts-cancel-reason').focus(); } }, 'Cancel this session…');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const done = busy($('ts-cancel-save'), 'Cancelling…');
    const r = await api('PATCH', `${T}/sessions/${s.id}`, { version: s.version, status: 'cancelled', reason: $('ts-cancel-reason').value.trim() || null });
    done();
    if (r.ok) {
      const n = r.body.notified || 0;
      showTrainingSession(s.id, `The session is cancelled. ${n === 0 ? 'Nobody was registered to tell.' : `${plural(n, 'person was', 'people were')} told.`}`);
      return;
    }
    const { first, loose } = markFieldErrors(form, r);
    const err = $('ts-cancel-error');
    if (loose.length || !first) {
      err.hidden = false;
      err.textContent = loose.length ? loose.join(' ') : problemText(r, 'The session was not cancelled');
    }
    (first || err).focus?.();
  });
  return h('div', { className: 'tr-cancel' }, h('div', { className: 'actions' }, open), form);
}

function regStatus(r) {
  if (r.status === 'waitlisted') return h('span', { className: 'badge tr-waitlisted' }, `Waiting list, position ${r.waitlist_position}`);
  if (r.status === 'registered') return h('span', { className: 'badge tr-registered' }, 'Registered');
  return h('span', { className: 'badge tr-cancelled' }, 'Registration cancelled');
}

function registrationsSection(s) {
  const regs = (s.registrations || []).filter((r) => r.status !== 'cancelled');
  const canRemove = manage() && s.status === 'scheduled';
  const rows = regs.map((r) => h('tr', { dataset: { reg: r.id } },
    h('td', {}, h('a', { href: `#training/trainee/${r.trainee_id}` }, r.name), r.organisation ? h('span', { className: 'sub' }, r.organisation) : null),
    h('td', {}, regStatus(r)),
    h('td', {}, r.completed ? 'Completed' : r.attended ? 'Attended' : r.attended === false ? 'Did not attend' : 'Not taken yet'),
    canRemove ? h('td', { className: 'tr-remove' }, h('button', { type: 'button', className: 'btn btn-small btn-caution',
      'aria-label': `Remove ${r.name}`, onclick: (e) => removeRegistration(s, r, e.currentTarget) }, 'Remove')) : null));
  const heads = ['Person', 'Registration', 'Attendance', ...(canRemove ? [h('span', { className: 'sr-only' }, 'Remove')] : [])];
  return h('section', { className: 'tr-section', 'aria-labelledby': 'ts-regs-title' },
    h('h3', { id: 'ts-regs-title', className: 'section-title' }, `Registrations (${s.registered} of ${s.capacity}${s.waitlisted ? `, ${s.waitlisted} waiting` : ''})`),
    h('p', { id: 'ts-regs-error', className: 'alert', role: 'alert', hidden: true }),
    regs.length ? table('Registrations', heads, rows, 'ts-regs') : h('p', { className: 'none' }, 'Nobody is registered yet.'));
}

async function removeRegistration(s, reg, button) {
  const done = busy(button, 'Removing…');
  const r = await api('DELETE', `${T}/sessions/${s.id}/registrations/${reg.id}`);
  done();
  if (!r.ok) {
    const err = $('ts-regs-error');
    err.hidden = false;
    err.textContent = problemText(r, `${reg.name} was not removed`);
    return;
  }
  const up = r.body.promoted ? (s.registrations || []).find((x) => x.id === r.body.promoted) : null;
  showTrainingSession(s.id, `${reg.name} is removed.${up ? ` ${up.name} moves up from the waiting list and has a place.` : ''}`);
}

// Register someone: a person already known, found by name, or a new one.
function registerSection(s) {
  const results = h('ul', { id: 'ts-found', className: 'tr-found' });
  const err = h('p', { id: 'ts-register-error', className: 'alert', role: 'alert', hidden: true });
  const register = async (t, button) => {
    err.hidden = true;
    const done = busy(button, 'Registering…');
    const r = await api('POST', `${T}/sessions/${s.id}/registrations`, { trainee_id: t.id });
    done();
    if (r.ok) {
      const w = r.body.status === 'waitlisted' ? ` The session is full: ${t.name} is on the waiting list, position ${r.body.waitlist_position}.` : '';
      showTrainingSession(s.id, `${t.name} is registered.${w}`);
      return false;
    }
    err.hidden = false;
    err.textContent = r.status === 409 && r.body && r.body.type && /prerequisite/.test(r.body.type)
      ? problemText(r) : problemText(r, `${t.name} was not registered`);
    err.focus();
    return false;
  };
  const search = async () => {
    const q = $('ts-find-q').value.trim();
    if (!q) return;
    const r = await api('GET', `${T}/trainees?q=${encodeURIComponent(q)}&limit=10`);
    if (!r.ok) {
      results.replaceChildren(h('li', { className: 'alert' }, problemText(r, 'The search failed')));
      return;
    }
    const taken = new Set((s.registrations || []).filter((x) => x.status !== 'cancelled').map((x) => x.trainee_id));
    results.replaceChildren(...(r.body.items.length ? r.body.items.map((t) => h('li', {},
      h('span', { className: 'tr-found-name' }, t.name, h('span', { className: 'sub' }, [t.organisation, t.email].filter(Boolean).join(' · '))),
      taken.has(t.id) ? h('span', { className: 'none' }, 'Already on this session')
        : h('button', { type: 'button', className: 'btn btn-small btn-primary', 'aria-label': `Register ${t.name}`,
          onclick: (e) => register(t, e.currentTarget) }, 'Register')))
      : [h('li', { className: 'none' }, 'Nobody matches: add them as a new person below.')]));
  };
  const newForm = h('form', { id: 'ts-new-form', className: 'form tr-box', hidden: true, novalidate: true },
    h('p', { id: 'ts-new-error', className: 'alert', role: 'alert', hidden: true }),
    h('div', { className: 'form form-grid' },
      field({ id: 'ts-new-name', label: 'Name', path: 'name', required: true }),
      field({ id: 'ts-new-email', label: 'E-mail', type: 'email', path: 'email', optional: true }),
      field({ id: 'ts-new-org', label: 'Organisation', path: 'organisation', optional: true }),
      field({ id: 'ts-new-role', label: 'Role', path: 'role_title', optional: true }),
      field({ id: 'ts-new-audience', label: 'Audience', type: 'select', path: 'audience', required: true,
        options: options(audiences(), 'Choose one'), value: s.audience || '' }),
      field({ id: 'ts-new-region', label: 'Region', type: 'select', path: 'region', optional: true,
        options: [['', 'No region'], ...regionsList().map((x) => [x.id, x.name])] })),
    h('div', { className: 'actions' },
      h('button', { id: 'ts-new-save', type: 'submit', className: 'btn btn-primary' }, 'Add and register'),
      h('button', { type: 'button', className: 'btn btn-secondary', onclick: () => { newForm.hidden = true; } }, 'Close')));
  newForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(newForm);
    const nerr = $('ts-new-error');
    nerr.hidden = true;
    const body = {
      name: $('ts-new-name').value.trim(), email: $('ts-new-email').value.trim() || null,
      organisation: $('ts-new-org').value.trim() || null, role_title: $('ts-new-role').value.trim() || null,
      audience: $('ts-new-audience').value, region: $('ts-new-region').value || null,
    };
    const done = busy($('ts-new-save'), 'Adding…');
    const r = await api('POST', `${T}/trainees`, body);
    done();
    if (!r.ok) {
      const { first, loose } = markFieldErrors(newForm, r);
      if (loose.length || !first) {
        nerr.hidden = false;
        nerr.textContent = loose.length ? loose.join(' ') : problemText(r, 'The person was not added');
      }
      (first || nerr).focus?.();
      return;
    }
    await register({ id: r.body.id, name: body.name }, $('ts-new-save'));
  });
  return h('section', { className: 'tr-section', 'aria-labelledby': 'ts-register-title' },
    h('h3', { id: 'ts-register-title', className: 'section-title' }, 'Register someone'),
    err,
    h('form', { className: 'tr-inline', role: 'search', 'aria-label': 'Find a person', onsubmit: (e) => { e.preventDefault(); search(); } },
      h('label', { for: 'ts-find-q' }, 'Find a person'),
      h('input', { id: 'ts-find-q', type: 'search', autocomplete: 'off', placeholder: 'Name or e-mail' }),
      h('button', { type: 'submit', className: 'btn btn-secondary' }, 'Search')),
    results,
    h('p', { className: 'actions' }, h('button', { id: 'ts-new-open', type: 'button', className: 'btn btn-secondary', 'aria-controls': 'ts-new-form',
      onclick: () => { newForm.hidden = false; $('ts-new-name').value = $('ts-find-q').value.trim(); $('ts-new-name').focus(); } }, 'Add a new person')),
    newForm);
}

// Attendance: a line per person with a place; Tab and Space only.
function attendanceSection(s) {
  const regs = (s.registrations || []).filter((r) => r.status === 'registered');
  if (!regs.length) return null;
  const rows = regs.map((r) => {
    const att = h('input', { type: 'checkbox', id: `att-a-${r.id}`, className: 'att-attended', dataset: { reg: r.id } });
    const comp = h('input', { type: 'checkbox', id: `att-c-${r.id}`, className: 'att-completed', dataset: { reg: r.id } });
    att.checked = !!r.attended;
    comp.checked = !!r.completed;
    att.addEventListener('change', () => { if (!att.checked) comp.checked = false; });
    comp.addEventListener('change', () => { if (comp.checked) att.checked = true; });
    return h('tr', {},
      h('th', { scope: 'row' }, r.name),
      h('td', {}, h('label', { className: 'check att-check', for: att.id }, att, h('span', {}, 'Attended', h('span', { className: 'sr-only' }, `: ${r.name}`)))),
      h('td', {}, h('label', { className: 'check att-check', for: comp.id }, comp, h('span', {}, 'Completed', h('span', { className: 'sr-only' }, `: ${r.name}`)))));
  });
  const save = h('button', { id: 'att-save', type: 'submit', className: 'btn btn-primary' }, 'Save attendance');
  const form = h('form', { id: 'att-form', className: 'form', novalidate: true },
    h('p', { id: 'att-error', className: 'alert', role: 'alert', hidden: true }),
    table('Attendance', ['Person', 'Attended', 'Completed'], rows, 'att-table'),
    h('div', { className: 'actions' }, save));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const lines = regs.map((r) => ({
      registration_id: r.id, attended: $(`att-a-${r.id}`).checked, completed: $(`att-c-${r.id}`).checked,
    }));
    const done = busy(save, 'Saving…');
    const r = await api('PUT', `${T}/sessions/${s.id}/attendance`, { lines });
    done();
    if (!r.ok) {
      const err = $('att-error');
      err.hidden = false;
      const errs = (r.body && Array.isArray(r.body.errors)) ? r.body.errors : [];
      err.textContent = errs.length ? errs.map((x) => {
        const reg = regs[Number((/\[(\d+)\]/.exec(x.field) || [])[1])];
        return `${reg ? reg.name : x.field}: ${x.reason}.`;
      }).join(' ') : problemText(r, 'Attendance was not saved');
      err.focus();
      return;
    }
    const b = r.body;
    const certs = [
      b.certificates_issued ? `${plural(b.certificates_issued, 'certificate')} issued` : 'no new certificates',
      b.certificates_revoked ? `${plural(b.certificates_revoked, 'certificate')} revoked` : '',
    ].filter(Boolean).join(', ');
    showTrainingSession(s.id, `Attendance saved: ${b.attended} attended, ${b.completed} completed; ${certs}. Each person's record shows their certificates.`);
  });
  return h('section', { className: 'tr-section', 'aria-labelledby': 'att-title' },
    h('h3', { id: 'att-title', className: 'section-title' }, 'Attendance'),
    h('p', { className: 'hint' }, 'Tick who attended and who completed the course (Tab to move, Space to tick). Completed ticks Attended too. One save sends the whole list.'),
    form);
}

// ---------------------------------------------------------------- a person's record

export async function showTrainee(id) {
  const g = ++gen;
  const page = $('trainee-page');
  page.replaceChildren(h('p', { className: 'loading' }, 'Loading the record…'));
  $('trainee-heading').textContent = 'Training record';
  const r = await api('GET', `${T}/trainees/${id}`);
  if (g !== gen) return;
  if (!r.ok) {
    page.replaceChildren(h('p', { className: 'alert', role: 'alert' },
      r.status === 404 ? 'There is no such person, or they are not your staff.' : problemText(r, 'The record could not be read')));
    return;
  }
  const t = r.body;
  $('trainee-heading').textContent = t.name;
  const regRows = (t.registrations || []).map((x) => h('tr', {},
    h('td', {}, h('a', { href: `#training/session/${x.session_id}`, className: 'nowrap' }, x.session_number)),
    h('td', {}, x.course_name),
    h('td', {}, formatShortTime(x.starts_at), x.session_status !== 'scheduled' ? h('span', { className: 'sub' }, STATUS[x.session_status]) : null),
    h('td', {}, regStatus(x)),
    h('td', {}, x.attended === null ? 'Not taken yet' : x.attended ? 'Yes' : 'No'),
    h('td', {}, x.completed ? 'Yes' : x.attended === null ? '' : 'No')));
  const certRows = (t.certificates || []).map((c) => {
    const state = c.revoked_at ? ['revoked', 'Revoked'] : c.valid ? ['valid', 'Valid'] : ['expired', 'Expired'];
    return h('tr', {},
      h('td', {}, c.course_name),
      h('td', {}, h('a', { href: `#certificate/${c.id}`, className: 'mono', 'aria-label': `Certificate ${c.code}, ${c.course_name}` }, c.code)),
      h('td', {}, formatDate(c.completed_on)),
      h('td', {}, c.expires_at ? formatDate(c.expires_at) : 'Does not expire'),
      h('td', {}, h('span', { className: `badge cert-${state[0]}` }, state[1])));
  });
  page.replaceChildren(
    h('dl', { className: 'facts' },
      dl('E-mail', t.email || 'Not given'),
      dl('Organisation', t.organisation || t.provider_name || 'Not given'),
      dl('Role', t.role_title || 'Not given', t.supervisor ? h('span', { className: 'sub' }, 'Supervisor') : null),
      dl('Audience', audienceName(t.audience)),
      dl('Region', t.region ? regionName(t.region) : 'Not given'),
      t.provider_name ? dl('Provider', t.provider_name) : null),
    h('section', { className: 'tr-section', 'aria-labelledby': 'tn-certs-title' },
      h('h3', { id: 'tn-certs-title', className: 'section-title' }, 'Certificates'),
      certRows.length ? table('Certificates', ['Course', 'Certificate', 'Completed', 'Expires', 'Status'], certRows, 'tn-certs')
        : h('p', { className: 'none' }, 'No certificates yet.')),
    h('section', { className: 'tr-section', 'aria-labelledby': 'tn-regs-title' },
      h('h3', { id: 'tn-regs-title', className: 'section-title' }, 'Sessions'),
      regRows.length ? table('Sessions', ['Session', 'Course', 'When', 'Registration', 'Attended', 'Completed'], regRows, 'tn-regs')
        : h('p', { className: 'none' }, 'Not registered for any session yet.')),
    h('p', { className: 'more' }, h('a', { href: '#training' }, 'Back to training')));
}

