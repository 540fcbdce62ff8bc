// The figures for the task force, legislators and the federal report
// (docs/figures.md is the contract): a page that shows one figure at a time
// (its chart, its numbers as a table and its downloads), and a printable
// report with every main figure on one page. HART, liaisons (their own
// region) and analysts (small counts always hidden: the server decides,
// the page says so). The choices live in the address (#figures?by=year...)
// so that a figure can be bookmarked or sent to a colleague.

import {
  $, api, clearFieldErrors, formatDate, getConfig, h, markFieldErrors, problemText, regionName, regionsList, say,
  sentence, today,
} from './common.js';

let ctx = { can: () => false, user: () => null };
let figGen = 0;
let tfGen = 0;
let filledFor = null;

// ---------------------------------------------------------------- what there is to count

/** The dimensions of GET /api/v1/stats/referrals, in words. */
const DIMS = [
  ['year', 'Year'],
  ['quarter', 'Quarter'],
  ['month', 'Month'],
  ['source', 'Referral source'],
  ['region', 'Region'],
  ['office', 'Area office'],
  ['age', 'Age group'],
  ['sex', 'Sex'],
  ['gender', 'Gender identity'],
  ['vulnerability', 'Vulnerability'],
  ['type', 'Trafficking type'],
  ['disposition', 'Disposition'],
];
const TIME_REGION = DIMS.filter(([k]) => ['year', 'quarter', 'month', 'region'].includes(k));
/** Service referrals (restore and recovery) by service, provider or region. */
const SERVICE_BY = [['service', 'Service'], ['provider', 'Provider'], ['region', 'Region']];
/** Training (GET /api/v1/stats/training): what it counts, and what each count may be split by. */
const TRAINING_MEASURES = [
  ['people', 'People trained'],
  ['sessions', 'Sessions held'],
  ['reach', 'Trainers’ reach'],
  ['informed', 'Providers trafficking-informed'],
];
const TRAINING_BY = {
  people: [['course', 'Course'], ['audience', 'Audience'], ['region', 'Region'], ['year', 'Year']],
  sessions: [['course', 'Course'], ['region', 'Region'], ['year', 'Year']],
  // One row a trainer, by name: trainers and HART only; an analyst gets the distribution.
  reach: [['trainer', 'Trainer'], ['sessions_led', 'Sessions led']],
  // Now, region by region; or over time, on each quarter's or year's last day.
  informed: [['region', 'Region (now)'], ['quarter', 'Quarter'], ['year', 'Year']],
};
const DIM_NAME = Object.fromEntries([...DIMS, ...SERVICE_BY, ...Object.values(TRAINING_BY).flat()]);
/** What a figure counts (the "Count" choice), when not referrals or children. */
const REFERRAL_MEASURES = [['referrals', 'Referrals'], ['children', 'Children (each once)']];
const SERVICE_MEASURES = [
  ['referrals', 'Outcomes'],
  ['answers', 'Answer times'],
  ['first_service', 'Days to first service'],
];

/**
 * The figures: the API path, the button's words, what it explains, and
 * the choices it takes (by: its dimensions; then, measure, kind, fy).
 */
const FIGURES = [
  {
    id: 'referrals', label: 'Referrals', by: DIMS, then: true, measure: true,
    about: 'Children referred for HART response, one for each child in an accepted report.',
  },
  {
    id: 'repeat', label: 'Repeat referrals',
    about: 'Children by how many times they were referred in the period.',
  },
  {
    id: 'duties', label: 'Duties met on time', by: TIME_REGION, kind: true,
    about: 'Duties that fell due in each period: met on time, met late or not met, and the share met on time.',
  },
  {
    id: 'missing', label: 'Missing episodes', by: TIME_REGION,
    about: 'Episodes of a child going missing that started in each period, and whether the reports were made on time.',
  },
  {
    id: 'rapid-response', label: 'Rapid response', by: TIME_REGION,
    about: 'Requests for a rapid responder, arrivals within the target, and how long the wait was.',
  },
  {
    id: 'services', label: 'Service referrals', by: SERVICE_BY, measure: true, measures: SERVICE_MEASURES,
    about: 'Referrals of children to providers for restore-and-recovery services: accepted, declined, completed or ended early; providers’ answers against the deadline; the days from identification to the first service.',
  },
  {
    id: 'relief', label: 'Record relief', by: [['year', 'Year'], ['region', 'Region']],
    about: 'Records that may be vacated or erased, by status, in the year of the petition (or of the record, before a petition).',
  },
  {
    id: 'training', label: 'Training', perm: 'training.stats', measure: true, measures: TRAINING_MEASURES, byFor: TRAINING_BY,
    measureHint: 'People who attended and completed, sessions held, the reach of the trainers, or the providers whose staff hold the training.',
    about: 'Training held by the agency: the period is the day each session started; a cancelled session never counts.',
    // Providers are counted on a day, not by the sessions in the period.
    aboutFor: { informed: 'Providers counted on the day shown, by the agency’s rule for trafficking-informed: staff who completed the courses it names, within its months.' },
  },
  {
    id: 'federal', label: 'Federal count', fy: true, noDates: true,
    about: 'Distinct children identified as suspected or confirmed victims of sex trafficking in a federal fiscal year.',
  },
];
const mayAsk = (f) => !f.perm || ctx.can(f.perm);
const figureOf = (id) => FIGURES.find((f) => f.id === id && mayAsk(f)) || FIGURES[0];

