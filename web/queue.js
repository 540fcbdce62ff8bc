// The queue: the Careline reports waiting for a decision, oldest first, with
// how long each has waited and whether it is past the pack's deadline. A
// liaison sees their own region's reports only (the server decides that too).

import {
  $, api, durationText, formatShortTime, h, officeName, packName, regionName, say, srOnly,
  getTableList, messageRow, termLabel, wireListFilters, fillRegionFilter,
} from './common.js';

const levelText = (l) => termLabel('screening_levels', l);

let ctx = { user: () => null };
let generation = 0;
let filledFor = null; // the username the region filter was filled for

export function initQueue(context) {
  ctx = { ...ctx, ...context };
  wireListFilters('queue', ['status', 'region'], load);
}

/** The region a liaison is held to, else null. */
function ownRegion() {
  const u = ctx.user();
  return u && u.scope_kind === 'region' ? u.scope : null;
}

function fillRegions() {
  const u = ctx.user();
  if (!u || filledFor === u.username) return;
  fillRegionFilter('queue', ownRegion(), h('option', { value: 'none' }, 'Statewide queue: town not mapped'));
  filledFor = u.username;
}

export function showQueue() {
  fillRegions();
  return load();
}

export function clearQueue() {
  generation++;
  filledFor = null;
  $('queue-body').replaceChildren();
  $('queue-status').value = 'open';
  $('queue-region').replaceChildren();
  say('queue-summary', '');
  say('queue-error', '');
}

async function load({ announce = false } = {}) {
  const gen = ++generation;
  const status = $('queue-status').value || 'open';
  const region = ownRegion() || $('queue-region').value;
  const params = new URLSearchParams({ status });
  if (region) params.set('region', region);
  const body = await getTableList('queue-table', 'queue-body', 'Loading the reports…', `/api/v1/intakes?${params}`,
    'intakes', 'queue-error', 'The queue could not be loaded', () => gen !== generation);
  if (!body) return;
  const list = body.intakes;
  const due = Number(body.deadline_minutes) || 0;
  const own = ownRegion();
  $('queue-hint').textContent = `${status === 'decided' ? 'Decided reports' : status === 'all' ? 'Every report' : 'Reports waiting for a decision'}, oldest first${own ? `, in ${regionName(own)} (your area of work)` : ''}.${due ? ` A report is overdue ${durationText(due)} after the call without a decision.` : ''}`;
  $('queue-body').replaceChildren(...(list.length ? list.map(row) : [messageRow(status === 'open' ? 'No report is waiting for a decision.' : 'No report here.')]));
  const overdue = list.filter((x) => x.overdue).length;
  const noun = status === 'open' ? 'open report' : status === 'decided' ? 'decided report' : 'report';
  const summary = `${list.length} ${noun}${list.length === 1 ? '' : 's'}${overdue ? `, ${overdue} overdue` : ''}.`;
  say('queue-summary', announce ? `${summary} Up to date as of ${formatShortTime(new Date().toISOString())}.` : summary);
}

function row(x) {
  const flags = [];
  if (x.restricted) flags.push(h('span', { className: 'badge badge-restricted' }, 'Restricted record'));
  if (x.suspected_victim) flags.push(h('span', { className: 'badge badge-victim' }, 'Suspected victim'));
  if (x.overdue) flags.push(h('span', { className: 'badge badge-overdue' }, 'Overdue'));
  if (x.disposition) flags.push(h('span', { className: 'badge badge-decided' }, packName('dispositions', x.disposition)));
  const where = x.unmapped_town || !x.region
    ? h('span', {}, h('span', { className: 'badge badge-unmapped' }, 'Statewide queue'), h('span', { className: 'sub' }, 'town not mapped'))
    : h('span', {}, regionName(x.region), x.office ? h('span', { className: 'sub' }, officeName(x.office)) : null);
  return h('tr', { className: x.overdue ? 'is-overdue' : '', dataset: { id: String(x.id) } },
    h('th', { scope: 'row', dataset: { label: 'Report' } },
      h('span', {}, h('a', { href: `#intake/${x.id}`, className: 'report-link' }, x.number),
        h('span', { className: 'sub' }, packName('referral_sources', x.source)))),
    h('td', { dataset: { label: 'Received' } }, formatShortTime(x.received_at)),
    h('td', { dataset: { label: 'Waiting' }, className: 'nowrap' },
      x.disposition ? h('span', { className: 'none' }, 'Decided') : durationText(x.age_minutes)),
    h('td', { dataset: { label: 'Region' } }, where),
    h('td', { dataset: { label: 'Children' }, className: 'num' }, String(x.children)),
    h('td', { dataset: { label: 'Screening' } },
      x.screening_level ? (levelText(x.screening_level)) : h('span', { className: 'none' }, 'Not screened')),
    h('td', { dataset: { label: 'Flags' } }, flags.length ? h('span', { className: 'flags' }, flags) : h('span', { className: 'none' }, h('span', { 'aria-hidden': 'true' }, '—'), srOnly('none'))));
}
