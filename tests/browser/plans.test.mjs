// A case's safety plan in Chromium: HART writes a safety plan with two
// goals on a case page, saves a second version, views the first read-only
// from the history, and opens the print view (the case number, the plan
// and its version, who printed it and when, and the confidentiality line;
// no buttons or navigation on paper). The case page's plans and the print
// view pass axe, fit 390 px, and are saved as screenshots.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoServer, login, readJson } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import { PHONE, assertAxeClean, checkPhonePage, closeAll, launchBrowser, logIn, openApp, openAppAs, screenshot, screenshotFrom, withPage } from './browser.mjs';
import { town } from '../lib/pack.mjs';

const TOWN_A = town(0, 0, 0);

let server;
let browser;
let page;
let demo;
let kase; // { id, number }

async function waitView(p, v) {
  await p.waitForFunction((v) => document.body.dataset.view === v, v);
}

async function gotoCase(p = page) {
  await p.evaluate((id) => (location.hash = `#case/${id}`), kase.id);
  await waitView(p, 'case');
  await p.waitForFunction((n) => document.querySelector('#case-heading .case-number')?.textContent === n, kase.number);
  await p.waitForFunction(() => !document.querySelector('#cp-plans-body')?.textContent.includes('Loading'));
}

const plans = (p = page) => p.locator('#cp-plans');