/** The measure a figure counts, from the state (its first when the state's is not one of its own). */
function measureOf(fig, state) {
  const measures = fig.measures || REFERRAL_MEASURES;
  return measures.some(([k]) => k === state.measure) ? state.measure : measures[0][0];
}

/** What a figure may be split by: for training it depends on the measure, and on who asks. */
function bysOf(fig, state) {
  if (!fig.byFor) return fig.by;
  return fig.byFor[measureOf(fig, state)].filter(([k]) => k !== 'trainer' || !alwaysHidden());
}

// ---------------------------------------------------------------- who is looking

function ownRegion() {
  const u = ctx.user();
  return u && u.scope_kind === 'region' ? u.scope : null;
}

/** The analyst's figures are always suppressed (the server enforces it). */
function alwaysHidden() {
  const u = ctx.user();
  return !!u && u.role === 'analyst';
}

// ---------------------------------------------------------------- fiscal years

/** The federal fiscal year a date falls in: FFY 2026 is 2025-10-01 to 2026-09-30. */
export function fiscalYearOf(iso) {
  const m = /^(\d{4})-(\d{2})/.exec(iso || '');
  if (!m) return null;
  return Number(m[2]) >= 10 ? Number(m[1]) + 1 : Number(m[1]);
}

/** The last federal fiscal year that has ended: the one the annual count is owed for. */
function lastFiscalYear() {
  return fiscalYearOf(today()) - 1;
}

function fyOptions(select) {
  const now = fiscalYearOf(today());
  const opts = [];
  for (let y = now; y >= now - 20; y--) {
    // Short, so that the menu is never cut: the hint says the months.
    const text = `FFY ${y}${y === now ? ' (so far)' : ''}`;
    opts.push(h('option', { value: String(y) }, text));
  }
  select.replaceChildren(...opts);
}

// ---------------------------------------------------------------- the address

/** The figures page's choices from the address, with the defaults filled in. */
function readState() {
  const q = new URLSearchParams((location.hash.split('?')[1]) || '');
  const f = figureOf(q.get('figure'));
  const own = ownRegion();
  return {
    figure: f.id,
    from: q.get('from') || '',
    to: q.get('to') || '',
    region: own || q.get('region') || '',
    by: q.get('by') || 'year',
    then: q.get('then') || '',
    measure: q.get('measure') || 'referrals',
    kind: q.get('kind') || '',
    fy: q.get('fy') || String(lastFiscalYear()),
    suppressed: alwaysHidden() || q.get('suppressed') === 'true',
  };
}

/** Keeps the choices in the address without a new history entry (and without a hashchange). */
function writeState(base, state, keys) {
  const q = new URLSearchParams();
  for (const k of keys) {
    const v = state[k];
    if (v === true) q.set(k, 'true');
    else if (v && v !== false) q.set(k, String(v));
  }
  const s = q.toString();
  const hash = s ? `${base}?${s}` : base;
  if (location.hash !== hash) history.replaceState(null, '', hash);
}

/** The API query of a figure, as docs/figures.md names it. */
function queryOf(state, fig, format) {
  const q = new URLSearchParams();
  if (!fig.noDates) {
    if (state.from) q.set('from', state.from);
    if (state.to) q.set('to', state.to);
  }
  if (state.region) q.set('region', state.region);
  const bys = bysOf(fig, state);
  if (bys) q.set('by', bys.some(([k]) => k === state.by) ? state.by : bys[0][0]);
  if (fig.then && state.then && state.then !== state.by) q.set('then', state.then);
  if (fig.measure) q.set('measure', measureOf(fig, state));
  if (fig.kind && state.kind) q.set('kind', state.kind);
  if (fig.fy) q.set('fy', state.fy);
  if (state.suppressed) q.set('suppressed', 'true');
  if (format) q.set('format', format);
  return q;
}

const statsPath = (fig, q) => `/api/v1/stats/${fig.id}?${q}`;

// ---------------------------------------------------------------- shared pieces

