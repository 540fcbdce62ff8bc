// The administrators' page: the users (add, disable and enable, unlock, a
// new set-up link) and the recent audit trail. An administrator never
// chooses a password: adding a user, or resetting one, gives a set-up link
// to hand to the person, who chooses their own.

import {
  $, api, busy, formatTime, getList, getTimeZone, h, messageRow, problemText, reasonText, regionsList, say, scopeText, srOnly, submitButton,
} from './common.js';

// The roles, in the server's words (GET /api/v1/users gives role_label too),
// and the kind of scope each takes.
const ROLES = [
  { id: 'careline', label: 'Careline worker', scope: null },
  { id: 'hart', label: 'HART coordinator', scope: null },
  { id: 'liaison', label: 'Regional liaison', scope: 'region' },
  { id: 'mdt', label: 'MDT member', scope: 'team' },
  { id: 'provider', label: 'Provider staff', scope: 'provider' },
  { id: 'trainer', label: 'Trainer', scope: null },
  { id: 'analyst', label: 'Analyst', scope: null },
  { id: 'admin', label: 'Administrator', scope: null },
];
const ROLE_BY_ID = new Map(ROLES.map((r) => [r.id, r]));

const SCOPE_FIELD = {
  region: { label: 'Region', hint: 'The liaison works with this region’s cases.' },
  team: { label: 'Team id', hint: 'The multidisciplinary team, for example mdt-r1: letters, digits, “-” and “_”.' },
  provider: { label: 'Agency id', hint: 'The provider’s code in the directory (Providers), for example harbor_light_r1. Add the provider there first.' },
};

const ACTION_LABELS = {
  'login.success': 'Logged in',
  'login.failure': 'Login failed',
  logout: 'Logged out',
  'user.create': 'Added a user',
  'user.update': 'Changed a user',
  'user.list': 'Listed the users',
  'user.locked': 'Account locked',
  'user.setup.issue': 'Issued a set-up link',
  'user.setup.use': 'Chose a password with a set-up link',
  'user.setup.refused': 'Set-up link refused',
  'access_notice.acknowledge': 'HART acknowledged an account given case access',
  'login.password': 'Password right, code next',
  'mfa.enrol.begin': 'Began setting up an authenticator',
  'mfa.enrolled': 'Set up an authenticator',
  'mfa.reset': 'Removed an authenticator',
  'session.end': 'Ended a session',
  'sessions.end_all': 'Ended all sessions',
  'key.rotate': 'Rotated the keys',
  'person.match': 'Searched for a child',
  'person.read': 'Saw a child’s record',
  'person.create': 'Recorded a child',
  'person.import': 'Recorded children',
};

let ctx = { self: () => null, endSession: () => {} };
let users = [];
let loaded = false;
let dialogUser = null; // the user the dialog issues a new set-up link for
let generation = 0; // bumped by clearAdmin(): late answers for a past session are dropped

export function initAdmin(context) {
  ctx = context;
  const role = $('add-role');
  for (const r of ROLES) role.append(h('option', { value: r.id }, r.label));
  role.addEventListener('change', updateScopeField);
  $('add-form').addEventListener('submit', addUser);
  $('users-body').addEventListener('click', rowAction);
  $('audit-refresh').addEventListener('click', () => loadAudit({ announce: true }));
  $('mail-refresh').addEventListener('click', () => loadMail());
  $('pw-form').addEventListener('submit', issueLink);
  $('link-copy').addEventListener('click', copyLink);
  $('link-done').addEventListener('click', hideLink);
  $('pw-cancel').addEventListener('click', () => $('pw-dialog').close());
  $('pw-dialog').addEventListener('close', () => {
    const id = dialogUser && dialogUser.id;
    dialogUser = null;
    if (id) focusRowButton(id, ['password']);
  });
}

