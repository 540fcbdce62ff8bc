// The figures in Chromium: past years' referrals imported through the API
// (12 in Region 1 and 3 in Region 2 in 2021; 9 and 7 in 2022), then HART
// opens Figures, filters by region (the chart's address and the table's
// numbers change), counts by region, downloads the CSV and checks what is
// in it, and makes the printable task force report. The analyst sees "<5"
// where HART saw 3, with the hide-small-counts box on and not changeable;
// a liaison sees its own region only. The figures page and the report pass
// axe and are saved as screenshots, on the screen and as printed.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { demoServer, login } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import { assertAxeClean, closeAll, launchBrowser, openAppAs, screenshot, viewOf } from './browser.mjs';
import { region } from '../lib/pack.mjs';

const REGION_A = region(0);
const REGION_B = region(1);

let server;
let browser;
let demo;
let regions; // [{ id, name, town }] of the pack, the first two
let hart; // HART's page

const SEED = { R1: { 2021: 12, 2022: 9 }, R2: { 2021: 3, 2022: 7 } };
const SOURCES = ['law_enforcement', 'dcf_social_worker', 'school'];
const VULNS = ['runaway_awol', 'prior_sexual_abuse', 'neglect'];

const view = (p) => viewOf(p);
const nav = (p) => p.getByRole('navigation', { name: 'Main' });

async function waitView(p, v) {
  await p.waitForFunction((v) => document.body.dataset.view === v, v);
}

