// The MDT teams. HART creates them and their members; HART and the liaisons
// schedule and hold case reviews with attendees, decisions and action
// items; an MDT member sees its own team: members, reviews, the cases it
// reviews and the action items, without an edit control.

import { reviewItem } from './cases.js';
import { caseLink } from './dashboard.js';
import { correctionsList, doneActions } from './confirm.js';
import {
  $, api, busy, clearFieldErrors, countdown, field, formatShortTime, getConfig, getList, h, markFieldErrors, problemText,
  regionName, regionsList, say, timeValue, toLocalInput, submitForm, listen, sendBusy,
} from './common.js';

let ctx = { can: () => false, user: () => null };
let listGen = 0;
let teamGen = 0;
let teamId = null;
let team = null;
let flash = null;
let itemRows = 0;

export function initTeams(context) {
  ctx = { ...ctx, ...context };
  $('team-new-form').addEventListener('submit', createTeam);
  listen('team-view', { submit: onSubmit, click: onClick });
}

export function clearTeams() {
  listGen++;
  teamGen++;
  teamId = null;
  team = null;
  flash = null;
  $('teams-list').replaceChildren();
  $('team-new-form').replaceChildren();
  $('team-facts').replaceChildren();
  $('team-body').replaceChildren();
  $('team-heading').textContent = 'Team';
  for (const id of ['teams-error', 'teams-status', 'team-new-error', 'team-status', 'team-error', 'team-announce']) say(id, '');
}

const manage = () => ctx.can('teams.manage');
const writeReviews = () => ctx.can('reviews.write');
/** Whether the person may mark item done: who records reviews, or its owner. */
const mayMarkDone = (a) => writeReviews() || (ctx.can('items.done') && ctx.user() && a.owner_user_id === ctx.user().id);

/** Who may own an action item: the members with an account, then HART. */
function ownerChoices() {
  const members = (team && team.members ? team.members : []).filter((m) => m.user_id)
    .map((m) => [String(m.user_id), `${m.name} (${roleName(m)})`]);
  const members_ids = new Set(members.map(([v]) => v));
  const hart = (team && team.hart_owners ? team.hart_owners : []).filter((x) => !members_ids.has(String(x.user_id)))
    .map((x) => [String(x.user_id), `${x.name} (HART coordinator)`]);
  return [['', 'Choose who does it…'], ...members, ...hart];
}

// ---------------------------------------------------------------- the list

export async function showTeams() {
  const gen = ++listGen;
  $('team-new-panel').hidden = !manage();
  if (manage() && !$('team-new-form').childElementCount) buildNewTeamForm();
  const body = await getList('/api/v1/teams?limit=500', 'items', 'teams-error', 'The teams could not be loaded',
    () => gen !== listGen);
  if (!body) return;
  const list = body.items;
  // An MDT member has one team: its page is the one to show.
  const u = ctx.user();
  if (u && u.role === 'mdt') {
    const own = list.find((t) => t.code === u.scope) || list[0];
    if (own) {
      location.replace(`#team/${own.id}`);
      return;
    }
    $('teams-list').replaceChildren(h('li', { className: 'none' }, `Your team (${u.scope}) has not been set up yet. Ask HART.`));
    return;
  }
  $('teams-list').replaceChildren(...(list.length ? list.map((t) => h('li', { className: 'team-card' },
    h('h3', {}, h('a', { href: `#team/${t.id}` }, t.name)),
    h('p', { className: 'sub' }, `${t.code} · ${t.region_name ? t.region_name.name || t.region_name : regionName(t.region)}`),
    h('p', {}, `${t.members} ${t.members === 1 ? 'member' : 'members'} · ${t.scheduled_reviews} ${t.scheduled_reviews === 1 ? 'review' : 'reviews'} scheduled`)))
    : [h('li', { className: 'none' }, 'No team yet.')]));
}

function buildNewTeamForm() {
  $('team-new-form').replaceChildren(
    field({ id: 'tn-code', label: 'Code', path: 'code', required: true, hint: 'Short, as in the MDT users’ scope: “mdt-r1”.', attrs: { autocapitalize: 'none', spellcheck: 'false' } }),
    field({ id: 'tn-name', label: 'Name', path: 'name', required: true, hint: 'As the team is known: “Region 1 MDT”.' }),
    field({ id: 'tn-region', label: 'Region', type: 'select', path: 'region', required: true,
      options: [['', 'Choose a region…'], ...regionsList().map((r) => [r.id, r.name])] }),
    h('div', { className: 'actions' }, h('button', { type: 'submit', id: 'tn-submit', className: 'btn btn-primary' }, 'Create the team')));
}

