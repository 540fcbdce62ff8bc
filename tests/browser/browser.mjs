// Helpers for the browser tests: Debian's Chromium driven by playwright-core,
// pages that collect every console error, page error, failed request, HTTP
// error and Content-Security-Policy violation, axe-core, screenshots, and
// users made with the CLI.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

import { freshCode, mfaSecretOf, rememberSecret, withCodeLock } from '../lib/auth.mjs';
import { cleanup, run, startServer } from '../lib/server.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const CHROMIUM = process.env.HARTLINE_CHROMIUM || '/usr/bin/chromium';
export const UI_TIMEOUT_MS = 15_000;
/** A telephone's window, for openPage() and openApp(). */
export const PHONE = { width: 390, height: 844 };
export const PACK_NAME = 'Connecticut Department of Children and Families';

export function launchBrowser() {
  return chromium.launch({
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
}

/**
 * A page in a fresh context (no cookies, cache or storage). The CSP is not
 * bypassed: a violation must show. Returns the page with:
 *   page.expectHttp(status, method, pathname): an HTTP error the test
 *     provokes on purpose (a wrong password, GET /api/v1/me logged out);
 *   page.problems(): everything else that went wrong, as strings.
 */
export async function openPage(browser, { width = 1280, height = 800 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  const expected = []; // { status, method, pathname }
  const http = []; // { status, method, url }
  const other = []; // strings
  const consoleErrors = []; // { text, url }
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push({ text: msg.text(), url: msg.location().url || '' });
  });
  page.on('pageerror', (err) => other.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    // An image the page replaced before it arrived (a chart redrawn for a
    // new choice) is cancelled by the browser: not a failure of the server.
    if (req.resourceType() === 'image' && req.failure()?.errorText === 'net::ERR_ABORTED') return;
    other.push(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) http.push({ status: res.status(), method: res.request().method(), url: res.url() });
  });
  // Runs before the page's own scripts (an init script is not subject to the CSP).
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });

  const isExpected = (status, method, url) => {
    let pathname;
    try {
      pathname = new URL(url).pathname;
    } catch {
      return false;
    }
    return expected.some((e) => e.status === status && (!method || e.method === method) && e.pathname === pathname);
  };

  page.expectHttp = (status, method, pathname) => expected.push({ status, method, pathname });
  page.problems = async () => {
    const out = [...other];
    for (const r of http) if (!isExpected(r.status, r.method, r.url)) out.push(`HTTP ${r.status} for ${r.method} ${r.url}`);
    for (const c of consoleErrors) {
      // Chromium logs every 4xx a fetch receives; those the test provoked are fine.
      const m = /^Failed to load resource: the server responded with a status of (\d{3})/.exec(c.text);
      if (m && isExpected(Number(m[1]), null, c.url)) continue;
      out.push(`console error: ${c.text} (${c.url || 'no url'})`);
    }
    let violations = [];
    try {
      violations = await page.evaluate(() => window.__cspViolations || []);
    } catch (e) {
      out.push(`could not read CSP violations: ${e.message}`);
    }
    for (const v of violations) out.push(`CSP violation: ${v}`);
    return out;
  };
  page.assertNoProblems = async () => {
    const all = await page.problems();
    assert.deepEqual(all, [], all.join('\n'));
  };
  return page;
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function axeViolations(page) {
  // Evaluated through the DevTools protocol, so the page's CSP (no inline
  // script) does not block it and need not be bypassed.
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ['violations'] }).then((r) =>
      r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => n.target.join(' ')),
      }))));
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function assertAxeClean(page, where) {
  const bad = await axeViolations(page);
  assert.deepEqual(
    bad,
    [],
    `${where}:\n${bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.join(', ')}`).join('\n')}`);
}

/**
 * Saves a screenshot as NAME.png in $HARTLINE_ARTIFACTS (else the temp
 * dir): the full page, or with fullPage false what the window shows.
 */
export async function screenshot(page, name, { fullPage = true } = {}) {
  const dir = process.env.HARTLINE_ARTIFACTS || os.tmpdir();
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  assert.ok(fs.statSync(file).size > 0, `${file} written`);
  return file;
}

/** The view the page shows (its body's data-view). */
export const viewOf = (page) => page.evaluate(() => document.body.dataset.view);

/** A server on a fresh database, with the users added. */
export async function serverWith(...users) {
  const server = await startServer();
  for (const u of users) await addUser(server, u);
  return server;
}

/**
 * Adds a user with `hartline user add` on the server's database.
 * scope: { region } | { team } | { provider }.
 */
export async function addUser(server, { username, role, displayName, password, region, team, provider }) {
  const args = ['user', 'add', username, '--role', role, '--display-name', displayName, '--password-stdin', '--db', server.db];
  if (region) args.push('--region', region);
  if (team) args.push('--team', team);
  if (provider) args.push('--provider', provider);
  const r = await run(args, { db: server.db, input: `${password}\n` });
  assert.equal(r.code, 0, `hartline ${args.join(' ')}: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

