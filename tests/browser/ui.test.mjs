// The web UI in headless Chromium against the real server: it loads the
// pack and the health, breaks no Content-Security-Policy rule, logs no error
// and has no serious accessibility problem.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium } from 'playwright-core';

import { ENGINE, cleanup, startServer } from '../lib/server.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const CHROMIUM = process.env.HARTLINE_CHROMIUM || '/usr/bin/chromium';
const ENGINE_LABEL = { sqlite: 'SQLite', postgresql: 'PostgreSQL' }[ENGINE];
const PACK_NAME = 'Connecticut Department of Children and Families';
const UI_TIMEOUT_MS = 15_000;

let server;
let browser;
let context;
let page;
let health;
const problems = []; // console errors, page errors, CSP violations, failed requests

before(async () => {
  server = await startServer();
  health = await (await fetch(`${server.url}/healthz`)).json();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-gpu',
    ],
  });
  // A new context is a fresh profile: no cache, cookies or storage. The CSP
  // is not bypassed: a violation must show.
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()} (${msg.location().url || 'no url'})`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.request().method()} ${res.url()}`);
  });
  // Runs before the page's own scripts (an init script is not subject to the CSP).
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  await page.goto(`${server.url}/`, { waitUntil: 'load' });
  await page.waitForSelector('#health[data-state="ok"]');
});

after(async () => {
  try {
    if (browser) await browser.close();
  } finally {
    try {
      if (server) await server.stop();
    } finally {
      await cleanup();
    }
  }
});

describe(`web UI in Chromium (${ENGINE})`, { timeout: 120_000 }, () => {
  test('the title names hartline', async () => {
    assert.match(await page.title(), /hartline/i);
  });

  test('the heading becomes the jurisdiction name from the pack', async () => {
    await page.waitForFunction(
      (name) => document.querySelector('h1#jurisdiction')?.textContent.trim() === name,
      PACK_NAME);
    assert.equal((await page.locator('h1#jurisdiction').textContent()).trim(), PACK_NAME);
  });

  test('the health shows ok, the engine and the schema', async () => {
    const h = page.locator('#health');
    assert.equal(await h.getAttribute('data-state'), 'ok');
    assert.match(await h.textContent(), /ok/i);
    await page.waitForFunction(
      ([engine, schema]) =>
        document.querySelector('#db-engine')?.textContent.trim() === engine &&
        document.querySelector('#schema')?.textContent.trim() === schema,
      [ENGINE_LABEL, String(health.schema)]);
    assert.equal((await page.locator('#db-engine').textContent()).trim(), ENGINE_LABEL);
    assert.equal((await page.locator('#schema').textContent()).trim(), String(health.schema));
  });

  test('no console error, page error, failed request or CSP violation', async () => {
    const violations = await page.evaluate(() => window.__cspViolations);
    const all = problems.concat(violations.map((v) => `CSP violation: ${v}`));
    assert.deepEqual(all, [], all.join('\n'));
  });

  test('axe finds no serious or critical accessibility violation', async () => {
    // Evaluated through the DevTools protocol, so the page's CSP (no inline
    // script) does not block it and need not be bypassed.
    await page.evaluate(AXE_SOURCE);
    const result = await page.evaluate(() =>
      window.axe.run(document, { resultTypes: ['violations'] }).then((r) =>
        r.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.map((n) => n.target.join(' ')),
        }))));
    const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(
      bad,
      [],
      bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.join(', ')}`).join('\n'));
  });

  test('a full-page screenshot is saved', async () => {
    const dir = process.env.HARTLINE_ARTIFACTS || os.tmpdir();
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'ui-home.png');
    await page.screenshot({ path: file, fullPage: true });
    assert.ok(fs.statSync(file).size > 0, `${file} written`);
  });
});