/** The region choice: every region, or a liaison's own (shown, not changeable). */
function fillRegion(select, hint) {
  const own = ownRegion();
  if (own) {
    select.replaceChildren(h('option', { value: own }, regionName(own)));
    select.disabled = true;
    hint.textContent = 'Liaisons see the figures of their own region.';
    hint.hidden = false;
  } else {
    select.replaceChildren(h('option', { value: '' }, 'All regions'), ...regionsList().map((r) => h('option', { value: r.id }, r.name)));
    select.disabled = false;
    hint.textContent = '';
    hint.hidden = true;
  }
}

/** The hide-small-counts box: always on, and why, for the analyst. */
function fillSuppressed(box, hint, usual) {
  if (alwaysHidden()) {
    box.checked = true;
    box.disabled = true;
    hint.textContent = 'Always on for analysts: the figures you prepare may be shown outside the agency, so a count under 5, or one it could be worked out from, is never shown.';
  } else {
    box.disabled = false;
    hint.textContent = usual;
  }
}

/** The sentence that explains hidden counts, for a threshold (5: "<5 means fewer than 5"). */
export function suppressionNotice(threshold) {
  const t = Number(threshold) > 1 ? Number(threshold) : 5;
  return `Small counts are hidden: “<${t}” means fewer than ${t}; “*” is a count hidden so that a small count cannot be worked out from the totals.`;
}

const isHidden = (cell) => !!cell && (cell.value === null || cell.value === undefined) && /^(<\d+|\*)$/.test(cell.display || '');
const hasHidden = (fig) => [
  ...(fig.rows || []).flatMap((r) => [...(r.cells || []), r.total]),
  ...(Array.isArray(fig.column_totals) ? fig.column_totals : []),
  fig.total,
].some(isHidden);

function cellTd(cell, label) {
  const c = cell || { value: null, display: '' };
  const hidden = isHidden(c);
  const text = c.display ?? (c.value === null || c.value === undefined ? '' : String(c.value));
  return h('td', { className: `num${hidden ? ' hidden-count' : ''}`, dataset: { label } },
    text,
    hidden ? h('span', { className: 'sr-only' }, c.display === '*' ? ' (hidden)' : ` (fewer than ${Number(c.display.slice(1))})`) : null);
}

/** The label of a figure's row dimension, for the table's first column. */
function rowHeading(fig) {
  if (fig.by && DIM_NAME[fig.by]) return DIM_NAME[fig.by];
  if (fig.figure === 'repeat') return 'Referrals per child';
  if (fig.figure === 'federal') return 'Victim status';
  return '';
}

/**
 * A figure as a table: a caption, a header row (th scope="col"), one row a
 * value of the dimension (th scope="row"), the totals in a foot.
 */
export function figureTable(fig, { caption } = {}) {
  const cols = Array.isArray(fig.columns) ? fig.columns : [];
  const rows = Array.isArray(fig.rows) ? fig.rows : [];
  const rowTotals = rows.some((r) => r.total);
  const colTotals = Array.isArray(fig.column_totals) && fig.column_totals.length === cols.length ? fig.column_totals : null;
  const first = rowHeading(fig) || 'Category';
  // Shares of a list (vulnerabilities) of its base, when the base is shown.
  const base = fig.base && !isHidden(fig.base) && Number(fig.base.value) > 0 ? Number(fig.base.value) : 0;
  const shareTd = (cell) => {
    const shown = cell && !isHidden(cell) && cell.value !== null && cell.value !== undefined;
    return h('td', { className: 'num', dataset: { label: 'Share' } }, shown ? `${Math.round((100 * cell.value) / base)}%` : '');
  };
  const head = h('tr', {},
    h('th', { scope: 'col' }, first),
    cols.map((c) => h('th', { scope: 'col', className: 'num' }, c.label || c.key)),
    base ? h('th', { scope: 'col', className: 'num' }, `Share of ${base}`) : null,
    rowTotals ? h('th', { scope: 'col', className: 'num' }, 'Total') : null);
  const body = rows.length
    ? rows.map((r) => h('tr', { dataset: { key: r.key } },
      h('th', { scope: 'row' }, r.label || r.key),
      (r.cells || []).map((c, j) => cellTd(c, cols[j] ? cols[j].label : '')),
      base ? shareTd((r.cells || [])[0]) : null,
      rowTotals ? cellTd(r.total, 'Total') : null))
    : [h('tr', { className: 'message-row' }, h('td', { colspan: cols.length + 1 + (rowTotals ? 1 : 0) }, 'Nothing to count in this period.'))];
  let foot = null;
  if (rows.length && colTotals) {
    foot = h('tfoot', {}, h('tr', {},
      h('th', { scope: 'row' }, 'Total'),
      colTotals.map((c, j) => cellTd(c, cols[j] ? cols[j].label : '')),
      rowTotals ? cellTd(fig.total, 'Total') : null));
  } else if (rows.length && fig.total && cols.length === 1) {
    foot = h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'Total'), cellTd(fig.total, 'Total')));
  }
  const wide = cols.length + (rowTotals ? 1 : 0) > 5;
  return h('table', { className: `table figure-table${wide ? ' is-wide' : ''}`, dataset: { figure: fig.figure || '' } },
    h('caption', {}, caption || [fig.title, fig.subtitle].filter(Boolean).join(', ')),
    h('thead', {}, head),
    h('tbody', {}, body),
    foot);
}

