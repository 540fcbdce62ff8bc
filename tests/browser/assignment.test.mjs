// Who works a case, in Chromium: the HART coordinator sets the regional
// liaison as the lead from the case page; the liaison finds the case under
// "My work" with its duty; HART sees it in the caseload; HART prints a
// summary (the header on the page, no form or button in print, the print
// audited); closing with an open duty is refused until a reason to close
// anyway is given, and HART reopens the case. Each page passes axe and is
// saved as a screenshot, at desktop and phone width.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { auditRecords, demoServer, login, readJson } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import { PHONE, assertAxeClean, assertNoOverflow, closeAll, launchBrowser, logIn, openApp, screenshot, withPage } from './browser.mjs';
import { town } from '../lib/pack.mjs';

const TOWN_A = town(0, 0, 0);

let server;
let browser;
let page;
let demo;
let kase; // { id, number }
let hart; // API session

const CHILD = { given_name: 'Jordan', family_name: 'Assigntestchild', estimated_age: 15, town: TOWN_A };
const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

async function waitView(p, v) {
  await p.waitForFunction((v) => document.body.dataset.view === v, v);
}

async function gotoCase(p = page) {
  await p.evaluate((id) => (location.hash = `#case/${id}`), kase.id);
  await waitView(p, 'case');
  await p.waitForFunction((n) => document.querySelector('#case-heading .case-number')?.textContent === n, kase.number);
}

