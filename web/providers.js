// The provider directory (docs/recovery.md, "Providers"): every signed-in
// user searches it by service, region, population, age, openings and name
// (the search is in the address: #providers?service=mentoring&region=R1);
// a provider's page shows what it offers and whether its staff are
// trafficking-informed; HART and the administrator add and change
// providers, and they and the provider's own users see its staff. Also the
// offers of rapid response dispatch on a case, and a provider user's Home.

import {
  $, api, busy, clearFieldErrors, field, formatDate, getConfig, h, markFieldErrors, packName, problemText, regionName, say, sentence,
} from './common.js';

const PATH = '/api/v1/providers';
const PAGE = 25;
const FILTERS = ['service', 'region', 'population', 'age', 'open', 'q', 'sort'];
const STATUS_WORDS = { informed: 'Trafficking-informed', not_informed: 'Not trafficking-informed', lapsed: 'Trafficking-informed status lapsed' };

let ctx = { can: () => false, user: () => null };
let generation = 0;
let pages = []; // the cursors of the pages before this one, for "Previous page"
let editing = null; // the provider being edited, or null: a new one

export function initProviders(context) {
  ctx = { ...ctx, ...context };
}

export function clearProviders() {
  generation++;
  pages = [];
  editing = null;
  for (const id of ['providers-view', 'provider-view', 'provideredit-view', 'home-agency']) {
    const el = $(id);
    if (el) el.replaceChildren();
  }
}

const manage = () => ctx.can('providers.manage');
const config = () => getConfig() || {};
const items = (key) => config()[key] || [];

/** The trafficking-informed status in one plain sentence. */
export function informedText(p) {
  const basis = p.informed_basis ? ` (${p.informed_basis})` : '';
  if (p.informed_status === 'informed') {
    return p.informed_until ? `Trafficking-informed until ${formatDate(p.informed_until)}${basis}` : `Trafficking-informed${basis}`;
  }
  if (p.informed_status === 'lapsed') {
    return p.informed_until ? `Trafficking-informed status lapsed on ${formatDate(p.informed_until)}${basis}` : `Trafficking-informed status lapsed${basis}`;
  }
  return 'Not trafficking-informed';
}

const openingsText = (p) => (p.openings === null || p.openings === undefined ? 'Openings not known'
  : p.openings === 0 ? 'No openings' : p.openings === 1 ? '1 opening' : `${p.openings} openings`);
const agesText = (p) => (p.age_min !== null && p.age_max !== null ? `Ages ${p.age_min} to ${p.age_max}`
  : p.age_min !== null ? `Ages ${p.age_min} and over` : p.age_max !== null ? `Ages up to ${p.age_max}` : 'Any age');
const names = (list, key) => (list || []).map((id) => (key === 'regions' ? regionName(id) : packName(key, id)));
const telHref = (phone) => `tel:${String(phone).replace(/[^\d+]/g, '')}`;

function badges(p) {
  return [
    h('span', { className: `badge ${p.openings > 0 ? 'badge-active' : 'badge-disabled'}` }, openingsText(p)),
    h('span', { className: `badge ${p.informed_status === 'informed' ? 'badge-active' : p.informed_status === 'lapsed' ? 'badge-locked' : 'badge-disabled'}` },
      STATUS_WORDS[p.informed_status] || p.informed_status),
    p.active === false ? h('span', { className: 'badge badge-disabled' }, 'Not listed') : null,
  ];
}

// ---------------------------------------------------------------- the directory

/** The search in the address (#providers?...). */
function filtersFromHash() {
  const q = location.hash.indexOf('?');
  const params = new URLSearchParams(q >= 0 ? location.hash.slice(q + 1) : '');
  const f = {};
  for (const k of [...FILTERS, 'after']) if (params.get(k)) f[k] = params.get(k);
  return f;
}

function writeHash(f) {
  const params = new URLSearchParams();
  for (const k of [...FILTERS, 'after']) if (f[k]) params.set(k, f[k]);
  const s = params.toString();
  history.replaceState(null, '', `#providers${s ? `?${s}` : ''}`);
}

function select(id, label, path, options, value) {
  return field({ id, label, type: 'select', path, value: value || '', options });
}