/** A table of one or two columns of numbers, that fits beside its chart. */
function isNarrow(fig) {
  const cols = (fig.columns || []).length + ((fig.rows || []).some((r) => r.total) ? 1 : 0);
  return cols <= 2 && (fig.rows || []).length <= 16;
}

/**
 * Whether the server can draw the figure (model/chart.h): 1 to 200
 * categories, and up to 12 stacked series (a two-way figure with more
 * draws its row totals). Otherwise the table alone.
 */
function chartable(fig) {
  const rows = (fig.rows || []).length;
  const cols = (fig.columns || []).length;
  // More than 12 columns of a two-way figure: the chart draws the row totals.
  const totals = (fig.rows || []).some((r) => r.total);
  return rows >= 1 && rows <= 200 && cols >= 1 && (cols <= 12 || totals);
}

function noChartText(fig) {
  return (fig.rows || []).length
    ? 'Too many bars to draw: the numbers are in the table. Choose a shorter period or fewer categories for a chart.'
    : 'Nothing to draw: there is nothing to count in this period.';
}

/** The alt text of a figure's chart: what it is; its numbers are in the table (and in the SVG's description). */
function chartAlt(fig) {
  const what = [fig.title, fig.subtitle].filter(Boolean).join(', ');
  return `Chart: ${what}. The numbers are in the table below.`;
}

/** A visible cue above a table wider than its box: "scroll sideways". */
function showScrollCue(wrap) {
  let cue = wrap.previousElementSibling;
  if (!cue || !cue.classList.contains('scroll-cue')) {
    cue = h('p', { className: 'scroll-cue', hidden: true }, 'The table is wider than the page: scroll sideways to see every column →');
    wrap.before(cue);
  }
  const check = () => {
    const wide = wrap.scrollWidth > wrap.clientWidth + 1;
    cue.hidden = !wide;
    wrap.classList.toggle('is-scrollable', wide);
  };
  // The table's width is known only once it is laid out, and changes with the window.
  if (!wrap.cueWatch) {
    wrap.cueWatch = new ResizeObserver(check);
    wrap.cueWatch.observe(wrap);
  }
  const table = wrap.querySelector('table');
  if (table) wrap.cueWatch.observe(table);
  requestAnimationFrame(check);
}

// ---------------------------------------------------------------- the figures page

export function initFigures(context) {
  ctx = { ...ctx, ...context };
  const kinds = $('figures-kinds');
  kinds.replaceChildren(...FIGURES.map((f) => h('label', { className: 'segment', for: `figures-kind-${f.id}` },
    h('input', { type: 'radio', name: 'figure', id: `figures-kind-${f.id}`, value: f.id }),
    h('span', {}, f.label))));
  const form = $('figures-form');
  // A date typed digit by digit changes on every digit: ask once it rests.
  let typing = 0;
  form.addEventListener('change', (e) => {
    if (e.target.id === 'figures-fy') fyChosen = true;
    clearTimeout(typing);
    if (e.target.type === 'date') typing = setTimeout(() => loadFigure(), 600);
    else loadFigure();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    loadFigure();
  });
  $('figure-chart').addEventListener('load', () => {
    $('figure-chart').hidden = false;
    $('figure-chart-none').hidden = true;
  });
  $('figure-chart').addEventListener('error', () => {
    if (!$('figure-chart').getAttribute('src')) return;
    $('figure-chart').hidden = true;
    $('figure-chart-none').hidden = false;
  });
  $('tf-form').addEventListener('submit', (e) => {
    e.preventDefault();
    loadReport();
  });
  $('tf-print').addEventListener('click', () => window.print());
}

export function clearFigures() {
  figGen++;
  tfGen++;
  filledFor = null;
  clearFigure();
  $('tf-sections').replaceChildren();
  for (const id of ['figures-error', 'tf-error', 'figure-announce', 'tf-announce', 'tf-scope', 'tf-made']) say(id, '');
  $('tf-notice').hidden = true;
}

