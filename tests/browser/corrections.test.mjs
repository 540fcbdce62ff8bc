// Corrections and confirmations in Chromium (docs/cases.md, "Corrections"):
// the HART coordinator filters the case's timeline to notes, opens a long
// note collapsed, corrects her own note (the entry then shows as corrected
// with the earlier text a click away); marks the child located through the
// confirmation dialog (Escape cancels, a future time is refused in words,
// an edited time is taken) and corrects that time with a reason; and on
// the team page corrects the time an action item was marked done. Each
// state passes axe and is saved as a screenshot; the case page fits 390 px.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoServer, login } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import { PHONE, assertAxeClean, assertNoOverflow, closeAll, launchBrowser, logIn, openApp, openAppAs, screenshot, withPage } from './browser.mjs';
import { region, town } from '../lib/pack.mjs';

const REGION_A = region(0);
const TOWN_A = town(0, 0, 0);

const HOUR = 3600_000;
const iso = (msAgo) => new Date(Date.now() - msAgo).toISOString().replace(/\.\d{3}Z$/, 'Z');
const LONG = `${'The child spoke about the weekend at length, about who drove her and where they stayed. '.repeat(8)}She wants to return to school on Monday.`;

let server;
let browser;
let page;
let demo;
let kase;
let team;

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

async function gotoCase() {
  await page.evaluate((id) => (location.hash = `#case/${id}`), kase.id);
  await page.waitForFunction(() => document.body.dataset.view === 'case' && document.querySelector('#cp-timeline .timeline'));
}

/** The datetime-local value for an instant ms ago, on the agency's clock. */
function localInput(msAgo) {
  return page.evaluate((ms) => import('/common.js').then((m) => m.toLocalInput(Date.now() - ms)), msAgo);
}

before(async () => {
  ({ demo, server } = await demoServer());
  const careline = await login(server.url, demo.byRole.careline.username, demo.byRole.careline.password);
  const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
  const { id: intakeId } = await careline.send('POST', '/api/v1/intakes', {
    received_at: iso(30 * 60_000), channel: 'phone', reporter: { source: 'school', name: 'A school counselor' },
    children: [{ given_name: 'Noor', family_name: 'Correctionchild', estimated_age: 15, town: TOWN_A }],
    narrative: 'A synthetic report for the browser test.', concerns: ['runaway_awol'],
  }, 201);
  await careline.send('POST', `/api/v1/intakes/${intakeId}/disposition`, { disposition: 'accepted_hart', unscreened_reason: 'Known to the team.', version: 1 });
  kase = await hart.send('POST', '/api/v1/cases', { intake_id: intakeId }, 201);
  await hart.send('POST', `/api/v1/cases/${kase.id}/events`, { kind: 'note', text: 'Met Noor at the bus station with her aunt.' }, 201);
  await hart.send('POST', `/api/v1/cases/${kase.id}/events`, { kind: 'contact', text: LONG, occurred_at: iso(HOUR) }, 201);
  await hart.send('POST', `/api/v1/cases/${kase.id}/missing-episodes`, { last_seen_at: iso(6 * HOUR), learned_at: iso(5 * HOUR) }, 201);
  team = await hart.send('POST', '/api/v1/teams', { code: 'mdt-cxb', name: 'Correction Browser MDT', region: REGION_A }, 201);
  const review = await hart.send('POST', `/api/v1/teams/${team.id}/reviews`, { case_id: kase.id, scheduled_at: iso(4 * HOUR) }, 201);
  const held = await hart.send('PATCH', `/api/v1/teams/${team.id}/reviews/${review.id}`, {
    status: 'held', held_at: iso(4 * HOUR), action_items: [{ text: 'Call the school counselor.', owner: 'HART', due_at: iso(2 * HOUR) }],
  });
  await hart.send('PATCH', `/api/v1/teams/${team.id}/reviews/${review.id}/action-items/${held.action_items[0].id}`, { done_at: iso(HOUR) });
  browser = await launchBrowser();
  page = await openApp(browser, server);
  await logIn(page, demo.byRole.hart.username, demo.byRole.hart.password);
  await page.waitForFunction(() => document.body.dataset.view === 'home');
});