function filterForm(f) {
  const opt = (list, all) => [['', all], ...list.map((x) => [x.id, x.name])];
  const ages = [['', 'Any age'], ...Array.from({ length: 26 }, (_, i) => [String(i), String(i)])];
  return h('form', { id: 'pv-filters', className: 'filters', novalidate: true, role: 'search', 'aria-label': 'Search the directory' },
    select('pv-service', 'Service', 'service', opt(items('services'), 'Any service'), f.service),
    select('pv-region', 'Region served', 'region', opt(items('regions'), 'Any region'), f.region),
    select('pv-population', 'Population', 'population', opt(items('populations'), 'Any population'), f.population),
    select('pv-age', 'Child’s age', 'age', ages, f.age),
    field({ id: 'pv-q', label: 'Name', type: 'search', path: 'q', value: f.q || '', attrs: { maxlength: '200' } }),
    select('pv-sort', 'Order', 'sort', [['', 'By name'], ['openings', 'Most openings first']], f.sort),
    field({ id: 'pv-open', label: 'Only providers with openings', type: 'checkbox', path: 'open', value: f.open === 'true' }),
    h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'btn btn-secondary' }, 'Search')));
}

function readFilters() {
  const f = {};
  for (const k of ['service', 'region', 'population', 'age', 'q', 'sort']) {
    const v = $(`pv-${k}`).value.trim();
    if (v) f[k] = v;
  }
  if ($('pv-open').checked) f.open = 'true';
  return f;
}

export async function showProviders() {
  const gen = ++generation;
  const f = filtersFromHash();
  if (!f.after) pages = [];
  const view = $('providers-view');
  view.replaceChildren(h('section', { className: 'panel', 'aria-labelledby': 'providers-heading' },
    h('div', { className: 'panel-head' },
      h('h2', { id: 'providers-heading', tabindex: '-1' }, 'Providers'),
      h('p', { className: 'panel-links' },
        h('a', { className: 'btn btn-secondary btn-small', href: `${PATH}/export.csv`, download: 'provider-directory.csv' }, 'Download directory (CSV)'),
        manage() ? h('a', { className: 'btn btn-primary btn-small', href: '#provider/new' }, 'Add a provider') : null)),
    h('p', { className: 'hint' }, 'The provider network: who offers which service, where, to whom, and who has openings now. The download leaves out staff contacts.'),
    filterForm(f),
    h('p', { id: 'pv-summary', className: 'queue-summary', role: 'status' }),
    h('div', { id: 'pv-error', className: 'alert', role: 'alert' }),
    h('ul', { id: 'pv-list', className: 'provider-list', 'aria-busy': 'true' }),
    h('nav', { className: 'pager', 'aria-label': 'Pages of providers' },
      h('button', { type: 'button', id: 'pv-prev', className: 'btn btn-secondary btn-small', hidden: true }, 'Previous page'),
      h('button', { type: 'button', id: 'pv-next', className: 'btn btn-secondary btn-small', hidden: true }, 'Next page'))));
  const form = $('pv-filters');
  const search = () => {
    pages = [];
    writeHash(readFilters());
    showProviders();
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    search();
  });
  for (const k of ['service', 'region', 'population', 'age', 'sort', 'open']) $(`pv-${k}`).addEventListener('change', search);
  const query = new URLSearchParams({ ...f, limit: String(PAGE) });
  const r = await api('GET', `${PATH}?${query}`);
  if (gen !== generation) return;
  $('pv-list').removeAttribute('aria-busy');
  if (!r.ok || !r.body || !Array.isArray(r.body.items)) {
    if (r.status === 422) markFieldErrors(form, r);
    if (r.status !== 401) say('pv-error', problemText(r, 'The directory could not be searched'));
    return;
  }
  const list = r.body.items;
  $('pv-list').replaceChildren(...(list.length ? list.map(card) : [h('li', { className: 'none' }, 'No provider matches this search.')]));
  const first = pages.length * PAGE + 1;
  say('pv-summary', list.length ? `Providers ${first} to ${first + list.length - 1}${r.body.next ? '' : ' (the last page)'}.` : 'No provider found.');
  const prev = $('pv-prev');
  const next = $('pv-next');
  prev.hidden = pages.length === 0;
  next.hidden = !r.body.next;
  prev.addEventListener('click', () => {
    const before = pages.pop();
    writeHash({ ...f, after: before || undefined });
    showProviders().then(() => $('providers-heading').focus());
  });
  next.addEventListener('click', () => {
    pages.push(f.after || '');
    writeHash({ ...f, after: r.body.next });
    showProviders().then(() => $('providers-heading').focus());
  });
}