function clearFigure() {
  const img = $('figure-chart');
  img.removeAttribute('src');
  img.hidden = true;
  img.alt = '';
  $('figure-chart-none').hidden = true;
  const wrap = $('figure-table-wrap');
  wrap.replaceChildren();
  for (const a of ['tabindex', 'role', 'aria-label']) wrap.removeAttribute(a);
  $('figure-notice').hidden = true;
  $('figure-downloads').hidden = true;
  $('figure-subtitle').textContent = '';
}

/** Fills the choices that depend on the pack and on who is logged in, once a session. */
function fillChoices() {
  const u = ctx.user();
  const key = u ? `${u.username}` : '';
  if (filledFor === key) return;
  filledFor = key;
  // A figure some may not ask for (training: not a liaison) is not offered to them.
  for (const f of FIGURES) $(`figures-kind-${f.id}`).closest('label').hidden = !mayAsk(f);
  fillRegion($('figures-region'), $('figures-region-hint'));
  fillRegion($('tf-region'), $('tf-region-hint'));
  fillSuppressed($('figures-suppressed'), $('figures-suppressed-hint'),
    'For figures that leave the agency: counts under 5 show as “<5”, and the counts they could be worked out from as “*”.');
  fillSuppressed($('tf-suppressed'), $('tf-suppressed-hint'),
    'Leave it on for a report that leaves the agency: counts under 5 show as “<5”.');
  fyOptions($('figures-fy'));
  fyOptions($('tf-fy'));
  const deadlines = (getConfig() && getConfig().deadlines) || [];
  $('figures-kind').replaceChildren(h('option', { value: '' }, 'The federal reports (law enforcement and NCMEC)'),
    ...deadlines.map((d) => h('option', { value: d.id }, d.name)));
}

/** Puts the state into the form: the figure's own choices show, the others hide. */
function setForm(state) {
  const fig = figureOf(state.figure);
  for (const f of FIGURES) $(`figures-kind-${f.id}`).checked = f.id === fig.id;
  $('figures-from').value = state.from;
  $('figures-to').value = state.to;
  $('figures-region').value = state.region;
  if ($('figures-region').value !== state.region) $('figures-region').value = '';
  const by = $('figures-by');
  const bys = bysOf(fig, state);
  if (bys) {
    by.replaceChildren(...bys.map(([k, t]) => h('option', { value: k }, t)));
    by.value = bys.some(([k]) => k === state.by) ? state.by : bys[0][0];
  }
  const then = $('figures-then');
  then.replaceChildren(h('option', { value: '' }, 'Nothing more'),
    ...DIMS.filter(([k]) => k !== by.value).map(([k, t]) => h('option', { value: k }, t)));
  then.value = fig.then && state.then !== by.value ? state.then : '';
  const measures = fig.measures || REFERRAL_MEASURES;
  const measure = $('figures-measure');
  if (measure.dataset.for !== fig.id) {
    measure.replaceChildren(...measures.map(([k, t]) => h('option', { value: k }, t)));
    measure.dataset.for = fig.id;
    $('figures-measure-hint').textContent = fig.measureHint || (fig.measures ? 'Outcomes of referrals, providers’ answers against the deadline, or days from identification to the first service.' : 'A child referred twice is two referrals, one child.');
  }
  measure.value = measureOf(fig, state);
  $('figures-kind').value = state.kind;
  if ($('figures-kind').value !== state.kind) $('figures-kind').value = '';
  showFiscalYear($('figures-fy'), state.fy);
  $('figures-suppressed').checked = state.suppressed;
  $('figures-by-field').hidden = !bys;
  $('figures-then-field').hidden = !fig.then;
  $('figures-measure-field').hidden = !fig.measure;
  $('figures-kind-field').hidden = !fig.kind;
  $('figures-fy-field').hidden = !fig.fy;
  for (const id of ['figures-from', 'figures-to']) {
    $(id).disabled = !!fig.noDates;
    $(id).closest('.field').hidden = !!fig.noDates;
  }
}

/** The state as the form holds it now. */
function formState() {
  const picked = document.querySelector('#figures-kinds input:checked');
  return {
    figure: picked ? picked.value : 'referrals',
    from: $('figures-from').value,
    to: $('figures-to').value,
    region: ownRegion() || $('figures-region').value,
    by: $('figures-by').value || 'year',
    then: $('figures-then').value,
    measure: $('figures-measure').value,
    kind: $('figures-kind').value,
    fy: $('figures-fy').value,
    suppressed: alwaysHidden() || $('figures-suppressed').checked,
  };
}

const FIGURE_KEYS = ['figure', 'from', 'to', 'region', 'by', 'then', 'measure', 'kind', 'fy', 'suppressed'];

export function showFigures() {
  fillChoices();
  setForm(readState());
  return loadFigure({ fromAddress: true });
}

/** Whether a figure's answer counts anyone at all. */
function hasCounts(body) {
  return (body.rows || []).some((r) => [...(r.cells || []), r.total].some((c) => c && Number(c.value) > 0));
}

