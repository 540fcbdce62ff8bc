// Training in Chromium (docs/training.md, "The pages"): the demo trainer
// schedules a Day 1 session with 2 places, registers 3 people (a new one
// added inline, one found by name; the third goes on the waiting list),
// removes one (the waiting person moves up), takes attendance with the
// keyboard only (Tab and Space), saves it in one request and sees the
// certificate on the person's record; a Day 2 registration of someone
// without Day 1 shows the prerequisite in words. A provider user sees its
// staff's training. Each step is a screenshot; the pages pass axe and fit
// 390 px.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DEMO_PROVIDER, demoServer, login, readJson } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import {
  PHONE, assertAxeClean, checkPhonePage, closeAll, launchBrowser, openAppAs, screenshot, withPage,
} from './browser.mjs';
import { region } from '../lib/pack.mjs';

const REGION_A = region(0);

let server;
let browser;
let demo;
let page;
let trainer; // the API, as the demo trainer
let sessionId;
const people = {};

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();
const waitView = (p, v) => p.waitForFunction((x) => document.body.dataset.view === x, v);
const notice = (p, re) => p.waitForFunction((src) => new RegExp(src).test(document.getElementById('ts-notice')?.textContent || ''), re.source);

async function addNew(name) {
  await page.locator('#ts-new-open').click();
  await page.locator('#ts-new-name').fill(name);
  await page.locator('#ts-new-email').fill(`${name.toLowerCase().replace(/ /g, '.')}@example.org`);
  await page.locator('#ts-new-org').fill('Harbor Light');
  await page.locator('#ts-new-audience').selectOption('service_providers');
  await page.locator('#ts-new-save').click();
  await notice(page, new RegExp(`${name} is registered`));
}

before(async () => {
  ({ demo, server } = await demoServer());
  trainer = await login(server.url, demo.byRole.trainer.username, demo.byRole.trainer.password);
  // Someone already known, to be found by name.
  people.casey = (await readJson(await trainer.fetch('/api/v1/training/trainees', { method: 'POST', body: {
    name: 'Casey Browsertrain', email: 'casey.browsertrain@example.org', audience: 'service_providers', organisation: 'Beacon House',
  } }), 201)).id;
  // Two staff of the demo provider user's agency.
  const harbor = (await trainer.get(`/api/v1/providers?q=${DEMO_PROVIDER}`)).items.find((p) => p.code === DEMO_PROVIDER);
  for (const [name, supervisor] of [['Jamie Harborstaff', true], ['Riley Harborstaff', false]]) {
    await readJson(await trainer.fetch('/api/v1/training/trainees', { method: 'POST', body: {
      name, audience: 'service_providers', organisation: 'Harbor Light', provider_id: harbor.id, supervisor,
    } }), 201);
  }
  browser = await launchBrowser();
});

after(() => closeAll(browser, server));

