// The team page in Chromium: HART holds a case review, choosing each action
// item's owner from the team's members with an account and the HART
// coordinators; the MDT member marks done the item it owns, and has no
// such button for another's (docs/cases.md).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoServer, login, readJson } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import { assertAxeClean, closeAll, launchBrowser, openAppAs, screenshot, withPage } from './browser.mjs';
import { region, town } from '../lib/pack.mjs';

const REGION_A = region(0);
const TOWN_A = town(0, 0, 0);

let server;
let browser;
let demo;
let team;
let memberName; // the MDT user's name as a member of the team

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

before(async () => {
  ({ demo, server } = await demoServer());
  const careline = await login(server.url, demo.byRole.careline.username, demo.byRole.careline.password);
  const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
  const received = new Date(Date.now() - 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const { id } = await readJson(await careline.fetch('/api/v1/intakes', { method: 'POST', body: {
    received_at: received, channel: 'phone', reporter: { source: 'school', name: 'A counselor' },
    children: [{ given_name: 'Robin', family_name: 'Teamtestchild', estimated_age: 15, town: TOWN_A }],
    narrative: 'A synthetic report.', concerns: ['runaway_awol'],
  } }), 201, 'report');
  await readJson(await careline.fetch(`/api/v1/intakes/${id}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team.', version: 1 } }), 200, 'accept');
  const kase = await readJson(await hart.fetch('/api/v1/cases', { method: 'POST', body: { intake_id: id } }), 201, 'case');
  // The demo MDT user sits on mdt-r1 (made by hartline demo, or here).
  const mdtUser = (await login(server.url, demo.byRole.mdt.username, demo.byRole.mdt.password)).user;
  const known = (await hart.get('/api/v1/teams')).items.find((t) => t.code === mdtUser.scope);
  team = known ? known.id : (await readJson(await hart.fetch('/api/v1/teams', { method: 'POST', body: { code: mdtUser.scope, name: 'Region 1 MDT', region: REGION_A } }), 201, 'team')).id;
  const members = (await hart.get(`/api/v1/teams/${team}`)).members;
  if (!members.some((m) => m.user_id === mdtUser.id)) {
    await readJson(await hart.fetch(`/api/v1/teams/${team}/members`, {
      method: 'POST', body: { name: 'Demo MDT Member', agency: 'Victim advocacy program', mdt_role: 'victim_advocate', user_id: mdtUser.id },
    }), 201, 'the MDT user as a member');
  }
  await readJson(await hart.fetch(`/api/v1/teams/${team}/members`, {
    method: 'POST', body: { name: 'Alex Noaccount', agency: 'Bridgeport Police Department', mdt_role: 'law_enforcement' },
  }), 201, 'a member without an account');
  const when = new Date(Date.now() + 86400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  memberName = (await hart.get(`/api/v1/teams/${team}`)).members.find((m) => m.user_id === mdtUser.id).name;
  (await readJson(await hart.fetch(`/api/v1/teams/${team}/reviews`, { method: 'POST', body: { case_id: kase.id, scheduled_at: when } }), 201, 'review')).id;
  browser = await launchBrowser();
});

after(() => closeAll(browser, server));

describe(`the team page in Chromium (${ENGINE})`, { timeout: 180_000 }, () => {
  test('HART holds the review, each action item\'s owner chosen from the list', async () => {
    await withPage(await openAppAs(browser, server, demo.byRole.hart), async (p) => {
      await p.evaluate((id) => (location.hash = `#team/${id}`), team);
      await p.waitForFunction(() => document.body.dataset.view === 'team');
      const upcoming = p.locator('#tp-upcoming');
      await upcoming.getByText('Hold this review').click();
      for (let i = 0; i < 2; i++) await upcoming.getByRole('button', { name: 'Add an action item' }).click();
      const rows = upcoming.locator('.ai-row');
      assert.equal(await rows.count(), 2);
      const owner = rows.nth(0).getByLabel('Owner');
      const choices = (await owner.locator('option').allTextContents()).map((t) => t.trim());
      const mine = choices.find((c) => c.startsWith(`${memberName} (`));
      assert.ok(mine, choices.join(' | '));
      assert.ok(choices.some((c) => /\(HART coordinator\)$/.test(c)), choices.join(' | '));
      assert.ok(!choices.some((c) => c.startsWith('Alex Noaccount')), 'a member without an account owns nothing');
      const due = await p.evaluate(() => import('/common.js').then((m) => m.toLocalInput(Date.now() + 3 * 86400_000)));
      await rows.nth(0).getByLabel('What is to be done').fill('Visit the placement.');
      await owner.selectOption({ label: mine });
      await rows.nth(0).getByLabel('Due').fill(due);
      await rows.nth(1).getByLabel('What is to be done').fill('Call the school.');
      await rows.nth(1).getByLabel('Owner').selectOption({ label: choices.find((c) => /\(HART coordinator\)$/.test(c)) });
      await rows.nth(1).getByLabel('Due').fill(due);
      await screenshot(p, 'team-hold-owners', { fullPage: false });
      await upcoming.getByRole('button', { name: 'Record the review as held' }).click();
      await p.waitForFunction(() => /Review recorded as held/.test(document.querySelector('#tp-upcoming-status')?.textContent || ''));
      assert.match(await text(p.locator('#tp-items')), new RegExp(`Visit the placement\\..*Owner: ${memberName}`));
      await p.assertNoProblems();
    });
  });

  test('the MDT member marks done the item it owns; another\'s has no button', async () => {
    await withPage(await openAppAs(browser, server, demo.byRole.mdt), async (p) => {
      await p.evaluate((id) => (location.hash = `#team/${id}`), team);
      await p.waitForFunction(() => document.body.dataset.view === 'team');
      const items = p.locator('#tp-items');
      await items.getByText('Visit the placement.').waitFor();
      assert.equal(await items.getByRole('button', { name: 'Mark done: Call the school.' }).count(), 0, 'not its own item');
      await assertAxeClean(p, 'team page with an item to mark done');
      await screenshot(p, 'team-mdt-own-item', { fullPage: false });
      await items.getByRole('button', { name: 'Mark done: Visit the placement.' }).click();
      // The time is asked for, now by default.
      await p.getByRole('button', { name: 'Confirm: it is done' }).click();
      await p.waitForFunction(() => /Action item done/.test(document.querySelector('#tp-items-status')?.textContent || ''));
      assert.doesNotMatch(await text(p.locator('#tp-items')), /Visit the placement/);
      assert.match(await text(p.locator('#tp-items')), /Call the school/);
      await p.assertNoProblems();
    });
  });
});
