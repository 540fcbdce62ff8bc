// Figures (docs/figures.md) for the end-to-end tests: a file of past
// years with known counts, a CSV reader, and checks that a figure is what
// it says in every format: the relations of a suppressed figure leave no
// hidden count to be worked out, no hidden count is sent, the CSV and XLSX
// hold the same table, the SVG's bars are as long as the numbers.

import assert from 'node:assert/strict';

import { AGE_GROUPS, REGIONS, SOURCES, TRAFFICKING_TYPES, ageGroupName, concern, regionsOfTown, townsOf } from './pack.mjs';
import { findAll, parseXml, textOf } from './xml.mjs';

// ---- the file of past years ----

/** The columns of an import file (docs/import.md). */
export const IMPORT_COLUMNS = ['referral_date', 'source', 'town', 'region', 'age', 'sex', 'vulnerabilities', 'trafficking_type', 'child_id'];

// The file is made of the pack's own values (tests/lib/pack.mjs): its
// first regions, sources, age groups, concerns and trafficking types, with
// the counts below.
const weights = (keys, counts) => {
  const out = {};
  keys.forEach((k, i) => (out[k] = (out[k] ?? 0) + counts[Math.min(i, counts.length - 1)]));
  const left = counts.slice(keys.length).reduce((a, b) => a + b, 0);
  if (left) out[keys[0]] += left;
  return out;
};
const PAST_REGIONS = REGIONS.slice(0, 6).map((r) => r.id);
const REGION_A = PAST_REGIONS[0];
const SOURCE_A = SOURCES[0];
// The ages each age group is drawn from, 8 to 19.
const AGES = Object.fromEntries(
  AGE_GROUPS.map((g) => {
    const ages = [];
    for (let a = Math.max(g.min, 8); a <= Math.min(g.max ?? 19, 19); a++) ages.push(a);
    return [g.name, ages];
  }).filter(([, ages]) => ages.length > 0));

/** What the past-years file holds, by hand: the tests read these back. */
export const PAST = {
  from: '2008-01-01',
  to: '2015-12-31',
  n: 60,
  children: 59, // one child is referred twice (child_id H-0077, both in 2011)
  years: { 2008: 3, 2009: 5, 2010: 6, 2011: 7, 2012: 8, 2013: 9, 2014: 10, 2015: 12 },
  regions: weights(PAST_REGIONS, [20, 14, 10, 8, 5, 3]),
  sources: weights(SOURCES.slice(0, 6), [18, 15, 12, 8, 4, 3]),
  ages: weights(Object.keys(AGES), [4, 10, 22, 21, 3]),
  sexes: { F: 44, M: 14, X: 2 },
  repeat: { 1: 58, 2: 1 },
};

// Two towns of each region; the fourth region's rows give their region and
// no town (null).
const ownTowns = (r) => townsOf(r).filter((t) => regionsOfTown(t).length === 1);
const TOWNS = Object.fromEntries(PAST_REGIONS.map((r, i) => {
  const own = ownTowns(r);
  return [r, i === 3 ? [own[0], null] : [own[0], own[1 % own.length]]];
}));
export const AGE_GROUP_OF = (age) => Object.keys(AGES).find((g) => AGES[g].includes(age)) ?? ageGroupName(age);
const TYPES = [...[0, 1, 3, 4].map((i) => TRAFFICKING_TYPES[i % TRAFFICKING_TYPES.length]), ''];
const PAST_CONCERNS = [0, 1, 2, 3].map((i) => concern(i));

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function multiset(counts, minus = {}) {
  const out = [];
  for (const [k, n] of Object.entries(counts)) for (let i = 0; i < n - (minus[k] ?? 0); i++) out.push(k);
  return out;
}

function shuffle(list, rnd) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

const pad = (n) => String(n).padStart(2, '0');

/**
 * The 60 referrals of 2008 to 2015 as row objects (IMPORT_COLUMNS, plus
 * the region each is routed to as `routed`), the same every time.
 */
