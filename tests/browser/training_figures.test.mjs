// The training figures in Chromium (docs/training.md, "Figures"): the demo
// trainer holds a Day 1 session and imports its sign-in sheet through the
// API (6 attended, 5 completed); HART opens Figures, "Training": people
// trained by course (the table, the chart and the downloads ask
// /api/v1/stats/training), then sessions held, then the trainers' reach,
// where "Trainer" (one row a trainer, by name) is offered. The analyst is
// offered only "Sessions led" for the reach, and sees small counts hidden.
// Providers trafficking-informed are shown now by region and over time
// by quarter. The task force report carries the three training sections. Every page
// passes axe, fits 390 px and is saved as a screenshot.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoServer, login, readJson } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import {
  PHONE, assertAxeClean, checkPhonePage, closeAll, launchBrowser, openAppAs, screenshot,
} from './browser.mjs';
import { region } from '../lib/pack.mjs';

const REGION_A = region(0);

let server;
let browser;
let demo;
let hart;

const HEADER = 'name,email,organisation,role,audience,attended,completed\n';
const PEOPLE = ['Avery', 'Blair', 'Cameron', 'Devon', 'Emery', 'Finley'];

const waitView = (p, v) => p.waitForFunction((x) => document.body.dataset.view === x, v);

/** The figure's rows as { data-key: [cell texts] }, once it is not loading. */
async function rows(p) {
  await p.waitForFunction(() => !document.querySelector('#figure-panel').hasAttribute('aria-busy')
    && document.querySelector('#figure-table-wrap table'));
  return p.evaluate(() => Object.fromEntries([...document.querySelectorAll('#figure-table-wrap tbody tr')]
    .map((tr) => [tr.dataset.key || tr.textContent, [...tr.querySelectorAll('td')].map((td) => td.childNodes[0]?.textContent.trim() ?? '')])));
}

/** Waits until the chart asks for measure and by (the page asks again on every change). */
async function asked(p, measure, by) {
  await p.waitForFunction(([m, b]) => {
    const src = document.querySelector('#figure-chart')?.getAttribute('src') || document.querySelector('#figure-csv')?.getAttribute('href') || '';
    const q = new URLSearchParams(src.split('?')[1] || '');
    return src.startsWith('/api/v1/stats/training?') && q.get('measure') === m && q.get('by') === b
      && !document.querySelector('#figure-panel').hasAttribute('aria-busy');
  }, [measure, by]);
}

const byChoices = (p) => p.locator('#figures-by option').evaluateAll((os) => os.map((o) => o.value));

before(async () => {
  ({ demo, server } = await demoServer());
  const trainer = await login(server.url, demo.byRole.trainer.username, demo.byRole.trainer.password);
  const s = await readJson(await trainer.fetch('/api/v1/training/sessions', { method: 'POST', body: {
    course: 'day1', capacity: 20, starts_at: '2026-02-03T14:00:00Z', ends_at: '2026-02-03T21:00:00Z', region: REGION_A, place: 'Academy',
  } }), 201);
  const lines = PEOPLE.map((n, i) => `${n} Figurestest,${n.toLowerCase()}.figurestest@example.org,Harbor Light,,service_providers,yes,${i < 5 ? 'yes' : 'no'}`);
  const res = await trainer.fetch(`/api/v1/training/sessions/${s.id}/imports`, {
    method: 'POST', body: `${HEADER}${lines.join('\n')}\n`, headers: { 'content-type': 'text/csv' },
  });
  assert.equal(res.status, 201, await res.text());
  browser = await launchBrowser();
});

after(() => closeAll(browser, server));