function card(p) {
  return h('li', { className: `provider-card${p.active === false ? ' is-inactive' : ''}`, dataset: { id: String(p.id) } },
    h('h3', { className: 'provider-name' }, h('a', { href: `#provider/${p.id}` }, p.name)),
    h('p', { className: 'provider-badges' }, ...badges(p)),
    h('p', { className: 'provider-services' }, names(p.services, 'services').join(' · ')),
    h('p', { className: 'provider-meta' }, [names(p.regions, 'regions').join(', '), agesText(p)].join(' · ')),
    p.phone ? h('p', {}, h('a', { href: telHref(p.phone), 'aria-label': `Call ${p.name}: ${p.phone}` }, p.phone)) : null);
}

// ---------------------------------------------------------------- a provider's page

function dl(label, value) {
  return h('div', {}, h('dt', {}, label), h('dd', {}, value || '—'));
}

function staffList(staff) {
  if (!staff.length) return h('p', { className: 'none' }, 'No staff contacts on file.');
  return h('ul', { className: 'contact-list' }, staff.map((s) => h('li', { className: 'contact' },
    h('h4', { className: 'contact-name' }, s.name),
    h('p', { className: 'contact-title' }, s.role),
    h('p', { className: 'contact-ways' },
      s.phone ? h('a', { href: telHref(s.phone), className: 'contact-phone', 'aria-label': `Call ${s.name}: ${s.phone}` }, s.phone) : null,
      s.email ? h('a', { href: `mailto:${s.email}`, className: 'contact-email', 'aria-label': `E-mail ${s.name}: ${s.email}` }, s.email) : null))));
}