// Whether the person chose the fiscal year (or the address names one):
// until then the federal count opens on a year that holds children.
let fyChosen = false;

async function loadFigure({ fromAddress = false } = {}) {
  const gen = ++figGen;
  if (fromAddress && /[?&]fy=/.test(location.hash)) fyChosen = true;
  let state = formState();
  setForm(state); // the figure's own choices show; "then" loses the "by" chosen
  state = formState();
  const fig = figureOf(state.figure);
  if (!fromAddress || location.hash.includes('?')) {
    const keep = { ...state };
    if (!bysOf(fig, state)) delete keep.by;
    if (!fig.then) delete keep.then;
    if (!fig.measure || keep.measure === 'referrals') delete keep.measure;
    if (!fig.kind) delete keep.kind;
    if (!fig.fy) delete keep.fy;
    if (fig.noDates) { delete keep.from; delete keep.to; }
    if (ownRegion()) delete keep.region;
    if (alwaysHidden()) delete keep.suppressed;
    writeState('#figures', keep, FIGURE_KEYS);
  }
  const form = $('figures-form');
  clearFieldErrors(form);
  const panel = $('figure-panel');
  panel.setAttribute('aria-busy', 'true');
  $('figure-eyebrow').textContent = fig.label;
  const q = queryOf(state, fig);
  const r = await api('GET', statsPath(fig, q));
  if (gen !== figGen) return;
  panel.removeAttribute('aria-busy');
  if (!r.ok || !r.body || !Array.isArray(r.body.rows)) {
    clearFigure();
    $('figure-title').textContent = fig.label;
    if (r.status === 401) return;
    if (r.status === 422) {
      const { first, loose } = markFieldErrors(form, r);
      say('figures-error', loose.length ? `The figure could not be made: ${loose.join(' ')}` : 'The figure could not be made: check the choices marked.');
      if (first) first.focus();
    } else {
      say('figures-error', problemText(r, 'The figure could not be loaded'));
    }
    return;
  }
  say('figures-error', '');
  const current = String(fiscalYearOf(today()));
  if (fig.fy && !fyChosen && state.fy !== current && !hasCounts(r.body)) {
    // The last full year counts no one: the year so far may.
    const r2 = await api('GET', statsPath(fig, queryOf({ ...state, fy: current }, fig)));
    if (gen !== figGen) return;
    if (r2.ok && r2.body && Array.isArray(r2.body.rows) && hasCounts(r2.body)) {
      showFiscalYear($('figures-fy'), current);
      state = formState();
      writeState('#figures', { ...state, region: ownRegion() ? '' : state.region, suppressed: state.suppressed && !alwaysHidden() },
        ['figure', 'region', 'fy', 'suppressed']);
      renderFigure(r2.body, fig, state);
      return;
    }
  }
  renderFigure(r.body, fig, state);
}

function renderFigure(data, fig, state) {
  $('figure-title').textContent = data.title || fig.label;
  const about = (fig.aboutFor && fig.aboutFor[data.measure]) || fig.about;
  $('figure-subtitle').textContent = [data.subtitle, about].filter(Boolean).join(' · ');
  // The chart and the downloads ask exactly what the table answered.
  const img = $('figure-chart');
  const svg = statsPath(fig, queryOf(state, fig, 'svg'));
  const none = $('figure-chart-none');
  if (chartable(data)) {
    img.alt = chartAlt(data);
    if (img.getAttribute('src') !== svg) {
      none.hidden = true;
      img.src = svg;
    }
    img.hidden = false;
  } else {
    img.removeAttribute('src');
    img.alt = '';
    img.hidden = true;
    none.textContent = noChartText(data);
    none.hidden = false;
  }
  const wrap = $('figure-table-wrap');
  const table = figureTable(data);
  wrap.replaceChildren(table);
  // A narrow table goes beside its chart on a wide screen.
  $('figure-pair').classList.toggle('is-side', isNarrow(data));
  // A wide table scrolls: it says so, and it can be reached and named from the keyboard.
  showScrollCue(wrap);
  wrap.setAttribute('tabindex', '0');
  wrap.setAttribute('role', 'region');
  wrap.setAttribute('aria-label', `Table: ${data.title || fig.label}`);
  const notice = $('figure-notice');
  if (data.suppressed) {
    notice.textContent = hasHidden(data)
      ? suppressionNotice(data.threshold)
      : `Small counts are hidden in this figure (fewer than ${data.threshold || 5}); none is small here.`;
    notice.hidden = false;
  } else {
    notice.textContent = 'Exact counts: for use inside the agency. Tick “Hide small counts” before a figure leaves it.';
    notice.hidden = false;
  }
  notice.classList.toggle('is-exact', !data.suppressed);
  for (const format of ['csv', 'xlsx', 'svg']) {
    const a = $(`figure-${format}`);
    a.href = statsPath(fig, queryOf(state, fig, format));
    a.setAttribute('download', `${fileName(data, state)}.${format}`);
  }
  $('figure-downloads').hidden = false;
  const total = data.total && data.total.display ? `, total ${data.total.display}` : '';
  say('figure-announce', `Shown: ${data.title}${data.subtitle ? `, ${data.subtitle}` : ''}${total}.`);
}

