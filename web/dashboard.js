// The HART dashboard, the home page of HART and the liaisons: the duties
// overdue first, each with a live countdown; the children missing now and
// the reports still due for each; the open cases by region. From
// GET /api/v1/dashboard and GET /api/v1/deadlines (docs/cases.md). A liaison
// sees their own region only: the server decides that. HART also sees the
// accounts an administrator gave case access, until one of them
// acknowledges each (docs/security.md).

import { personLink } from './person.js';
import {
  $, api, countdown, dutyBadge, formatShortTime, fullName, h, missingFor, problemText, regionName, regionsList,
  say, srOnly, barFill,
} from './common.js';

const REFRESH_MS = 60_000;

let ctx = { can: () => false, user: () => null };
let generation = 0;
let timer = 0;

export function initDashboard(context) {
  ctx = { ...ctx, ...context };
  $('dash-refresh').addEventListener('click', () => load({ announce: true }));
  $('dash-access-list').addEventListener('click', acknowledge);
}

export function showDashboard() {
  stopDashboard();
  timer = setInterval(() => {
    if (document.visibilityState === 'visible') load();
  }, REFRESH_MS);
  return load();
}

/** No more asking (the page is not shown). */
export function stopDashboard() {
  clearInterval(timer);
  timer = 0;
}

export function clearDashboard() {
  stopDashboard();
  generation++;
  for (const id of ['dash-counts', 'dash-duties', 'dash-missing', 'dash-regions', 'dash-access-list']) $(id).replaceChildren();
  $('dash-access').hidden = true;
  for (const id of ['dash-error', 'dash-announce', 'dash-access-status', 'dash-access-error']) say(id, '');
}

// ---------------------------------------------------------------- a duty

/** The case a duty or an episode belongs to, as a link. */
export function caseLink(c) {
  if (!c || !c.id) return null;
  return h('a', { href: `#case/${c.id}`, className: 'case-link' }, c.number || `Case ${c.id}`);
}

/**
 * One duty as a list item: what is due and by when, with a live countdown
 * while unmet; the case when showCase.
 */
export function dutyItem(d, { showCase = true } = {}) {
  const met = !!d.met_at;
  const status = d.status || (met ? 'met_on_time' : 'open');
  const when = met
    ? h('p', { className: 'duty-when' }, h('span', { className: 'duty-met' }, `Met ${formatShortTime(d.met_at)}`),
      h('span', { className: 'sub' }, `was due ${formatShortTime(d.due_at)}`))
    : h('p', { className: 'duty-when' }, countdown(d.minutes_left, d.due_at),
      h('span', { className: 'sub' }, `due ${formatShortTime(d.due_at)}`));
  const owner = d.owner ? (d.owner.display_name || d.owner.username) : '';
  const c = d.case || null;
  return h('li', { className: `duty duty-is-${status}`, dataset: { id: String(d.id), kind: d.kind || '', status } },
    h('div', { className: 'duty-what' },
      h('p', { className: 'duty-name' }, d.name || d.kind),
      h('p', { className: 'duty-meta' },
        showCase && c ? caseLink(c) : null,
        showCase && c && c.region ? h('span', {}, regionName(c.region)) : null,
        owner ? h('span', {}, `Owner: ${owner}`) : h('span', {}, 'No owner'),
        d.basis ? h('span', { className: 'duty-basis' }, d.basis) : null)),
    when,
    h('p', { className: 'duty-status' }, dutyBadge(status)));
}

// ---------------------------------------------------------------- load

async function load({ announce = false } = {}) {
  const gen = ++generation;
  const view = $('dashboard');
  view.setAttribute('aria-busy', 'true');
  if (!$('dash-duties').childElementCount) $('dash-duties').replaceChildren(h('li', { className: 'none' }, 'Loading…'));
  const [dash, unmet, onTime, late] = await Promise.all([
    api('GET', '/api/v1/dashboard'),
    api('GET', '/api/v1/deadlines?status=unmet&limit=200'),
    api('GET', '/api/v1/deadlines?status=met_on_time&limit=200'),
    api('GET', '/api/v1/deadlines?status=met_late&limit=200'),
  ]);
  if (gen !== generation) return;
  view.removeAttribute('aria-busy');
  const failed = [dash, unmet, onTime, late].find((r) => !r.ok);
  if (failed) {
    if (failed.status !== 401) say('dash-error', problemText(failed, 'The dashboard could not be loaded'));
    if (!dash.ok) return;
  } else {
    say('dash-error', '');
  }
  const list = (r) => (r.ok && r.body && Array.isArray(r.body.items) ? r.body.items : null);
  const duties = list(unmet) || [...(dash.body.overdue || []), ...(dash.body.due_soon || [])];
  renderCounts(duties, list(onTime), list(late));
  renderDuties(duties);
  renderMissing(dash.body.missing_now || [], duties);
  renderRegions(dash.body.regions || []);
  renderAccess(dash.body.access_notices || []);
  if (announce) {
    const overdue = duties.filter((d) => d.status === 'overdue').length;
    say('dash-announce', `Dashboard up to date: ${overdue} overdue, ${(dash.body.missing_now || []).length} missing now.`);
  }
}