export function pastRows() {
  const rnd = prng(20080101);
  const repeat = [
    { referral_date: '2011-03-02', source: SOURCE_A, town: TOWNS[REGION_A][0], region: '', routed: REGION_A, age: 14, sex: 'F', vulnerabilities: `${PAST_CONCERNS[0]};${PAST_CONCERNS[2]}`, trafficking_type: TYPES[0], child_id: 'H-0077' },
    { referral_date: '2011-09-14', source: SOURCE_A, town: TOWNS[REGION_A][0], region: '', routed: REGION_A, age: 15, sex: 'F', vulnerabilities: PAST_CONCERNS[0], trafficking_type: TYPES[0], child_id: 'H-0077' },
  ];
  const years = shuffle(multiset(PAST.years, { 2011: 2 }), rnd);
  const regions = shuffle(multiset(PAST.regions, { [REGION_A]: 2 }), rnd);
  const sources = shuffle(multiset(PAST.sources, { [SOURCE_A]: 2 }), rnd);
  const ages = shuffle(multiset(PAST.ages, countBy([14, 15], AGE_GROUP_OF)), rnd);
  const sexes = shuffle(multiset(PAST.sexes, { F: 2 }), rnd);
  const rows = [];
  for (let i = 0; i < years.length; i++) {
    const region = regions[i];
    const town = TOWNS[region][Math.floor(rnd() * 2)];
    const groupAges = AGES[ages[i]];
    const vul = [];
    if (rnd() < 0.5) vul.push(PAST_CONCERNS[0]);
    if (rnd() < 0.35) vul.push(PAST_CONCERNS[1]);
    if (rnd() < 0.3) vul.push(PAST_CONCERNS[2]);
    if (rnd() < 0.15) vul.push(PAST_CONCERNS[3]);
    rows.push({
      referral_date: `${years[i]}-${pad(1 + Math.floor(rnd() * 12))}-${pad(1 + Math.floor(rnd() * 28))}`,
      source: sources[i],
      town: town ?? '',
      region: town ? '' : region,
      routed: region,
      age: groupAges[Math.floor(rnd() * groupAges.length)],
      sex: sexes[i],
      vulnerabilities: vul.join(';'),
      trafficking_type: TYPES[Math.floor(rnd() * TYPES.length)],
      child_id: i % 5 === 4 ? '' : `H-${1000 + i}`,
    });
  }
  return [...rows, ...repeat].sort((a, b) => a.referral_date.localeCompare(b.referral_date));
}

/** rows as an import file: a header, then one line each. */
export function importCsv(rows, columns = IMPORT_COLUMNS) {
  return `${columns.join(',')}\n${rows.map((r) => columns.map((c) => csvField(r[c] ?? '')).join(',')).join('\n')}\n`;
}

