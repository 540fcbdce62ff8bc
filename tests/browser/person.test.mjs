// The child's page in Chromium: HART opens Katherine Smith from "Find a
// child", reads her timeline and the names she was reported under, merges
// a second record of her and undoes it, records relief and grants it, then
// breaks the glass on the case the relief restricted. Axe-clean at 1280
// and 390 px, with screenshots.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoServer, login } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import { PHONE, assertAxeClean, checkPhonePage, closeAll, launchBrowser, logIn, openApp, openPage, screenshot, gotoApp, withPage } from './browser.mjs';
import { town } from '../lib/pack.mjs';

const TOWN_D = town(3, 0, 3);

let server;
let browser;
let page;
let demo;
let katherine;
let kathy;
let caseId;
let caseNumber;

/** Setup through the API, as the Careline and HART would: a report of
 * "Katie Smyth" linked to Katherine Smith with a case, and a report of
 * "Kathy Smithe" recorded as a new child. */
async function setUp() {
  const careline = await login(server.url, demo.byRole.careline.username, demo.byRole.careline.password);
  const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
  const found = await careline.send('POST', '/api/v1/persons/match', { given_name: 'Katherine', family_name: 'Smith', dob: '2011-03-04' });
  katherine = found.candidates[0].person_id;
  const report = async (given, family, link) => {
    const { id } = await careline.send('POST', '/api/v1/intakes', {
      received_at: new Date(Date.now() - 3_600_000).toISOString(), channel: 'phone',
      reporter: { source: 'school', name: 'A school counselor' },
      children: [{ given_name: given, family_name: family, estimated_age: 15, town: TOWN_D }],
      narrative: 'A synthetic report.', concerns: ['runaway_awol'],
    }, 201);
    const linked = await careline.send('POST', `/api/v1/intakes/${id}/children/0/link`, link);
    const { version } = await careline.get(`/api/v1/intakes/${id}`);
    await careline.send('POST', `/api/v1/intakes/${id}/disposition`, { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version });
    return { id, person: linked.person_id };
  };
  const first = await report('Katie', 'Smyth', { person_id: katherine });
  const opened = await hart.send('POST', '/api/v1/cases', { intake_id: first.id }, 201);
  caseId = opened.id;
  caseNumber = opened.number;
  kathy = (await report('Kathy', 'Smithe', { new_person: true })).person;
}

before(async () => {
  ({ demo, server } = await demoServer());
  await setUp();
  browser = await launchBrowser();
  page = await openApp(browser, server, { expect: [[403, 'GET', `/api/v1/cases/${caseId}`]] });
});

after(() => closeAll(browser, server));

const view = () => page.evaluate(() => document.body.dataset.view);
const announce = () => page.locator('#person-announce').textContent();