/** The provider's page as elements, its heading level and id given. */
function providerPage(p, { headingId, level = 'h2', own = false }) {
  return [
    h('div', { className: 'panel-head' },
      h(level, { id: headingId, tabindex: '-1' }, own ? `Your agency: ${p.name}` : p.name),
      manage() ? h('a', { className: 'btn btn-secondary btn-small', href: `#provider/${p.id}/edit` }, 'Edit') : null),
    h('p', { className: 'provider-badges' }, ...badges(p)),
    h('p', { className: 'provider-informed' }, sentence(informedText(p))),
    p.description ? h('p', {}, p.description) : null,
    h('dl', { className: 'facts' },
      dl('Services', names(p.services, 'services').join(', ')),
      dl('Regions served', names(p.regions, 'regions').join(', ')),
      dl('Populations', names(p.populations, 'populations').join(', ') || 'Any'),
      dl('Ages', agesText(p)),
      dl('Languages', (p.languages || []).join(', ')),
      dl('Capacity and openings', `${p.capacity ?? '—'} places · ${openingsText(p)}`),
      dl('Telephone', p.phone ? h('a', { href: telHref(p.phone) }, p.phone) : null),
      dl('E-mail', p.email ? h('a', { href: `mailto:${p.email}` }, p.email) : null),
      dl('Website', p.website && /^https?:\/\//.test(p.website) ? h('a', { href: p.website, rel: 'noopener noreferrer' }, p.website) : p.website),
      dl('Address', p.address),
      dl('Code', p.code)),
    Array.isArray(p.staff) ? h('section', { className: 'provider-staff', 'aria-labelledby': `${headingId}-staff` },
      h('h3', { id: `${headingId}-staff`, className: 'section-title' }, 'Staff contacts'),
      h('p', { className: 'hint' }, 'Shown to HART, the administrator and the agency’s own staff only; never in the download.'),
      staffList(p.staff)) : null,
  ];
}

export async function showProvider(id) {
  const gen = ++generation;
  const view = $('provider-view');
  view.replaceChildren(h('section', { className: 'panel', 'aria-labelledby': 'provider-heading' },
    h('p', { className: 'eyebrow' }, h('a', { href: '#providers' }, 'Providers')),
    h('h2', { id: 'provider-heading', tabindex: '-1' }, 'Provider'),
    h('div', { id: 'provider-error', className: 'alert', role: 'alert' })));
  const r = await api('GET', `${PATH}/${id}`);
  if (gen !== generation) return;
  if (!r.ok || !r.body) {
    if (r.status !== 401) say('provider-error', r.status === 404 ? 'There is no such provider in the directory.' : problemText(r, 'The provider could not be loaded'));
    return;
  }
  const focused = document.activeElement === $('provider-heading');
  view.replaceChildren(h('section', { className: 'panel', 'aria-labelledby': 'provider-heading' },
    h('p', { className: 'eyebrow' }, h('a', { href: '#providers' }, 'Providers')),
    ...providerPage(r.body, { headingId: 'provider-heading' })));
  if (focused) $('provider-heading').focus();
}

/** A provider user's Home: their agency's page. */
export async function showHomeAgency(user) {
  const box = $('home-agency');
  if (!box) return;
  box.replaceChildren();
  box.hidden = !(user && user.provider);
  if (box.hidden) return;
  const r = await api('GET', `${PATH}/${user.provider.id}`);
  if (!r.ok || !r.body) {
    if (r.status !== 401) box.replaceChildren(h('p', { className: 'alert' }, problemText(r, 'Your agency’s page could not be loaded')));
    return;
  }
  box.replaceChildren(...providerPage(r.body, { headingId: 'home-agency-heading', level: 'h3', own: true }).filter(Boolean));
}

// ---------------------------------------------------------------- add and change

function checks(id, legend, path, list, chosen, hint) {
  const set = new Set(chosen || []);
  return h('fieldset', { className: 'field provider-checks', dataset: { path }, 'aria-describedby': `${id}-error` },
    h('legend', {}, legend),
    hint ? h('p', { className: 'field-hint' }, hint) : null,
    h('div', { className: 'checks' }, list.map((x) => {
      const input = h('input', { type: 'checkbox', id: `${id}-${x.id}`, name: id, value: x.id });
      input.checked = set.has(x.id);
      return h('label', { className: 'check', for: `${id}-${x.id}` }, input, h('span', {}, x.name));
    })),
    h('p', { id: `${id}-error`, className: 'field-error' }));
}

function staffRow(s, i) {
  return h('fieldset', { className: 'staff-row', dataset: { row: String(i) } },
    h('legend', {}, `Staff member ${i + 1}`),
    field({ id: `ps-name-${i}`, label: 'Name', path: `staff[${i}].name`, value: s.name || '' }),
    field({ id: `ps-role-${i}`, label: 'Role', path: `staff[${i}].role`, value: s.role || '' }),
    field({ id: `ps-phone-${i}`, label: 'Telephone', type: 'tel', path: `staff[${i}].phone`, optional: true, value: s.phone || '' }),
    field({ id: `ps-email-${i}`, label: 'E-mail', type: 'email', path: `staff[${i}].email`, optional: true, value: s.email || '' }),
    h('button', { type: 'button', className: 'btn btn-secondary btn-small', dataset: { act: 'remove-staff', row: String(i) } }, `Remove staff member ${i + 1}`));
}

function readStaff() {
  return [...document.querySelectorAll('#pe-staff .staff-row')].map((row) => {
    const v = (sel) => row.querySelector(sel).value.trim();
    const s = { name: v('[id^="ps-name-"]'), role: v('[id^="ps-role-"]') };
    const phone = v('[id^="ps-phone-"]');
    const email = v('[id^="ps-email-"]');
    if (phone) s.phone = phone;
    if (email) s.email = email;
    return s;
  }).filter((s) => s.name || s.role || s.phone || s.email);
}

function renderStaff(staff) {
  $('pe-staff-rows').replaceChildren(...staff.map(staffRow));
}

function form(p) {
  const v = (k) => (p && p[k] !== null && p[k] !== undefined ? String(p[k]) : '');
  return h('form', { id: 'provider-form', className: 'form form-grid', novalidate: true },
    field({ id: 'pe-name', label: 'Name', path: 'name', required: true, value: v('name') }),
    field({ id: 'pe-code', label: 'Code', path: 'code', required: true, value: v('code'),
      attrs: p ? { readonly: true } : undefined,
      hint: p ? 'The code cannot be changed: the agency’s users are linked to it.'
        : 'Lower-case letters, digits and _, e.g. harbor_light. The agency’s users are linked to it; it cannot be changed later.' }),
    field({ id: 'pe-description', label: 'Description', type: 'textarea', path: 'description', optional: true, max: 4000, value: v('description') }),
    checks('pe-services', 'Services offered', 'services', items('services'), p && p.services),
    checks('pe-regions', 'Regions served', 'regions', items('regions'), p && p.regions),
    checks('pe-populations', 'Populations served', 'populations', items('populations'), p && p.populations, 'None chosen: any.'),
    field({ id: 'pe-languages', label: 'Languages', path: 'languages', optional: true, value: p ? (p.languages || []).join(', ') : '', hint: 'Separated by commas: English, Spanish.' }),
    field({ id: 'pe-age_min', label: 'Youngest age', type: 'number', path: 'age_min', optional: true, value: v('age_min'), attrs: { min: '0', max: '25', inputmode: 'numeric' } }),
    field({ id: 'pe-age_max', label: 'Oldest age', type: 'number', path: 'age_max', optional: true, value: v('age_max'), attrs: { min: '0', max: '25', inputmode: 'numeric' } }),
    field({ id: 'pe-capacity', label: 'Capacity', type: 'number', path: 'capacity', optional: true, value: v('capacity'), attrs: { min: '0', inputmode: 'numeric' } }),
    field({ id: 'pe-openings', label: 'Openings now', type: 'number', path: 'openings', optional: true, value: v('openings'), attrs: { min: '0', inputmode: 'numeric' } }),
    field({ id: 'pe-phone', label: 'Telephone', type: 'tel', path: 'phone', optional: true, value: v('phone') }),
    field({ id: 'pe-email', label: 'E-mail', type: 'email', path: 'email', optional: true, value: v('email') }),
    field({ id: 'pe-website', label: 'Website', type: 'url', path: 'website', optional: true, value: v('website') }),
    field({ id: 'pe-address', label: 'Address', path: 'address', optional: true, value: v('address') }),
    field({ id: 'pe-informed_status', label: 'Trafficking-informed', type: 'select', path: 'informed_status', value: v('informed_status') || 'not_informed',
      options: [['informed', 'Informed'], ['not_informed', 'Not informed'], ['lapsed', 'Lapsed']] }),
    field({ id: 'pe-informed_basis', label: 'Training basis', path: 'informed_basis', optional: true, value: v('informed_basis'), hint: 'Which staff training: “Day 1 and Day 2, 3 staff”.' }),
    field({ id: 'pe-informed_until', label: 'Informed until', type: 'date', path: 'informed_until', optional: true, value: v('informed_until') }),
    p ? field({ id: 'pe-active', label: 'Listed in the directory', type: 'checkbox', path: 'active', value: p.active !== false }) : null,
    h('fieldset', { id: 'pe-staff', className: 'field provider-staff-edit', dataset: { path: 'staff' } },
      h('legend', {}, 'Staff contacts'),
      h('p', { className: 'field-hint' }, 'Personal data: shown to HART, the administrator and the agency’s own staff only.'),
      h('div', { id: 'pe-staff-rows' }),
      h('button', { type: 'button', className: 'btn btn-secondary btn-small', dataset: { act: 'add-staff' } }, 'Add a staff member'),
      h('p', { id: 'pe-staff-error', className: 'field-error' })),
    h('div', { className: 'actions' },
      h('button', { type: 'submit', id: 'pe-submit', className: 'btn btn-primary' }, p ? 'Save changes' : 'Add the provider'),
      h('a', { className: 'btn btn-secondary', href: p ? `#provider/${p.id}` : '#providers' }, 'Cancel')));
}

export async function showProviderEdit(which) {
  const gen = ++generation;
  const id = which === 'new' ? null : String(which).replace('/edit', '');
  const view = $('provideredit-view');
  editing = null;
  view.replaceChildren(h('section', { className: 'panel', 'aria-labelledby': 'provideredit-heading' },
    h('p', { className: 'eyebrow' }, h('a', { href: '#providers' }, 'Providers')),
    h('h2', { id: 'provideredit-heading', tabindex: '-1' }, id ? 'Edit a provider' : 'Add a provider'),
    h('div', { id: 'provideredit-error', className: 'alert', role: 'alert' }),
    h('div', { id: 'provideredit-body' })));
  if (id) {
    const r = await api('GET', `${PATH}/${id}`);
    if (gen !== generation) return;
    if (!r.ok || !r.body) {
      if (r.status !== 401) say('provideredit-error', problemText(r, 'The provider could not be loaded'));
      return;
    }
    editing = r.body;
    $('provideredit-heading').textContent = `Edit ${editing.name}`;
  }
  $('provideredit-body').replaceChildren(form(editing));
  renderStaff(editing && editing.staff ? editing.staff : []);
  const f = $('provider-form');
  f.addEventListener('submit', save);
  f.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-act]');
    if (!b) return;
    const staff = readStaff();
    if (b.dataset.act === 'add-staff') {
      staff.push({});
      renderStaff(staff);
      $(`ps-name-${staff.length - 1}`).focus();
    } else if (b.dataset.act === 'remove-staff') {
      const rows = [...document.querySelectorAll('#pe-staff .staff-row')];
      rows[Number(b.dataset.row)].remove();
      renderStaff(readStaff());
      document.querySelector('#pe-staff [data-act="add-staff"]').focus();
    }
  });
}

