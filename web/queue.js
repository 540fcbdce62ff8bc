// The queue: the Careline reports waiting for a decision, oldest first, with
// how long each has waited and whether it is past the pack's deadline. A
// liaison sees their own region's reports only (the server decides that too).

import {
  $, api, durationText, formatShortTime, h, officeName, packName, regionName, say, srOnly,
  getTableList, messageRow, termLabel, wireListFilters, fillRegionFilter,
} from './common.js';
import { hashState, setHashState, showPager, showSort, trailOf, wireSortHeaders } from './listpage.js';

const levelText = (l) => termLabel('screening_levels', l);

let ctx = { user: () => null };
let generation = 0;
let filledFor = null; // the username the region filter was filled for

export function initQueue(context) {
  ctx = { ...ctx, ...context };
  wireListFilters('queue', ['status', 'region', 'from', 'to', 'sort'], (o) => (o && o.announce ? load(o) : filtersChanged()));
  wireSortHeaders('queue-table', () => hashState().get('sort') || DEFAULT_SORT, (sort) => {
    const p = hashState();
    p.set('sort', sort);
    p.delete('trail');
    setHashState('queue', p);
    load();
  });
  $('queue-next').addEventListener('click', () => turnPage(1));
  $('queue-prev').addEventListener('click', () => turnPage(-1));
}

const DEFAULT_SORT = 'received_at';
const PAGE = 50;
let nextCursor = null;
const FILTERS = [['status', 'queue-status'], ['region', 'queue-region'], ['q', 'queue-q'],
  ['received_from', 'queue-from'], ['received_to', 'queue-to']];

/** The form's filters into the address, from the first page, then the list. */
function filtersChanged() {
  const p = hashState();
  for (const [k, id] of FILTERS) p.set(k, $(id).value.trim());
  if (p.get('status') === 'open') p.delete('status');
  if ($('queue-sort').value !== DEFAULT_SORT) p.set('sort', $('queue-sort').value);
  else p.delete('sort');
  p.delete('trail');
  setHashState('queue', p);
  return load();
}

/** Next (+1) or Previous (-1) through the trail of cursors in the address. */
function turnPage(step) {
  const p = hashState();
  const trail = trailOf(p);
  if (step > 0 && nextCursor) trail.push(nextCursor);
  if (step < 0) trail.pop();
  p.set('trail', trail.join('.'));
  setHashState('queue', p);
  return load({ focusTable: true });
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
  for (const id of ['queue-q', 'queue-from', 'queue-to']) $(id).value = '';
  $('queue-sort').value = DEFAULT_SORT;
  nextCursor = null;
  $('queue-pager').hidden = true;
  say('queue-summary', '');
  say('queue-error', '');
}

async function load({ announce = false, focusTable = false } = {}) {
  const gen = ++generation;
  const state = hashState();
  // The address decides: the form shows what it holds.
  for (const [k, id] of FILTERS) if (k !== 'region' || !ownRegion()) $(id).value = state.get(k) || (k === 'status' ? 'open' : '');
  const status = $('queue-status').value || 'open';
  const region = ownRegion() || $('queue-region').value;
  const sort = state.get('sort') || DEFAULT_SORT;
  const trail = trailOf(state);
  const params = new URLSearchParams({ status, sort, limit: String(PAGE) });
  if (region) params.set('region', region);
  for (const k of ['q', 'received_from', 'received_to']) if (state.get(k)) params.set(k, state.get(k));
  if (trail.length) params.set('after', trail[trail.length - 1]);
  showSort('queue-table', sort);
  if ([...$('queue-sort').options].some((o) => o.value === sort)) $('queue-sort').value = sort;
  const body = await getTableList('queue-table', 'queue-body', 'Loading the reports…', `/api/v1/intakes?${params}`,
    'items', 'queue-error', 'The queue could not be loaded', () => gen !== generation);
  if (!body) return;
  const list = body.items;
  nextCursor = body.next;
  showPager('queue', trail, nextCursor);
  const due = Number(body.deadline_minutes) || 0;
  const own = ownRegion();
  const order = sort === 'received_at' ? 'oldest first' : sort === '-received_at' ? 'newest first' : `by number${sort.startsWith('-') ? ', last first' : ''}`;
  $('queue-hint').textContent = `${status === 'decided' ? 'Decided reports' : status === 'all' ? 'Every report' : 'Reports waiting for a decision'}, ${order}${own ? `, in ${regionName(own)} (your area of work)` : ''}.${due ? ` A report is overdue ${durationText(due)} after the call without a decision.` : ''}`;
  const none = state.get('q') ? 'No report matches this search.' : status === 'open' ? 'No report is waiting for a decision.' : 'No report here.';
  $('queue-body').replaceChildren(...(list.length ? list.map(row) : [messageRow(none)]));
  const overdue = list.filter((x) => x.overdue).length;
  const noun = status === 'open' ? 'open report' : status === 'decided' ? 'decided report' : 'report';
  const first = trail.length * PAGE + 1;
  const count = list.length && (trail.length || nextCursor) ? `${noun[0].toUpperCase()}${noun.slice(1)}s ${first} to ${first + list.length - 1}` : `${list.length} ${noun}${list.length === 1 ? '' : 's'}`;
  const summary = `${count}${overdue ? `, ${overdue} overdue` : ''}.`;
  say('queue-summary', announce ? `${summary} Up to date as of ${formatShortTime(new Date().toISOString())}.` : summary);
  $('queue-table').dataset.query = params.toString();
  if (focusTable) $('queue-heading').focus();
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