function csvField(v) {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** rows counted by keyOf(row): { key: n } (a key of null is left out). */
export function countBy(rows, keyOf) {
  const out = {};
  for (const r of rows) {
    for (const k of [].concat(keyOf(r))) {
      if (k === null || k === undefined || k === '') continue;
      out[k] = (out[k] ?? 0) + 1;
    }
  }
  return out;
}

// ---- CSV ----

/** Parses RFC 4180 CSV (quoted fields, "" inside quotes; CRLF or LF) into rows of strings. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let any = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        assert.ok(i >= text.length || [',', '\n', '\r'].includes(text[i]), `CSV: text after a closing quote at ${i}`);
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"') {
      assert.equal(field, '', `CSV: a quote inside an unquoted field at ${i}`);
      quoted = true;
      any = true;
      i++;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      any = true;
      i++;
    } else if (ch === '\n' || ch === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      any = false;
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += ch;
      any = true;
      i++;
    }
  }
  assert.ok(!quoted, 'CSV: an unterminated quoted field');
  if (any || field !== '') {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

// ---- reading a figure's JSON ----

/** 'two-way' (row totals), 'one-way' (column totals) or 'list' (no totals). */
export function shapeOf(fig) {
  if (fig.rows.some((r) => r.total !== null && r.total !== undefined)) return 'two-way';
  if (Array.isArray(fig.column_totals)) return 'one-way';
  return 'list';
}

/** { rowKey: value } of column col (0 by default); a hidden cell is null. */
export function column(fig, col = 0) {
  const j = typeof col === 'number' ? col : fig.columns.findIndex((c) => c.key === col);
  assert.ok(j >= 0 && j < fig.columns.length, `a column ${col} in ${JSON.stringify(fig.columns)}`);
  return Object.fromEntries(fig.rows.map((r) => [r.key, r.cells[j].value]));
}

/** The row whose key or label is name. */
export function rowOf(fig, name) {
  const r = fig.rows.find((x) => x.key === name) ?? fig.rows.find((x) => x.label === name);
  assert.ok(r, `a row ${name} in ${JSON.stringify(fig.rows.map((x) => x.key))}`);
  return r;
}

/** The index of the column whose key or label matches re (a string is matched exactly). */
export function colIndex(fig, re) {
  const test = (s) => (typeof re === 'string' ? s === re : re.test(s));
  const j = fig.columns.findIndex((c) => test(c.key));
  const k = j >= 0 ? j : fig.columns.findIndex((c) => test(c.label));
  assert.ok(k >= 0, `a column ${re} in ${JSON.stringify(fig.columns)}`);
  return k;
}

const isHidden = (c) => c && c.value === null && (c.display === '<5' || c.display === '*' || /^<\d+$/.test(c.display));

/** Every cell as { where, cell }: interior cells, row totals, column totals, the total. */
export function allCells(fig) {
  const out = [];
  fig.rows.forEach((r, i) => {
    r.cells.forEach((c, j) => out.push({ where: `row ${r.key} column ${fig.columns[j].key}`, cell: c, i, j }));
    if (r.total) out.push({ where: `row ${r.key} total`, cell: r.total, i, j: 'total' });
  });
  (fig.column_totals || []).forEach((c, j) => {
    if (c && !(c.value === null && c.display === '')) out.push({ where: `column ${fig.columns[j].key} total`, cell: c, i: 'total', j });
  });
  if (fig.total) out.push({ where: 'total', cell: fig.total, i: 'total', j: 'total' });
  return out;
}

/** The columns that hold counts: every column, but those the figure does not total (minutes, shares) in a figure with column totals. */
function countColumns(fig) {
  if (!Array.isArray(fig.column_totals)) return fig.columns.map((_, j) => j);
  return fig.columns.map((_, j) => j).filter((j) => !(fig.column_totals[j]?.value === null && fig.column_totals[j]?.display === ''));
}

/**
 * The sums the figure publishes: [{ what, members: [cell], total: cell }]
 * where the members add up to total.
 */
export function relations(fig) {
  const shape = shapeOf(fig);
  const cols = countColumns(fig);
  const rels = [];
  if (shape === 'list') return rels;
  for (const j of cols) {
    rels.push({ what: `column ${fig.columns[j].key}`, members: fig.rows.map((r) => r.cells[j]), total: fig.column_totals[j] });
  }
  if (shape === 'two-way') {
    for (const r of fig.rows) rels.push({ what: `row ${r.key}`, members: cols.map((j) => r.cells[j]), total: r.total });
    rels.push({ what: 'row totals', members: fig.rows.map((r) => r.total), total: fig.total });
    rels.push({ what: 'column totals', members: cols.map((j) => fig.column_totals[j]), total: fig.total });
  }
  return rels;
}

/**
 * Asserts that the suppressed figure fig leaves no hidden count to be
 * worked out: every relation with a hidden member has at least two, and a
 * reader who knows the bounds (a "<5" is 1 to threshold-1, or 0 to
 * threshold-1 once the figure shows a zero as "<5", a "*" at least
 * the threshold, a shown count is exact) and narrows each hidden count by
 * every published sum, again and again, pins none to one value.
 */
export function assertUnrecoverable(fig, what = '', exact = null) {
  const t = fig.threshold;
  // A zero shown as "<5" (to protect a line of small counts) makes every
  // "<5" of the figure 0 to 4 for a reader; otherwise 1 to 4.
  const e = exact ? allCells(exact) : null;
  const zerosMasked = !!e && allCells(fig).some(({ cell }, k) => cell.display === `<${t}` && e[k].cell.value === 0);
  const rels = relations(fig);
  for (const rel of rels) {
    const hidden = [...rel.members, rel.total].filter(isHidden).length;
    assert.ok(hidden === 0 || hidden >= 2, `${what}: ${rel.what} has exactly one hidden count, so it follows from the others: ${JSON.stringify(rel)}`);
  }
  const BIG = 1e9;
  const bounds = new Map();
  const b = (c) => {
    if (!bounds.has(c)) {
      if (!isHidden(c)) bounds.set(c, [c.value, c.value]);
      else if (c.display === '*') bounds.set(c, [t, BIG]);
      else bounds.set(c, [zerosMasked ? 0 : 1, t - 1]);
    }
    return bounds.get(c);
  };
  for (let round = 0, changed = true; changed && round < 200; round++) {
    changed = false;
    for (const rel of rels) {
      const all = [...rel.members.map((c) => ({ c, sign: 1 })), { c: rel.total, sign: -1 }];
      // sum(members) - total = 0: each term lies within what the others leave.
      for (const x of all) {
        let lo = 0;
        let hi = 0;
        for (const y of all) {
          if (y === x) continue;
          const [l, h] = b(y.c);
          if (y.sign > 0) {
            lo += l;
            hi += h;
          } else {
            lo -= h;
            hi -= l;
          }
        }
        // x.sign * x = -(others) => x in [-hi, -lo] (member) or [lo, hi] (total)
        const [nl, nh] = x.sign > 0 ? [-hi, -lo] : [lo, hi];
        const cur = b(x.c);
        const l2 = Math.max(cur[0], nl);
        const h2 = Math.min(cur[1], nh);
        assert.ok(l2 <= h2, `${what}: the published figure is inconsistent at ${rel.what}: ${JSON.stringify(rel)}`);
        if (l2 !== cur[0] || h2 !== cur[1]) {
          bounds.set(x.c, [l2, h2]);
          changed = true;
        }
      }
    }
  }
  for (const { where, cell } of allCells(fig)) {
    if (!isHidden(cell)) continue;
    const [lo, hi] = b(cell);
    assert.ok(lo < hi, `${what}: the hidden count at ${where} (${cell.display}) can be worked out from the sums: it is ${lo}`);
  }
}

/** The numbers written in s (runs of digits), dates taken apart as numbers too. */
function numbersIn(s) {
  return (String(s).match(/\d+/g) || []).map(Number);
}

/** Every number a reader of fig may meet: shown counts, and the numbers inside its words. */
export function explainedNumbers(fig, extra = []) {
  const ok = new Set([fig.threshold, ...extra]);
  for (const { cell } of allCells(fig)) if (!isHidden(cell) && cell.value !== null) ok.add(cell.value);
  // The whole the shares of a list are of (the children referred), when shown.
  if (fig.base && !isHidden(fig.base) && fig.base.value !== null) ok.add(fig.base.value);
  const words = [fig.title, fig.subtitle, fig.by, fig.then, fig.measure, ...fig.rows.flatMap((r) => [r.key, r.label]), ...fig.columns.flatMap((c) => [c.key, c.label])];
  for (const w of words) if (w) for (const n of numbersIn(w)) ok.add(n);
  return ok;
}

/**
 * Asserts that the suppressed figure sent nothing of a hidden count: the
 * hidden cells are {value: null, display: "<5"|"*"} and nothing else, and
 * every number in text (the JSON, the CSV, a sheet, an SVG description) is
 * a shown count or part of a label, so a hidden count's value is nowhere.
 * exact: the same figure unsuppressed (to name the value in a message);
 * extra: numbers the format itself writes (an SVG's "<5 means 1 to 4").
 */
export function assertNothingHiddenIn(text, fig, what, exact = null, extra = []) {
  const ok = explainedNumbers(fig, extra);
  const stray = [...new Set(numbersIn(text))].filter((n) => !ok.has(n));
  const hiddenValues = exact ? allCells(exact).filter((x, k) => isHidden(allCells(fig)[k]?.cell)).map((x) => x.cell.value) : [];
  assert.deepEqual(stray, [], `${what}: numbers that are neither a shown count nor part of a label (hidden values are ${JSON.stringify(hiddenValues)})`);
}

/**
 * Asserts each hidden cell of fig is exactly { value: null, display: '<5' or '*' } and that a '<5' hides fewer than 5
 * in exact: 1 to 4, or a zero hidden to protect a line of small counts (a line that has other '<5' counts).
 */
export function assertHiddenCells(fig, exact, what) {
  const a = allCells(fig);
  const e = exact ? allCells(exact) : null;
  if (e) assert.equal(a.length, e.length, `${what}: the same cells as the exact figure`);
  a.forEach(({ where, cell }, k) => {
    if (cell.value === null && cell.display !== '') {
      assert.deepEqual(Object.keys(cell).sort(), ['display', 'value'], `${what}: a hidden cell holds only value and display at ${where}`);
      assert.ok(cell.display === `<${fig.threshold}` || cell.display === '*', `${what}: a hidden cell shows <${fig.threshold} or * at ${where}: ${JSON.stringify(cell)}`);
    }
    if (!e) return;
    const x = e[k].cell;
    if (cell.display === `<${fig.threshold}`) assert.ok(x.value >= 0 && x.value < fig.threshold, `${what}: <${fig.threshold} hides ${x.value} at ${where}`);
    else if (cell.display === '*') assert.ok(x.value >= fig.threshold, `${what}: * hides ${x.value} (a small count would be <${fig.threshold}) at ${where}`);
    else if (cell.value !== null) {
      assert.equal(cell.value, x.value, `${what}: a shown count is exact at ${where}`);
      assert.ok(cell.value === 0 || cell.value >= fig.threshold, `${what}: a small count ${cell.value} is shown at ${where}`);
    }
  });
}

// ---- CSV and XLSX hold the figure's table ----

function sameName(cellText, ...names) {
  return names.some((n) => n !== undefined && n !== null && String(cellText).trim().toLowerCase() === String(n).trim().toLowerCase());
}

/**
 * Asserts that rows (arrays of strings or numbers, from a CSV or a sheet,
 * starting at the header) hold fig's table: a header of the row dimension,
 * the columns (and total, for a two-way figure); a line per row; a last
 * line total. Hidden cells as <5 or *.
 */
export function assertTable(rows, fig, what) {
  const shape = shapeOf(fig);
  const text = (v) => (v === undefined || v === null ? '' : String(v));
  const header = rows[0].map(text);
  assert.ok(header[0] !== '', `${what}: the header names the row dimension: ${JSON.stringify(header)}`);
  fig.columns.forEach((c, j) => assert.ok(sameName(header[j + 1], c.key, c.label), `${what}: header column ${j + 1} is ${c.key} or ${c.label}: ${JSON.stringify(header)}`));
  if (shape === 'two-way') assert.ok(sameName(header[fig.columns.length + 1], 'total'), `${what}: the header ends with total: ${JSON.stringify(header)}`);
  fig.rows.forEach((r, i) => {
    const line = (rows[i + 1] || []).map(text);
    assert.ok(sameName(line[0], r.key, r.label), `${what}: line ${i + 2} is row ${r.key} (${r.label}): ${JSON.stringify(line)}`);
    r.cells.forEach((c, j) => assert.equal(line[j + 1], c.display, `${what}: row ${r.key} column ${fig.columns[j].key}`));
    if (shape === 'two-way') assert.equal(line[fig.columns.length + 1], r.total.display, `${what}: row ${r.key} total`);
  });
  if (shape !== 'list') {
    const last = (rows[fig.rows.length + 1] || []).map(text);
    assert.ok(sameName(last[0], 'total'), `${what}: the line after the rows is total: ${JSON.stringify(last)}`);
    fig.column_totals.forEach((c, j) => {
      if (!(c.value === null && c.display === '')) assert.equal(last[j + 1], c.display, `${what}: total of column ${fig.columns[j].key}`);
    });
    if (shape === 'two-way') assert.equal(last[fig.columns.length + 1], fig.total.display, `${what}: the grand total`);
  }
}

/** The rows of a sheet grid from its header (the row whose first cell names the row dimension as the CSV does), and the rows above it. */
export function sheetTable(grid, firstHeader) {
  const h = grid.findIndex((row) => row && sameName(row[0], firstHeader));
  assert.ok(h >= 0, `the sheet has a header row starting ${firstHeader}: ${JSON.stringify(grid.slice(0, 6))}`);
  return { above: grid.slice(0, h), table: grid.slice(h) };
}

// ---- SVG ----

const NOT_BARS = new Set(['#ffffff', '#fff', '#f0f0f0', 'none', 'white']);

/** The bars of an SVG chart: rects that are neither background, track, hatch nor legend swatch, in document order. */
export function barsOf(svgRoot) {
  return findAll(svgRoot, (e) => e.name === 'rect')
    .filter((r) => r.attrs.class !== 'hidden-count' && !NOT_BARS.has(String(r.attrs.fill).toLowerCase()) && !String(r.attrs.fill).startsWith('url('))
    .filter((r) => !(r.attrs.width === '14' && r.attrs.height === '14'))
    .filter((r) => r.attrs.x !== undefined && r.attrs.y !== undefined)
    .map((r) => ({ x: Number(r.attrs.x), y: Number(r.attrs.y), w: Number(r.attrs.width), h: Number(r.attrs.height), fill: r.attrs.fill }));
}

/** Asserts lengths are proportional to values (both lists, same order), to the 0.1 px the SVG is written in. */
export function assertProportional(lengths, values, what) {
  assert.equal(lengths.length, values.length, `${what}: one bar per nonzero shown count: ${JSON.stringify({ lengths, values })}`);
  assert.ok(values.length > 0, `${what}: some bars`);
  const k = lengths.reduce((a, b) => a + b, 0) / values.reduce((a, b) => a + b, 0);
  lengths.forEach((l, i) => assert.ok(Math.abs(l - k * values[i]) <= 0.15 * Math.max(1, values.length / 4), `${what}: bar ${i} is ${l} long for ${values[i]}; ${k.toFixed(3)} per unit gives ${(k * values[i]).toFixed(2)}`));
}

/** Parses an SVG (throws unless well-formed) and returns { root, title, desc }. */
export function readSvg(text) {
  const root = parseXml(text);
  assert.equal(root.name, 'svg', 'the root element is <svg>');
  assert.equal(root.attrs.xmlns, 'http://www.w3.org/2000/svg', 'the SVG namespace');
  const title = findAll(root, (e) => e.name === 'title')[0];
  const desc = findAll(root, (e) => e.name === 'desc')[0];
  assert.ok(title && textOf(title).trim(), 'the chart has a <title>');
  assert.ok(desc && textOf(desc).trim(), 'the chart has a <desc>');
  return { root, title: textOf(title), desc: textOf(desc) };
}
