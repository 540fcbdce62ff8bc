// The administrators' page: the users (add, disable and enable, unlock, a
// new set-up link) and the recent audit trail. An administrator never
// chooses a password: adding a user, or resetting one, gives a set-up link
// to hand to the person, who chooses their own.

import {
  $, api, busy, clearFieldErrors as clearFormErrors, field, formatTime, fromLocalInput, getList, getTimeZone, h, markFieldErrors, messageRow, problemText, reasonText, regionsList, say, scopeText, srOnly, submitButton,
} from './common.js';
import { clearSettingsCheck, initSettingsCheck } from './settingscheck.js';

// The roles, in the server's words (GET /api/v1/users gives role_label too),
// and the kind of scope each takes.
const ROLES = [
  { id: 'careline', label: 'Hotline worker', scope: null },
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
  $('audit-filter').addEventListener('submit', (e) => {
    e.preventDefault();
    auditPages = [];
    loadAudit({ announce: true });
  });
  $('audit-clear').addEventListener('click', () => {
    $('audit-filter').reset();
    auditPages = [];
    loadAudit({ announce: true });
  });
  $('audit-older').addEventListener('click', () => {
    if (!auditNext) return;
    auditPages.push(auditNext);
    loadAudit({ focus: true });
  });
  $('audit-newest').addEventListener('click', () => {
    auditPages = [];
    loadAudit({ focus: true });
  });
  for (const id of ['audit-user', 'audit-action', 'audit-object-type', 'audit-object-id', 'audit-from', 'audit-to']) {
    $(id).addEventListener('change', updateExportLink);
  }
  $('mail-refresh').addEventListener('click', () => loadMail());
  $('mail-older').addEventListener('click', () => loadMail({ more: true }));
  initSettingsCheck();
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
  $('audit-hint').textContent = `Every recorded action, newest first, 50 to a page${tz ? `; times in ${tz.replace(/_/g, ' ')}` : ''}. Repeated reads of one figure by one person within an hour show as one line with a count.`;
  if (!loaded) {
    $('users-body').replaceChildren(messageRow('Loading the users…', 6));
    $('audit-body').replaceChildren(messageRow('Loading…', 6));
  }
  loaded = true;
  // The audit's choice of who waits for the list of users.
  loadUsers().then(() => {
    fillAuditUsers();
    loadAudit();
  });
  loadAuditActions();
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
  if ($('edit-dialog')) {
    editUser = null;
    if ($('edit-dialog').open) $('edit-dialog').close();
    $('edit-dialog').remove();
  }
  hideLink();
  clearSettingsCheck();
  $('users-body').replaceChildren();
  $('audit-body').replaceChildren();
  $('mail-body').replaceChildren();
  $('add-form').reset();
  $('audit-filter').reset();
  auditPages = [];
  auditNext = null;
  clearFieldErrors('add');
  updateScopeField();
  for (const id of ['users-status', 'users-error', 'add-status', 'add-error', 'audit-status', 'audit-error',
    'mail-summary', 'mail-error']) say(id, '');
}

// ---------------------------------------------------------------- users

