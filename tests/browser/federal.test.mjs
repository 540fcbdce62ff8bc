// The federal count opens on a fiscal year that holds children: when the
// last full year counts no one and the year so far does, it shows the year
// so far; a year named in the address is kept (docs/figures.md).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoServer, login, readJson } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import { closeAll, launchBrowser, openAppAs, withPage } from './browser.mjs';
import { town } from '../lib/pack.mjs';

const TOWN_A = town(0, 0, 0);

let server;
let browser;
let demo;

/** The federal fiscal year a time falls in (FFY 2027 is 2026-10-01 to 2027-09-30). */
const fiscalYear = (d) => (d.getUTCMonth() >= 9 ? d.getUTCFullYear() + 1 : d.getUTCFullYear());

before(async () => {
  ({ demo, server } = await demoServer());
  const careline = await login(server.url, demo.byRole.careline.username, demo.byRole.careline.password);
  const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
  const now = new Date(Date.now() - 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const { id } = await readJson(await careline.fetch('/api/v1/intakes', { method: 'POST', body: {
    received_at: now, channel: 'phone', reporter: { source: 'school', name: 'A counselor' },
    children: [{ given_name: 'Robin', family_name: 'Federaltestchild', estimated_age: 15, town: TOWN_A }],
    narrative: 'A synthetic report.', concerns: ['runaway_awol'],
  } }), 201, 'report');
  await readJson(await careline.fetch(`/api/v1/intakes/${id}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team.', version: 1 } }), 200, 'accept');
  const kase = await readJson(await hart.fetch('/api/v1/cases', { method: 'POST', body: { intake_id: id } }), 201, 'case');
  const c = await hart.get(`/api/v1/cases/${kase.id}`);
  await readJson(await hart.fetch(`/api/v1/cases/${kase.id}`, { method: 'PATCH', body: { version: c.version, victim_status: 'suspected', identified_at: now } }), 200, 'identified');
  browser = await launchBrowser();
});

after(() => closeAll(browser, server));

describe(`the federal count's year in Chromium (${ENGINE})`, { timeout: 120_000 }, () => {
  test('with no child in the last full year, it opens on the year so far, which counts the child', async () => {
    const current = String(fiscalYear(new Date()));
    await withPage(await openAppAs(browser, server, demo.byRole.hart), async (p) => {
      const last = await readJson(await (await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password))
        .fetch(`/api/v1/stats/federal?fy=${Number(current) - 1}`), 200, 'the last full year');
      const counted = (body) => (body.rows || []).some((r) => [...(r.cells || []), r.total].some((x) => x && Number(x.value) > 0));
      await p.evaluate(() => (location.hash = '#figures'));
      await p.waitForFunction(() => document.body.dataset.view === 'figures');
      await p.locator('label[for="figures-kind-federal"]').click();
      const want = counted(last) ? String(Number(current) - 1) : current;
      await p.waitForFunction((y) => document.querySelector('#figures-fy')?.value === y
        && !document.querySelector('#figure-panel').hasAttribute('aria-busy'), want);
      assert.match(await p.locator('#figure-title').textContent(), new RegExp(`FFY ${want}`));
      assert.match(p.url(), new RegExp(`fy=${want}`));
      // A year named in the address is kept, children or none.
      await p.evaluate((y) => { location.hash = `#figures?figure=federal&fy=${y}`; }, String(Number(current) - 3));
      await p.waitForFunction((y) => document.querySelector('#figures-fy')?.value === y
        && !document.querySelector('#figure-panel').hasAttribute('aria-busy'), String(Number(current) - 3));
      await p.assertNoProblems();
    });
  });
});