describe(`the training figures in Chromium (${ENGINE})`, { timeout: 300_000 }, () => {
  test('HART counts the people trained by course, then sessions, then the trainers\' reach by trainer', async () => {
    hart = await openAppAs(browser, server, demo.byRole.hart);
    await hart.evaluate(() => (location.hash = '#figures'));
    await waitView(hart, 'figures');
    await hart.locator('label[for="figures-kind-training"]').click();
    // The year counted by before is one of training's choices too: it is kept.
    await asked(hart, 'people', 'year');
    await hart.locator('#figures-by').selectOption('course');
    await asked(hart, 'people', 'course');
    assert.deepEqual(await byChoices(hart), ['course', 'audience', 'region', 'year']);
    const people = await rows(hart);
    assert.deepEqual(people.day1, ['6', '5', '83'], JSON.stringify(people));
    assert.match(await hart.locator('#figure-table-wrap caption').textContent(), /course/i);
    for (const f of ['csv', 'xlsx', 'svg']) {
      const q = new URL(await hart.locator(`#figure-${f}`).getAttribute('href'), server.url);
      assert.equal(q.pathname, '/api/v1/stats/training');
      assert.equal(q.searchParams.get('format'), f);
      assert.equal(q.searchParams.get('measure'), 'people');
    }
    const csv = await (await hart.context().request.get(`${server.url}${await hart.locator('#figure-csv').getAttribute('href')}`)).text();
    assert.match(csv, /Day 1.*6.*5/);
    await hart.waitForFunction(() => { const i = document.querySelector('#figure-chart'); return !i.hidden && i.complete && i.naturalWidth > 0; });
    assert.match(hart.url(), /#figures\?.*figure=training.*measure=people/);
    await assertAxeClean(hart, 'training figures, people by course');
    await screenshot(hart, 'training-figures-01-people');

    await hart.locator('#figures-measure').selectOption('sessions');
    await asked(hart, 'sessions', 'course');
    assert.deepEqual(await byChoices(hart), ['course', 'region', 'year']);
    await hart.locator('#figures-by').selectOption('region');
    await asked(hart, 'sessions', 'region');
    assert.equal((await rows(hart)).R1[0], '1');

    await hart.locator('#figures-measure').selectOption('reach');
    await asked(hart, 'reach', 'trainer');
    assert.deepEqual(await byChoices(hart), ['trainer', 'sessions_led'], 'HART may see the trainers by name');
    await hart.locator('#figures-measure').selectOption('informed');
    await asked(hart, 'informed', 'region');
    assert.deepEqual(await byChoices(hart), ['region', 'quarter', 'year']);
    await hart.locator('#figures-by').selectOption('quarter');
    await asked(hart, 'informed', 'quarter');
    // Over time: a row a quarter, each on its last day (today for this one).
    const quarters = await rows(hart);
    assert.ok(Object.keys(quarters).some((k) => /^\d{4}-Q[1-4]$/.test(k)), JSON.stringify(quarters));
    assert.match(await hart.locator('#figure-table-wrap caption').textContent(), /quarter/i);
    await assertAxeClean(hart, 'training figures, providers informed');
    await screenshot(hart, 'training-figures-02-informed');
    await hart.assertNoProblems();
  });

  test('HART\'s task force report has the people trained by course and the sessions by region', async () => {
    await hart.evaluate(() => (location.hash = '#figures/report?from=2026-01-01&to=2026-12-31&suppressed=false'));
    await waitView(hart, 'taskforce');
    await hart.waitForFunction(() => !document.querySelector('#tf-doc').hasAttribute('aria-busy')
      && document.querySelector('#tf-training-sessions table'));
    assert.equal(await hart.locator('#tf-sections .alert').count(), 0, 'every figure loaded');
    assert.match(await hart.locator('#tf-training-people h3').textContent(), /^10\. .*course/i);
    assert.match(await hart.locator('#tf-training-sessions h3').textContent(), /^11\. .*region/i);
    assert.match(await hart.locator('#tf-training-informed h3').textContent(), /^12\. .*quarter/i);
    const day1 = await hart.locator('#tf-training-people tbody tr[data-key="day1"] td').allTextContents();
    assert.deepEqual(day1.slice(0, 2), ['6', '5']);
    await hart.waitForFunction(() => [...document.querySelectorAll('#tf-sections img')].every((i) => i.complete && i.naturalWidth > 0));
    await assertAxeClean(hart, 'the task force report with training');
    await hart.locator('#tf-training-people').scrollIntoViewIfNeeded();
    await screenshot(hart, 'training-figures-03-report', { fullPage: false });
    await hart.assertNoProblems();
    await hart.context().close();
  });

  test('the analyst is not offered the trainers by name, and sees small counts hidden; 390 px', async () => {
    const p = await openAppAs(browser, server, demo.byRole.analyst, { size: PHONE });
    await p.evaluate(() => (location.hash = '#figures?figure=training&measure=reach'));
    await waitView(p, 'figures');
    await asked(p, 'reach', 'sessions_led');
    assert.deepEqual(await byChoices(p), ['sessions_led'], 'no by=trainer for an analyst');
    await p.locator('#figures-measure').selectOption('people');
    await asked(p, 'people', 'course');
    const people = await rows(p);
    assert.equal(people.day1[0], '6');
    assert.equal(people.day1[1], '5');
    assert.ok(await p.locator('#figures-suppressed').isChecked());
    await checkPhonePage(p, 'training figures as the analyst', 'training-figures-04-analyst-phone');
    await p.assertNoProblems();
    await p.context().close();
  });
});
