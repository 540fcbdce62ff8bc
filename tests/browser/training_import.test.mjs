// A sign-in sheet imported in Chromium (docs/training.md, "The pages" and
// "Sign-in sheet import"): the demo trainer opens a session, follows
// "Import a sign-in sheet", checks a bad file (every bad line named:
// "Line 3, email: ..."), then a good one (what would happen: people known
// and new, attended, completed, certificates), imports it and sees the
// attendance on the session page; the same file again is refused as
// already imported, in words. The page passes axe, fits 390 px, and each
// step is a screenshot.

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
let page;
let sessionId;

const HEADER = 'name,email,organisation,role,audience,attended,completed\n';
const BAD = `${HEADER}Good Sheetperson,good.sheetperson@example.org,,,dcf_staff,yes,yes\n`
  + 'Wrong Sheetperson,not-an-address,,,nobody,maybe,\nLate Sheetperson,,,,dcf_staff,no,yes\n';
const GOOD = `${HEADER}Casey Sheetknown,CASEY.SHEETKNOWN@example.org,Beacon House,,service_providers,yes,yes\n`
  + 'Morgan Sheetnew,morgan.sheetnew@example.org,Beacon House,Clinical supervisor,Service providers,yes,no\n'
  + 'Parker Sheetnew,,Beacon House,,service_providers,no,\n';

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();
const waitView = (p, v) => p.waitForFunction((x) => document.body.dataset.view === x, v);
const sheet = (name, csv) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(csv) });

/** Picks the file and presses "Check the file" or "Import", once the answer is shown. */
async function press(p, button) {
  const before = await p.locator('#timport-result').innerHTML();
  await p.locator(button).click();
  await p.waitForFunction((old) => !document.querySelector('#timport-form').hasAttribute('aria-busy')
    && document.querySelector('#timport-result').innerHTML !== old, before);
}

async function counts(p) {
  return p.locator('#timport-counts > div').evaluateAll((ds) => Object.fromEntries(ds.map((d) => [
    d.querySelector('dt').textContent, d.querySelector('dd').textContent])));
}

before(async () => {
  ({ demo, server } = await demoServer());
  const trainer = await login(server.url, demo.byRole.trainer.username, demo.byRole.trainer.password);
  sessionId = (await readJson(await trainer.fetch('/api/v1/training/sessions', { method: 'POST', body: {
    course: 'day1', capacity: 2, starts_at: '2026-03-03T14:00:00Z', ends_at: '2026-03-03T21:00:00Z', region: REGION_A, place: 'Academy',
  } }), 201)).id;
  await readJson(await trainer.fetch('/api/v1/training/trainees', { method: 'POST', body: {
    name: 'Casey Sheetknown', email: 'casey.sheetknown@example.org', audience: 'service_providers', organisation: 'Beacon House',
  } }), 201);
  browser = await launchBrowser();
});

after(() => closeAll(browser, server));