/** Shows the page: loads the users and the audit trail (again). */
export function showAdmin() {
  fillRegions();
  const tz = getTimeZone();
  $('audit-hint').textContent = `The last 50 recorded actions, newest first${tz ? `; times in ${tz.replace(/_/g, ' ')}` : ''}.`;
  if (!loaded) {
    $('users-body').replaceChildren(messageRow('Loading the users…', 6));
    $('audit-body').replaceChildren(messageRow('Loading…', 6));
  }
  loaded = true;
  // The audit names users by username, so it waits for the list.
  loadUsers().then(() => loadAudit());
  loadMail();
}

/** Forgets every user and record shown (at logout). */
export function clearAdmin() {
  generation++;
  users = [];
  loaded = false;
  if ($('pw-dialog').open) {
    dialogUser = null;
    $('pw-dialog').close();
  }
  hideLink();
  $('users-body').replaceChildren();
  $('audit-body').replaceChildren();
  $('mail-body').replaceChildren();
  $('add-form').reset();
  clearFieldErrors('add');
  updateScopeField();
  for (const id of ['users-status', 'users-error', 'add-status', 'add-error', 'audit-status', 'audit-error',
    'mail-summary', 'mail-error']) say(id, '');
}

// ---------------------------------------------------------------- users

async function loadUsers() {
  const gen = generation;
  const r = await api('GET', '/api/v1/users');
  if (gen !== generation) return false;
  if (!r.ok || !r.body || !Array.isArray(r.body.users)) {
    if (r.status !== 401) say('users-error', problemText(r, 'The users could not be loaded'));
    return false;
  }
  users = r.body.users;
  renderUsers();
  return true;
}

function statusOf(u) {
  if (u.disabled && u.locked) return { text: 'Disabled, locked', kind: 'disabled' };
  if (u.disabled) return { text: 'Disabled', kind: 'disabled' };
  if (u.locked) return { text: 'Locked', kind: 'locked' };
  // No password yet: the person has not used their set-up link.
  if (u.setup && u.setup.expired) return { text: 'Set-up link expired', kind: 'locked' };
  if (u.setup) return { text: 'Waiting for set-up', kind: 'pending' };
  return { text: 'Active', kind: 'active' };
}

function actionButton(action, label, user, extraClass = '') {
  return h('button', {
    type: 'button',
    className: `btn btn-small ${extraClass || 'btn-secondary'}`,
    dataset: { action, id: String(user.id) },
  }, label, srOnly(` ${user.username}`));
}

function renderUsers(highlightId) {
  const self = ctx.self();
  const rows = users.map((u) => {
    const isSelf = self && self.id === u.id;
    const status = statusOf(u);
    const actions = h('td', { className: 'row-actions' });
    if (!isSelf) {
      actions.append(u.disabled
        ? actionButton('enable', 'Enable', u)
        : actionButton('disable', 'Disable', u, 'btn-caution'));
    }
    if (u.locked) actions.append(actionButton('unlock', 'Unlock', u));
    actions.append(actionButton('password', 'New set-up link', u));
    if (!isSelf) actions.append(actionButton('end-sessions', 'End sessions', u));
    if (SECOND_FACTOR_ROLES.includes(u.role)) actions.append(actionButton('reset-mfa', 'Reset authenticator', u));
    return h('tr', { dataset: { id: String(u.id) }, className: u.id === highlightId ? 'is-new' : '' },
      h('th', { scope: 'row', dataset: { label: 'Username' } },
        h('span', {}, h('span', { className: 'mono' }, u.username),
          isSelf ? h('span', { className: 'you' }, ' (you)') : null)),
      h('td', { dataset: { label: 'Name' } }, u.display_name || ''),
      h('td', { dataset: { label: 'Role' } }, u.role_label || u.role),
      h('td', { dataset: { label: 'Area of work' } }, scopeText(u) || h('span', { className: 'none' }, h('span', { 'aria-hidden': 'true' }, '—'), srOnly('none'))),
      h('td', { dataset: { label: 'Status' } },
        h('span', { className: `badge badge-${status.kind}` }, status.text)),
      actions);
  });
  $('users-body').replaceChildren(...(rows.length ? rows : [messageRow('No users yet.', 6)]));
}