before(async () => {
  ({ demo, server } = await demoServer());
  const careline = await login(server.url, demo.byRole.careline.username, demo.byRole.careline.password);
  hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
  const body = {
    received_at: new Date(Date.now() - 30 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    channel: 'phone',
    reporter: { source: 'school', name: 'A school counselor' },
    children: [CHILD],
    narrative: 'A synthetic report for the browser test.',
    concerns: ['runaway_awol'],
  };
  const { id: intakeId } = await readJson(await careline.fetch('/api/v1/intakes', { method: 'POST', body }), 201, 'record a report');
  const { version } = await careline.get(`/api/v1/intakes/${intakeId}`);
  await readJson(await careline.fetch(`/api/v1/intakes/${intakeId}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version } }), 200, 'accept');
  kase = await hart.send('POST', '/api/v1/cases', { intake_id: intakeId }, 201);
  const c = await hart.get(`/api/v1/cases/${kase.id}`);
  await hart.send('PATCH', `/api/v1/cases/${kase.id}`, { version: c.version, victim_status: 'suspected' });
  browser = await launchBrowser();
  page = await openApp(browser, server);
});

after(() => closeAll(browser, server));

describe(`who works a case, in Chromium (${ENGINE})`, { timeout: 300_000 }, () => {
  test('HART sets the liaison as the lead from the case page; the duties go with it', async () => {
    const u = demo.byRole.hart;
    await logIn(page, u.username, u.password);
    await waitView(page, 'home');
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const name of ['My work', 'Caseload']) assert.ok(await nav.getByRole('link', { name, exact: true }).isVisible(), `${name} in the navigation`);
    await gotoCase();
    const panel = page.locator('#cp-assign');
    assert.match(await text(panel.locator('#assign-lead')), /No lead yet/);
    await panel.getByText('Set the lead or add a worker').click();
    const lead = page.getByLabel('Lead', { exact: true });
    await page.waitForFunction(() => document.querySelector('#as-lead')?.options.length > 1);
    const options = await lead.locator('option').allTextContents();
    assert.ok(options.includes('Demo Regional Liaison (liaison R1)'), options.join());
    assert.ok(!options.some((o) => /MDT|Provider/.test(o)), 'no MDT member or provider may lead');
    await assertAxeClean(page, 'the case page with the assignment form open');
    // An empty choice is refused at the form.
    await page.getByRole('button', { name: 'Set the lead' }).click();
    assert.match(await text(page.locator('#as-lead-error')), /Choose a person/);
    await lead.selectOption({ label: 'Demo Regional Liaison (liaison R1)' });
    await page.getByRole('button', { name: 'Set the lead' }).click();
    await page.waitForFunction(() => /Demo Regional Liaison/.test(document.querySelector('#assign-lead')?.textContent || ''));
    assert.match(await text(page.locator('#cp-assign-status')), /Demo Regional Liaison now leads the case/);
    assert.match(await text(page.locator('#case-facts')), /Lead Demo Regional Liaison/i);
    assert.equal(await page.locator('#cp-duties .duty[data-kind="law_enforcement_report"]').count(), 1);
    assert.match(await text(page.locator('#cp-duties .duty[data-kind="law_enforcement_report"]')), /Demo Regional Liaison/);
    await assertAxeClean(page, 'the case page with a lead');
    await page.locator('#cp-assign').scrollIntoViewIfNeeded();
    await screenshot(page, 'assignment-case-lead', { fullPage: false });
    await page.assertNoProblems();
  });

  test('the liaison sees the case and its duty under "My work"; HART sees it in the caseload', async () => {
    await withPage(await openApp(browser, server), async (p) => {
      const u = demo.byRole.liaison;
      await logIn(p, u.username, u.password);
      await waitView(p, 'home');
      await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My work' }).click();
      await waitView(p, 'mywork');
      await p.waitForFunction(() => document.querySelectorAll('#mywork-cases-body tr').length > 0);
      const row = p.locator('#mywork-cases-body tr', { hasText: kase.number });
      assert.match(await text(row), new RegExp(`${kase.number} ${CHILD.given_name} ${CHILD.family_name}.*Lead`));
      await p.waitForFunction(() => document.querySelectorAll('#mywork-duties li').length > 0);
      assert.match(await text(p.locator('#mywork-duties')), new RegExp(`Report to law enforcement.*${kase.number}`));
      await assertAxeClean(p, 'My work');
      await screenshot(p, 'assignment-mywork');
      await row.getByRole('link', { name: kase.number }).click();
      await waitView(p, 'case');
      await p.assertNoProblems();
    });
    await withPage(await openApp(browser, server, { size: PHONE }), async (p) => {
      const u = demo.byRole.liaison;
      await logIn(p, u.username, u.password);
      await p.evaluate(() => (location.hash = '#mywork'));
      await waitView(p, 'mywork');
      await p.waitForFunction(() => document.querySelectorAll('#mywork-cases-body tr').length > 0);
      await assertNoOverflow(p, 'My work');
      await assertAxeClean(p, 'My work, 390 px');
      await screenshot(p, 'assignment-mywork-phone');
    });
    await page.evaluate(() => (location.hash = '#caseload'));
    await waitView(page, 'caseload');
    await page.waitForFunction(() => document.querySelectorAll('#caseload-body tr').length > 0);
    const row = page.locator('#caseload-body tr', { hasText: 'Demo Regional Liaison' });
    assert.match(await text(row), /Demo Regional Liaison Regional liaison, Region 1 \(Southwest\) 1 1 0 0/);
    await assertAxeClean(page, 'the caseload');
    await screenshot(page, 'assignment-caseload');
    await page.assertNoProblems();
  });

  test('HART prints a summary: the parts chosen, the header with the notice, no form or button on paper, the print audited', async () => {
    await gotoCase();
    await page.getByText('Print a summary').click();
    await page.getByLabel('The timeline').uncheck();
    await page.locator('#case-print-open').click();
    await waitView(page, 'caseprint');
    await page.waitForFunction(() => document.querySelector('#case-print-doc .print-head'));
    const head = await text(page.locator('#case-print-doc .print-frame > thead'));
    assert.match(head, /^Confidential: this summary holds information about a child/);
    assert.match(head, new RegExp(`Case ${kase.number}`));
    assert.match(head, /Printed by Demo HART Coordinator \(demo-hart\)/);
    const doc = await text(page.locator('#case-print-doc'));
    assert.match(doc, /Facts/);
    assert.match(doc, /Duties and deadlines.*Report to law enforcement/);
    assert.match(doc, /Safety plan/);
    assert.ok(!/Timeline/.test(doc), 'the timeline was not chosen');
    await assertAxeClean(page, 'the print page');
    await screenshot(page, 'assignment-print-screen');

    await page.emulateMedia({ media: 'print' });
    const shown = await page.evaluate(() => [...document.querySelectorAll('form, button, input, select, textarea, nav')]
      .filter((el) => el.getClientRects().length > 0).map((el) => el.id || el.tagName));
    assert.deepEqual(shown, [], 'nothing to fill in or press in print');
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.print-frame > thead')).display), 'table-header-group',
      'the header repeats on every printed page');
    assert.ok(await page.locator('#case-print-doc .print-confidential').isVisible());
    await screenshot(page, 'assignment-print-paper');
    await page.emulateMedia({ media: 'screen' });
    const printed = (await auditRecords(await login(server.url, demo.byRole.admin.username, demo.byRole.admin.password), 'case.print'))
      .filter((a) => String(a.object_id) === String(kase.id));
    assert.deepEqual(printed.map((a) => a.detail), ['parts=facts,duties,plan']);
    await page.assertNoProblems();
  });

  test('closing with an open duty is refused until a reason to close anyway is given; HART reopens it', async () => {
    await gotoCase();
    page.expectHttp(409, 'PATCH', `/api/v1/cases/${kase.id}`);
    await page.getByRole('button', { name: 'Close the case' }).click();
    const form = page.locator('#case-close-form');
    await form.getByRole('button', { name: 'Close the case' }).click();
    assert.match(await text(page.locator('#close-reason-error')), /Choose why the case is closed/);
    await page.getByLabel('Closure reason').selectOption({ label: 'The child moved out of Connecticut' });
    await form.getByRole('button', { name: 'Close the case' }).click();
    await page.waitForSelector('#close-open-work');
    assert.match(await text(page.locator('#close-open-work')), /still has open work.*Duty: Report to law enforcement/);
    assert.equal((await hart.get(`/api/v1/cases/${kase.id}`)).status, 'open', 'refused: still open');
    await form.getByRole('button', { name: 'Close it all the same' }).click();
    assert.match(await text(page.locator('#close-anyway-error')), /Say why/);
    await assertAxeClean(page, 'the close form with the open work');
    await screenshot(page, 'assignment-close-refused', { fullPage: false });
    await page.getByLabel('Why it closes all the same').fill('The child moved to Ohio; the Ohio agency has the report.');
    await form.getByRole('button', { name: 'Close it all the same' }).click();
    await page.waitForFunction(() => document.querySelector('#case-status')?.textContent === 'The case is closed.');
    assert.match(await text(page.locator('#case-facts')), /Closed .*The child moved out of Connecticut/i);
    await page.getByText('Reopen the case').first().click();
    await assertAxeClean(page, 'a closed case with the reopen form');
    await page.locator('#case-moves').scrollIntoViewIfNeeded();
    await screenshot(page, 'assignment-closed', { fullPage: false });
    await page.getByLabel('Why the case opens again').fill('The child came back to Connecticut.');
    await page.getByRole('button', { name: 'Reopen the case' }).click();
    await page.waitForFunction(() => document.querySelector('#case-status')?.textContent === 'The case is open again.');
    assert.equal((await hart.get(`/api/v1/cases/${kase.id}`)).status, 'open');
    await assertAxeClean(page, 'the case reopened');
    await page.assertNoProblems();
  });
});