function chosen(id) {
  return [...document.querySelectorAll(`input[name="${id}"]:checked`)].map((x) => x.value);
}

function body() {
  const v = (id) => $(id).value.trim();
  const num = (id) => (v(id) === '' ? null : Number(v(id)));
  const b = {
    name: v('pe-name'),
    code: v('pe-code'),
    services: chosen('pe-services'),
    regions: chosen('pe-regions'),
    populations: chosen('pe-populations'),
    languages: v('pe-languages').split(',').map((x) => x.trim()).filter(Boolean),
    informed_status: v('pe-informed_status'),
    staff: readStaff(),
  };
  for (const k of ['age_min', 'age_max', 'capacity', 'openings']) b[k] = num(`pe-${k}`);
  for (const k of ['description', 'phone', 'email', 'website', 'address', 'informed_basis', 'informed_until']) b[k] = v(`pe-${k}`) || null;
  if (!editing) {
    for (const k of Object.keys(b)) if (b[k] === null) delete b[k];
  } else {
    b.version = editing.version;
    b.active = $('pe-active').checked;
  }
  return b;
}

async function save(e) {
  e.preventDefault();
  const button = $('pe-submit');
  if (button.disabled) return;
  const f = $('provider-form');
  clearFieldErrors(f);
  say('provideredit-error', '');
  const b = body();
  const done = busy(button, 'Saving…');
  const r = editing ? await api('PATCH', `${PATH}/${editing.id}`, b) : await api('POST', PATH, b);
  done();
  if (r.ok && r.body) {
    location.hash = `#provider/${r.body.id}`;
    return;
  }
  if (r.status === 422) {
    const { first, loose } = markFieldErrors(f, r);
    say('provideredit-error', `Nothing was saved. ${loose.join(' ')}${loose.length ? '' : 'Correct the fields marked below.'}`);
    if (first) first.focus();
  } else if (r.status === 409 && r.body && r.body.type === 'urn:hartline:problem:stale-version') {
    say('provideredit-error', 'Nothing was saved: someone changed this provider since you opened it. Reload the page to see their change, then make yours again.');
  } else if (r.status === 409) {
    say('provideredit-error', 'Nothing was saved: another provider has this code. Choose another code.');
    $('pe-code').setAttribute('aria-invalid', 'true');
    $('pe-code').focus();
  } else if (r.status !== 401) {
    say('provideredit-error', problemText(r, 'Nothing was saved'));
  }
}