/** The import file: one line a referral, dates spread over the year. */
function importCsv() {
  const lines = ['referral_date,source,town,age,sex,vulnerabilities,child_id'];
  let n = 0;
  for (const [i, r] of regions.entries()) {
    for (const year of [2021, 2022]) {
      const count = SEED[`R${i + 1}`][year];
      for (let k = 0; k < count; k++) {
        n++;
        const month = String(1 + (k % 12)).padStart(2, '0');
        const day = String(1 + ((k * 7) % 28)).padStart(2, '0');
        lines.push([`${year}-${month}-${day}`, SOURCES[n % SOURCES.length], r.town, 12 + (n % 6), n % 3 ? 'F' : 'M',
          VULNS[n % VULNS.length], `t-${r.id}-${year}-${k}`].join(','));
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The figure table as { row label: [cell texts] }, once the figure is not loading. */
async function tableCells(p) {
  await p.waitForFunction(() => !document.querySelector('#figure-panel').hasAttribute('aria-busy')
    && document.querySelector('#figure-table-wrap table'));
  return p.evaluate(() => Object.fromEntries([...document.querySelectorAll('#figure-table-wrap tbody tr')]
    .map((tr) => [tr.querySelector('th')?.textContent.trim(),
      [...tr.querySelectorAll('td')].map((td) => td.childNodes[0]?.textContent.trim() ?? '')])));
}

const chartSrc = (p) => p.locator('#figure-chart').getAttribute('src');

async function chartDrawn(p) {
  await p.waitForFunction(() => {
    const img = document.querySelector('#figure-chart');
    return img && !img.hidden && img.complete && img.naturalWidth > 0;
  });
}

/** Waits for a figure whose table differs from before (the page asks again on every change). */
async function nextTable(p, before) {
  await p.waitForFunction((old) => {
    const rows = [...document.querySelectorAll('#figure-table-wrap tbody tr')].map((tr) => tr.textContent).join('|');
    return !document.querySelector('#figure-panel').hasAttribute('aria-busy') && rows && rows !== old;
  }, before);
  return tableCells(p);
}

const tableText = (p) => p.evaluate(() => [...document.querySelectorAll('#figure-table-wrap tbody tr')].map((tr) => tr.textContent).join('|'));

async function userPage(role) {
  return openAppAs(browser, server, demo.byRole[role]);
}

before(async () => {
  ({ demo, server } = await demoServer());
  const config = await (await fetch(`${server.url}/api/v1/config`)).json();
  regions = config.regions.slice(0, 2).map((r) => ({ id: r.id, name: r.name, town: r.offices[0].towns[0] }));
  assert.deepEqual(regions.map((r) => r.id), [REGION_A, REGION_B]);
  const h = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
  const res = await h.fetch('/api/v1/imports/referrals', { method: 'POST', body: importCsv(), headers: { 'content-type': 'text/csv' } });
  const text = await res.text();
  assert.ok(res.status === 201 || res.status === 200, `import: ${res.status} ${text}`);
  const out = JSON.parse(text);
  assert.equal(out.imported ?? out.rows, 31, text);
  browser = await launchBrowser();
});

after(() => closeAll(browser, server));

describe(`the figures in Chromium (${ENGINE})`, { timeout: 300_000 }, () => {
  test('HART opens Figures: referrals by year, as a chart and a table, exact counts', async () => {
    hart = await userPage('hart');
    assert.ok(await nav(hart).getByRole('link', { name: 'Figures', exact: true }).isVisible());
    await nav(hart).getByRole('link', { name: 'Figures', exact: true }).click();
    await waitView(hart, 'figures');
    assert.equal(await nav(hart).getByRole('link', { name: 'Figures' }).getAttribute('aria-current'), 'page');
    const cells = await tableCells(hart);
    assert.deepEqual(cells['2021'], ['15']);
    assert.deepEqual(cells['2022'], ['16']);
    const src = await chartSrc(hart);
    assert.match(src, /^\/api\/v1\/stats\/referrals\?/);
    const q = new URL(src, server.url).searchParams;
    assert.equal(q.get('by'), 'year');
    assert.equal(q.get('format'), 'svg');
    await chartDrawn(hart);
    assert.match(await hart.locator('#figure-chart').getAttribute('alt'), /^Chart: Referrals by year/);
    // The table is a table: a caption, column and row headers.
    assert.match(await hart.locator('#figure-table-wrap caption').textContent(), /Referrals by year/);
    assert.ok(await hart.locator('#figure-table-wrap thead th[scope="col"]').count() >= 2);
    assert.equal(await hart.locator('#figure-table-wrap tbody th[scope="row"]').count(), Object.keys(cells).length);
    assert.match(await hart.locator('#figure-notice').textContent(), /Exact counts/);
    // The downloads ask what the table answered.
    for (const f of ['csv', 'xlsx', 'svg']) {
      const href = await hart.locator(`#figure-${f}`).getAttribute('href');
      const hq = new URL(href, server.url).searchParams;
      assert.equal(hq.get('format'), f);
      assert.equal(hq.get('by'), 'year');
    }
  });

  test('HART filters by region: the chart is asked again and the numbers change', async () => {
    const before = await chartSrc(hart);
    const old = await tableText(hart);
    await hart.locator('#figures-region').selectOption(REGION_B);
    const cells = await nextTable(hart, old);
    assert.deepEqual(cells['2021'], ['3']);
    assert.deepEqual(cells['2022'], ['7']);
    const after = await chartSrc(hart);
    assert.notEqual(after, before);
    assert.equal(new URL(after, server.url).searchParams.get('region'), REGION_B);
    await chartDrawn(hart);
    assert.match(await hart.locator('#figure-subtitle').textContent(), new RegExp(regions[1].name.replace(/[()]/g, '.') + '|R2'));
    // The choices are kept in the address.
    assert.match(hart.url(), /#figures\?.*region=R2/);
  });

  test('HART counts 2021 by region and downloads the CSV', async () => {
    await hart.locator('#figures-region').selectOption('');
    await hart.locator('#figures-from').fill('2021-01-01');
    await hart.locator('#figures-to').fill('2021-12-31');
    const old = await tableText(hart);
    await hart.locator('#figures-by').selectOption('region');
    await hart.waitForFunction(() => new URL(document.querySelector('#figure-chart').src).searchParams.get('by') === 'region'
      && !document.querySelector('#figure-panel').hasAttribute('aria-busy'));
    const cells = await nextTable(hart, old);
    assert.deepEqual(cells[regions[0].name], ['12']);
    assert.deepEqual(cells[regions[1].name], ['3']);
    await chartDrawn(hart);
    const [download] = await Promise.all([hart.waitForEvent('download'), hart.locator('#figure-csv').click()]);
    assert.match(download.suggestedFilename(), /\.csv$/);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    assert.match(lines[0], /referrals/i, 'the header names the column');
    const line = (name) => lines.find((l) => l.replace(/^"|"(?=,)/g, '').startsWith(name) || l.startsWith(`"${name}"`));
    const r1 = line(regions[0].name) || line(REGION_A);
    const r2 = line(regions[1].name) || line(REGION_B);
    assert.ok(r1 && /,12(,|$)/.test(r1), `Region 1 is 12 in the CSV:\n${csv}`);
    assert.ok(r2 && /,3(,|$)/.test(r2), `Region 2 is 3 in the CSV:\n${csv}`);
    assert.ok(lines.some((l) => /^"?total"?,15(,|$)/i.test(l)), `the total is 15:\n${csv}`);
  });

  test('the figures page passes axe and looks right', async () => {
    await assertAxeClean(hart, 'the figures page');
    await screenshot(hart, 'figures-hart');
    // Two-way: by year and source.
    await hart.locator('#figures-from').fill('');
    await hart.locator('#figures-to').fill('');
    await hart.locator('#figures-by').selectOption('year');
    await hart.locator('#figures-then').selectOption('source');
    await hart.waitForFunction(() => new URL(document.querySelector('#figure-chart').src).searchParams.get('then') === 'source'
      && !document.querySelector('#figure-panel').hasAttribute('aria-busy'));
    await chartDrawn(hart);
    assert.ok(await hart.locator('#figure-table-wrap thead th', { hasText: 'Total' }).count() >= 1);
    // A table wider than its box says that it scrolls.
    await hart.waitForFunction(() => {
      const wrap = document.querySelector('#figure-table-wrap');
      const cue = wrap.previousElementSibling;
      return wrap.scrollWidth > wrap.clientWidth && cue?.classList.contains('scroll-cue') && !cue.hidden;
    });
    assert.match(await hart.locator('.figure-pair .scroll-cue').textContent(), /scroll sideways to see every column/);
    await assertAxeClean(hart, 'the figures page, by year and source');
    await screenshot(hart, 'figures-hart-year-source');
    // With small counts hidden a year's total reads "<5": the chart still draws.
    await hart.locator('#figures-suppressed').check();
    await hart.waitForFunction(() => new URL(document.querySelector('#figure-chart').src).searchParams.get('suppressed') === 'true'
      && !document.querySelector('#figure-panel').hasAttribute('aria-busy'));
    await chartDrawn(hart);
    assert.equal(await hart.locator('#figure-chart-none').isVisible(), false, 'the two-way chart is drawn, hidden counts and all');
    await screenshot(hart, 'figures-hart-year-source-hidden');
    await hart.locator('#figures-suppressed').uncheck();
    // The other figures answer too.
    for (const [id, path] of [['repeat', 'repeat'], ['duties', 'duties'], ['missing', 'missing'], ['rapid-response', 'rapid-response'], ['services', 'services'], ['relief', 'relief'], ['federal', 'federal']]) {
      await hart.locator(`label[for="figures-kind-${id}"]`).click();
      await hart.waitForFunction((p) => new URL(document.querySelector('#figure-csv').href).pathname === `/api/v1/stats/${p}`
        && !document.querySelector('#figure-panel').hasAttribute('aria-busy'), path);
      // A chart, or a sentence that says why there is none (nothing to count yet).
      assert.ok(await hart.locator('#figure-chart').isVisible() || await hart.locator('#figure-chart-none').isVisible(), `${id}: a chart or why not`);
      assert.equal(await hart.locator('#figures-error').textContent(), '', `${id}: no error`);
      assert.ok(await hart.locator('#figure-table-wrap table').isVisible(), `${id}: a table`);
      if (id === 'services') await screenshot(hart, 'figures-hart-services');
    }
    assert.ok(await hart.locator('#figures-fy').isVisible(), 'the federal count asks for the fiscal year');
    await screenshot(hart, 'figures-hart-federal');
    await hart.assertNoProblems();
  });

  test('HART makes the task force report: every main figure, the suppression notice and a print stylesheet', async () => {
    await hart.locator('#figures-report-link').click();
    await waitView(hart, 'taskforce');
    await hart.locator('#tf-from').fill('2021-01-01');
    await hart.locator('#tf-to').fill('2022-12-31');
    await hart.locator('#tf-region').selectOption(REGION_B);
    await hart.locator('#tf-fy').selectOption('2022');
    await hart.getByRole('button', { name: 'Make the report' }).click();
    await hart.waitForFunction(() => !document.querySelector('#tf-doc').hasAttribute('aria-busy')
      && document.querySelectorAll('#tf-sections .tf-section').length === 12);
    const titles = await hart.locator('#tf-sections h3').allTextContents();
    assert.equal(titles.length, 12);
    assert.equal(await hart.locator('#tf-sections .alert').count(), 0, 'every figure loaded');
    assert.equal(await hart.locator('#tf-sections table caption').count(), 12);
    // Counts are hidden by default in a report that leaves the agency: Region 2's 3 in 2021 is not shown.
    assert.ok(await hart.locator('#tf-suppressed').isChecked());
    assert.deepEqual(await hart.locator('#tf-by-year tbody tr[data-key="2021"] td').allTextContents(), ['<5 (fewer than 5)']);
    assert.match(await hart.locator('#tf-notice').textContent(), /<5.{0,3} means fewer than 5/);
    await hart.waitForFunction(() => [...document.querySelectorAll('#tf-sections img')].every((i) => i.complete && i.naturalWidth > 0));
    await assertAxeClean(hart, 'the task force report');
    await screenshot(hart, 'figures-report');
    await hart.emulateMedia({ media: 'print' });
    assert.equal(await hart.locator('#nav').isVisible(), false, 'no navigation on paper');
    assert.equal(await hart.locator('#tf-print').isVisible(), false, 'no buttons on paper');
    assert.equal(await hart.locator('.tf-controls').isVisible(), false, 'no form on paper');
    const breaks = await hart.evaluate(() => [...document.querySelectorAll('#tf-sections .tf-section')]
      .map((s) => getComputedStyle(s).breakBefore));
    assert.deepEqual(breaks.slice(1), Array(11).fill('page'), 'a page each');
    assert.equal(await hart.evaluate(() => getComputedStyle(document.querySelector('#tf-title')).color), 'rgb(0, 0, 0)');
    await screenshot(hart, 'figures-report-print');
    await hart.emulateMedia({ media: 'screen' });
    await hart.assertNoProblems();
  });

  test('the analyst sees "<5" where HART saw 3, with small counts always hidden and why', async () => {
    const p = await userPage('analyst');
    assert.ok(await p.locator('#me-figures-link').isVisible(), 'the analyst\'s home leads to the figures');
    await p.locator('#me-figures-link a').click();
    await waitView(p, 'figures');
    const box = p.locator('#figures-suppressed');
    assert.ok(await box.isChecked());
    assert.ok(await box.isDisabled());
    assert.match(await p.locator('#figures-suppressed-hint').textContent(), /Always on for analysts/);
    await tableCells(p);
    await p.locator('#figures-from').fill('2021-01-01');
    await p.locator('#figures-to').fill('2021-12-31');
    const old = await tableText(p);
    await p.locator('#figures-by').selectOption('region');
    const cells = await nextTable(p, old);
    assert.deepEqual(cells[regions[1].name], ['<5']);
    // Region 2's count cannot be worked out from Region 1's and the total.
    const total = (await p.locator('#figure-table-wrap tfoot td').allTextContents()).map((t) => t.trim());
    assert.ok(!(cells[regions[0].name][0] === '12' && total[0] === '15'), `Region 1 ${cells[regions[0].name]} and the total ${total}`);
    assert.equal(new URL(await chartSrc(p), server.url).searchParams.get('suppressed'), 'true');
    assert.match(await p.locator('#figure-notice').textContent(), /<5.{0,3} means fewer than 5/);
    await chartDrawn(p);
    await assertAxeClean(p, 'the analyst\'s figures page');
    await screenshot(p, 'figures-analyst');
    await p.assertNoProblems();
    await p.context().close();
  });

  test('a liaison sees its own region only', async () => {
    const p = await userPage('liaison');
    await p.evaluate(() => (location.hash = '#figures'));
    await waitView(p, 'figures');
    const sel = p.locator('#figures-region');
    assert.ok(await sel.isDisabled());
    assert.deepEqual(await sel.locator('option').allTextContents(), [regions[0].name]);
    const cells = await tableCells(p);
    assert.deepEqual(cells['2021'], ['12']);
    assert.deepEqual(cells['2022'], ['9']);
    assert.equal(await view(p), 'figures');
    // Training figures need training.stats, which a liaison does not hold: not offered.
    assert.equal(await p.locator('#figures-kind-training').isVisible(), false);
    await p.assertNoProblems();
    await p.context().close();
  });
});