async function createTeam(e) {
  const started = submitForm(e, 'tn-submit', 'team-new-form', 'team-new-error');
  if (!started) return;
  const { button, form } = started;
  const body = { code: $('tn-code').value.trim(), name: $('tn-name').value.trim(), region: $('tn-region').value };
  const done = busy(button, 'Creating…');
  const r = await api('POST', '/api/v1/teams', body);
  done();
  if (r.ok && r.body && r.body.id) {
    form.reset();
    flash = { id: 'team-status', text: `Team ${body.name} created. Add its members below.` };
    location.hash = `#team/${r.body.id}`;
    return;
  }
  if (r.status === 422) {
    const { first, loose } = markFieldErrors(form, r);
    say('team-new-error', `The team was not created. ${loose.join(' ')}${loose.length ? '' : 'Correct the fields marked below.'}`);
    if (first) first.focus();
  } else if (r.status !== 401) {
    say('team-new-error', problemText(r, 'The team was not created'));
  }
}

// ---------------------------------------------------------------- one team

export function showTeam(id) {
  const n = Number(id);
  if (n !== teamId) {
    teamId = n;
    team = null;
    $('team-body').replaceChildren();
    $('team-facts').replaceChildren();
    itemRows = 0;
  }
  say('team-error', '');
  return loadTeam();
}

async function loadTeam() {
  const gen = ++teamGen;
  const view = $('team-view');
  view.setAttribute('aria-busy', 'true');
  const r = await api('GET', `/api/v1/teams/${teamId}`);
  if (gen !== teamGen) return;
  view.removeAttribute('aria-busy');
  if (!r.ok || !r.body || !r.body.id) {
    if (r.status === 404) say('team-error', `There is no team ${teamId}.`);
    else if (r.status === 403) say('team-error', 'This team is not yours: you see your own team only.');
    else if (r.status !== 401) say('team-error', problemText(r, 'The team could not be loaded'));
    return;
  }
  team = r.body;
  render();
}

function dl(term, ...value) {
  return h('div', {}, h('dt', {}, term), h('dd', {}, ...value));
}

function panel(id, title, ...children) {
  return h('section', { id: `tp-${id}`, className: 'panel', 'aria-labelledby': `tp-${id}-heading` },
    h('h2', { id: `tp-${id}-heading`, tabindex: '-1' }, title),
    h('p', { id: `tp-${id}-status`, className: 'notice' }),
    h('div', { id: `tp-${id}-error`, className: 'alert', role: 'alert' }),
    ...children);
}

function mdtRoles() {
  return (getConfig() || {}).mdt_roles || [];
}

function roleName(m) {
  if (m.mdt_role_name) return m.mdt_role_name;
  const it = mdtRoles().find((x) => x.id === m.mdt_role);
  return it ? it.name : m.mdt_role;
}

function render() {
  const t = team;
  const u = ctx.user();
  const own = u && u.role === 'mdt';
  $('team-eyebrow').textContent = own ? 'Your MDT team' : 'MDT team';
  $('team-heading').textContent = t.name;
  document.title = document.title.replace(/^[^·]*·/, `${t.name} ·`);
  const members = (t.members || []).filter((m) => m.active !== false);
  const reviews = t.reviews || [];
  $('team-facts').replaceChildren(
    dl('Code', h('span', { className: 'mono' }, t.code)),
    dl('Region', t.region_name ? t.region_name.name || t.region_name : regionName(t.region)),
    dl('Members', String(members.length)),
    dl('Reviews scheduled', String(reviews.filter((r) => r.status === 'scheduled').length)));
  const upcoming = reviews.filter((r) => r.status === 'scheduled').sort((a, b) => String(a.scheduled_at).localeCompare(String(b.scheduled_at)));
  const past = reviews.filter((r) => r.status !== 'scheduled').sort((a, b) => String(b.held_at || b.scheduled_at).localeCompare(String(a.held_at || a.scheduled_at)));
  $('team-body').replaceChildren(
    actionItemsPanel(reviews),
    panel('upcoming', 'Upcoming reviews', upcoming.length
      ? h('ol', { className: 'reviews' }, upcoming.map((rv) => upcomingItem(rv, members)))
      : h('p', { className: 'none' }, 'No review scheduled.')),
    casesPanel(reviews),
    membersPanel(members),
    panel('held', 'Held reviews', past.length
      ? h('ol', { className: 'reviews' }, past.map((rv) => heldItem(rv, members)))
      : h('p', { className: 'none' }, 'No review held yet.')));
  if (flash) {
    say(flash.id, flash.text);
    flash = null;
  }
}