after(() => closeAll(browser, server));

describe(`corrections and confirmations in Chromium (${ENGINE})`, { timeout: 300_000 }, () => {
  test('the timeline filters to notes and collapses a long entry', async () => {
    await gotoCase();
    const tl = page.locator('#cp-timeline');
    const show = tl.getByLabel('Show');
    const options = await show.locator('option').allInnerTexts();
    assert.ok(options.some((o) => /^Notes \(1\)$/.test(o)), options.join(' | '));
    assert.ok(options.some((o) => /^Contacts \(1\)$/.test(o)), options.join(' | '));
    await show.selectOption('notes');
    assert.equal(await tl.locator('.event:not([hidden])').count(), 1);
    assert.match(await text(tl.locator('.timeline-count')), /Showing 1 of \d+ entries/);
    await show.selectOption('contacts');
    const more = tl.getByRole('button', { name: 'Show more' });
    assert.equal(await more.getAttribute('aria-expanded'), 'false');
    const collapsed = await tl.locator('.event-contact .event-text').evaluate((el) => el.clientHeight);
    await more.click();
    assert.equal(await tl.getByRole('button', { name: 'Show less' }).getAttribute('aria-expanded'), 'true');
    const open = await tl.locator('.event-contact .event-text').evaluate((el) => el.clientHeight);
    assert.ok(open > collapsed * 1.5, `expanded ${open} px against ${collapsed} px collapsed`);
    await assertAxeClean(page, 'timeline filtered to contacts, expanded');
    await page.locator('#cp-timeline').scrollIntoViewIfNeeded();
    await screenshot(page, 'corrections-timeline-filtered', { fullPage: false });
    await show.selectOption('all');
  });

  test('HART corrects her own note: shown as corrected, the earlier text a click away', async () => {
    const note = page.locator('#cp-timeline .event-note');
    await note.getByRole('button', { name: 'Correct this note' }).click();
    const box = note.getByLabel('Corrected text');
    assert.equal(await box.evaluate((el) => el === document.activeElement), true, 'focus in the text');
    await box.fill('Met Noor at the train station with her aunt.');
    await note.getByRole('button', { name: 'Save the correction' }).click();
    await page.waitForFunction(() => document.querySelector('#cp-timeline-status')?.textContent.includes('corrected'));
    const fixed = page.locator('#cp-timeline .event-note');
    assert.match(await text(fixed), /train station/);
    assert.match(await text(fixed), /Corrected .* by Demo HART Coordinator/);
    assert.equal(await fixed.locator('.event-earlier').isVisible(), false);
    await fixed.getByRole('button', { name: 'Show earlier text' }).click();
    assert.match(await text(fixed.locator('.event-earlier')), /bus station/);
    await assertAxeClean(page, 'a corrected note with its earlier text');
    await fixed.scrollIntoViewIfNeeded();
    await screenshot(page, 'corrections-note-corrected', { fullPage: false });
  });

  test('Mark the child located asks for the time: Escape cancels, a future time is refused, an edited time is taken', async () => {
    const mark = page.getByRole('button', { name: 'Mark the child located' });
    await mark.click();
    let dialog = page.getByRole('dialog', { name: 'Mark the child located' });
    await dialog.waitFor();
    const at = dialog.getByLabel('Located at');
    assert.equal(await at.evaluate((el) => el === document.activeElement), true, 'focus on the time');
    assert.ok((await at.inputValue()).length >= 16, 'now is filled in');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await mark.evaluate((el) => el === document.activeElement), true, 'focus back on the button');
    assert.equal(await page.locator('#cp-missing .episode-open').count(), 1, 'still missing after Escape');

    await mark.click();
    dialog = page.getByRole('dialog', { name: 'Mark the child located' });
    await dialog.getByLabel('Located at').fill(await localInput(-2 * HOUR));
    await dialog.getByRole('button', { name: 'Confirm: the child is located' }).click();
    assert.match(await text(dialog.locator('.field-error')), /cannot be in the future/);
    await assertAxeClean(page, 'the located dialog with an error');
    await screenshot(page, 'corrections-located-dialog', { fullPage: false });
    const twoHoursAgo = await localInput(2 * HOUR);
    await dialog.getByLabel('Located at').fill(twoHoursAgo);
    await dialog.getByRole('button', { name: 'Confirm: the child is located' }).click();
    await page.waitForFunction(() => document.querySelector('#cp-missing-status')?.textContent.includes('located'));
    const located = await page.evaluate((id) => fetch(`/api/v1/cases/${id}`).then((r) => r.json()).then((c) => c.missing_episodes[0].located_at), kase.id);
    const shown = await page.evaluate((t) => import('/common.js').then((m) => m.toLocalInput(Date.parse(t))), located);
    assert.equal(shown, twoHoursAgo, 'the edited time was recorded');
  });

  test('the located time is corrected with a reason: the earlier time kept and shown', async () => {
    await page.getByRole('button', { name: 'Correct the located time' }).click();
    const dialog = page.getByRole('dialog', { name: 'Correct the located time' });
    await dialog.getByLabel('Located at').fill(await localInput(3 * HOUR));
    await dialog.getByRole('button', { name: 'Save the corrected time' }).click();
    assert.match(await text(dialog.locator('[data-for="reason"] .field-error')), /Say why/);
    await dialog.getByLabel('Why the time is corrected').fill('The police report gives the earlier time.');
    await dialog.getByRole('button', { name: 'Save the corrected time' }).click();
    await page.waitForFunction(() => document.querySelector('#cp-missing-status')?.textContent.includes('corrected'));
    const list = page.locator('#cp-missing .corrections');
    assert.match(await text(list), /Corrected Located time was .*, corrected to .* by Demo HART Coordinator/);
    assert.match(await text(list), /Why: The police report gives the earlier time\./);
    assert.match(await text(page.locator('#cp-timeline')), /Located time corrected/);
    await assertAxeClean(page, 'a corrected located time');
    await page.locator('#cp-missing').scrollIntoViewIfNeeded();
    await screenshot(page, 'corrections-located-corrected', { fullPage: false });
  });

  test('on the team page the done time of an action item is corrected; its standing follows', async () => {
    await page.evaluate((id) => (location.hash = `#team/${id}`), team.id);
    await page.waitForFunction(() => document.body.dataset.view === 'team' && document.querySelector('#tp-items'));
    await page.locator('#tp-items summary', { hasText: 'Done (1)' }).click();
    await page.getByRole('button', { name: 'Correct the done time: Call the school counselor.' }).click();
    const dialog = page.getByRole('dialog', { name: 'Correct the done time' });
    await dialog.getByLabel('Done at').fill(await localInput(3 * HOUR));
    await dialog.getByLabel('Why the time is corrected').fill('Called during the meeting.');
    await dialog.getByRole('button', { name: 'Save the corrected time' }).click();
    await page.waitForFunction(() => document.querySelector('#tp-items-status')?.textContent.includes('corrected'));
    await page.locator('#tp-items summary', { hasText: 'Done (1)' }).click();
    assert.match(await text(page.locator('#tp-items .corrections')), /Why: Called during the meeting\./);
    await assertAxeClean(page, 'the team page with a corrected done time');
    await page.locator('#tp-items').scrollIntoViewIfNeeded();
    await screenshot(page, 'corrections-done-corrected', { fullPage: false });
    await gotoCase();
    // The case page is read again on the way back: the duty is met on time now.
    await page.waitForFunction(() => document.querySelector('#cp-duties .duty[data-kind="action_item"]')?.dataset.status === 'met_on_time',
      null, { timeout: 10_000 });
  });

  test('the case page with its corrections fits a phone', async () => {
    await withPage(await openAppAs(browser, server, demo.byRole.hart, { size: PHONE }), async (phone) => {
      await phone.evaluate((id) => (location.hash = `#case/${id}`), kase.id);
      await phone.waitForFunction(() => document.body.dataset.view === 'case' && document.querySelector('#cp-timeline .timeline'));
      await assertNoOverflow(phone, 'case page');
      await assertAxeClean(phone, 'case page, 390 px');
      await phone.locator('#cp-timeline').scrollIntoViewIfNeeded();
      await screenshot(phone, 'corrections-case-phone', { fullPage: false });
    });
  });
});