function focusRowButton(id, actions) {
  for (const a of actions) {
    const b = document.querySelector(`#users-body button[data-action="${a}"][data-id="${id}"]`);
    if (b) {
      b.focus();
      return;
    }
  }
}

const PATCHES = {
  disable: { change: { disabled: true }, done: (u) => `${u.username} is disabled: they cannot log in until enabled again.`, next: ['enable'] },
  enable: { change: { disabled: false }, done: (u) => `${u.username} is enabled again.`, next: ['disable'] },
  unlock: { change: { unlock: true }, done: (u) => `${u.username} is unlocked and may log in again.`, next: ['password'] },
};

// The roles that give a code from an authenticator app at every login.
const SECOND_FACTOR_ROLES = ['careline', 'hart', 'liaison', 'mdt', 'provider'];

/** Ends every session of a user, or removes their authenticator (after asking). */
async function sessionAction(button, user) {
  const mfa = button.dataset.action === 'reset-mfa';
  const question = mfa
    ? `Remove ${user.username}'s authenticator app? Their sessions end, and at their next login they set up the app again. Do this only when you are sure it is them asking (a lost or new phone).`
    : `End every session of ${user.username}? They must log in again everywhere.`;
  if (!window.confirm(question)) return;
  const done = busy(button);
  const r = await api('DELETE', `/api/v1/users/${user.id}/${mfa ? 'second-factor' : 'sessions'}`);
  done();
  if (r.ok) {
    say('users-status', mfa
      ? `${user.username}'s authenticator app is removed; they set it up again at their next login.`
      : `Every session of ${user.username} has ended.`);
    loadAudit();
  } else if (r.status !== 401) {
    say('users-error', problemText(r, `Nothing was changed for ${user.username}`));
  }
  button.focus();
}

async function rowAction(event) {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const id = Number(button.dataset.id);
  const user = users.find((u) => u.id === id);
  if (!user) return;
  say('users-status', '');
  say('users-error', '');
  if (button.dataset.action === 'password') {
    openPasswordDialog(user);
    return;
  }
  if (button.dataset.action === 'end-sessions' || button.dataset.action === 'reset-mfa') {
    await sessionAction(button, user);
    return;
  }
  const patch = PATCHES[button.dataset.action];
  if (!patch) return;
  const gen = generation;
  busy(button);
  const r = await api('PATCH', `/api/v1/users/${id}`, { version: user.version, ...patch.change });
  if (gen !== generation) return;
  if (r.ok && r.body) {
    users = users.map((u) => (u.id === id ? r.body : u));
    renderUsers();
    say('users-status', patch.done(r.body));
    focusRowButton(id, patch.next.concat(['password']));
    loadAudit();
    return;
  }
  if (r.status === 409) {
    await loadUsers();
    say('users-error', `Someone else changed ${user.username} since the list was loaded. The list is up to date now: check it and try again.`);
  } else {
    renderUsers();
    if (r.status !== 401) say('users-error', reasonsText(r, `${user.username} was not changed`));
  }
  focusRowButton(id, [button.dataset.action, 'password']);
}

/** A 422's field reasons as one sentence, else the problem's detail. */
function reasonsText(r, what) {
  const errors = r.body && Array.isArray(r.body.errors) ? r.body.errors : [];
  if (r.status === 422 && errors.length) return `${what}: ${errors.map((e) => sentence(e.reason)).join(' ')}`;
  return problemText(r, what);
}