async function loadUsers() {
  const gen = generation;
  // Every account, a page of 500 at a time, each after the one before.
  const all = [];
  let after = null;
  do {
    const q = new URLSearchParams({ limit: '500' });
    if (after) q.set('after', after);
    const r = await api('GET', `/api/v1/users?${q}`);
    if (gen !== generation) return false;
    if (!r.ok || !r.body || !Array.isArray(r.body.items)) {
      if (r.status !== 401) say('users-error', problemText(r, 'The users could not be loaded'));
      return false;
    }
    all.push(...r.body.items);
    after = r.body.next;
  } while (after);
  users = all;
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
    actions.append(actionButton('edit', 'Change', u));
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
  if (button.dataset.action === 'edit') {
    openEditDialog(user);
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

// ---------------------------------------------------------------- change a user

let editUser = null;

function buildEditDialog() {
  const roles = [['', 'Choose a role…'], ...ROLES.map((r) => [r.id, r.label])];
  const dlg = h('dialog', { id: 'edit-dialog', className: 'dialog', 'aria-labelledby': 'edit-heading' },
    h('form', { id: 'edit-form', className: 'form', novalidate: true },
      h('h2', { id: 'edit-heading' }, 'Change a user'),
      h('p', { id: 'edit-note', className: 'hint' }),
      h('div', { id: 'edit-error', className: 'alert', role: 'alert' }),
      field({ id: 'edit-name', label: 'Name', path: 'display_name', required: true, hint: 'As colleagues should see it.' }),
      field({ id: 'edit-role', label: 'Role', type: 'select', path: 'role', options: roles, required: true }),
      field({ id: 'edit-region', label: 'Region', type: 'select', path: 'scope', options: [], hint: SCOPE_FIELD.region.hint }),
      field({ id: 'edit-scope', label: 'Area of work', path: 'scope', hint: SCOPE_FIELD.team.hint, attrs: { autocapitalize: 'none', spellcheck: 'false' } }),
      h('p', { id: 'edit-tell', className: 'field-hint' }, 'When a change gives an account access to children’s records, the HART coordinators are told, and the change is recorded in the audit trail.'),
      h('div', { className: 'actions' },
        h('button', { type: 'submit', id: 'edit-submit', className: 'btn btn-primary' }, 'Save the change'),
        h('button', { type: 'button', id: 'edit-cancel', className: 'btn btn-secondary' }, 'Cancel'))));
  document.body.append(dlg);
  $('edit-role').addEventListener('change', updateEditScope);
  $('edit-form').addEventListener('submit', saveEdit);
  $('edit-cancel').addEventListener('click', () => closeEdit());
  dlg.addEventListener('cancel', () => { editUser = null; });
}

function closeEdit() {
  const id = editUser ? editUser.id : null;
  editUser = null;
  $('edit-dialog').close();
  if (id) focusRowButton(id, ['edit']);
}

/** Shows the region choice or the text box the chosen role's scope takes. */
function updateEditScope() {
  const role = ROLE_BY_ID.get($('edit-role').value);
  const kind = role ? role.scope : null;
  const regionBox = $('edit-region').closest('.field');
  const textBox = $('edit-scope').closest('.field');
  regionBox.hidden = kind !== 'region';
  textBox.hidden = !kind || kind === 'region';
  // Only the control shown takes the server's reasons for the scope.
  $('edit-region').dataset.path = kind === 'region' ? 'scope' : 'scope-region';
  $('edit-scope').dataset.path = kind && kind !== 'region' ? 'scope' : 'scope-text';
  if (kind && kind !== 'region') {
    textBox.querySelector('label').firstChild.textContent = SCOPE_FIELD[kind].label;
    $('edit-scope-hint').textContent = SCOPE_FIELD[kind].hint;
  }
}

function openEditDialog(user) {
  // Made when first needed, and gone at logout: no other page holds its fields.
  if (!$('edit-dialog')) buildEditDialog();
  editUser = user;
  const self = ctx.self();
  const isSelf = self && self.id === user.id;
  clearFormErrors($('edit-form'));
  say('edit-error', '');
  $('edit-heading').textContent = `Change ${user.username}`;
  $('edit-note').textContent = isSelf
    ? 'This is your own account: another administrator changes your role.'
    : 'Changes take effect at their next request; their sessions stay open.';
  $('edit-name').value = user.display_name || '';
  $('edit-role').value = user.role;
  $('edit-role').disabled = Boolean(isSelf);
  $('edit-region').replaceChildren(h('option', { value: '' }, 'Choose a region…'),
    ...regionsList().map((r) => h('option', { value: r.id }, r.name)));
  const kind = (ROLE_BY_ID.get(user.role) || {}).scope;
  $('edit-region').value = kind === 'region' ? user.scope || '' : '';
  $('edit-scope').value = kind && kind !== 'region' ? user.scope || '' : '';
  updateEditScope();
  $('edit-dialog').showModal();
  $('edit-name').focus();
}

/** What changed, in words, for the line after a save. */
function editSummary(before, after) {
  const parts = [];
  if (before.display_name !== after.display_name) parts.push(`name now ${after.display_name}`);
  if (before.role !== after.role) parts.push(`role now ${after.role_label || after.role}`);
  if ((before.scope || '') !== (after.scope || '') && after.scope) parts.push(`area of work now ${scopeText(after)}`);
  return parts.length ? parts.join(', ') : 'nothing changed';
}

async function saveEdit(event) {
  event.preventDefault();
  const user = editUser;
  if (!user) return;
  const form = $('edit-form');
  clearFormErrors(form);
  say('edit-error', '');
  const role = $('edit-role').value;
  const kind = (ROLE_BY_ID.get(role) || {}).scope;
  const scope = kind === 'region' ? $('edit-region').value : kind ? $('edit-scope').value.trim() : null;
  const body = { version: user.version };
  const name = $('edit-name').value.trim();
  if (name !== (user.display_name || '')) body.display_name = name;
  if (role !== user.role) body.role = role;
  if (kind && (scope !== (user.scope || '') || role !== user.role)) body.scope = scope || null;
  if (Object.keys(body).length === 1) {
    closeEdit();
    say('users-status', `Nothing changed for ${user.username}.`);
    return;
  }
  const done = busy($('edit-submit'));
  const r = await api('PATCH', `/api/v1/users/${user.id}`, body);
  done();
  if (r.ok && r.body) {
    users = users.map((u) => (u.id === user.id ? r.body : u));
    renderUsers(user.id);
    fillAuditUsers();
    closeEdit();
    const told = (body.role || body.scope) && SECOND_FACTOR_ROLES.includes(r.body.role) ? ' The HART coordinators are told.' : '';
    say('users-status', `Changed ${user.username}: ${editSummary(user, r.body)}.${told}`);
    loadAudit();
    return;
  }
  if (r.status === 409) {
    await loadUsers();
    closeEdit();
    say('users-error', `Someone else changed ${user.username} since the list was loaded. The list is up to date now: check it and try again.`);
    return;
  }
  if (r.status === 422) {
    const { first, loose } = markFieldErrors(form, r);
    say('edit-error', `Nothing was changed. ${loose.join(' ')}${loose.length ? '' : 'Correct the fields marked below.'}`);
    if (first) first.focus();
    return;
  }
  if (r.status !== 401) say('edit-error', problemText(r, 'Nothing was changed'));
}

// ---------------------------------------------------------------- audit

let auditPages = []; // the cursors of the pages read before this one
let auditNext = null; // the cursor of the next older page, or null
let actionsLoaded = false;

/** The choice of who: every user, by name. */
function fillAuditUsers() {
  const sel = $('audit-user');
  const keep = sel.value;
  const sorted = [...users].sort((a, b) => String(a.display_name || a.username).localeCompare(String(b.display_name || b.username)));
  sel.replaceChildren(h('option', { value: '' }, 'Anyone'),
    ...sorted.map((u) => h('option', { value: u.username }, `${u.display_name || u.username} (${u.username})`)),
    h('option', { value: 'cli' }, 'The server’s command line'));
  sel.value = keep;
}

/** The choice of what happened: the actions the server names. */
async function loadAuditActions() {
  if (actionsLoaded) return;
  const gen = generation;
  const r = await api('GET', '/api/v1/audit/actions');
  if (gen !== generation || !r.ok || !r.body || !Array.isArray(r.body.items)) return;
  actionsLoaded = true;
  const sorted = [...r.body.items].sort((a, b) => a.label.localeCompare(b.label));
  $('audit-action').replaceChildren(h('option', { value: '' }, 'Anything'),
    ...sorted.map((x) => h('option', { value: x.action }, x.label)));
}

/** The agency's midnight starting day (YYYY-MM-DD), as a time in UTC. */
function dayStart(day, plus = 0) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '');
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3] + plus));
  return fromLocalInput(`${d.toISOString().slice(0, 10)}T00:00`);
}