/** "referrals-by-year-2008-01-01-to-2015-12-31-R1": a file name that says what is in it. */
function fileName(data, state) {
  const parts = [data.title || data.figure || 'figure'];
  if (state.region) parts.push(state.region);
  if (data.suppressed) parts.push('small counts hidden');
  return parts.join(' ').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 100) || 'figure';
}

// ---------------------------------------------------------------- the task force report

/** The report's sections: the figure and its query, in the order they print. */
const REPORT = [
  { id: 'by-year', fig: 'referrals', q: { by: 'year', measure: 'referrals' }, lead: 'Children referred for HART response each year.' },
  { id: 'by-source', fig: 'referrals', q: { by: 'year', then: 'source', measure: 'referrals' }, lead: 'Who made the referrals, year by year.' },
  { id: 'by-age', fig: 'referrals', q: { by: 'age', measure: 'referrals' }, lead: 'The child’s age when referred.' },
  { id: 'vulnerability', fig: 'referrals', q: { by: 'vulnerability', measure: 'referrals' }, lead: 'What made the children vulnerable. A child may have several, so the shares add up to more than the whole.' },
  { id: 'federal', fig: 'federal', q: {}, lead: 'The annual count owed to the federal government: distinct children identified as suspected or confirmed victims of sex trafficking.' },
  { id: 'duties', fig: 'duties', q: { by: 'year' }, lead: 'The reports the law requires, to law enforcement and to NCMEC: made on time, late or not at all.' },
  { id: 'services', fig: 'services', q: { by: 'service', measure: 'referrals' }, lead: 'Children referred to providers for restore-and-recovery services, and what became of the referrals. A share is of the referrals answered (accepted) or ended (completed).' },
  { id: 'answers', fig: 'services', q: { by: 'service', measure: 'answers' }, lead: 'How providers answered referrals against the deadline the agency set.' },
  { id: 'relief', fig: 'relief', q: { by: 'year' }, lead: 'Records about children that may be vacated or erased, by the status of the relief.' },
  { id: 'training-people', fig: 'training', q: { by: 'course', measure: 'people' }, lead: 'Awareness and education: the people trained in the period, course by course: who attended and who completed. A person at two courses is in both rows.' },
  { id: 'training-sessions', fig: 'training', q: { by: 'region', measure: 'sessions' }, lead: 'The training sessions held in the period, region by region, and the attendance they recorded.' },
  { id: 'training-informed', fig: 'training', q: { by: 'quarter', measure: 'informed' }, lead: 'Provider networks trained up: on the last day of each quarter, the providers whose staff held the training the agency’s rule asks for, those whose training had lapsed, and those never informed.' },
];

const TF_KEYS = ['from', 'to', 'region', 'fy', 'suppressed'];

function readReportState() {
  const q = new URLSearchParams((location.hash.split('?')[1]) || '');
  return {
    from: q.get('from') || '',
    to: q.get('to') || '',
    region: ownRegion() || q.get('region') || '',
    fy: q.get('fy') || String(lastFiscalYear()),
    // A report for a task force leaves the agency: counts are hidden unless asked otherwise.
    suppressed: alwaysHidden() || q.get('suppressed') !== 'false',
  };
}

function reportFormState() {
  return {
    from: $('tf-from').value,
    to: $('tf-to').value,
    region: ownRegion() || $('tf-region').value,
    fy: $('tf-fy').value,
    suppressed: alwaysHidden() || $('tf-suppressed').checked,
  };
}

// Selects a federal fiscal year, adding it to the choices when it is not one.
function showFiscalYear(select, fy) {
  select.value = fy;
  if (select.value !== fy) {
    select.append(h('option', { value: fy }, `FFY ${fy}`));
    select.value = fy;
  }
}

export function showReportPage() {
  fillChoices();
  const s = readReportState();
  $('tf-from').value = s.from;
  $('tf-to').value = s.to;
  $('tf-region').value = s.region;
  if ($('tf-region').value !== s.region) $('tf-region').value = '';
  showFiscalYear($('tf-fy'), s.fy);
  $('tf-suppressed').checked = s.suppressed;
  return loadReport({ fromAddress: true });
}