before(async () => {
  ({ demo, server } = await demoServer());
  const careline = await login(server.url, demo.byRole.careline.username, demo.byRole.careline.password);
  const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
  const body = {
    received_at: new Date(Date.now() - 30 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    channel: 'phone',
    reporter: { source: 'school', name: 'A school counselor' },
    children: [{ given_name: 'Robin', family_name: 'Plantestchild', estimated_age: 15, town: TOWN_A }],
    narrative: 'A synthetic report for the browser test.',
    concerns: ['runaway_awol'],
  };
  const { id } = await readJson(await careline.fetch('/api/v1/intakes', { method: 'POST', body }), 201, 'record a report');
  await readJson(await careline.fetch(`/api/v1/intakes/${id}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 } }), 200, 'accept');
  const c = await readJson(await hart.fetch('/api/v1/cases', { method: 'POST', body: { intake_id: id } }), 201, 'open a case');
  kase = { id: c.id, number: c.number };
  browser = await launchBrowser();
  page = await openApp(browser, server, { expect: [[422, 'PUT', `/api/v1/cases/${c.id}/plans/safety`]] });
});

after(() => closeAll(browser, server));

describe(`safety and service plans in Chromium (${ENGINE})`, { timeout: 300_000 }, () => {
  test('a case without plans says so and offers to write each', async () => {
    const u = demo.byRole.hart;
    await logIn(page, u.username, u.password);
    await waitView(page, 'home');
    await gotoCase();
    assert.ok(await page.getByRole('heading', { name: 'Safety and service plans' }).isVisible());
    assert.match(await plans().innerText(), /No safety plan yet/);
    assert.match(await plans().innerText(), /No service plan yet/);
  });

  test('HART writes a safety plan with two goals; a goal without services or a responsible person is named first', async () => {
    await plans().getByRole('button', { name: 'Write the safety plan' }).click();
    const form = page.locator('#plan-safety-form');
    await form.getByLabel('What the goal is').fill('Sleeps at the foster home every night');
    await form.getByRole('checkbox', { name: 'Specialized foster care' }).check();
    await form.getByLabel('Who is responsible').fill('Foster parent');
    await form.getByLabel('Target date').fill('2027-01-15');
    await form.getByRole('button', { name: 'Add a goal' }).click();
    const goal2 = form.locator('fieldset.plan-goal-edit').nth(1);
    assert.equal(await goal2.locator('legend').first().innerText(), 'Goal 2');
    await goal2.getByLabel('What the goal is').fill('Meets a mentor every week');
    // Saved without whom: the server names Goal 2's field.
    await form.getByRole('button', { name: 'Save version 1' }).click();
    await page.waitForFunction(() => /Goal 2: say who is responsible/.test(document.querySelector('#plan-safety-form')?.innerText || ''));
    assert.equal(await goal2.getByLabel('Who is responsible').getAttribute('aria-invalid'), 'true');
    await assertAxeClean(page, 'the plan editor with an error');
    await goal2.getByLabel('Who is responsible').fill('Mentoring agency');
    await goal2.getByRole('checkbox', { name: 'Mentoring' }).check();
    await form.getByRole('button', { name: 'Save version 1' }).click();
    await page.waitForFunction(() => /Safety plan saved: version 1/.test(document.querySelector('#cp-plans-status')?.textContent || ''));
    const text = await plans().innerText();
    assert.match(text, /Version 1 · written by Demo HART/);
    assert.match(text, /Sleeps at the foster home every night/);
    assert.match(text, /Meets a mentor every week/);
    assert.match(text, /Specialized foster care/);
    assert.match(text, /Jan 15, 2027/);
  });

  test('a second version keeps the first in the history, viewable read-only', async () => {
    await plans().getByRole('button', { name: 'Write a new version' }).click();
    const form = page.locator('#plan-safety-form');
    assert.equal(await form.locator('fieldset.plan-goal-edit').count(), 2, 'the editor starts from the current goals');
    await form.getByRole('button', { name: 'Remove goal 2' }).click();
    await form.getByLabel('What the goal is').fill('Sleeps at the foster home; calls the liaison when she cannot');
    await form.getByRole('button', { name: 'Save version 2' }).click();
    await page.waitForFunction(() => /Safety plan saved: version 2/.test(document.querySelector('#cp-plans-status')?.textContent || ''));
    assert.doesNotMatch(await plans().locator('.plan-card').first().locator('.plan-goals').innerText(), /mentor/);
    await plans().getByText('Versions (2)').click();
    await plans().getByRole('button', { name: 'View version 1' }).click();
    const old = page.locator('#plan-safety-old');
    await old.waitFor();
    assert.match(await old.innerText(), /version 1 \(read only\)/);
    assert.match(await old.innerText(), /Meets a mentor every week/);
    assert.equal(await old.locator('input, textarea, button[type="submit"]').count(), 0, 'read only: no field');
    await assertAxeClean(page, 'the case page with its plans');
    await screenshotFrom(page, 'cp-plans', 'plans-case-page');
  });

  test('the print view: case number, plan and version, who printed it and when, and the confidentiality line', async () => {
    await plans().getByRole('link', { name: 'Print view' }).first().click();
    await waitView(page, 'planprint');
    const doc = page.locator('#plan-print-doc');
    await doc.locator('table').waitFor();
    const text = await doc.innerText();
    assert.match(text, new RegExp(`Safety plan, case ${kase.number}`));
    assert.match(text, /Version 2 \(current\)/);
    assert.match(text, /Printed by Demo HART/);
    assert.match(text, /Confidential: contains information about a child/i);
    await assertAxeClean(page, 'the plan print view');
    await screenshot(page, 'plans-print-screen');
    await page.emulateMedia({ media: 'print' });
    for (const sel of ['#nav', '.masthead', '#plan-print-go', '#plan-print-back']) {
      const shown = await page.locator(sel).first().evaluate((el) => getComputedStyle(el).display !== 'none' && el.offsetParent !== null).catch(() => false);
      assert.equal(shown, false, `${sel} is not printed`);
    }
    await screenshot(page, 'plans-print-paper');
    await page.emulateMedia({ media: 'screen' });
    await page.assertNoProblems();
  });

  test('at 390 px: the case page\'s plans and the print view fit and pass axe', async () => {
    await withPage(await openAppAs(browser, server, demo.byRole.hart, { size: PHONE }), async (phone) => {
      await gotoCase(phone);
      await plans(phone).getByRole('button', { name: 'Write a new version' }).click();
      await checkPhonePage(phone, 'the plan editor', 'plans-editor-phone');
      await phone.evaluate((id) => (location.hash = `#case/${id}/plans/safety/print/1`), kase.id);
      await waitView(phone, 'planprint');
      await phone.locator('#plan-print-doc table').waitFor();
      await phone.assertNoProblems();
      assert.match(await phone.locator('#plan-print-doc').innerText(), /Version 1 \(an older version\)/);
      await checkPhonePage(phone, 'the print view', 'plans-print-phone');
    });
  });
});
