// Contacts: who to call. HART leadership, the regional liaisons and the MDT
// coordinators, with telephone and e-mail links; every logged-in user reads
// them, HART and the administrator keep them.

import {
  $, api, busy, field, getList, h, markFieldErrors, problemText, regionName, regionsList, say, submitForm,
} from './common.js';

const KINDS = {
  hart_director: 'HART director',
  hart_coordinator: 'HART coordinator',
  regional_liaison: 'Regional liaison',
  mdt_coordinator: 'MDT coordinator',
  other: 'Other',
};
const GROUPS = [
  ['leadership', 'HART leadership', ['hart_director', 'hart_coordinator']],
  ['liaisons', 'Regional liaisons', ['regional_liaison']],
  ['mdt', 'MDT coordinators', ['mdt_coordinator']],
  ['other', 'Other contacts', ['other']],
];

let ctx = { can: () => false };
let generation = 0;
let contacts = [];
let editing = null; // the contact being edited, or null: a new one

export function initContacts(context) {
  ctx = { ...ctx, ...context };
  $('contact-form').addEventListener('submit', save);
  $('contacts-groups').addEventListener('click', onClick);
  $('contact-form').addEventListener('click', (e) => {
    if (e.target.closest('[data-act="cancel-edit"]')) {
      startEdit(null);
      $('contacts-heading').focus();
    }
  });
  $('contacts-jump-add').addEventListener('click', (e) => {
    e.preventDefault();
    startEdit(null);
    $('contact-form-heading').focus();
    $('contact-form-heading').scrollIntoView({ block: 'start' });
  });
}

export function clearContacts() {
  generation++;
  contacts = [];
  editing = null;
  $('contacts-groups').replaceChildren();
  $('contact-form').replaceChildren();
  for (const id of ['contacts-status', 'contacts-error', 'contact-form-error']) say(id, '');
}

const manage = () => ctx.can('contacts.manage');

export async function showContacts() {
  $('contact-form-panel').hidden = !manage();
  $('contacts-jump-add').hidden = !manage();
  if (manage() && !$('contact-form').childElementCount) startEdit(null);
  return load();
}

async function load() {
  const gen = ++generation;
  // The whole directory, a page of 500 at a time, each after the one before.
  const all = [];
  let after = null;
  do {
    const q = new URLSearchParams({ limit: '500' });
    if (after) q.set('after', after);
    const body = await getList(`/api/v1/contacts?${q}`, 'items', 'contacts-error', 'The contacts could not be loaded',
      () => gen !== generation);
    if (!body) return;
    all.push(...body.items);
    after = body.next;
  } while (after);
  contacts = all;
  render();
}

function telHref(phone) {
  return `tel:${String(phone).replace(/[^\d+]/g, '')}`;
}

function card(c) {
  const region = c.region ? (c.region_name && (c.region_name.name || c.region_name)) || regionName(c.region) : '';
  return h('li', { className: `contact${c.active === false ? ' is-inactive' : ''}`, dataset: { id: String(c.id) } },
    h('h4', { className: 'contact-name' }, c.name, c.active === false ? h('span', { className: 'badge badge-disabled' }, 'Not listed') : null),
    h('p', { className: 'contact-title' }, [c.title || KINDS[c.kind] || c.kind, region].filter(Boolean).join(' · ')),
    h('p', { className: 'contact-ways' },
      c.phone ? h('a', { href: telHref(c.phone), className: 'contact-phone', 'aria-label': `Call ${c.name}: ${c.phone}` }, c.phone) : null,
      c.email ? h('a', { href: `mailto:${c.email}`, className: 'contact-email', 'aria-label': `E-mail ${c.name}: ${c.email}` }, c.email) : null,
      !c.phone && !c.email ? h('span', { className: 'none' }, 'No phone or e-mail on file') : null),
    manage() ? h('p', { className: 'contact-actions' },
      h('button', { type: 'button', className: 'btn btn-secondary btn-small', dataset: { act: 'edit', id: String(c.id) }, 'aria-label': `Edit ${c.name}` }, 'Edit')) : null);
}