/**
 * Fills the login form and submits it. When the server asks for a second
 * factor, sets up the authenticator (remembering its secret) or types a
 * fresh code, as a person would; with { secondStep: false } it only
 * submits the form (then giveSecondFactor() when the page asks).
 */
export async function logIn(page, username, password, { secondStep = true } = {}) {
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(password);
  await page.locator('#login-submit').click();
  if (!secondStep) return;
  await page.waitForFunction(() => document.body.dataset.view !== 'login' || document.getElementById('login-error').textContent !== '');
  if ((await viewOf(page)) === 'mfa') await giveSecondFactor(page, username);
}

/** On the second step's page: enrols (keeping the secret) or types a code. */
export async function giveSecondFactor(page, username) {
  const url = new URL(page.url()).origin;
  await withCodeLock(url, async () => {
    let secret;
    if (await page.locator('#mfa-enrol').isVisible()) {
      await page.waitForFunction(() => document.getElementById('mfa-secret').textContent !== '');
      secret = (await page.locator('#mfa-secret').textContent()).replace(/\s+/g, '');
      rememberSecret(url, username, secret);
    } else {
      secret = mfaSecretOf(url, username);
      assert.ok(secret, `${username} set up an authenticator the browser helper does not know`);
    }
    await page.locator('#mfa-code').fill(freshCode(url, secret));
    await page.locator('#mfa-submit').click();
    await page.waitForFunction(() => document.body.dataset.view !== 'mfa' || !document.getElementById('mfa-done').hidden
      || document.getElementById('mfa-error').textContent !== '');
  });
  if (await page.locator('#mfa-done').isVisible()) await page.locator('#mfa-continue').click();
  await page.waitForFunction(() => document.body.dataset.view !== 'mfa');
}

/** Goes to the server's front page and waits for the app to decide what to show. */
export async function gotoApp(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  try {
    await page.waitForFunction(() => document.body.dataset.view && document.body.dataset.view !== 'loading');
  } catch (e) {
    // A script that failed to load or run leaves the page loading: say why.
    const problems = page.problems ? await page.problems() : [];
    e.message += `\nthe page never left "Loading…"; problems so far:\n${problems.join('\n') || '(none)'}`;
    throw e;
  }
}

/**
 * A fresh page on the app at `${server.url}/${hash}`, nobody logged in, so
 * its 401 on GET /api/v1/me is expected; expect lists the other HTTP
 * errors the test provokes on purpose, as [status, method, pathname].
 * size: { width, height } for openPage; acceptDialogs: say yes to every
 * confirm() ("Discard this report?").
 */
export async function openApp(browser, server, { hash = '', size, expect = [], acceptDialogs = false } = {}) {
  const page = await openPage(browser, size);
  page.expectHttp(401, 'GET', '/api/v1/me');
  for (const [status, method, pathname] of expect) page.expectHttp(status, method, pathname);
  if (acceptDialogs) page.on('dialog', (d) => d.accept());
  await gotoApp(page, `${server.url}/${hash}`);
  return page;
}

/** openApp, logged in as user ({ username, password }), once the app shows view. */
export async function openAppAs(browser, server, user, { view = 'home', ...options } = {}) {
  const page = await openApp(browser, server, options);
  await logIn(page, user.username, user.password);
  await page.waitForFunction((v) => document.body.dataset.view === v, view);
  return page;
}

/** Asserts that the page is no wider than its window (where: what the page shows, for the message). */
export async function assertNoOverflow(page, where = '') {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${where ? `${where}: ` : ''}the page is ${overflow} px wider than the window`);
}

/**
 * The checks of a page at phone width: no wider than the window, no serious
 * axe violation (where: what the page shows), and a full-page screenshot.
 */
export async function checkPhonePage(phone, where, name) {
  await assertNoOverflow(phone);
  await assertAxeClean(phone, `${where}, 390 px`);
  await screenshot(phone, name);
}

/** Scrolls the element with that id to the top and saves what the window shows. */
export async function screenshotFrom(page, id, name) {
  await page.evaluate((el) => document.getElementById(el).scrollIntoView({ block: 'start' }), id);
  await screenshot(page, name, { fullPage: false });
}

/** Runs fn(page) and closes the page's context after, whether fn passed or not. */
export async function withPage(page, fn) {
  try {
    return await fn(page);
  } finally {
    await page.context().close();
  }
}

/**
 * For after(): closes the browser, stops the server and removes the run's
 * files, each even when the one before it failed, so one failure does not
 * leave a server or a Chromium behind.
 */
export async function closeAll(browser, server) {
  try {
    if (browser) await browser.close();
  } finally {
    try {
      if (server) await server.stop();
    } finally {
      await cleanup();
    }
  }
}