function renderCounts(unmet, onTime, late) {
  const n = (s) => unmet.filter((d) => d.status === s).length;
  const more = (l) => (l && l.length >= 200 ? '200+' : String(l ? l.length : '–'));
  const items = [
    ['overdue', String(n('overdue')), 'overdue'],
    ['open', String(n('open')), 'open, not yet due'],
    ['met_on_time', more(onTime), 'met on time'],
    ['met_late', more(late), 'met late'],
  ];
  $('dash-counts').replaceChildren(...items.map(([k, v, t]) =>
    h('li', { className: `count count-${k}`, dataset: { count: k } }, h('strong', { className: 'count-n' }, v), h('span', {}, t))));
}

function renderDuties(duties) {
  const ul = $('dash-duties');
  if (!duties.length) {
    ul.replaceChildren(h('li', { className: 'none duty-none' }, 'No duty is open: nothing is due.'));
    return;
  }
  // Overdue first (the longest overdue on top), then by due time.
  const order = [...duties].sort((a, b) => {
    const ao = a.status === 'overdue' ? 0 : 1;
    const bo = b.status === 'overdue' ? 0 : 1;
    return ao - bo || String(a.due_at).localeCompare(String(b.due_at));
  });
  ul.replaceChildren(...order.map((d) => dutyItem(d)));
}

// ---------------------------------------------------------------- missing now

/** The child of a dashboard entry or a case, by name. */
export function childName(x) {
  const c = x.child || x.person || x;
  if (x.restricted || c.restricted) return c.label || 'Restricted record';
  return fullName(c.given_name, c.family_name) || x.child_name || 'No name on file';
}

function sinceText(ep) {
  const m = missingFor(ep);
  return m ? ` (missing for ${m})` : '';
}

function renderMissing(list, duties) {
  const ul = $('dash-missing');
  if (!list.length) {
    ul.replaceChildren(h('li', { className: 'none' }, 'No child is missing now.'));
    return;
  }
  ul.replaceChildren(...list.map((m) => {
    const c = m.case || { id: m.case_id, number: m.number, region: m.region };
    const ep = m.episode || m;
    const epId = Number(m.episode_id ?? ep.id);
    // The reports still due: the unmet duties of the episode.
    const due = (m.duties || duties.filter((d) => d.subject && d.subject.type === 'missing_episode' && Number(d.subject.id) === epId))
      .filter((d) => !d.met_at);
    return h('li', { className: 'missing' },
      h('div', { className: 'missing-who' },
        h('p', { className: 'missing-name' }, m.restricted ? childName(m) : personLink(m.person_id, childName(m))),
        h('p', { className: 'missing-meta' }, caseLink(c), c.region ? h('span', {}, regionName(c.region)) : null)),
      h('dl', { className: 'missing-times' },
        h('div', {}, h('dt', {}, 'Last seen'), h('dd', {}, ep.last_seen_at ? `${formatShortTime(ep.last_seen_at)}${sinceText(ep)}` : 'Not known')),
        h('div', {}, h('dt', {}, 'Agency learned'), h('dd', {}, ep.learned_at ? formatShortTime(ep.learned_at) : 'Not known'))),
      h('div', { className: 'missing-due' },
        h('p', { className: 'missing-due-title' }, 'Reports still due'),
        due.length
          ? h('ul', { className: 'missing-due-list' }, due.map((d) => h('li', { dataset: { status: d.status || 'open' } },
            h('span', { className: 'missing-due-name' }, d.name || d.kind), h('span', { className: 'sub' }, countdown(d.minutes_left, d.due_at)))))
          : h('p', { className: 'all-made' }, h('span', { 'aria-hidden': 'true' }, '✓ '), 'All reports made')));
  }));
}

