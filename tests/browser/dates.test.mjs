// One way of showing dates and people, in Chromium: every date and time
// the pages show is written one way (the pack's locale, here en-US, on the
// agency's clock); the timeline names people by the name they go by, and a
// mandated report's entry says to whom it was made; HART's main navigation
// stays on one line at 1280 px and wraps tidily at 390 px. Each page passes
// axe and is saved as a screenshot.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoServer, login, readJson } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import { PHONE, assertAxeClean, assertNoOverflow, closeAll, launchBrowser, logIn, openApp, screenshot, withPage } from './browser.mjs';
import { town } from '../lib/pack.mjs';

const TOWN_A = town(0, 0, 0);

let server;
let browser;
let page;
let demo;
let kase; // { id, number }

const CHILD = { given_name: 'Robin', family_name: 'Datestestchild', estimated_age: 14, town: TOWN_A };
const AGENCY = 'Hartford Police (synthetic)';
// en-US as Intl writes it: "Nov 28, 2026, 3:12 AM" (the space before AM may be a narrow one).
const DATE_TIME = /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}[\s\u202f][AP]M$/;
const DATE = /^[A-Z][a-z]{2} \d{1,2}, \d{4}$/;
const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function waitView(p, v) {
  await p.waitForFunction((v) => document.body.dataset.view === v, v);
}

before(async () => {
  ({ demo, server } = await demoServer());
  const careline = await login(server.url, demo.byRole.careline.username, demo.byRole.careline.password);
  const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
  const body = {
    received_at: iso(Date.now() - 3 * 3600_000),
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
  const people = await hart.get(`/api/v1/cases/${kase.id}/assignable?limit=500`);
  const liaison = people.items.find((p) => p.username === demo.byRole.liaison.username);
  await readJson(await hart.fetch(`/api/v1/cases/${kase.id}/assignments`, { method: 'POST', body: { user_id: liaison.id, role: 'lead' } }), 200, 'the lead');
  await readJson(await hart.fetch(`/api/v1/cases/${kase.id}/reports`, { method: 'POST', body: { kind: 'law_enforcement', agency: AGENCY, reported_at: iso(Date.now() - 3600_000) } }), 201, 'the report');
  await readJson(await hart.fetch(`/api/v1/cases/${kase.id}/events`, { method: 'POST', body: { kind: 'note', occurred_at: iso(Date.now() - 1800_000), text: 'Spoke with the school counselor.' } }), 201, 'a note');
  browser = await launchBrowser();
  page = await openApp(browser, server);
});

after(() => closeAll(browser, server));

describe(`dates, names and the navigation, in Chromium (${ENGINE})`, { timeout: 300_000 }, () => {
  test('HART\'s navigation is one line at 1280 px', async () => {
    const u = demo.byRole.hart;
    await logIn(page, u.username, u.password);
    await waitView(page, 'home');
    const rows = await page.evaluate(() => {
      const tops = [...document.querySelectorAll('#nav > ul > li')].filter((li) => !li.hidden && li.offsetParent)
        .map((li) => Math.round(li.getBoundingClientRect().top));
      return [...new Set(tops)];
    });
    await screenshot(page, 'dates-nav-1280', { fullPage: false });
    assert.equal(rows.length, 1, `the navigation's links sit on ${rows.length} lines`);
    await assertNoOverflow(page, 'home, 1280 px');
  });

  test('the case page: every time one way, people by name, a report says to whom', async () => {
    await page.evaluate((id) => (location.hash = `#case/${id}`), kase.id);
    await waitView(page, 'case');
    await page.waitForFunction(() => document.querySelectorAll('#case-view .event-time').length > 0);
    const times = await page.locator('#case-view .event-time').allInnerTexts();
    assert.ok(times.length >= 4, times.join(' | '));
    for (const t of times) assert.match(t.trim(), DATE_TIME, `a timeline time: ${t}`);

    const report = page.locator('#case-view li.event-report');
    assert.match(await text(report.locator('.event-head')), new RegExp(`^Report made to law enforcement: ${AGENCY.replace(/[()]/g, '\\$&')}`));
    const lead = page.locator('#case-view li.event-lead_changed');
    assert.match(await text(lead.locator('.event-extra')), /^no lead → Demo Regional Liaison$/);
    const metas = await page.locator('#case-view .event-meta').allInnerTexts();
    assert.ok(metas.some((m) => /Demo HART Coordinator/.test(m)), metas.join(' | '));
    assert.ok(!metas.some((m) => m.includes(demo.byRole.hart.username)), `no username on the timeline: ${metas.join(' | ')}`);
    await assertAxeClean(page, 'the case page');
    await page.locator('#case-view li.event-report').scrollIntoViewIfNeeded();
    await screenshot(page, 'dates-case-timeline', { fullPage: false });
  });

  test('the cases list and the account page write dates the same way', async () => {
    await page.evaluate(() => (location.hash = '#cases'));
    await waitView(page, 'cases');
    const opened = page.locator('#cases-view td[data-label="Opened"]').first();
    await opened.waitFor();
    assert.match((await opened.innerText()).trim(), DATE_TIME);
    await screenshot(page, 'dates-cases-list', { fullPage: false });

    await page.evaluate(() => (location.hash = '#account'));
    await waitView(page, 'account');
    const started = page.locator('td[data-label="Started"]').first();
    await started.waitFor();
    assert.match((await started.innerText()).trim(), DATE_TIME, 'a session\'s start, without seconds');
    await screenshot(page, 'dates-account', { fullPage: false });
  });

  test('a calendar date is written the same way: the certificate check', async () => {
    const d = await page.evaluate(async () => (await import('/common.js')).formatDate('2026-03-03'));
    assert.match(d, DATE);
    assert.equal(d, 'Mar 3, 2026');
  });

  test('at 390 px the navigation wraps without overflow and stays usable', async () => {
    const phone = await openApp(browser, server, { size: PHONE });
    await withPage(phone, async () => {
      const u = demo.byRole.hart;
      await logIn(phone, u.username, u.password);
      await waitView(phone, 'home');
      await assertNoOverflow(phone, 'home, 390 px');
      await assertAxeClean(phone, 'home, 390 px');
      await screenshot(phone, 'dates-nav-390', { fullPage: false });
      await phone.evaluate((id) => (location.hash = `#case/${id}`), kase.id);
      await waitView(phone, 'case');
      await phone.waitForFunction(() => document.querySelectorAll('#case-view .event-time').length > 0);
      await assertNoOverflow(phone, 'the case page, 390 px');
      await phone.locator('#case-view li.event-report').scrollIntoViewIfNeeded();
      await screenshot(phone, 'dates-case-390', { fullPage: false });
    });
  });
});