/** The filters of the form as query parameters. */
function auditQuery() {
  const q = new URLSearchParams();
  const v = (id) => $(id).value.trim();
  if (v('audit-user')) q.set('user', v('audit-user'));
  if (v('audit-action')) q.set('action', v('audit-action'));
  if (v('audit-object-type')) q.set('object_type', v('audit-object-type'));
  if (v('audit-object-id')) q.set('object_id', v('audit-object-id'));
  const from = dayStart(v('audit-from'));
  const to = dayStart(v('audit-to'), 1); // "to" includes its day
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  return q;
}

function updateExportLink() {
  const q = auditQuery().toString();
  $('audit-export').href = `/api/v1/audit/export${q ? `?${q}` : ''}`;
}

/** What a record is about, in words: "user dana", "case 12", "figure duties". */
function onText(a, byId) {
  if (!a.object_type) return '';
  const kinds = { intake: 'report', person: 'child’s record', mdt_team: 'team', figure: 'figure', user: 'user' };
  const kind = kinds[a.object_type] || a.object_type.replace(/_/g, ' ');
  if (!a.object_id) return `${kind}s`;
  const name = a.object_type === 'user' ? byId.get(String(a.object_id)) : null;
  return `${kind} ${name || a.object_id}`;
}

function auditRow(a, byId) {
  const folded = a.count > 1;
  return h('tr', {},
    h('td', { className: 'nowrap', dataset: { label: 'When' } },
      folded
        ? h('span', {}, h('time', { datetime: a.first_at }, formatTime(a.first_at)), ' to ', h('time', { datetime: a.at }, formatTime(a.at)))
        : h('time', { datetime: a.at }, formatTime(a.at))),
    h('td', { dataset: { label: 'Who' } }, a.actor_name || a.actor || '',
      a.actor_name ? h('span', { className: 'sub mono' }, a.actor) : null),
    h('td', { dataset: { label: 'What happened' } }, a.label || a.action,
      folded ? h('span', { className: 'badge badge-count' }, `${a.count} times`) : null),
    h('td', { dataset: { label: 'On' } }, onText(a, byId)),
    h('td', { className: 'mono', dataset: { label: 'From' } }, a.client || ''),
    h('td', { className: 'detail', dataset: { label: 'Detail' } }, a.detail || ''));
}