function membersPanel(members) {
  const table = h('div', { className: 'table-wrap' }, h('table', { className: 'table stack members-table' },
    h('caption', { className: 'sr-only' }, 'Members of the team, with their role, agency and how to reach them'),
    h('thead', {}, h('tr', {}, ['Name', 'MDT role', 'Agency', 'Phone', 'E-mail', manage() ? h('span', { className: 'sr-only' }, 'Actions') : null]
      .filter((x) => x !== null).map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, members.length ? members.map((m) => h('tr', { dataset: { id: String(m.id) } },
      h('th', { scope: 'row', dataset: { label: 'Name' } }, h('span', {}, m.name, m.username ? h('span', { className: 'sub' }, `hartline user ${m.username}`) : null)),
      h('td', { dataset: { label: 'MDT role' } }, roleName(m)),
      h('td', { dataset: { label: 'Agency' } }, m.agency || ''),
      h('td', { dataset: { label: 'Phone' } }, m.phone ? h('a', { href: `tel:${m.phone.replace(/[^\d+]/g, '')}` }, m.phone) : h('span', { className: 'none' }, '—')),
      h('td', { dataset: { label: 'E-mail' } }, m.email ? h('a', { href: `mailto:${m.email}` }, m.email) : h('span', { className: 'none' }, '—')),
      manage() ? h('td', {}, h('button', { type: 'button', className: 'btn btn-caution btn-small', dataset: { act: 'remove', member: String(m.id) }, 'aria-label': `Remove ${m.name} from the team` }, 'Remove')) : null))
      : [h('tr', { className: 'message-row' }, h('td', { colspan: manage() ? 6 : 5 }, 'No member yet.'))])));
  const parts = [table];
  if (manage()) {
    const roles = mdtRoles();
    parts.push(h('details', { className: 'form-box' }, h('summary', {}, 'Add a member'),
      h('form', { className: 'form form-grid', novalidate: true, dataset: { form: 'member' } },
        field({ id: 'tm-name', label: 'Name', path: 'name', required: true }),
        field({ id: 'tm-agency', label: 'Agency', path: 'agency', required: true }),
        roles.length
          ? field({ id: 'tm-role', label: 'MDT role', type: 'select', path: 'mdt_role', required: true, options: [['', 'Choose a role…'], ...roles.map((x) => [x.id, x.name])] })
          : field({ id: 'tm-role', label: 'MDT role', path: 'mdt_role', required: true, hint: 'The id of one of the pack’s MDT roles.' }),
        field({ id: 'tm-phone', label: 'Phone', type: 'tel', path: 'phone', optional: true }),
        field({ id: 'tm-email', label: 'E-mail', type: 'email', path: 'email', optional: true }),
        h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'btn btn-primary' }, 'Add the member')))));
  }
  return panel('members', 'Members', ...parts);
}

function casesPanel(reviews) {
  const seen = new Map();
  for (const rv of reviews) if (rv.case && rv.status !== 'cancelled' && !seen.has(rv.case.id)) seen.set(rv.case.id, rv.case);
  return panel('cases', 'Cases the team reviews', seen.size
    ? h('ul', { className: 'case-chips' }, [...seen.values()].map((c) => h('li', {}, caseLink(c))))
    : h('p', { className: 'none' }, 'No case before the team.'));
}

function actionItemsPanel(reviews) {
  const items = [];
  for (const rv of reviews) for (const a of rv.action_items || []) items.push({ ...a, review: rv });
  const open = items.filter((a) => !a.done_at).sort((a, b) => String(a.due_at).localeCompare(String(b.due_at)));
  const done = items.filter((a) => a.done_at).sort((a, b) => String(b.done_at).localeCompare(String(a.done_at)));
  // HART and the liaison mark done and correct any item; an MDT member marks done its own.
  const actions = (a) => (writeReviews() || (mayMarkDone(a) && !a.done_at) ? doneActions(a, { teamId, review: a.review, onChanged: afterChange }) : null);
  return panel('items', 'Open action items', open.length
    ? h('ul', { className: 'action-items action-items-big' }, open.map((a) => h('li', { dataset: { id: String(a.id) } },
      h('p', { className: 'ai-text' }, a.text),
      h('p', { className: 'ai-meta' }, a.review.case ? caseLink(a.review.case) : null, a.owner ? h('span', {}, `Owner: ${a.owner}`) : null,
        a.due_at ? h('span', {}, `Due ${formatShortTime(a.due_at)} · `, countdown(null, a.due_at)) : null),
      actions(a))))
    : h('p', { className: 'none' }, 'No open action item.'),
  done.length ? h('details', { className: 'ai-done' }, h('summary', {}, `Done (${done.length})`),
    h('ul', { className: 'action-items action-items-big' }, done.map((a) => h('li', { dataset: { id: String(a.id) } },
      h('p', { className: 'ai-text' }, a.text),
      h('p', { className: 'ai-meta' }, a.review.case ? caseLink(a.review.case) : null,
        h('span', {}, `Done ${formatShortTime(a.done_at)}${a.due_at ? ` · due ${formatShortTime(a.due_at)}` : ''}`)),
      actions(a) || correctionsList(a.corrections, 'Done time'))))) : null);
}