function periodText(state) {
  if (state.from && state.to) return `${formatDate(state.from)} to ${formatDate(state.to)}`;
  if (state.from) return `From ${formatDate(state.from)}`;
  if (state.to) return `Up to ${formatDate(state.to)}`;
  return 'Every referral on record';
}

async function loadReport({ fromAddress = false } = {}) {
  const gen = ++tfGen;
  const state = reportFormState();
  if (!fromAddress || location.hash.includes('?')) {
    const keep = { ...state, suppressed: state.suppressed ? '' : 'false' };
    if (ownRegion()) keep.region = '';
    writeState('#figures/report', keep, TF_KEYS);
  }
  const form = $('tf-form');
  clearFieldErrors(form);
  say('tf-error', '');
  const doc = $('tf-doc');
  doc.setAttribute('aria-busy', 'true');
  const cfg = getConfig();
  $('tf-agency').textContent = cfg && cfg.pack ? cfg.pack.name : '';
  $('tf-scope').textContent = `${periodText(state)} · ${state.region ? regionName(state.region) : 'All regions'} · federal count for FFY ${state.fy}`;
  $('tf-made').textContent = `Prepared ${formatDate(today())}. Counts are of referrals accepted for HART response; no figure holds a name.`;
  if (!$('tf-sections').childElementCount) $('tf-sections').replaceChildren(h('p', { className: 'none' }, 'Making the report…'));
  const jobs = REPORT.filter((s) => mayAsk(figureOf(s.fig)) && figureOf(s.fig).id === s.fig).map((s) => {
    const fig = figureOf(s.fig);
    const q = queryOf({ ...state, by: s.q.by || 'year', then: s.q.then || '', measure: s.q.measure || 'referrals', kind: '' }, fig);
    return { s, fig, q, r: api('GET', statsPath(fig, q)) };
  });
  const answers = await Promise.all(jobs.map((j) => j.r));
  if (gen !== tfGen) return;
  doc.removeAttribute('aria-busy');
  const bad = answers.find((r) => r.status === 422);
  if (bad) {
    const { first, loose } = markFieldErrors(form, bad);
    say('tf-error', loose.length ? `The report could not be made: ${loose.join(' ')}` : 'The report could not be made: check the choices marked.');
    $('tf-sections').replaceChildren();
    $('tf-notice').hidden = true;
    if (first) first.focus();
    return;
  }
  if (answers.some((r) => r.status === 401)) return;
  let hidden = false;
  let threshold = 5;
  const sections = jobs.map((j, i) => {
    const r = answers[i];
    const n = i + 1;
    if (!r.ok || !r.body || !Array.isArray(r.body.rows)) {
      return h('section', { className: 'tf-section', id: `tf-${j.s.id}`, 'aria-labelledby': `tf-${j.s.id}-h` },
        h('h3', { id: `tf-${j.s.id}-h` }, `${n}. ${figureOf(j.s.fig).label}`),
        h('p', { className: 'alert' }, problemText(r, 'This figure could not be loaded')));
    }
    const data = r.body;
    if (data.suppressed && hasHidden(data)) hidden = true;
    if (data.threshold) threshold = data.threshold;
    const svg = statsPath(j.fig, new URLSearchParams([...j.q, ['format', 'svg']]));
    let img;
    if (chartable(data)) {
      img = h('img', { src: svg, alt: chartAlt(data), width: 960, height: 540, className: 'tf-chart' });
      img.addEventListener('error', () => {
        img.replaceWith(h('p', { className: 'none' }, 'The chart could not be drawn; the numbers are in the table.'));
      });
    } else {
      img = h('p', { className: 'none' }, noChartText(data));
    }
    return h('section', { className: 'tf-section', id: `tf-${j.s.id}`, 'aria-labelledby': `tf-${j.s.id}-h`, dataset: { figure: data.figure || '' } },
      h('h3', { id: `tf-${j.s.id}-h` }, `${n}. ${data.title || j.fig.label}`),
      h('p', { className: 'tf-lead' }, sentence(j.s.lead)),
      h('div', { className: `figure-pair${isNarrow(data) ? ' is-side' : ''}` },
        h('div', { className: 'chart-box' }, img),
        h('div', { className: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': `Table: ${data.title || j.fig.label}` }, figureTable(data))));
  });
  $('tf-sections').replaceChildren(...sections);
  for (const wrap of $('tf-sections').querySelectorAll('.tf-section .table-wrap')) showScrollCue(wrap);
  const notice = $('tf-notice');
  if (state.suppressed) {
    notice.textContent = hidden
      ? suppressionNotice(threshold)
      : `Small counts are hidden in this report (fewer than ${threshold}); none of the figures has one.`;
    notice.hidden = false;
  } else {
    notice.hidden = true;
  }
  say('tf-announce', `Report ready: ${sections.length} figures, ${periodText(state).toLowerCase()}.`);
}