async function loadAudit({ announce = false, focus = false } = {}) {
  const gen = generation;
  const q = auditQuery();
  q.set('fold', 'true');
  const after = auditPages.at(-1);
  if (after) q.set('after', after);
  updateExportLink();
  say('audit-error', '');
  for (const el of $('audit-filter').querySelectorAll('.field-error')) el.textContent = '';
  const r = await api('GET', `/api/v1/audit?${q}`);
  if (gen !== generation) return;
  if (!r.ok || !r.body || !Array.isArray(r.body.items)) {
    if (r.status === 422) {
      for (const e of r.body.errors || []) {
        const el = $('audit-filter').querySelector(`[data-path="${CSS.escape(e.field)}"]`);
        const slot = el && el.closest('.field').querySelector('.field-error');
        if (slot) slot.textContent = reasonText(e);
      }
      say('audit-error', 'Correct the filters marked above.');
    } else if (r.status !== 401) {
      say('audit-error', problemText(r, 'The audit trail could not be loaded'));
    }
    return;
  }
  const byId = new Map(users.map((u) => [String(u.id), u.display_name || u.username]));
  const rows = r.body.items.map((a) => auditRow(a, byId));
  const filtered = [...auditQuery().keys()].length > 0;
  $('audit-body').replaceChildren(...(rows.length ? rows : [messageRow(filtered ? 'No record matches these filters.' : 'No records yet.', 6)]));
  auditNext = r.body.next;
  $('audit-older').hidden = !auditNext;
  $('audit-newest').hidden = auditPages.length === 0;
  if (announce) say('audit-status', `Up to date as of ${formatTime(new Date().toISOString())}.`);
  else if (focus) {
    say('audit-status', auditPages.length ? `Page ${auditPages.length + 1}: older records.` : 'The newest records.');
    $('audit-heading').setAttribute('tabindex', '-1');
    $('audit-heading').focus();
  }
}

// ---------------------------------------------------------------- e-mail

const MAIL_STATUS = { sent: 'Sent', pending: 'Waiting to be sent', failed: 'Failed: given up' };

let mailNext = null; // the cursor of the page of older messages, or null

function mailRow(m) {
  return h('tr', {},
    h('td', { className: 'nowrap', dataset: { label: 'Queued' } }, h('time', { datetime: m.created_at }, formatTime(m.created_at))),
    h('td', { dataset: { label: 'To' } }, m.to || ''),
    h('td', { dataset: { label: 'Subject' } }, m.subject),
    h('td', { dataset: { label: 'Status' } }, MAIL_STATUS[m.status] || m.status),
    h('td', { dataset: { label: 'Tries' } }, String(m.attempts)),
    h('td', { className: 'detail', dataset: { label: 'Last error' } }, m.last_error || ''));
}

// The newest messages; with more, the page after the ones shown, added below them.
async function loadMail({ more = false } = {}) {
  const gen = generation;
  const q = new URLSearchParams({ limit: '50' });
  if (more && mailNext) q.set('after', mailNext);
  const b = await getList(`/api/v1/outbox?${q}`, 'items', 'mail-error', 'The e-mail log could not be loaded',
    () => gen !== generation);
  if (!b) return;
  let summary;
  if (!b.smtp_configured) summary = 'E-mail is off: the server was started without --smtp. Notifications are shown in the app only.';
  else if (b.failed) summary = `${b.failed} message${b.failed === 1 ? '' : 's'} could not be sent and were given up; ${b.pending} waiting.`;
  else if (b.pending) summary = `${b.pending} message${b.pending === 1 ? '' : 's'} waiting to be sent.`;
  else summary = 'Every message has been sent.';
  say('mail-summary', summary);
  const rows = b.items.map(mailRow);
  if (more) $('mail-body').append(...rows);
  else $('mail-body').replaceChildren(...(rows.length ? rows : [messageRow('No e-mail yet.', 6)]));
  mailNext = b.next;
  $('mail-older').hidden = !mailNext;
}