/** After a change made in a dialog: the team read again, the message said. */
async function afterChange(section, text) {
  flash = { id: `${section}-status`, text };
  await loadTeam();
  say('team-announce', text);
  const heading = $(`${section}-heading`);
  if (heading) heading.focus();
}

function upcomingItem(rv, members) {
  const li = reviewItem(rv, { caseLinkToo: true });
  if (!writeReviews()) return li;
  const n = rv.id;
  const form = h('form', { className: 'form', novalidate: true, dataset: { form: 'hold', review: String(n) } },
    field({ id: `hd-at-${n}`, label: 'Held at', type: 'datetime-local', path: 'held_at', required: true, value: toLocalInput(Date.now()) }),
    h('fieldset', { className: 'field', dataset: { for: 'attendees' } },
      h('legend', {}, 'Attendees'),
      h('div', { className: 'checks', dataset: { path: 'attendees' } }, members.length ? members.map((m) => h('label', { className: 'check', for: `hd-${n}-m${m.id}` },
        h('input', { type: 'checkbox', id: `hd-${n}-m${m.id}`, value: String(m.id), name: 'attendee' }), h('span', {}, `${m.name} `, h('span', { className: 'optional' }, `(${roleName(m)})`))))
        : h('p', { className: 'none' }, 'The team has no member yet.')),
      h('p', { className: 'field-error' })),
    field({ id: `hd-dec-${n}`, label: 'Decisions', type: 'textarea', path: 'decisions', rows: 4, max: 20000 }),
    h('fieldset', { className: 'field action-rows', dataset: { for: 'action_items' } },
      h('legend', {}, 'Action items'),
      h('p', { className: 'field-hint' }, 'Each item’s owner is a member of the team with an account, or a HART coordinator: they are sent its reminders.'),
      h('div', { className: 'ai-rows', dataset: { path: 'action_items' } }),
      h('p', { className: 'field-error' }),
      h('p', {}, h('button', { type: 'button', className: 'btn btn-secondary btn-small', dataset: { act: 'add-item' } }, 'Add an action item'))),
    h('div', { className: 'actions' },
      h('button', { type: 'submit', className: 'btn btn-primary' }, 'Record the review as held'),
      h('button', { type: 'button', className: 'btn btn-caution btn-small', dataset: { act: 'cancel', review: String(n) } }, 'Cancel the review')));
  li.append(h('details', { className: 'form-box' }, h('summary', {}, 'Hold this review'), form));
  return li;
}

function itemRow() {
  const n = ++itemRows;
  return h('div', { className: 'ai-row', dataset: { row: String(n) } },
    field({ id: `ai-text-${n}`, label: 'What is to be done', path: 'text', required: true, className: 'ai-text-field' }),
    field({ id: `ai-owner-${n}`, label: 'Owner', type: 'select', path: 'owner_user_id', required: true, options: ownerChoices() }),
    field({ id: `ai-due-${n}`, label: 'Due', type: 'datetime-local', path: 'due_at', required: true }),
    h('p', { className: 'ai-remove' }, h('button', { type: 'button', className: 'btn btn-caution btn-small', dataset: { act: 'remove-item' }, 'aria-label': `Remove action item ${n}` }, 'Remove')));
}

function heldItem(rv, members) {
  const li = reviewItem(rv, { caseLinkToo: true });
  const names = (rv.attendees || []).map((id) => (members.find((m) => m.id === id) || (team.members || []).find((m) => m.id === id) || {}).name).filter(Boolean);
  if (names.length) li.insertBefore(h('p', { className: 'review-attendees' }, `Attended: ${names.join(', ')}`), li.children[2] || null);
  return li;
}

// ---------------------------------------------------------------- writing

