// The HART response in Chromium: a Careline report accepted for HART (made
// through the API), the HART coordinator opens the child's case from the
// report page, identifies the child as a suspected victim 25 hours ago (the
// law-enforcement report is overdue on the dashboard), records the report
// (met late), starts a missing episode (the child is on the dashboard's
// "missing now" list with the two reports due) and marks the child located
// (off the list). The dashboard and the case page pass axe and are saved as
// screenshots; the MDT member sees its team's page and the MDT view of the
// case it reviews, without an edit control.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DEMO_TEAM, demoServer, login, readJson } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import { PHONE, assertAxeClean, assertNoOverflow, closeAll, launchBrowser, logIn, openApp, openAppAs, screenshot, viewOf, withPage } from './browser.mjs';
import { region, town } from '../lib/pack.mjs';

const REGION_A = region(0);
const REGION_B = region(1);
const TOWN_A = town(0, 0, 0);

let server;
let browser;
let page;
let demo;
let intakeId;
let victimIntakeId; // a report of a suspected victim, 30 hours old
let kase; // { id, number }
let baseline; // the dashboard's counts before

const CHILD = { given_name: 'Robin', family_name: 'Casetestchild', estimated_age: 15, town: TOWN_A };

const view = (p = page) => viewOf(p);
const nav = (p = page) => p.getByRole('navigation', { name: 'Main' });
const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

async function waitView(p, v) {
  await p.waitForFunction((v) => document.body.dataset.view === v, v);
}

async function fullShot(p, name) {
  await p.evaluate(() => window.scrollTo(0, 0));
  return screenshot(p, name);
}

/** The dashboard's counts, by status, once it has loaded. */
async function counts(p = page) {
  await p.waitForFunction(() => document.querySelectorAll('#dash-counts [data-count]').length === 4
    && !document.querySelector('#dashboard').hasAttribute('aria-busy'));
  return p.evaluate(() => Object.fromEntries([...document.querySelectorAll('#dash-counts [data-count]')]
    .map((li) => [li.dataset.count, Number(li.querySelector('.count-n').textContent)])));
}

async function gotoDashboard() {
  await page.evaluate(() => (location.hash = '#home'));
  await waitView(page, 'home');
  await page.getByRole('button', { name: 'Refresh' }).first().click();
  return counts();
}

async function gotoCase() {
  await page.evaluate((id) => (location.hash = `#case/${id}`), kase.id);
  await waitView(page, 'case');
  await page.waitForFunction((n) => document.querySelector('#case-heading .case-number')?.textContent === n, kase.number);
}

/** The datetime-local value for an instant ms ago, on the agency's clock (as the page writes it). */
function localInput(p, msAgo) {
  return p.evaluate((ms) => import('/common.js').then((m) => m.toLocalInput(Date.now() - ms)), msAgo);
}

/** The status of the case's duty of this kind, as the duties panel shows it. */
function dutyStatus(kind) {
  return page.evaluate((k) => document.querySelector(`#cp-duties .duty[data-kind="${k}"]`)?.dataset.status || null, kind);
}

before(async () => {
  ({ demo, server } = await demoServer());
  // The report, through the API: the Careline records and accepts it.
  const careline = await login(server.url, demo.byRole.careline.username, demo.byRole.careline.password);
  const body = {
    received_at: new Date(Date.now() - 30 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    channel: 'phone',
    reporter: { source: 'school', name: 'A school counselor' },
    children: [CHILD],
    narrative: 'A synthetic report for the browser test.',
    concerns: ['runaway_awol'],
  };
  ({ id: intakeId } = await readJson(await careline.fetch('/api/v1/intakes', { method: 'POST', body }), 201, 'record a report'));
  // A second report, 30 hours old, of a 15-year-old in commercial sex: a suspected victim by law.
  const victim = {
    ...body,
    received_at: new Date(Date.now() - 30 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    children: [{ given_name: 'Vivian', family_name: 'Suspectcase', estimated_age: 15, town: TOWN_A }],
    concerns: ['commercial_sex_involvement'],
  };
  ({ id: victimIntakeId } = await readJson(await careline.fetch('/api/v1/intakes', { method: 'POST', body: victim }), 201, 'record a suspected-victim report'));
  await readJson(await careline.fetch(`/api/v1/intakes/${victimIntakeId}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'The police are with the child now.', version: 1 } }), 200, 'accept the suspected-victim report');
  const { version } = await careline.get(`/api/v1/intakes/${intakeId}`);
  await readJson(await careline.fetch(`/api/v1/intakes/${intakeId}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version } }), 200, 'accept');
  browser = await launchBrowser();
  page = await openApp(browser, server, { acceptDialogs: true });
});