function sentence(text) {
  const s = String(text || '').trim();
  if (!s) return '';
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

// ---------------------------------------------------------------- field errors

function fieldControl(prefix, field) {
  if (prefix === 'add' && field === 'scope') {
    return $('add-scope-region').hidden ? $('add-scope-text') : $('add-scope-region');
  }
  return $(`${prefix}-${field}`);
}

function clearFieldErrors(prefix) {
  for (const el of document.querySelectorAll(`[id^="${prefix}-"][id$="-error"].field-error`)) el.textContent = '';
  for (const el of document.querySelectorAll(`#${prefix === 'add' ? 'add-form' : 'pw-form'} [aria-invalid]`))
    el.removeAttribute('aria-invalid');
  for (const el of document.querySelectorAll(`#${prefix === 'add' ? 'add-form' : 'pw-form'} .field.has-error`))
    el.classList.remove('has-error');
}

/** Puts each reason beside its field; resolves the reasons that have no field here. */
function showFieldErrors(prefix, errors) {
  const loose = [];
  let first = null;
  for (const e of errors) {
    const control = fieldControl(prefix, e.field);
    const slot = $(`${prefix}-${e.field}-error`);
    if (!control || !slot || control.closest('[hidden]')) {
      loose.push(e);
      continue;
    }
    slot.textContent = slot.textContent ? `${slot.textContent} ${sentence(e.reason)}` : sentence(e.reason);
    control.setAttribute('aria-invalid', 'true');
    control.closest('.field').classList.add('has-error');
    if (!first) first = control;
  }
  return { first, loose };
}

// ---------------------------------------------------------------- add a user

function fillRegions() {
  const select = $('add-scope-region');
  const current = select.value;
  select.replaceChildren(h('option', { value: '' }, 'Choose a region…'),
    ...regionsList().map((r) => h('option', { value: r.id }, r.name)));
  select.value = current;
}

function updateScopeField() {
  const role = ROLE_BY_ID.get($('add-role').value);
  const kind = role ? role.scope : null;
  const field = $('add-scope-field');
  field.hidden = !kind;
  $('add-scope-error').textContent = '';
  field.classList.remove('has-error');
  if (!kind) return;
  const region = kind === 'region';
  const select = $('add-scope-region');
  const text = $('add-scope-text');
  select.hidden = !region;
  text.hidden = region;
  select.removeAttribute('aria-invalid');
  text.removeAttribute('aria-invalid');
  select.required = region;
  text.required = !region;
  const label = $('add-scope-region-label');
  label.htmlFor = region ? 'add-scope-region' : 'add-scope-text';
  label.textContent = SCOPE_FIELD[kind].label;
  $('add-scope-hint').textContent = SCOPE_FIELD[kind].hint;
  if (!region) text.value = '';
}

async function addUser(event) {
  const submit = submitButton(event, 'add-submit');
  if (!submit) return;
  clearFieldErrors('add');
  say('add-status', '');
  say('add-error', '');
  const role = ROLE_BY_ID.get($('add-role').value);
  const kind = role ? role.scope : null;
  const body = {
    username: $('add-username').value.trim(),
    display_name: $('add-display_name').value.trim(),
    role: role ? role.id : '',
  };
  const email = $('add-email').value.trim();
  if (email) body.email = email;
  if (kind) body.scope = (kind === 'region' ? $('add-scope-region') : $('add-scope-text')).value.trim();

  // Empty required fields are named here; everything else is the server's call.
  const missing = [];
  if (!body.username) missing.push({ field: 'username', reason: 'Enter a username.' });
  if (!body.display_name) missing.push({ field: 'display_name', reason: 'Enter the person’s name.' });
  if (!body.role) missing.push({ field: 'role', reason: 'Choose a role.' });
  if (kind && !body.scope) missing.push({ field: 'scope', reason: kind === 'region' ? 'Choose a region.' : `Enter the ${SCOPE_FIELD[kind].label.toLowerCase()}.` });
  if (missing.length) {
    reportAddErrors(missing);
    return;
  }

  const gen = generation;
  const form = $('add-form');
  form.setAttribute('aria-busy', 'true');
  const done = busy(submit, 'Adding…');
  const r = await api('POST', '/api/v1/users', body);
  form.removeAttribute('aria-busy');
  done();
  if (gen !== generation) return;
  if (r.status === 201 && r.body) {
    const u = r.body;
    form.reset();
    updateScopeField();
    users = users.filter((x) => x.id !== u.id).concat([u]).sort((a, b) => a.username.localeCompare(b.username));
    renderUsers(u.id);
    const scope = scopeText(u);
    say('add-status', `Added ${u.username} (${u.display_name}) as ${u.role_label}${scope ? `, ${scope}` : ''}. Give them the set-up link above.`);
    showLink(u, u.setup_link, true);
    loadUsers().then((ok) => ok && renderUsers(u.id));
    loadAudit();
    return;
  }
  if (r.status === 409) {
    reportAddErrors([{ field: 'username', reason: 'This username is taken already: choose another.' }]);
  } else if (r.status === 422 && r.body && Array.isArray(r.body.errors)) {
    reportAddErrors(r.body.errors);
  } else if (r.status !== 401) {
    say('add-error', problemText(r, 'The user was not added'));
  }
}

function reportAddErrors(errors) {
  const { first, loose } = showFieldErrors('add', errors);
  const n = errors.length - loose.length;
  const parts = [];
  if (n) parts.push(n === 1 ? 'One field needs attention.' : `${n} fields need attention.`);
  for (const e of loose) parts.push(reasonText(e));
  say('add-error', `The user was not added. ${parts.join(' ')}`);
  if (first) first.focus();
}

// ---------------------------------------------------------------- set-up links

/** The address the person opens: this server's, with the token after "#". */
function linkUrl(link) {
  return `${location.origin}${link.path}`;
}

/** Shows a set-up link just issued, once, with a way to copy it. */
function showLink(user, link, created) {
  if (!link) return;
  $('link-who').textContent = `${user.display_name} (${user.username})`;
  $('link-note').textContent = `${created ? 'The account has no password yet.' : 'Their old password and any earlier link no longer work; their sessions have ended.'} This link works once, until ${formatTime(link.expires_at)}.`;
  $('link-url').value = linkUrl(link);
  say('link-status', '');
  $('link-panel').hidden = false;
  $('link-heading').focus();
}

function hideLink() {
  // The status pointed at the link: it would point at nothing now.
  if (!$('link-panel').hidden) say('add-status', '');
  $('link-url').value = '';
  $('link-who').textContent = '';
  say('link-status', '');
  $('link-panel').hidden = true;
}

async function copyLink() {
  const input = $('link-url');
  try {
    await navigator.clipboard.writeText(input.value);
    say('link-status', 'Link copied. Paste it only where this person alone will read it.');
  } catch {
    // Without clipboard access the link is selected for copying by hand.
    input.focus();
    input.select();
    say('link-status', 'The link is selected: copy it with Ctrl+C (or ⌘C).');
  }
}

function openPasswordDialog(user) {
  dialogUser = user;
  const self = ctx.self();
  const isSelf = self && self.id === user.id;
  $('pw-who').textContent = `${user.display_name} (${user.username})`;
  $('pw-note').textContent = isSelf
    ? 'This is your own account: you will be logged out now, and choose a new password with the link.'
    : 'Their password stops working and their open sessions end now. They choose a new password with the link, which works once.';
  say('pw-error', '');
  $('pw-dialog').showModal();
  $('pw-submit').focus();
}

async function issueLink(event) {
  event.preventDefault();
  const submit = $('pw-submit');
  if (submit.disabled || !dialogUser) return;
  say('pw-error', '');
  const user = dialogUser;
  const gen = generation;
  const done = busy(submit, 'Issuing…');
  const r = await api('POST', `/api/v1/users/${user.id}/setup-link`);
  done();
  if (gen !== generation) return;
  if (r.ok && r.body) {
    const self = ctx.self();
    if (self && self.id === user.id) {
      // The session just ended; the link is shown once, so show it first.
      window.prompt('Your set-up link (copy it now: it is not shown again):', linkUrl(r.body.setup_link));
      ctx.endSession('Your password was replaced. Choose a new one with your set-up link.');
      return;
    }
    const { setup_link: link, ...u } = r.body;
    users = users.map((x) => (x.id === user.id ? u : x));
    renderUsers();
    dialogUser = null;
    $('pw-dialog').close();
    say('users-status', `New set-up link issued for ${user.username}. Their open sessions have ended.`);
    showLink(u, link, false);
    loadAudit();
    return;
  }
  if (r.status !== 401) say('pw-error', problemText(r, 'No link was issued'));
  submit.focus();
}

// ---------------------------------------------------------------- audit

async function loadAudit({ announce = false } = {}) {
  const gen = generation;
  const body = await getList('/api/v1/audit?limit=50', 'records', 'audit-error', 'The audit trail could not be loaded',
    () => gen !== generation);
  if (!body) return;
  const byId = new Map(users.map((u) => [String(u.id), u.username]));
  const rows = body.records.map((a) => {
    const label = ACTION_LABELS[a.action];
    let on = '';
    if (a.object_type) {
      const name = a.object_type === 'user' && a.object_id ? byId.get(String(a.object_id)) : null;
      if (!a.object_id) on = `${a.object_type}s`; // the whole kind: "users"
      else on = `${a.object_type} ${name || `#${a.object_id}`}`;
    }
    return h('tr', {},
      h('td', { className: 'nowrap', dataset: { label: 'When' } }, h('time', { datetime: a.at }, formatTime(a.at))),
      h('td', { dataset: { label: 'Who' } }, a.actor || ''),
      h('td', { dataset: { label: 'Action' } },
        h('span', {}, label || a.action, label ? h('span', { className: 'code' }, a.action) : null)),
      h('td', { dataset: { label: 'On' } }, on),
      h('td', { className: 'mono', dataset: { label: 'From' } }, a.client || ''),
      h('td', { className: 'detail', dataset: { label: 'Detail' } }, a.detail || ''));
  });
  $('audit-body').replaceChildren(...(rows.length ? rows : [messageRow('No records yet.', 6)]));
  if (announce) say('audit-status', `Up to date as of ${formatTime(new Date().toISOString())}.`);
}

// ---------------------------------------------------------------- e-mail

const MAIL_STATUS = { sent: 'Sent', pending: 'Waiting to be sent', failed: 'Failed: given up' };

async function loadMail() {
  const gen = generation;
  const b = await getList('/api/v1/outbox', 'messages', 'mail-error', 'The e-mail log could not be loaded',
    () => gen !== generation);
  if (!b) return;
  let summary;
  if (!b.smtp_configured) summary = 'E-mail is off: the server was started without --smtp. Notifications are shown in the app only.';
  else if (b.failed) summary = `${b.failed} message${b.failed === 1 ? '' : 's'} could not be sent and were given up; ${b.pending} waiting.`;
  else if (b.pending) summary = `${b.pending} message${b.pending === 1 ? '' : 's'} waiting to be sent.`;
  else summary = 'Every message has been sent.';
  say('mail-summary', summary);
  const rows = b.messages.map((m) => h('tr', {},
    h('td', { className: 'nowrap', dataset: { label: 'Queued' } }, h('time', { datetime: m.created_at }, formatTime(m.created_at))),
    h('td', { dataset: { label: 'To' } }, m.to || ''),
    h('td', { dataset: { label: 'Subject' } }, m.subject),
    h('td', { dataset: { label: 'Status' } }, MAIL_STATUS[m.status] || m.status),
    h('td', { dataset: { label: 'Tries' } }, String(m.attempts)),
    h('td', { className: 'detail', dataset: { label: 'Last error' } }, m.last_error || '')));
  $('mail-body').replaceChildren(...(rows.length ? rows : [messageRow('No e-mail yet.', 6)]));
}