describe(`the child's page in Chromium (${ENGINE})`, { timeout: 240_000 }, () => {
  test('HART opens Katherine Smith from "Find a child" and reads her timeline', async () => {
    const u = demo.byRole.hart;
    await logIn(page, u.username, u.password);
    await page.waitForFunction(() => document.body.dataset.view === 'home');
    await page.goto(`${server.url}/#find`);
    await page.waitForFunction(() => document.body.dataset.view === 'find');
    await page.locator('#find-form').getByLabel('Given name').fill('Katie');
    await page.locator('#find-form').getByLabel('Family name').fill('Smyth');
    await page.locator('#find-form').getByLabel('Or age (about)').fill('15');
    await page.locator('#find-form').getByRole('button', { name: 'Search' }).click();
    const link = page.locator('#find-body tr').first().getByRole('link', { name: 'Katherine Smith' });
    await link.click();
    await page.waitForFunction(() => document.body.dataset.view === 'person' && document.querySelector('#ps-timeline'));
    assert.equal(await page.locator('#person-heading').textContent(), 'Katherine Smith');
    assert.match(await page.locator('#person-facts').textContent(), /Mar 4, 2011/);
    const names = await page.locator('#ps-names').locator('xpath=..').textContent();
    assert.match(names, /Katie Smyth/);
    const timeline = await page.locator('.person-timeline').textContent();
    assert.match(timeline, new RegExp(`Case ${caseNumber} opened`));
    assert.match(timeline, /Report I-\d{4}-\d+ received/);
    // A filter narrows it to one kind.
    await page.locator('#person-filter').selectOption('case');
    assert.equal(await page.locator('.tl-item').count(), 1);
    await page.locator('#person-filter').selectOption('');
    await assertAxeClean(page, "the child's page");
    await screenshot(page, 'person-page');
  });

  test('merge a second record side by side, then undo it', async () => {
    await page.locator('#merge-box > summary').click();
    await page.locator('#mf-given').fill('Kathy');
    await page.locator('#mf-family').fill('Smithe');
    await page.locator('#mf-submit').click();
    const choose = page.getByRole('button', { name: `Choose record ${kathy}` });
    await choose.click();
    assert.match(await page.locator('.merge-sides').textContent(), new RegExp(`Kept: record ${katherine}.*Merged into it: record ${kathy}`));
    await assertAxeClean(page, 'the merge, side by side');
    await screenshot(page, 'person-merge-confirm', { fullPage: false });
    await page.locator('#mc-reason').fill('The same school, the same foster home, the same birthday.');
    await page.locator('#mc-submit').click();
    await page.waitForFunction(() => /merged into this one/.test(document.querySelector('#person-announce').textContent));
    assert.match(await page.locator('#ps-merges').locator('xpath=..').textContent(), new RegExp(`Record ${kathy} was merged into this record`));
    assert.match(await page.locator('#ps-names').locator('xpath=..').textContent(), /Kathy Smithe/);
    // The merged record's page leads here.
    await page.goto(`${server.url}/#persons/${kathy}`);
    await page.waitForFunction((k) => location.hash === `#persons/${k}` && /merged into this one/.test(document.querySelector('#person-note').textContent), katherine);
    const undo = page.locator('.merge-item details');
    await undo.locator('summary').click();
    await undo.locator('textarea').fill('The school says these are two children.');
    await undo.getByRole('button', { name: 'Undo the merge' }).click();
    await page.waitForFunction(() => /merge is undone/.test(document.querySelector('#person-announce').textContent));
    assert.match(await page.locator('#ps-merges').locator('xpath=..').textContent(), /Undone/);
    assert.doesNotMatch(await page.locator('#ps-names').locator('xpath=..').textContent(), /Kathy Smithe/);
    await screenshot(page, 'person-merge-undone');
  });

  test('record relief, file and grant it', async () => {
    await page.locator('#ps-relief').locator('xpath=..').locator('summary', { hasText: 'Add a relief record' }).click();
    await page.locator('#rf-court').fill('Superior Court, Juvenile Matters, Hartford');
    await page.locator('#rf-docket').fill('JV-26-004242');
    await page.locator('#rf-offence').selectOption('prostitution');
    await page.locator('#rf-date').fill('2026-05-02');
    await page.getByLabel(`Case ${caseNumber}`).check();
    await page.locator('#rf-submit').click();
    await page.waitForFunction(() => /Relief recorded/.test(document.querySelector('#person-announce').textContent));
    const item = page.locator('.relief-item').first();
    assert.match(await item.textContent(), /JV-26-004242/);
    await item.getByLabel('Move to').selectOption('petition_filed');
    await item.getByRole('button', { name: 'Save the step' }).click();
    await page.waitForFunction(() => /petition filed/i.test(document.querySelector('#person-announce').textContent));
    await page.locator('.relief-item').first().getByLabel('Move to').selectOption('granted');
    await page.locator('.relief-item').first().getByLabel('Outcome').fill('Vacated.');
    await page.locator('.relief-item').first().getByRole('button', { name: 'Save the step' }).click();
    await page.waitForFunction(() => /granted/i.test(document.querySelector('#person-announce').textContent));
    assert.match(await page.locator('.relief-item').first().textContent(), /Granted/);
    // The case it names is now restricted on the page.
    assert.match(await page.locator('#ps-records').locator('xpath=..').textContent(), /Restricted record/);
    await assertAxeClean(page, "the child's page with relief granted");
    await screenshot(page, 'person-relief-granted');
  });

  test('the restricted case opens only by breaking the glass', async () => {
    await page.goto(`${server.url}/#case/${caseId}`);
    await page.waitForFunction(() => document.querySelector('#case-body .restricted-box'));
    assert.match(await page.locator('#case-body').textContent(), /vacated or erased by court order/);
    await assertAxeClean(page, 'a restricted case');
    await screenshot(page, 'case-restricted', { fullPage: false });
    await page.locator('#case-body textarea').fill('The child is missing again; the old case names a place.');
    await page.locator('#case-body').getByRole('button', { name: /Open the case/ }).click();
    await page.waitForFunction((n) => document.querySelector('#case-heading')?.textContent.includes(n), caseNumber);
    assert.equal(await view(), 'case');
  });

  test('the page works at 390 px', async () => {
    await withPage(await openPage(browser, PHONE), async (phone) => {
      await gotoApp(phone, server.url);
      await logIn(phone, demo.byRole.hart.username, demo.byRole.hart.password);
      await phone.waitForFunction(() => document.body.dataset.view === 'home');
      await phone.goto(`${server.url}/#persons/${katherine}`);
      await phone.waitForFunction(() => document.body.dataset.view === 'person' && document.querySelector('#ps-timeline'));
      await checkPhonePage(phone, "the child's page", 'person-page-phone');
    });
  });
});
