// Notifications: the bell in the masthead with the number unread (asked for
// every minute), and the page that lists them with a link to each report.

import { $, api, formatShortTime, h, problemText, say, srOnly } from './common.js';

const POLL_MS = 60_000;

let timer = 0;
let generation = 0;
let notes = [];
let unread = 0;
let visible = () => false; // whether the page is shown

export function initNotes(context) {
  visible = context.visible;
  $('notes-refresh').addEventListener('click', () => poll({ announce: true }));
  $('notes-read-all').addEventListener('click', markAllRead);
  $('notes-list').addEventListener('click', onClick);
  // Back to the tab: the count may have changed meanwhile.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && timer) poll();
  });
}

/** At login: the count now, then every minute. */
export function startNotes() {
  stopNotes();
  timer = setInterval(() => poll(), POLL_MS);
  return poll();
}

/** At logout: no more polling; nothing of the list stays in the page. */
export function stopNotes() {
  generation++;
  clearInterval(timer);
  timer = 0;
  notes = [];
  unread = 0;
  showCount();
  $('notes-list').replaceChildren();
  for (const id of ['notes-summary', 'notes-status', 'notes-error']) say(id, '');
}

export function showNotes() {
  render();
  return poll();
}

/** Asks for the notifications again (after something that may have made one). */
export function refreshNotes() {
  return timer ? poll() : Promise.resolve();
}

async function poll({ announce = false } = {}) {
  const gen = generation;
  const r = await api('GET', '/api/v1/notifications?limit=200');
  if (gen !== generation) return;
  if (!r.ok || !r.body || !Array.isArray(r.body.items)) {
    if (visible() && r.status !== 401) say('notes-error', problemText(r, 'The notifications could not be loaded'));
    return;
  }
  say('notes-error', '');
  notes = r.body.items;
  unread = Number(r.body.unread) || 0;
  showCount();
  if (visible()) render();
  if (announce) say('notes-status', `Up to date as of ${formatShortTime(new Date().toISOString())}.`);
}

function showCount() {
  const el = $('bell-count');
  el.hidden = unread === 0;
  el.textContent = unread ? `${unread > 99 ? '99+' : unread} new` : '';
  $('bell').classList.toggle('has-new', unread > 0);
}

function reportLink(n) {
  if (!/^\d+$/.test(String(n.object_id))) return null;
  if (n.object_type === 'intake') {
    const number = /\bI-\d{4}-\d+\b/.exec(n.text || '');
    return h('a', { href: `#intake/${n.object_id}`, className: 'btn btn-secondary btn-small', dataset: { note: String(n.id) } },
      number ? `Open report ${number[0]}` : 'Open the report');
  }
  if (n.object_type === 'referral') {
    const number = /\bS-\d{4}-\d+\b/.exec(n.text || '');
    return h('a', { href: `#referral/${n.object_id}`, className: 'btn btn-secondary btn-small', dataset: { note: String(n.id) } },
      number ? `Open referral ${number[0]}` : 'Open the referral');
  }
  if (n.object_type === 'case') {
    const number = /\bC-\d{4}-\d+\b/.exec(n.text || '');
    return h('a', { href: `#case/${n.object_id}`, className: 'btn btn-secondary btn-small', dataset: { note: String(n.id) } },
      number ? `Open case ${number[0]}` : 'Open the case');
  }
  return null;
}

function render() {
  $('notes-read-all').hidden = unread === 0;
  $('notes-summary').textContent = notes.length
    ? `${unread ? `${unread} new, ` : ''}${notes.length} in all, newest first.`
    : 'Nothing yet. When a report is accepted for HART response in your area, it shows here.';
  $('notes-list').replaceChildren(...notes.map((n) => {
    const isNew = !n.read_at;
    return h('li', { className: `note${isNew ? ' is-new' : ''}`, dataset: { id: String(n.id) } },
      h('p', { className: 'note-text' },
        isNew ? h('span', { className: 'badge badge-new' }, 'New') : srOnly('Read: '),
        isNew ? ' ' : null,
        n.text),
      h('p', { className: 'note-time' }, formatShortTime(n.created_at)),
      h('p', { className: 'note-actions' },
        reportLink(n),
        isNew ? h('button', { type: 'button', className: 'btn btn-secondary btn-small', dataset: { read: String(n.id) } },
          'Mark read') : null));
  }));
}

/** Marks every notification read, with one request. */
async function markAllRead() {
  const b = $('notes-read-all');
  if (b.disabled) return;
  const gen = generation;
  b.disabled = true;
  const r = await api('POST', '/api/v1/notifications/read');
  if (gen !== generation) return;
  b.disabled = false;
  if (r.ok) {
    const at = new Date().toISOString();
    for (const n of notes) if (!n.read_at) n.read_at = at;
    unread = 0;
    showCount();
    render();
    say('notes-status', r.body && r.body.marked === 1 ? 'One notification marked read.' : `${r.body ? r.body.marked : 'All'} notifications marked read.`);
    $('notes-heading').focus();
    return;
  }
  if (r.status !== 401) say('notes-error', problemText(r, 'The notifications were not marked read'));
}

async function markRead(id) {
  const gen = generation;
  const r = await api('POST', `/api/v1/notifications/${id}/read`);
  if (gen !== generation) return false;
  if (r.ok || r.status === 404) {
    const n = notes.find((x) => x.id === id);
    if (n && !n.read_at) {
      n.read_at = new Date().toISOString();
      unread = Math.max(0, unread - 1);
      showCount();
    }
    return true;
  }
  if (r.status !== 401) say('notes-error', problemText(r, 'The notification was not marked read'));
  return false;
}

async function onClick(e) {
  const open = e.target.closest('a[data-note]');
  if (open) {
    const id = Number(open.dataset.note);
    const n = notes.find((x) => x.id === id);
    if (n && !n.read_at) {
      // Opening the report reads the notification: marked first, then opened.
      e.preventDefault();
      await markRead(id);
      location.hash = open.getAttribute('href');
    }
    return;
  }
  const b = e.target.closest('button[data-read]');
  if (!b || b.disabled) return;
  b.disabled = true;
  const id = Number(b.dataset.read);
  if (await markRead(id)) {
    render();
    say('notes-status', 'Marked read.');
    const li = $('notes-list').querySelector(`li[data-id="${id}"] a`) || $('notes-heading');
    li.focus();
  } else {
    b.disabled = false;
  }
}
