// The demo on a second state's pack (packs/wisconsin.json) in Chromium:
// `hartline demo --cases --pack` loads it, and the login page, the
// dashboard, the queue, a case, the New report form, the teams, contacts,
// providers and training show that state's names and none of
// Connecticut's: every place, role, course and number on the page comes
// from the pack the server runs with (docs/wisconsin.md).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { parseDemoTable } from '../lib/auth.mjs';
import { ENGINE, SOURCE_ROOT, run, startServer } from '../lib/server.mjs';
import { closeAll, launchBrowser, openApp, openAppAs, screenshot } from './browser.mjs';

const PACK_FILE = path.join(SOURCE_ROOT, 'packs', 'wisconsin.json');
const WI = JSON.parse(fs.readFileSync(PACK_FILE, 'utf8'));
const CT = JSON.parse(fs.readFileSync(path.join(SOURCE_ROOT, 'packs', 'connecticut.json'), 'utf8'));

// Words every state's pack may share: the federal partners and the kinds of
// team member (as tools/pack-values allows them in the code).
const SHARED = new Set(['FBI', 'HSI', 'US Attorney', 'Law enforcement', 'Health care professional',
  'Mental health professional', 'Forensic interviewer', 'Victim advocate']);

/** A pack's own display values: names of places, hotline, numbers, statutes, courses, departments, agency. */
function displayValues(pack) {
  const v = new Set([pack.pack.name, pack.pack.short_name, pack.pack.jurisdiction]);
  if (pack.pack.hotline) for (const x of [pack.pack.hotline.name, pack.pack.hotline.phone]) v.add(x);
  for (const r of pack.regions) {
    v.add(r.name);
    for (const o of r.offices) {
      v.add(o.name);
      for (const t of o.towns) v.add(t);
    }
  }
  for (const c of pack.law.victim_not_offender.citations) v.add(c);
  for (const key of ['courses', 'emergency_departments', 'mdt_roles']) for (const e of pack[key] || []) v.add(e.name);
  for (const e of pack.emergency_departments || []) v.add(e.town);
  return [...v].filter((x) => x && x.trim());
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const WI_VALUES = displayValues(WI).sort((a, b) => b.length - a.length);
const CT_VALUES = [...displayValues(CT), 'DCF'].filter((x) => !SHARED.has(x));

/** Connecticut's values in text once Wisconsin's own are taken out ("Columbia County" names a Wisconsin county). */
function connecticutIn(text) {
  let rest = text;
  for (const w of WI_VALUES) rest = rest.split(w).join(' ');
  const found = [];
  for (const c of CT_VALUES) {
    const m = new RegExp(`(?<![A-Za-z0-9_])${escape(c)}(?![A-Za-z0-9_])`).exec(rest);
    if (m) found.push(`"${c}" in "…${rest.slice(Math.max(0, m.index - 40), m.index + c.length + 40).replace(/\s+/g, ' ')}…"`);
  }
  return found;
}

/** Resolves once the page has had no request in flight for 400 ms. */
async function settle(page) {
  let inFlight = 0;
  let last = Date.now();
  const up = () => { inFlight++; last = Date.now(); };
  const down = () => { inFlight--; last = Date.now(); };
  page.on('request', up);
  page.on('requestfinished', down);
  page.on('requestfailed', down);
  try {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const until = Date.now() + 10_000;
    while (Date.now() < until && (inFlight > 0 || Date.now() - last < 400)) await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    page.off('request', up);
    page.off('requestfinished', down);
    page.off('requestfailed', down);
  }
}

/** What a person sees on the page: its text, the choices of its lists and its tooltips. */
const seen = (page) => page.evaluate(() => [document.body.innerText,
  ...[...document.querySelectorAll('option, datalist option')].map((o) => `${o.value} ${o.textContent}`),
  ...[...document.querySelectorAll('[title]')].map((e) => e.title)].join('\n'));

let server;
let browser;
let users;

before(async () => {
  server = await startServer({ pack: PACK_FILE });
  const r = await run(['demo', '--db', server.db, '--cases', '--pack', PACK_FILE], { db: server.db });
  assert.equal(r.code, 0, `hartline demo --pack: ${r.stderr}`);
  users = Object.fromEntries(parseDemoTable(r.stdout).map((u) => [u.username, u]));
  browser = await launchBrowser();
});

after(() => closeAll(browser, server));

describe(`the demo on the Wisconsin pack in Chromium (${ENGINE})`, { timeout: 240_000 }, () => {
  test('the demo users are scoped to the pack\'s first region, its team and a provider of it', () => {
    const first = WI.regions[0].id;
    assert.equal(users['demo-liaison'].scope, first);
    assert.equal(users['demo-mdt'].scope, `mdt-${first}`);
    assert.equal(users['demo-provider'].scope, `harbor_light_${first}`);
  });

  test('the login page names the state and its hotline, and nothing of Connecticut', async () => {
    const page = await openApp(browser, server);
    await page.waitForSelector('#health[data-state="ok"]');
    assert.equal((await page.locator('h1#jurisdiction').textContent()).trim(), WI.pack.name);
    assert.equal((await page.locator('#hotline').textContent()).trim(), `${WI.pack.hotline.name}: ${WI.pack.hotline.phone}`);
    await page.waitForFunction((zone) => document.body.innerText.includes(zone), WI.pack.time_zone);
    await screenshot(page, 'demo-wisconsin-login');
    assert.deepEqual(connecticutIn(await seen(page)), []);
    assert.deepEqual(await page.problems(), []);
  });

  test('HART\'s pages show the pack\'s regions, counties, services and numbers, and nothing of Connecticut', async () => {
    const page = await openAppAs(browser, server, users['demo-hart']);
    await page.waitForFunction(() => document.body.innerText.includes('Open cases by region'));
    const pages = [['home', 'dashboard'], ['#queue', 'queue'], ['#cases', 'cases'], ['#case/1', 'case'], ['#case/3', 'case-reviewed'],
      ['#intake/new', 'new-report'], ['#teams', 'teams'], ['#contacts', 'contacts'], ['#providers', 'providers'], ['#referrals', 'referrals']];
    const all = [];
    for (const [hash, name] of pages) {
      if (hash !== 'home') {
        const settled = settle(page);
        await page.evaluate((h) => { location.hash = h; }, hash);
        await settled;
      }
      await screenshot(page, `demo-wisconsin-${name}`);
      const text = await seen(page);
      all.push(text);
      assert.deepEqual(connecticutIn(text), [], `the ${name} page`);
    }
    const text = all.join('\n');
    for (const r of WI.regions.slice(0, 2)) assert.ok(text.includes(r.name), `region ${r.name} is shown`);
    assert.ok(text.includes(WI.regions[0].offices[0].towns[0]), 'the first county is a town of the demo');
    assert.ok(text.includes('414-555-'), 'the made-up numbers are in the hotline\'s area code');
    assert.ok(text.includes('mdt-northern') || text.includes(`${WI.regions[0].name} MDT`), 'the first region\'s team');
    assert.deepEqual(await page.problems(), []);
  });

  test('the New report form offers the pack\'s counties as towns', async () => {
    const page = await openAppAs(browser, server, users['demo-careline']);
    await page.evaluate(() => { location.hash = '#intake/new'; });
    await page.waitForFunction(() => document.body.dataset.view === 'intake');
    await settle(page);
    const towns = await page.evaluate(() => [...document.querySelectorAll('#ni-towns option')].map((o) => o.value));
    const expected = WI.regions.flatMap((r) => r.offices.flatMap((o) => o.towns));
    assert.deepEqual([...towns].sort(), [...expected].sort());
    assert.deepEqual(connecticutIn(await seen(page)), []);
    assert.deepEqual(await page.problems(), []);
  });

  test('the training pages show the pack\'s courses, and nothing of Connecticut', async () => {
    const page = await openAppAs(browser, server, users['demo-trainer'], { view: 'training' });
    await settle(page);
    await screenshot(page, 'demo-wisconsin-training');
    const text = await seen(page);
    for (const c of WI.courses.filter((x) => WI.trafficking_informed.courses.includes(x.id))) assert.ok(text.includes(c.name), `course ${c.name}`);
    assert.deepEqual(connecticutIn(text), []);
    assert.deepEqual(await page.problems(), []);
  });
});