// ---------------------------------------------------------------- regions

function openCount(r) {
  for (const k of ['open', 'open_cases', 'cases', 'count']) if (Number.isFinite(Number(r[k]))) return Number(r[k]);
  return 0;
}

function renderRegions(regions) {
  const byId = new Map(regions.map((r) => [r.region ?? r.id ?? null, r]));
  // Every region of the pack, with its count (a region without cases shows 0).
  const own = ctx.user() && ctx.user().scope_kind === 'region' ? ctx.user().scope : null;
  const rows = regionsList().filter((r) => !own || r.id === own).map((r) => ({ id: r.id, name: r.name, r: byId.get(r.id) || {} }));
  for (const [id, r] of byId) {
    if (!rows.some((x) => x.id === id)) rows.push({ id, name: id ? regionName(id) : 'No region', r });
  }
  const max = Math.max(1, ...rows.map((x) => openCount(x.r)));
  const total = rows.reduce((s, x) => s + openCount(x.r), 0);
  $('dash-regions').replaceChildren(
    h('p', { className: 'chart-total' }, `${total} open ${total === 1 ? 'case' : 'cases'}`),
    h('ul', { className: 'chart' }, rows.map((x) => {
      const n = openCount(x.r);
      const fill = n ? Math.max(1, Math.round((n / max) * 20)) : 0;
      const extra = [];
      const miss = Number(x.r.missing_now ?? x.r.missing);
      if (miss > 0) extra.push(`${miss} missing now`);
      if (Number(x.r.overdue) > 0) extra.push(`${x.r.overdue} overdue`);
      return h('li', { className: 'chart-row', dataset: { region: x.id || '' } },
        h('span', { className: 'chart-label' }, x.name),
        h('span', { className: 'bar chart-bar', 'aria-hidden': 'true' }, barFill(fill)),
        h('span', { className: 'chart-n' }, String(n), srOnly(` open ${n === 1 ? 'case' : 'cases'}`),
          extra.length ? h('span', { className: 'chart-extra' }, ` · ${extra.join(' · ')}`) : null));
    })));
}

// ---------------------------------------------------------------- case access

const ACCESS_WHY = {
  created: 'New account',
  role: 'New role',
  scope: 'New area of work',
  setup_link: 'New set-up link: password replaced',
};

function renderAccess(list) {
  $('dash-access').hidden = list.length === 0;
  const self = ctx.user();
  $('dash-access-list').replaceChildren(...list.map((n) => {
    const who = n.user.display_name ? `${n.user.display_name} (${n.user.username})` : n.user.username;
    const area = n.scope ? `, ${n.role === 'liaison' ? regionName(n.scope) : n.scope}` : '';
    const by = n.granted_by === 'cli' ? 'the server’s command line' : n.granted_by;
    const own = self && self.id === n.user.id;
    return h('li', { className: 'access-item', dataset: { id: String(n.id) } },
      h('div', {},
        h('p', { className: 'access-what' }, h('strong', {}, who), ` · ${n.role_label || n.role}${area}`),
        h('p', { className: 'access-meta' }, `${ACCESS_WHY[n.reason] || n.reason} · by ${by} · ${formatShortTime(n.granted_at)}`)),
      own
        ? h('p', { className: 'sub' }, 'Your own account: another HART coordinator acknowledges it.')
        : h('button', { type: 'button', className: 'btn btn-secondary btn-small', dataset: { ack: String(n.id) } },
          'Acknowledge', srOnly(` ${n.user.username}`)));
  }));
}

async function acknowledge(event) {
  const button = event.target.closest('button[data-ack]');
  if (!button) return;
  const item = button.closest('li');
  const name = item.querySelector('strong')?.textContent || 'the account';
  button.disabled = true;
  const r = await api('POST', `/api/v1/access-notices/${button.dataset.ack}/acknowledge`);
  if (r.ok) {
    item.remove();
    say('dash-access-error', '');
    say('dash-access-status', `Acknowledged: ${name}.`);
    if (!$('dash-access-list').childElementCount) {
      $('dash-access-list').append(h('li', { className: 'none' }, 'Every account given case access has been acknowledged.'));
    }
    $('dash-access-heading').focus();
    return;
  }
  button.disabled = false;
  if (r.status !== 401) say('dash-access-error', problemText(r, `${name} was not acknowledged`));
}