after(() => closeAll(browser, server));

describe(`the HART response in Chromium (${ENGINE})`, { timeout: 300_000 }, () => {
  test('HART logs in to the dashboard: Dashboard, Cases, Teams and Contacts in the navigation', async () => {
    const u = demo.byRole.hart;
    await logIn(page, u.username, u.password);
    await waitView(page, 'home');
    for (const name of ['Dashboard', 'Cases', 'Teams', 'Contacts']) {
      assert.ok(await nav().getByRole('link', { name, exact: true }).isVisible(), `${name} in the navigation`);
    }
    assert.ok(await page.getByRole('heading', { name: 'Children missing now' }).isVisible());
    assert.ok(await page.getByRole('heading', { name: 'Open cases by region' }).isVisible());
    baseline = await counts();
  });

  test('HART opens a case from the accepted report', async () => {
    await page.evaluate((id) => (location.hash = `#intake/${id}`), intakeId);
    await waitView(page, 'report');
    const open = page.getByRole('button', { name: `Open a case for ${CHILD.given_name} ${CHILD.family_name}` });
    await open.click();
    await waitView(page, 'case');
    await page.waitForFunction(() => /^C-\d{4}-\d{4}$/.test(document.querySelector('#case-heading .case-number')?.textContent || ''));
    const number = await page.locator('#case-heading .case-number').textContent();
    kase = { id: Number(/#case\/(\d+)/.exec(page.url())[1]), number };
    assert.match(await text(page.locator('#case-heading')), new RegExp(`${number} ${CHILD.given_name} ${CHILD.family_name}`));
    assert.match(await page.title(), new RegExp(`^${number} · hartline`));
    assert.equal(await nav().getByRole('link', { name: 'Cases' }).getAttribute('aria-current'), 'page');
    // Open: it may go to response or be closed, nothing else.
    const moves = await page.locator('#case-moves button').allTextContents();
    assert.deepEqual(moves, ['Response', 'Close the case']);
    // The report is linked from the case.
    assert.ok(await page.locator('#case-facts').getByRole('link', { name: /^I-/ }).isVisible());
  });

  test('identified as a suspected victim 25 hours ago: the law-enforcement report is overdue', async () => {
    await page.getByText('Change victim status, trafficking type or petition').click();
    await page.locator('#ce-victim').selectOption('suspected');
    await page.locator('#ce-identified').fill(await localInput(page, 25 * 3600_000));
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForFunction(() => document.querySelector('#case-status')?.textContent.includes('Changes saved'));
    assert.equal(await dutyStatus('law_enforcement_report'), 'overdue');
    assert.match(await text(page.locator('#cp-duties .duty[data-kind="law_enforcement_report"]')), /overdue by (1 h|5\d min|60 min)/);
    assert.match(await text(page.locator('#case-flags')), /Suspected victim.*1 overdue duty/);
    // The status moves: open → response.
    await page.locator('#case-moves').getByRole('button', { name: 'Response' }).click();
    await page.waitForFunction(() => document.querySelector('#case-status')?.textContent.includes('Status changed to Response'));
    assert.deepEqual(await page.locator('#case-moves button').allTextContents(), ['Services', 'Monitoring', 'Close the case']);
    // The buttons are the moves GET /api/v1/config gives from response, in its words.
    const cfg = await page.evaluate(async () => (await fetch('/api/v1/config')).json());
    const response = cfg.case_statuses.find((st) => st.id === 'response');
    assert.deepEqual(await page.locator('#case-moves button').evaluateAll((els) => els.map((e) => e.dataset.to)), response.allowed);
    assert.deepEqual(await page.locator('#case-moves button:not([data-to="closed"])').allTextContents(),
      response.allowed.filter((id) => id !== 'closed').map((id) => cfg.case_statuses.find((st) => st.id === id).label));

    const now = await gotoDashboard();
    assert.equal(now.overdue, baseline.overdue + 1, 'one more overdue duty on the dashboard');
    const item = page.locator('#dash-duties .duty', { hasText: kase.number });
    assert.equal(await item.getAttribute('data-status'), 'overdue');
    // Overdue first: no open duty above an overdue one.
    const order = await page.locator('#dash-duties .duty').evaluateAll((els) => els.map((e) => e.dataset.status));
    assert.deepEqual(order, [...order].sort((a, b) => (a === 'overdue' ? 0 : 1) - (b === 'overdue' ? 0 : 1)));
  });

  test('recording the law-enforcement report meets the duty, late', async () => {
    await gotoCase();
    const panel = page.locator('#cp-reports');
    // The form is open while a report is due.
    await panel.getByLabel('Law enforcement').check();
    await panel.getByLabel(/^Agency/).fill('Bridgeport Police Department');
    await panel.getByLabel(/^Officer/).fill('Officer Example');
    await panel.getByLabel(/^Report number/).fill('BPD-2026-555');
    await panel.getByRole('button', { name: 'Record the report' }).click();
    await page.waitForFunction(() => /recorded\. It meets a duty/.test(document.querySelector('#cp-reports-status')?.textContent || ''));
    assert.equal(await dutyStatus('law_enforcement_report'), 'met_late');
    assert.match(await text(page.locator('#cp-reports table')), /Law enforcement Bridgeport Police Department Officer Example BPD-2026-555/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'cp-reports-heading', 'focus stays in the section');
  });

  test('a missing episode puts the child on the dashboard with the two reports due', async () => {
    await page.getByText('Record that the child is missing').click();
    await page.locator('#mi-last-seen').fill(await localInput(page, 3 * 3600_000));
    await page.locator('#mi-circ').fill('Did not come back to the placement after school.');
    await page.getByRole('button', { name: 'Start the missing episode' }).click();
    await page.waitForFunction(() => document.querySelector('#cp-missing-status')?.textContent.includes('Missing episode started'));
    assert.match(await text(page.locator('#case-flags')), /Missing since/);
    // Missing for counts from last seen (3 hours ago), not from when the agency learned (now).
    await page.locator('#cp-missing .episode-facts').waitFor();
    assert.match(await text(page.locator('#cp-missing .episode-facts')), /Missing for 3 h 0\d min/i);
    assert.equal(await dutyStatus('missing_law_enforcement_report'), 'open');
    assert.equal(await dutyStatus('missing_ncmec_report'), 'open');

    await gotoDashboard();
    const entry = page.locator('#dash-missing .missing', { hasText: kase.number });
    await entry.waitFor();
    assert.match(await text(entry), new RegExp(`${CHILD.given_name} ${CHILD.family_name}`));
    assert.match(await text(entry), /missing for 3 h 0\d min/i, 'the dashboard counts the same way as the case page');
    const due = await entry.locator('.missing-due-list li').allInnerTexts();
    assert.equal(due.length, 2, due.join(' | '));
    assert.ok(due.some((d) => /NCMEC/.test(d)) && due.every((d) => /due in \d/.test(d)), due.join(' | '));
    const r1 = page.locator(`#dash-regions [data-region="${REGION_A}"]`);
    assert.match(await text(r1), /missing now/);
    await assertAxeClean(page, 'dashboard');
    await fullShot(page, 'dashboard');
  });

  test('the child located: off the missing list; the debrief and re-screen are due', async () => {
    await gotoCase();
    await page.getByRole('button', { name: 'Mark the child located' }).click();
    await page.getByRole('dialog', { name: 'Mark the child located' }).getByRole('button', { name: 'Confirm: the child is located' }).click();
    await page.waitForFunction(() => document.querySelector('#cp-missing-status')?.textContent.includes('located'));
    assert.equal(await dutyStatus('return_debrief'), 'open');
    assert.equal(await dutyStatus('return_rescreen'), 'open');
    assert.ok(await page.getByText('Re-screen for sex trafficking').isVisible());
    // The re-screen asks the pack's instrument's questions.
    await page.getByText('Re-screen for sex trafficking').click();
    assert.ok(await page.locator('#cp-missing .rating').count() > 5, 'the instrument\'s questions');
    // A note, after the fact, shared with the MDT.
    await page.locator('#cp-timeline summary').click();
    await page.locator('#ev-text').fill('Met the child at the placement; she is safe.');
    await page.locator('#ev-share').check();
    await page.getByRole('button', { name: 'Add to the timeline' }).click();
    await page.waitForFunction(() => document.querySelector('#cp-timeline-status')?.textContent.includes('Note added'));
    assert.ok(await page.locator('#cp-timeline .event-note .badge-shared').isVisible());
    await assertAxeClean(page, 'case page');
    await fullShot(page, 'case-page');

    const now = await gotoDashboard();
    assert.equal(await page.locator('#dash-missing .missing', { hasText: kase.number }).count(), 0, 'no longer missing');
    assert.equal(now.met_late, baseline.met_late + 1, 'the law-enforcement report met late');
    assert.equal(now.overdue, baseline.overdue, 'nothing of the case overdue');
  });

  test('at 390 px the dashboard and the case page fit', async () => {
    await withPage(await openAppAs(browser, server, demo.byRole.hart, { hash: `#case/${kase.id}`, size: PHONE, view: 'case' }), async (phone) => {
      await phone.waitForSelector('#cp-duties .duty');
      await assertNoOverflow(phone, 'case page');
      await fullShot(phone, 'case-page-390');
      await phone.evaluate(() => (location.hash = '#home'));
      await counts(phone);
      await assertNoOverflow(phone, 'dashboard');
      await assertAxeClean(phone, 'dashboard, 390 px');
      await fullShot(phone, 'dashboard-390');
      await phone.assertNoProblems();
    });
  });

  test('the MDT member sees its team page and the MDT view of the case it reviews', async () => {
    // HART puts the case before mdt-r1 (made by hartline demo, or here).
    const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
    let team = (await hart.get('/api/v1/teams?limit=500')).items.find((t) => t.code === DEMO_TEAM);
    if (!team) {
      const { id } = await readJson(await hart.fetch('/api/v1/teams', { method: 'POST', body: { code: DEMO_TEAM, name: 'Region 1 MDT', region: REGION_A } }), 201, 'team');
      team = { id };
      // The MDT user reaches the team only as a member of it.
      const mdtUser = (await login(server.url, demo.byRole.mdt.username, demo.byRole.mdt.password)).user;
      await readJson(await hart.fetch(`/api/v1/teams/${id}/members`, {
        method: 'POST', body: { name: 'Demo MDT Member', agency: 'Victim advocacy program', mdt_role: 'victim_advocate', user_id: mdtUser.id },
      }), 201, 'the MDT user as a member');
    }
    await readJson(await hart.fetch(`/api/v1/teams/${team.id}/members`, {
      method: 'POST', body: { name: 'Alex Member', agency: 'Bridgeport Police Department', mdt_role: 'law_enforcement', phone: '203-555-0147' },
    }), 201, 'member');
    const when = new Date(Date.now() + 2 * 86400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await readJson(await hart.fetch(`/api/v1/teams/${team.id}/reviews`, { method: 'POST', body: { case_id: kase.id, scheduled_at: when } }), 201, 'review');

    await withPage(await openAppAs(browser, server, demo.byRole.mdt), async (p) => {
      assert.ok(await nav(p).getByRole('link', { name: 'My team' }).isVisible());
      assert.ok(await nav(p).getByRole('link', { name: 'Contacts' }).isVisible());
      assert.equal(await nav(p).getByRole('link', { name: 'Cases' }).isVisible(), false);
      assert.equal(await nav(p).getByRole('link', { name: 'Dashboard' }).count(), 0);
      await nav(p).getByRole('link', { name: 'My team' }).click();
      await waitView(p, 'team');
      await p.waitForFunction(() => document.querySelectorAll('#tp-members tbody tr').length > 0);
      assert.match(await text(p.locator('#tp-members')), /Alex Member/);
      assert.equal(await p.locator('#tp-members').getByRole('link', { name: '203-555-0147' }).getAttribute('href'), 'tel:2035550147');
      const upcoming = p.locator('#tp-upcoming');
      assert.ok(await upcoming.getByRole('link', { name: kase.number }).first().isVisible());
      assert.equal(await p.locator('#team-view form').count(), 0, 'no edit control for an MDT member');
      await assertAxeClean(p, 'team page');
      await fullShot(p, 'team-page-mdt');
      // The case as the MDT sees it: the shared note, no report, no form.
      await upcoming.getByRole('link', { name: kase.number }).first().click();
      await waitView(p, 'case');
      await p.waitForFunction(() => document.querySelector('#case-eyebrow')?.textContent.includes('MDT view'));
      assert.match(await text(p.locator('#cp-timeline')), /Met the child at the placement/);
      assert.equal(await p.locator('#case-view form').count(), 0, 'no form in the MDT view');
      assert.equal(await p.locator('#cp-reports').count(), 0, 'no reports in the MDT view');
      assert.equal(await p.locator('#cp-duties').count(), 0, 'no duty list in the MDT view');
      await assertAxeClean(p, 'case page, MDT view');
      await fullShot(p, 'case-page-mdt');
      await p.assertNoProblems();
    });
  });

  test('contacts: every role reads them; HART adds one', async () => {
    await page.evaluate(() => (location.hash = '#contacts'));
    await waitView(page, 'contacts');
    const form = page.locator('#contact-form');
    await form.getByLabel(/^Name/).fill('Jordan Sample');
    await form.getByLabel(/^Kind/).selectOption('regional_liaison');
    await form.getByLabel(/^Region/).selectOption(REGION_B);
    await form.getByLabel(/^Phone/).fill('203-555-0188');
    await form.getByLabel(/^E-mail/).fill('jordan.sample@example.org');
    await form.getByRole('button', { name: 'Add the contact' }).click();
    await page.waitForFunction(() => document.querySelector('#contacts-status')?.textContent.includes('Jordan Sample added'));
    const card = page.locator('#contacts-groups .contact', { hasText: 'Jordan Sample' });
    assert.equal(await card.getByRole('link', { name: /Call Jordan Sample/ }).getAttribute('href'), 'tel:2035550188');
    assert.equal(await card.getByRole('link', { name: /E-mail Jordan Sample/ }).getAttribute('href'), 'mailto:jordan.sample@example.org');
    await assertAxeClean(page, 'contacts');
    await fullShot(page, 'contacts');
    assert.equal(await view(), 'contacts');
  });

  test('a case opened from a suspected-victim report starts suspected, identified when the report came in, its report overdue', async () => {
    await page.evaluate((id) => (location.hash = `#intake/${id}`), victimIntakeId);
    await waitView(page, 'report');
    await page.getByRole('button', { name: 'Open a case for Vivian Suspectcase' }).click();
    await waitView(page, 'case');
    await page.waitForFunction(() => /Suspectcase/.test(document.querySelector('#case-heading')?.textContent || ''));
    await page.locator('#case-identified-from').waitFor();
    assert.match(await text(page.locator('#case-identified-from')), /^From report I-\d{4}-\d+ \(a child under the minor age with a commercial-sex concern\): the law-enforcement report counts from when it came in\.$/);
    assert.match(await text(page.locator('#case-flags')), /Suspected/);
    assert.equal(await dutyStatus('law_enforcement_report'), 'overdue', 'due 24 hours after the report came in, 30 hours ago');
    await assertAxeClean(page, 'case opened from a suspected-victim report');
    await fullShot(page, 'case-from-suspected-victim-report');
  });

  test('no console error, page error, failed request or CSP violation', async () => {
    await page.assertNoProblems();
  });
});