function render() {
  const groups = GROUPS.map(([id, title, kinds]) => {
    const list = contacts.filter((c) => kinds.includes(c.kind) || (id === 'other' && !KINDS[c.kind]))
      .sort((a, b) => kinds.indexOf(a.kind) - kinds.indexOf(b.kind) || String(a.region || '').localeCompare(String(b.region || '')) || a.name.localeCompare(b.name));
    return { id, title, list };
  }).filter((g) => g.list.length || g.id !== 'other');
  $('contacts-groups').replaceChildren(...groups.map((g) => h('section', { className: 'contact-group', 'aria-labelledby': `cg-${g.id}` },
    h('h3', { id: `cg-${g.id}`, className: 'section-title' }, g.title),
    g.list.length ? h('ul', { className: 'contact-list' }, g.list.map(card)) : h('p', { className: 'none' }, 'No one listed yet.'))));
}

// ---------------------------------------------------------------- keeping them

function startEdit(c) {
  editing = c;
  const form = $('contact-form');
  $('contact-form-heading').textContent = c ? `Edit ${c.name}` : 'Add a contact';
  say('contact-form-error', '');
  form.replaceChildren(...[
    field({ id: 'ct-name', label: 'Name', path: 'name', required: true, value: c ? c.name : '' }),
    field({ id: 'ct-kind', label: 'Kind', type: 'select', path: 'kind', required: true, value: c ? c.kind : '',
      options: [['', 'Choose…'], ...Object.entries(KINDS)] }),
    field({ id: 'ct-title', label: 'Title', path: 'title', optional: true, value: c ? c.title || '' : '', hint: 'As it should be shown: “HART Director”.' }),
    field({ id: 'ct-region', label: 'Region', type: 'select', path: 'region', value: c ? c.region || '' : '',
      options: [['', 'Statewide'], ...regionsList().map((r) => [r.id, r.name])] }),
    field({ id: 'ct-phone', label: 'Phone', type: 'tel', path: 'phone', optional: true, value: c ? c.phone || '' : '' }),
    field({ id: 'ct-email', label: 'E-mail', type: 'email', path: 'email', optional: true, value: c ? c.email || '' : '' }),
    c ? field({ id: 'ct-active', label: 'Listed (shown to everyone)', type: 'checkbox', path: 'active', value: c.active !== false }) : null,
    h('div', { className: 'actions' },
      h('button', { type: 'submit', id: 'ct-submit', className: 'btn btn-primary' }, c ? 'Save changes' : 'Add the contact'),
      c ? h('button', { type: 'button', className: 'btn btn-secondary', dataset: { act: 'cancel-edit' } }, 'Cancel') : null),
  ].filter(Boolean));
}

function onClick(e) {
  const b = e.target.closest('button[data-act="edit"]');
  if (!b) return;
  const c = contacts.find((x) => String(x.id) === b.dataset.id);
  if (!c) return;
  startEdit(c);
  $('contact-form-heading').focus();
  $('contact-form-heading').scrollIntoView({ block: 'start' });
}

async function save(e) {
  const started = submitForm(e, 'ct-submit', 'contact-form', 'contact-form-error');
  if (!started) return;
  const { button, form } = started;
  say('contacts-status', '');
  const v = (id) => $(id).value.trim();
  const body = { name: v('ct-name'), kind: v('ct-kind') };
  for (const [k, id] of [['title', 'ct-title'], ['region', 'ct-region'], ['phone', 'ct-phone'], ['email', 'ct-email']]) {
    const x = v(id);
    if (x) body[k] = x;
    else if (editing) body[k] = null;
  }
  if (editing) body.active = $('ct-active').checked;
  const done = busy(button, 'Saving…');
  const r = editing
    ? await api('PATCH', `/api/v1/contacts/${editing.id}`, body)
    : await api('POST', '/api/v1/contacts', body);
  done();
  if (r.ok) {
    const was = editing;
    startEdit(null);
    await load();
    say('contacts-status', was ? `${body.name}: changes saved.` : `${body.name} added.`);
    $('contacts-heading').focus();
    return;
  }
  if (r.status === 422) {
    const { first, loose } = markFieldErrors(form, r);
    say('contact-form-error', `Nothing was saved. ${loose.join(' ')}${loose.length ? '' : 'Correct the fields marked below.'}`);
    if (first) first.focus();
  } else if (r.status !== 401) {
    say('contact-form-error', problemText(r, 'Nothing was saved'));
  }
}
