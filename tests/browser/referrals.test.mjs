// Service referrals in Chromium, the whole path: HART refers the child on
// a case to provider A from the case page (the service first, then only
// the providers that offer it in the case's region); A's user declines it
// from its queue with a reason; HART re-refers it to provider B in one
// step; B's user accepts, starts and completes it with an outcome; the
// case page shows the history. Each step is a screenshot; the pages pass
// axe, and the case's Services section and the provider's pages work at
// 390 px wide.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoServer, login, readJson } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import {
  PHONE, addUser, assertAxeClean, assertNoOverflow, closeAll, launchBrowser, logIn, openApp, openAppAs, screenshot, withPage,
} from './browser.mjs';
import { region, town } from '../lib/pack.mjs';

const REGION_A = region(0);
const REGION_C = region(2);
const TOWN_A = town(0, 0, 0);

let server;
let browser;
let demo;
let hartPage;
let kase;
const provider = {};
const staff = {};

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();
const waitView = (p, v) => p.waitForFunction((x) => document.body.dataset.view === x, v);

async function gotoCase(p) {
  // The services list the case page shows now: the one to wait for is a new one.
  const before = await p.evaluateHandle(() => document.querySelector('#ref-list'));
  // Through another page, so that the case is read again.
  if (await p.evaluate(() => document.body.dataset.view === 'case')) {
    await p.evaluate(() => (location.hash = '#referrals'));
    await waitView(p, 'referrals');
  }
  await p.evaluate((id) => (location.hash = `#case/${id}`), kase.id);
  await waitView(p, 'case');
  await p.waitForFunction((n) => document.querySelector('#case-heading .case-number')?.textContent === n, kase.number);
  await p.waitForFunction((old) => {
    const list = document.querySelector('#ref-list');
    return list && list !== old && !list.hasAttribute('aria-busy');
  }, before);
  await before.dispose();
}

/** The referral item of the case page with that number. */
const caseItem = (p, number) => p.locator('#ref-list li.ref-item').filter({ has: p.locator('a.ref-number', { hasText: number }) });

async function providerPage(code) {
  const p = await openAppAs(browser, server, staff[code], { view: 'referrals' });
  await p.waitForFunction(() => document.querySelector('#rq-list') && !document.querySelector('#rq-list').hasAttribute('aria-busy'));
  return p;
}

/** On a provider's queue: opens the referral numbered number. */
async function openReferral(p, number) {
  await p.getByRole('link', { name: `Referral ${number}` }).click();
  await waitView(p, 'referral');
  await p.waitForFunction((n) => document.getElementById('referral-heading').textContent === `Referral ${n}`, number);
}

/** On a referral page: presses the move button and waits for the new status. */
async function pressMove(p, name, status) {
  await p.getByRole('button', { name, exact: true }).click();
  await p.waitForFunction((s) => document.getElementById('ref-status')?.textContent.includes(s), status);
}

