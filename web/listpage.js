// A list page's state in the address, its sortable column headers and its
// Previous/Next pages. The address holds the filters, the sort and the
// trail of cursors to the page shown (#cases?status=all&sort=-opened_at&
// trail=C1.C2), so a page can be reloaded, shared or bookmarked; the server
// answers each page by its cursor (docs/openapi.yaml, "Page").

import { $, h } from './common.js';

/** The state after the view's name in the address. */
export function hashState() {
  const i = location.hash.indexOf('?');
  return new URLSearchParams(i >= 0 ? location.hash.slice(i + 1) : '');
}

/** Writes the state into the address without going to another page. */
export function setHashState(view, params) {
  for (const [k, v] of [...params]) if (v === '') params.delete(k);
  const s = params.toString();
  const hash = `#${view}${s ? `?${s}` : ''}`;
  if (location.hash !== hash) history.replaceState(null, '', hash);
}

/** The cursors of the pages before and to the one shown (none: the first page). */
export function trailOf(params) {
  const t = params.get('trail');
  return t ? t.split('.').filter(Boolean) : [];
}

/**
 * Makes each header th[data-sort] of the table a button that sorts by its
 * column (a second press reverses); onSort(newSort) gets "col" or "-col".
 */
export function wireSortHeaders(tableId, current, onSort) {
  for (const th of $(tableId).querySelectorAll('th[data-sort]')) {
    const b = h('button', { type: 'button', className: 'sort-button' }, th.textContent.trim(),
      h('span', { className: 'sort-mark', 'aria-hidden': 'true' }));
    b.addEventListener('click', () => {
      const sort = current();
      const col = th.dataset.sort;
      const desc = sort.startsWith('-');
      const same = (desc ? sort.slice(1) : sort) === col;
      onSort(same ? (desc ? col : `-${col}`) : (th.dataset.first === 'desc' ? `-${col}` : col));
    });
    th.replaceChildren(b);
  }
}

/** Shows the order on the headers: aria-sort on the sorted column, and an arrow. */
export function showSort(tableId, sort) {
  const desc = sort.startsWith('-');
  const col = desc ? sort.slice(1) : sort;
  for (const th of $(tableId).querySelectorAll('th[data-sort]')) {
    const on = th.dataset.sort === col;
    if (on) th.setAttribute('aria-sort', desc ? 'descending' : 'ascending');
    else th.removeAttribute('aria-sort');
    const mark = th.querySelector('.sort-mark');
    if (mark) mark.textContent = on ? (desc ? ' ▼' : ' ▲') : '';
    const b = th.querySelector('button');
    if (b) b.title = on ? `Sorted ${desc ? 'descending' : 'ascending'}: press to reverse` : 'Press to sort by this column';
  }
}

/** Shows the pager PREFIX-pager: Previous when there is a page before, Next when the server gave a cursor. */
export function showPager(prefix, trail, next) {
  $(`${prefix}-prev`).hidden = trail.length === 0;
  $(`${prefix}-next`).hidden = !next;
  $(`${prefix}-page`).textContent = trail.length || next ? `Page ${trail.length + 1}` : '';
  $(`${prefix}-pager`).hidden = !trail.length && !next;
}