async function onClick(e) {
  const b = e.target.closest('button[data-act]');
  if (!b || b.disabled || !team) return;
  const act = b.dataset.act;
  if (act === 'add-item') {
    const rows = b.closest('fieldset').querySelector('.ai-rows');
    const row = itemRow();
    rows.append(row);
    row.querySelector('input').focus();
    return;
  }
  if (act === 'remove-item') {
    const fs = b.closest('fieldset');
    b.closest('.ai-row').remove();
    fs.querySelector('button[data-act="add-item"]').focus();
    return;
  }
  let req;
  if (act === 'remove') {
    const m = (team.members || []).find((x) => String(x.id) === b.dataset.member);
    if (!window.confirm(`Remove ${m ? m.name : 'this member'} from the team? What they took part in stays on record.`)) return;
    req = { method: 'DELETE', path: `/api/v1/teams/${teamId}/members/${b.dataset.member}`, section: 'tp-members', ok: `${m ? m.name : 'The member'} left the team.` };
  } else if (act === 'cancel') {
    if (!window.confirm('Cancel this review?')) return;
    req = { method: 'PATCH', path: `/api/v1/teams/${teamId}/reviews/${b.dataset.review}`, body: { status: 'cancelled' }, section: 'tp-upcoming', ok: 'Review cancelled.' };
  } else {
    return;
  }
  await send(req, b, null);
}

function onSubmit(e) {
  const form = e.target.closest('form[data-form]');
  if (!form) return;
  e.preventDefault();
  const button = form.querySelector('button[type="submit"]');
  if (button.disabled) return;
  let req;
  if (form.dataset.form === 'member') {
    const body = { name: form.querySelector('#tm-name').value.trim(), agency: form.querySelector('#tm-agency').value.trim(), mdt_role: form.querySelector('#tm-role').value.trim() };
    for (const [k, id] of [['phone', '#tm-phone'], ['email', '#tm-email']]) {
      const v = form.querySelector(id).value.trim();
      if (v) body[k] = v;
    }
    req = { method: 'POST', path: `/api/v1/teams/${teamId}/members`, body, section: 'tp-members', ok: `${body.name} added to the team.` };
  } else if (form.dataset.form === 'hold') {
    const rid = form.dataset.review;
    const rv = (team.reviews || []).find((x) => String(x.id) === rid);
    const body = {
      status: 'held',
      held_at: timeValue(form.querySelector(`#hd-at-${rid}`)),
      attendees: [...form.querySelectorAll('input[name="attendee"]:checked')].map((x) => Number(x.value)),
    };
    const dec = form.querySelector(`#hd-dec-${rid}`).value.trim();
    if (dec) body.decisions = dec;
    const items = [...form.querySelectorAll('.ai-row')].map((row) => {
      const who = row.querySelector('[data-path="owner_user_id"]');
      const chosen = who.selectedIndex > 0 ? who.options[who.selectedIndex].textContent.replace(/ \([^)]*\)$/, '') : '';
      return {
        text: row.querySelector('[data-path="text"]').value.trim(),
        owner: chosen,
        owner_user_id: who.value ? Number(who.value) : null,
        due_at: timeValue(row.querySelector('[data-path="due_at"]')),
      };
    });
    if (items.length) body.action_items = items;
    if (rv && rv.version !== undefined) body.version = rv.version;
    req = { method: 'PATCH', path: `/api/v1/teams/${teamId}/reviews/${rid}`, body, section: 'tp-upcoming', ok: 'Review recorded as held.' };
  } else {
    return;
  }
  send(req, button, form);
}

async function send(req, button, form) {
  const errId = `${req.section}-error`;
  say(errId, '');
  say(`${req.section}-status`, '');
  if (form) clearFieldErrors(form);
  const gen = teamGen;
  const r = await sendBusy(button, req, () => gen !== teamGen);
  if (!r) return;
  if (r.ok) {
    flash = { id: `${req.section}-status`, text: req.ok };
    await loadTeam();
    say('team-announce', req.ok);
    const heading = $(`${req.section}-heading`);
    if (heading) heading.focus();
    return;
  }
  if (r.status === 422 && form) {
    const { first, loose } = markFieldErrors(form, r);
    say(errId, `Nothing was saved. ${loose.join(' ')}${loose.length ? '' : 'Correct the fields marked below.'}`);
    if (first) first.focus();
    return;
  }
  if (r.status === 409 && r.body && r.body.type === 'urn:hartline:problem:stale-version') {
    say(errId, 'Nothing was saved: someone else changed this since you opened it. The page is up to date now: check it and try again.');
    await loadTeam();
    return;
  }
  if (r.status === 409) {
    say(errId, `${problemText(r, 'Nothing was saved')} Someone else may have changed it: the page is up to date now.`);
    await loadTeam();
    return;
  }
  if (r.status !== 401) say(errId, problemText(r, 'Nothing was saved'));
}