before(async () => {
  ({ demo, server } = await demoServer());
  const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
  for (const [code, name, openings, region] of [['anchor', 'Anchor Point', 2, REGION_A], ['beacon', 'Beacon House', 1, REGION_A], ['north', 'Northway', 3, REGION_C]]) {
    const body = { code, name, services: ['mentoring'], regions: [region], populations: [], languages: ['English'], openings, capacity: 4 };
    ({ id: provider[code] } = await readJson(await hart.fetch('/api/v1/providers', { method: 'POST', body }), 201, `provider ${code}`));
    staff[code] = { username: `${code}-staff`, password: `Browser ${code} staff 42`, role: 'provider', displayName: `${name} Staff` };
    await addUser(server, { ...staff[code], provider: code });
  }
  const careline = await login(server.url, demo.byRole.careline.username, demo.byRole.careline.password);
  const report = {
    received_at: new Date(Date.now() - 30 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    channel: 'phone',
    reporter: { source: 'school', name: 'A school counselor' },
    children: [{ given_name: 'Sky', family_name: 'Referralbrowser', estimated_age: 15, town: TOWN_A }],
    narrative: 'A synthetic report for the browser test.',
    concerns: ['runaway_awol'],
  };
  const { id } = await readJson(await careline.fetch('/api/v1/intakes', { method: 'POST', body: report }), 201, 'record');
  await readJson(await careline.fetch(`/api/v1/intakes/${id}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team.', version: 1 } }), 200, 'accept');
  kase = await readJson(await hart.fetch('/api/v1/cases', { method: 'POST', body: { intake_id: id } }), 201, 'open');
  browser = await launchBrowser();
  hartPage = await openApp(browser, server, { acceptDialogs: true });
});

after(() => closeAll(browser, server));

describe(`service referrals in Chromium (${ENGINE})`, { timeout: 300_000 }, () => {
  let first; // number of the referral to A
  let second; // number of the re-referral to B

  test('HART refers the child to provider A from the case page: the service first, then its providers', async () => {
    const p = hartPage;
    await logIn(p, demo.byRole.hart.username, demo.byRole.hart.password);
    await waitView(p, 'home');
    await gotoCase(p);
    assert.equal(await text(p.locator('#ref-list')), 'No referral yet.');
    await p.getByText('Refer the child to a provider').click();
    // No provider is offered before the service is chosen.
    assert.equal(await p.locator('#rf-provider option').count(), 1);
    await p.locator('#rf-service').selectOption('mentoring');
    await p.waitForFunction(() => [...document.querySelectorAll('#rf-provider option')].some((o) => o.textContent.startsWith('Anchor Point')));
    const options = await p.locator('#rf-provider option').allInnerTexts();
    const names = options.slice(1).map((o) => o.replace(/ \(\d+ openings?\)$/, ''));
    for (const name of ['Anchor Point', 'Beacon House']) assert.ok(names.includes(name), `${name} offered: ${names.join(', ')}`);
    // Only those that offer mentoring in the case's region: not Northway, in Region 3.
    assert.ok(!names.includes('Northway'), names.join(', '));
    await p.locator('#rf-provider').selectOption(String(provider.anchor));
    await p.locator('#rf-urgency').selectOption('urgent');
    await p.locator('#rf-reason').fill('Mentoring after the return home; likes art.');
    await screenshot(p, 'referrals-01-refer-form');
    await p.locator('#rf-submit').click();
    await p.waitForFunction(() => /Referred: S-\d{4}-\d+/.test(document.getElementById('cp-services-status')?.textContent || ''));
    first = /S-\d{4}-\d+/.exec(await text(p.locator('#cp-services-status')))[0];
    const item = caseItem(p, first);
    assert.match(await text(item), /Mentoring · Anchor Point Waiting for the provider's answer Urgent/);
    assert.match(await text(item), /Answer due in/);
    await assertAxeClean(p, 'the case page with a referral');
    await screenshot(p, 'referrals-02-referred');
  });

  test("provider A's user sees the referral in its queue, with only the pack's view of the child, and declines it with a reason", async () => {
    await withPage(await providerPage('anchor'), async (p) => {
      const nav = p.getByRole('navigation', { name: 'Main' });
      assert.ok(await nav.getByRole('link', { name: 'Referrals', exact: true }).isVisible());
      assert.equal(await nav.getByRole('link', { name: 'Cases', exact: true }).isVisible(), false);
      const queue = await text(p.locator('#rq-list'));
      assert.match(queue, new RegExp(`Referral ${first} Mentoring`));
      assert.match(queue, /S\. R\., 15 years old/);
      for (const hidden of ['Sky', 'Referralbrowser', kase.number]) assert.ok(!queue.includes(hidden), `${hidden} is not shown to the provider`);
      await assertAxeClean(p, "the provider's queue");
      await screenshot(p, 'referrals-03-provider-a-queue');
      await openReferral(p, first);
      const page = await text(p.locator('#referral-page'));
      assert.match(page, /Mentoring after the return home; likes art\./);
      for (const hidden of ['Sky', 'Referralbrowser', kase.number]) assert.ok(!page.includes(hidden), `${hidden} is not on the referral page`);
      // Only the moves allowed now, and only the provider's.
      const buttons = await p.locator('.ref-moves > .actions button').allInnerTexts();
      assert.deepEqual(buttons, ['Accept', 'Decline']);
      await p.getByRole('button', { name: 'Decline', exact: true }).click();
      await p.locator('#rm-code').selectOption('no_opening');
      await assertAxeClean(p, 'the decline form');
      await screenshot(p, 'referrals-04-provider-a-declines');
      await p.locator('.ref-move-form button[type="submit"]').click();
      await p.waitForFunction(() => document.getElementById('ref-status')?.textContent.includes('Declined'));
      assert.match(await text(p.locator('.ref-facts')), /Declined because\s*No opening/i);
      assert.match(await text(p.locator('.ref-moves')), /Nothing: this referral is closed\./);
      await screenshot(p, 'referrals-05-provider-a-declined');
    });
  });

  test('HART re-refers the declined referral to provider B in one step', async () => {
    const p = hartPage;
    await gotoCase(p);
    const item = caseItem(p, first);
    assert.match(await text(item), /Declined/);
    assert.match(await text(item), /Reason: No opening\./);
    await item.getByText('Refer to another provider').click();
    const sel = item.locator('select');
    await p.waitForFunction(() => [...document.querySelectorAll('.ref-rerefer select option')].some((o) => o.textContent.startsWith('Beacon House')));
    // The provider that declined is not offered again.
    assert.ok(!(await sel.locator('option').allInnerTexts()).some((o) => o.startsWith('Anchor Point')));
    await sel.selectOption(String(provider.beacon));
    await item.locator('textarea').fill('Anchor Point had no opening.');
    await screenshot(p, 'referrals-06-rerefer-form');
    await item.getByRole('button', { name: 'Refer to this provider' }).click();
    await p.waitForFunction(() => /Re-referred as S-\d{4}-\d+/.test(document.getElementById('cp-services-status')?.textContent || ''));
    second = /S-\d{4}-\d+/.exec(await text(p.locator('#cp-services-status')))[0];
    assert.match(await text(caseItem(p, second)), new RegExp(`Beacon House .*Re-referred from ${first}`));
    assert.match(await text(caseItem(p, first)), new RegExp(`Re-referred as ${second}`));
    await screenshot(p, 'referrals-07-rereferred');
  });

  test("provider B's user accepts, starts and completes it with an outcome", async () => {
    await withPage(await providerPage('beacon'), async (p) => {
      // B sees its own referral only.
      assert.ok(!(await text(p.locator('#rq-list'))).includes(first));
      await openReferral(p, second);
      await pressMove(p, 'Accept', 'Accepted');
      await screenshot(p, 'referrals-08-provider-b-accepted');
      assert.deepEqual(await p.locator('.ref-moves > .actions button').allInnerTexts(), ['Start the service']);
      await pressMove(p, 'Start the service', 'Service started');
      assert.deepEqual(await p.locator('.ref-moves > .actions button').allInnerTexts(), ['Complete', 'End early']);
      await p.getByRole('button', { name: 'Complete', exact: true }).click();
      await p.locator('#rm-code').selectOption('goals_met');
      await p.locator('#rm-note').fill('Met every week; goals reached.');
      await p.locator('.ref-move-form button[type="submit"]').click();
      await p.waitForFunction(() => document.getElementById('ref-status')?.textContent.includes('Completed'));
      const history = await p.locator('.ref-steps li').allInnerTexts();
      assert.deepEqual(history.map((h) => /(Waiting for the provider's answer|Accepted|Service started|Completed)/.exec(h)?.[1]),
        ["Waiting for the provider's answer", 'Accepted', 'Service started', 'Completed']);
      assert.match(history[3], /Goals met[\s\S]*Met every week; goals reached\./);
      await assertAxeClean(p, 'a completed referral');
      await screenshot(p, 'referrals-09-provider-b-completed');
    });
  });

  test('the case page shows the history: declined by A, re-referred, completed by B', async () => {
    const p = hartPage;
    await gotoCase(p);
    const all = await text(p.locator('#ref-list'));
    assert.ok(all.indexOf(second) < all.indexOf(first), 'newest first');
    assert.match(await text(caseItem(p, second)), /Completed .*started .*completed .*Outcome: Goals met\./);
    assert.match(await text(caseItem(p, first)), /Declined .*Reason: No opening\./);
    await p.locator('#cp-services').scrollIntoViewIfNeeded();
    await assertAxeClean(p, 'the case page with the history');
    await screenshot(p, 'referrals-10-case-history');
  });

  test('at 390 px wide the Services section and the provider pages fit and pass axe', async () => {
    await withPage(await openAppAs(browser, server, demo.byRole.hart, { size: PHONE }), async (p) => {
      await gotoCase(p);
      await assertNoOverflow(p, 'the case page');
      await assertAxeClean(p, 'the case page, 390 px');
      await p.locator('#cp-services').scrollIntoViewIfNeeded();
      await screenshot(p, 'referrals-11-phone-case', { fullPage: false });
    });
    await withPage(await openAppAs(browser, server, staff.beacon, { size: PHONE, view: 'referrals' }), async (p) => {
      await p.waitForFunction(() => document.querySelector('#rq-list li'));
      await assertNoOverflow(p, "the provider's queue");
      await assertAxeClean(p, "the provider's queue, 390 px");
      await screenshot(p, 'referrals-12-phone-queue');
      await openReferral(p, second);
      await assertNoOverflow(p, 'the referral page');
      await assertAxeClean(p, 'the referral page, 390 px');
      await screenshot(p, 'referrals-13-phone-referral');
    });
  });
});