// ---------------------------------------------------------------- rapid response dispatch

/**
 * For a case's rapid response part: the providers of survivor-care rapid
 * response serving the case's region, openings first. Fills itself.
 */
export function rapidOffersBox(caseId) {
  const box = h('div', { className: 'rapid-offers', 'aria-labelledby': `ro-${caseId}` },
    h('h4', { id: `ro-${caseId}` }, 'Providers to call'),
    h('p', { className: 'hint' }, 'Loading the providers of rapid response in this region…'));
  api('GET', `/api/v1/cases/${caseId}/rapid-offers`).then((r) => {
    if (!r.ok || !r.body || !Array.isArray(r.body.offers)) {
      box.lastChild.textContent = r.status === 401 ? '' : problemText(r, 'The providers could not be loaded');
      return;
    }
    const offers = r.body.offers;
    box.replaceChildren(box.firstChild,
      offers.length
        ? h('ol', { className: 'offer-list' }, offers.map((o) => h('li', {},
          h('a', { href: `#provider/${o.id}` }, o.name), ' · ',
          h('span', { className: `badge ${o.openings > 0 ? 'badge-active' : 'badge-disabled'}` }, openingsText(o)),
          o.phone ? [' · ', h('a', { href: telHref(o.phone), 'aria-label': `Call ${o.name}: ${o.phone}` }, o.phone)] : null)))
        : h('p', { className: 'none' }, `No provider of rapid response serves ${regionName(r.body.region)} in the directory.`));
  });
  return box;
}