describe(`a sign-in sheet imported in Chromium (${ENGINE})`, { timeout: 300_000 }, () => {
  test('the session page leads to the import page', async () => {
    page = await openAppAs(browser, server, demo.byRole.trainer, { view: 'training' });
    await page.evaluate((id) => (location.hash = `#training/session/${id}`), sessionId);
    await waitView(page, 'tsession');
    await page.getByRole('link', { name: 'Import a sign-in sheet' }).click();
    await waitView(page, 'timport');
    assert.equal(await page.evaluate(() => location.hash), `#training/session/${sessionId}/import`);
    await page.waitForFunction(() => /^Import a sign-in sheet: T-\d{4}-\d{4}$/.test(document.getElementById('timport-heading').textContent));
    assert.match(await text(page.locator('#timport-session')), /DCF Academy Day 1/);
    assert.ok(await page.locator('#timport-check').isDisabled());
    assert.ok(await page.locator('#timport-go').isDisabled());
    await assertAxeClean(page, 'the import page');
  });

  test('a bad file: every bad line named, nothing imported', async () => {
    page.expectHttp(422, 'POST', `/api/v1/training/sessions/${sessionId}/imports`);
    await page.locator('#timport-file').setInputFiles(sheet('bad.csv', BAD));
    await page.waitForFunction(() => !document.getElementById('timport-check').disabled);
    assert.match(await text(page.locator('#timport-result')), /bad\.csv: 3 lines after the header/);
    await press(page, '#timport-check');
    assert.match(await text(page.locator('#timport-result .alert')), /problems in bad\.csv: nothing was imported/);
    const problems = await page.locator('#timport-problems li').allTextContents();
    assert.ok(problems.some((l) => /^Line 3, email: "not-an-address" is not an e-mail address/.test(l)), problems.join('\n'));
    assert.ok(problems.some((l) => /^Line 3, audience: /.test(l)));
    assert.ok(problems.some((l) => /^Line 4, completed: completed without attending/.test(l)));
    assert.ok(!problems.some((l) => /^Line 2\b/.test(l)), 'a good line is not named');
    assert.doesNotMatch(await text(page.locator('#timport-result')), /\bnull\b|undefined/);
    assert.ok(await page.locator('#timport-go').isDisabled(), 'nothing to import from a bad file');
    await assertAxeClean(page, 'the import page, a bad file');
    await screenshot(page, 'training-import-01-bad');
  });

  test('a good file: checked, imported, the attendance on the session page', async () => {
    await page.locator('#timport-file').setInputFiles(sheet('day1-sheet.csv', GOOD));
    await page.waitForFunction(() => !document.getElementById('timport-check').disabled);
    await press(page, '#timport-check');
    assert.match(await text(page.locator('#timport-result .notice')), /all 3 lines are good\. Nothing was written/);
    assert.deepEqual(await counts(page), {
      Lines: '3', 'People already known': '1', 'New people to add': '2', 'To register for the session': '3',
      Attended: '2', Completed: '1', 'Certificates to issue': '1',
    });
    assert.ok(await page.locator('#timport-go').isEnabled());
    await screenshot(page, 'training-import-02-checked');
    await press(page, '#timport-go');
    assert.match(await text(page.locator('#timport-result .notice')), /day1-sheet\.csv is imported: 2 people attended, 1 completed, 1 certificate issued/);
    assert.equal((await counts(page))['Certificates issued'], '1');
    assert.ok(await page.locator('#timport-go').isDisabled());
    await assertAxeClean(page, 'the import page, imported');
    await screenshot(page, 'training-import-03-imported');
    await page.locator('#timport-see').click();
    await waitView(page, 'tsession');
    await page.waitForFunction(() => document.querySelector('#att-form'));
    const attended = await page.locator('.att-attended:checked').evaluateAll((xs) => xs.length);
    const completed = await page.locator('.att-completed:checked').evaluateAll((xs) => xs.length);
    assert.equal(attended, 2);
    assert.equal(completed, 1);
    const all = await text(page.locator('#tsession-page'));
    for (const name of ['Casey Sheetknown', 'Morgan Sheetnew', 'Parker Sheetnew']) assert.match(all, new RegExp(name));
    assert.match(all, /Held/);
    await screenshot(page, 'training-import-04-session');
    await page.assertNoProblems();
  });

  test('the same file again is refused as already imported; 390 px', async () => {
    const phone = await openAppAs(browser, server, demo.byRole.trainer, { view: 'training', size: PHONE });
    phone.expectHttp(409, 'POST', `/api/v1/training/sessions/${sessionId}/imports`);
    await phone.evaluate((id) => (location.hash = `#training/session/${id}/import`), sessionId);
    await waitView(phone, 'timport');
    await phone.locator('#timport-file').setInputFiles(sheet('day1-sheet.csv', GOOD));
    await phone.waitForFunction(() => !document.getElementById('timport-check').disabled);
    await press(phone, '#timport-check');
    assert.match(await text(phone.locator('#timport-already')), /^Already imported: this file was imported on \d{4}-\d{2}-\d{2} \(import \d+\): nothing was imported again\.$/);
    await checkPhonePage(phone, 'the import page, already imported', 'training-import-05-phone');
    await phone.assertNoProblems();
    await phone.context().close();
  });
});