describe(`training in Chromium (${ENGINE})`, { timeout: 300_000 }, () => {
  test('the trainer lands on training: courses in words, sessions, people', async () => {
    page = await openAppAs(browser, server, demo.byRole.trainer, { view: 'training' });
    await page.waitForFunction(() => document.querySelector('#tr-sessions table, #tr-sessions .none'));
    const courses = await text(page.locator('.tr-courses'));
    assert.match(courses, /DCF Academy Day 2.*Needs DCF Academy Day 1.* first/);
    assert.match(courses, /hours/);
    assert.match(courses, /Certificate valid 24 months/);
    assert.equal(await page.locator('#nav-training').getAttribute('aria-current'), 'page');
    await assertAxeClean(page, 'training');
    await screenshot(page, 'training-01-home');
    // The filters go into the address.
    await page.locator('#tr-f-course').selectOption('day1');
    await page.waitForFunction(() => location.hash === '#training?course=day1');
  });

  test('schedules a Day 1 session with 2 places', async () => {
    await page.locator('#tr-schedule-open').click();
    await page.locator('#tr-s-course').selectOption('day1');
    await page.locator('#tr-s-starts').fill('2027-03-02T09:00');
    await page.locator('#tr-s-ends').fill('2027-03-02T16:00');
    await page.locator('#tr-s-region').selectOption(REGION_A);
    await page.locator('#tr-s-place').fill('Academy, Room 4');
    await page.locator('#tr-s-capacity').fill('2');
    await assertAxeClean(page, 'schedule form');
    await screenshot(page, 'training-02-schedule');
    await page.locator('#tr-schedule-save').click();
    await waitView(page, 'tsession');
    sessionId = Number(/#training\/session\/(\d+)/.exec(await page.evaluate(() => location.hash))[1]);
    await page.waitForFunction(() => /DCF Academy Day 1/.test(document.getElementById('tsession-heading').textContent));
    assert.match(await text(page.locator('#tsession-page .facts')), /0 of 2 places taken/);
  });

  test('registers three: a new person inline, another, one found by name goes on the waiting list', async () => {
    await addNew('Avery Browsertrain');
    await addNew('Blake Browsertrain');
    await page.locator('#ts-find-q').fill('Casey Browsertrain');
    await page.locator('#ts-find-q').press('Enter');
    await page.getByRole('button', { name: 'Register Casey Browsertrain' }).click();
    await notice(page, /Casey Browsertrain is registered\. The session is full: Casey Browsertrain is on the waiting list, position 1/);
    const regs = await text(page.locator('table.ts-regs'));
    assert.match(regs, /Casey Browsertrain.*Waiting list, position 1/);
    assert.match(await text(page.locator('#ts-regs-title')), /2 of 2, 1 waiting/);
    await assertAxeClean(page, 'session with a waiting list');
    await screenshot(page, 'training-03-registered');
  });

  test('removing Blake moves Casey up from the waiting list', async () => {
    await page.getByRole('button', { name: 'Remove Blake Browsertrain' }).click();
    await notice(page, /Blake Browsertrain is removed\. Casey Browsertrain moves up/);
    const regs = await text(page.locator('table.ts-regs'));
    assert.doesNotMatch(regs, /Blake/);
    assert.match(regs, /Casey Browsertrain.*Registered/);
    await screenshot(page, 'training-04-moved-up');
  });

  test('attendance with the keyboard only, saved in one request; the certificate is on the record', async () => {
    const rows = page.locator('table.att-table tbody tr');
    assert.equal(await rows.count(), 2);
    const order = await page.locator('table.att-table tbody th').allInnerTexts();
    // The control before the table: from there on, Tab and Space only.
    await page.locator('#ts-new-open').focus();
    const avery = order.indexOf('Avery Browsertrain');
    const keys = [];
    for (let i = 0; i < order.length; i++) {
      if (i === avery) keys.push('Tab', 'Tab', 'Space'); // Completed only: it ticks Attended too
      else keys.push('Tab', 'Space', 'Tab'); // Attended only
    }
    for (const k of keys) await page.keyboard.press(k);
    const checked = await page.evaluate(() => [...document.querySelectorAll('table.att-table input')].map((i) => i.checked));
    assert.deepEqual(checked, avery === 0 ? [true, true, true, false] : [true, false, true, true]);
    await screenshot(page, 'training-05-attendance');
    let puts = 0;
    page.on('request', (r) => { if (r.method() === 'PUT' && r.url().endsWith(`/sessions/${sessionId}/attendance`)) puts++; });
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'att-save');
    await page.keyboard.press('Space');
    await notice(page, /Attendance saved: 2 attended, 1 completed; 1 certificate issued/);
    assert.equal(puts, 1);
    await assertAxeClean(page, 'attendance saved');
    await screenshot(page, 'training-06-saved');

    await page.getByRole('link', { name: 'Avery Browsertrain' }).click();
    await waitView(page, 'trainee');
    await page.waitForFunction(() => document.getElementById('trainee-heading').textContent === 'Avery Browsertrain');
    const certs = await text(page.locator('table.tn-certs'));
    assert.match(certs, /DCF Academy Day 1.* [2-9A-HJKMNP-Z]{10} Mar 2, 2027 Mar 2, 2029 Valid/);
    assert.match(await page.locator('table.tn-certs a').getAttribute('href'), /^#certificate\/\d+$/);
    assert.match(await text(page.locator('table.tn-regs')), /DCF Academy Day 1.*Registered Yes Yes/);
    await assertAxeClean(page, 'training record');
    await screenshot(page, 'training-07-record');
  });

  test('Day 2 for someone without Day 1: the prerequisite in words', async () => {
    const d2 = await readJson(await trainer.fetch('/api/v1/training/sessions', { method: 'POST', body: {
      course: 'day2', capacity: 10, starts_at: '2027-04-06T13:00:00Z', ends_at: '2027-04-06T20:00:00Z', region: REGION_A, place: 'Academy',
    } }), 201);
    page.expectHttp(409, 'POST', `/api/v1/training/sessions/${d2.id}/registrations`);
    await page.evaluate((id) => (location.hash = `#training/session/${id}`), d2.id);
    await page.waitForFunction(() => /DCF Academy Day 2/.test(document.getElementById('tsession-heading').textContent));
    await page.locator('#ts-find-q').fill('Blake Browsertrain');
    await page.locator('#ts-find-q').press('Enter');
    await page.getByRole('button', { name: 'Register Blake Browsertrain' }).click();
    await page.waitForFunction(() => !document.getElementById('ts-register-error').hidden);
    assert.match(await text(page.locator('#ts-register-error')), /Day 2.* needs .*Day 1.* first: Blake Browsertrain has not completed it/);
    assert.doesNotMatch(await text(page.locator('#tsession-page')), /\bnull\b|undefined/);
    await assertAxeClean(page, 'prerequisite refused');
    await screenshot(page, 'training-08-prerequisite');
    await page.assertNoProblems();
  });

  test('at 390 px: the training page, a session, a record', async () => {
    await withPage(await openAppAs(browser, server, demo.byRole.trainer, { view: 'training', size: PHONE }), async (phone) => {
      await phone.waitForFunction(() => document.querySelector('#tr-sessions table, #tr-sessions .none'));
      await checkPhonePage(phone, 'training', 'training-09-phone');
      await phone.evaluate((id) => (location.hash = `#training/session/${id}`), sessionId);
      await phone.waitForFunction(() => document.querySelector('table.att-table'));
      await checkPhonePage(phone, 'session', 'training-10-phone-session');
      await phone.getByRole('link', { name: 'Avery Browsertrain' }).click();
      await phone.waitForFunction(() => document.querySelector('table.tn-certs'));
      await checkPhonePage(phone, 'record', 'training-11-phone-record');
    });
  });

  test("a provider user sees its staff's training, without the forms", async () => {
    await withPage(await openAppAs(browser, server, demo.byRole.provider, { view: 'referrals' }), async (p) => {
      await p.locator('#nav-training').click();
      await waitView(p, 'training');
      await p.waitForFunction(() => document.querySelector('#tr-people table, #tr-people .none'));
      assert.equal(await text(p.locator('#tr-people-title')), "Our staff's training");
      assert.equal(await p.locator('#tr-schedule-open').count(), 0);
      assert.deepEqual(await p.locator('#tr-people tbody th, #tr-people tbody td:first-child').allInnerTexts(), ['Jamie Harborstaff', 'Riley Harborstaff']);
      await assertAxeClean(p, 'provider training');
      await screenshot(p, 'training-12-provider');
    });
  });
});
