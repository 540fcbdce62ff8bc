// A Careline call in Chromium, from the keyboard: the worker logs in, opens
// New report, takes down the reporter, the child ("Katie Smyth", about 15,
// Bridgeport), the concern and the narrative; sees Katherine Smith among the
// known children as the names are typed; the draft survives a reload; Ctrl+
// Enter saves. On the report page: the suspected-victim panel with the law,
// the link to Katherine Smith, the indicator screen (one clear in current
// trafficking: level clear, shown as it is answered), the decision. The
// queue lists the report before the decision and not after; the region's
// liaison is notified and opens the report from the notification. Also: a
// birth date in the future answered 422 beside the field, an overdue report,
// and the pages at 1280 and 390 px (screenshots, axe, nothing off the side).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoServer, login } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import { assertAxeClean, assertNoOverflow, closeAll, gotoApp, launchBrowser, logIn, openApp, openPage, screenshot, viewOf } from './browser.mjs';
import { town } from '../lib/pack.mjs';

const TOWN_A = town(0, 0, 0);

const INTAKES = '/api/v1/intakes';
const DRAFT = '/api/v1/drafts/intake';
const MATCH = '/api/v1/persons/match';

let server;
let browser;
let page;
let demo;
let report; // { id, number } of the report the call records
let late; // { id, number } of a report received more than a day ago

const view = (p = page) => viewOf(p);
const active = (p = page) => p.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || '');
const nav = (p = page) => p.getByRole('navigation', { name: 'Main' });
// What the page shows, as read (a term and its value apart); text for screen readers only included.
const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

/**
 * Presses Tab until the element with this id has the focus; fails after
 * `max` presses. Resolves the ids passed on the way, so that a test can
 * check the order.
 */
async function tabTo(p, id, { max = 60 } = {}) {
  const passed = [];
  for (let i = 0; i < max; i++) {
    await p.keyboard.press('Tab');
    const now = await active(p);
    passed.push(now);
    if (now === id) return passed;
  }
  throw new Error(`Tab never reached #${id}; passed ${passed.join(', ')}`);
}

/** The id of child n's control (data-name given_name, family_name, dob, age, ...). */
function childId(p, n, name) {
  return p.evaluate(([n, name]) => document.querySelectorAll('#ni-children .child')[n]?.querySelector(`[data-name="${name}"]`)?.id, [n, name]);
}

async function waitView(p, v) {
  await p.waitForFunction((v) => document.body.dataset.view === v, v);
}

/** A full-page screenshot from the top (a sticky box otherwise shows where the page was scrolled to). */
async function fullShot(p, name) {
  await p.evaluate(() => window.scrollTo(0, 0));
  return screenshot(p, name);
}

before(async () => {
  // Katherine Smith is among the synthetic children.
  ({ demo, server } = await demoServer());
  browser = await launchBrowser();
  page = await openApp(browser, server, {
    expect: [
      [404, 'GET', DRAFT], // no draft on the server yet
      [422, 'POST', INTAKES], // the birth date in the future, on purpose
    ],
    acceptDialogs: true, // "Discard this report?"
  });
});

after(() => closeAll(browser, server));

describe(`a Careline call in Chromium, from the keyboard (${ENGINE})`, { timeout: 300_000 }, () => {
  test('the Careline worker logs in; New report and Queue are in the navigation; the bell shows', async () => {
    const u = demo.byRole.careline;
    await logIn(page, u.username, u.password);
    await waitView(page, 'home');
    assert.ok(await nav().getByRole('link', { name: 'New report' }).isVisible());
    assert.ok(await nav().getByRole('link', { name: 'Queue' }).isVisible());
    assert.ok(await page.getByRole('link', { name: /^Notifications/ }).isVisible(), 'the bell in the masthead');
    assert.ok(await page.locator('#bell-count').isHidden(), 'nothing new for the Careline worker');
  });

  test('New report opens from the keyboard with the time now and the phone as channel', async () => {
    await nav().getByRole('link', { name: 'New report' }).focus();
    await page.keyboard.press('Enter');
    await waitView(page, 'intake');
    assert.equal(await active(), 'intake-heading', 'focus moves to the heading');
    assert.match(await page.title(), /^New report · hartline/);
    assert.equal(await nav().getByRole('link', { name: 'New report' }).getAttribute('aria-current'), 'page');
    const received = await page.locator('#ni-received_at').inputValue();
    assert.match(received, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    const nowThere = await page.evaluate(() => new Intl.DateTimeFormat('en-CA', {
      timeZone: 'America/New_York', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    }).format(new Date()).replace(', ', 'T'));
    const diff = Math.abs(Date.parse(`${received}:00Z`) - Date.parse(`${nowThere}:00Z`));
    assert.ok(diff <= 2 * 60_000, `received ${received} is now in New York (${nowThere})`);
    assert.equal(await page.locator('#ni-channel').inputValue(), 'phone');
    assert.match(await text(page.locator('.shortcut-hint')), /Ctrl \+ Enter saves the report/);
    const sources = await page.locator('#ni-source option').allTextContents();
    assert.ok(sources.includes('Law enforcement'), sources.join(', '));
    assert.ok(await page.locator('#ni-concerns').getByLabel('Detained or arrested for prostitution').isVisible());
  });

  test('the tab order follows the call: the call, the caller, the child, what happened, Save', async () => {
    await page.locator('#intake-heading').focus();
    const order = await tabTo(page, 'ni-submit', { max: 80 });
    const given = await childId(page, 0, 'given_name');
    const family = await childId(page, 0, 'family_name');
    const age = await childId(page, 0, 'age');
    const town = await childId(page, 0, 'town');
    const want = ['ni-received_at', 'ni-channel', 'ni-source', 'ni-anonymous', 'ni-rep-name', 'ni-rep-agency', 'ni-rep-phone',
      'ni-rep-email', given, family, age, town, 'ni-add-child', 'ni-town', 'ni-concern-runaway_awol', 'ni-narrative', 'ni-submit'];
    let at = -1;
    for (const id of want) {
      const i = order.indexOf(id);
      assert.ok(i > at, `${id} comes after the one before it in the tab order: ${order.join(' → ')}`);
      at = i;
    }
    // The removal of the only child is not offered, so not in the way.
    assert.ok(!order.some((id) => /remove/.test(id)), order.join(' → '));
  });

  test('the caller, from the keyboard; Enter in a field saves nothing', async () => {
    let posted = 0;
    const count = (req) => {
      if (new URL(req.url()).pathname === INTAKES && req.method() === 'POST') posted++;
    };
    page.on('request', count);
    // Enter submits a form, when it does, while the key is dispatched: a
    // submit event counted in the page tells at once, without waiting.
    await page.locator('#intake-form').evaluate((form) => {
      window.hlSubmits = 0;
      form.addEventListener('submit', () => { window.hlSubmits++; }, { capture: true });
    });
    try {
      await page.locator('#intake-heading').focus();
      await tabTo(page, 'ni-source');
      await page.keyboard.type('Law');
      assert.equal(await page.locator('#ni-source').inputValue(), 'law_enforcement', 'typing picks the source');
      await tabTo(page, 'ni-rep-name');
      await page.keyboard.type('Officer Dana Reyes');
      await page.keyboard.press('Enter');
      await tabTo(page, 'ni-rep-agency');
      await page.keyboard.type('Bridgeport Police Department');
      await page.keyboard.press('Enter');
      await tabTo(page, 'ni-rep-phone');
      await page.keyboard.type('203-555-0142');
      assert.equal(await page.evaluate(() => window.hlSubmits), 0, 'Enter in a field submitted nothing');
      assert.equal(await page.locator('#intake-form').getAttribute('aria-busy'), null, 'nothing is being saved');
      assert.equal(posted, 0, 'Enter in a field sent nothing');
      assert.equal(await view(), 'intake');
      assert.equal(await page.locator('#ni-rep-agency').inputValue(), 'Bridgeport Police Department');
    } finally {
      page.off('request', count);
    }
  });

  test('the anonymous box hides the caller’s identity, and brings it back', async () => {
    await page.locator('#ni-anonymous').focus();
    await page.keyboard.press('Space');
    assert.ok(await page.locator('#ni-rep-name').isHidden(), 'no name asked of an anonymous caller');
    await page.keyboard.press('Space');
    assert.ok(await page.locator('#ni-rep-name').isVisible());
    assert.equal(await page.locator('#ni-rep-name').inputValue(), 'Officer Dana Reyes', 'nothing typed is lost');
  });

  test('the child "Katie Smyth", about 15, female, Bridgeport: Katherine Smith shows among the known children as it is typed', async () => {
    const given = await childId(page, 0, 'given_name');
    await page.locator('#ni-rep-phone').focus();
    await tabTo(page, given);
    await page.keyboard.type('Katie');
    await tabTo(page, await childId(page, 0, 'family_name'));
    await page.keyboard.type('Smyth');
    await tabTo(page, await childId(page, 0, 'age'));
    await page.keyboard.type('15');
    await tabTo(page, await childId(page, 0, 'sex'));
    await page.keyboard.type('F');
    assert.equal(await page.locator(`#${await childId(page, 0, 'sex')}`).inputValue(), 'F');
    await tabTo(page, await childId(page, 0, 'town'));
    await page.keyboard.type(TOWN_A);
    const aside = page.locator('#ni-children .child').first().locator('.child-match');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#ni-children .child .cand-name')].some((n) => n.textContent === 'Katherine Smith'));
    const card = aside.locator('.cand-card').filter({ hasText: 'Katherine Smith' });
    assert.match(await text(card), /Born Mar 4, 2011/);
    assert.match(await text(card), /nickname \(Katie for Katherine\)/, 'with the reasons');
    assert.match(await text(card), /%/);
    assert.match(await text(aside.locator('.match-state')), /may be this child.*once the report is saved/);
    // Looking up is no button to press: the focus stayed in the town field.
    assert.equal(await active(), await childId(page, 0, 'town'));
    assert.match(await page.locator('#intake-announce').textContent(), /may be this child/);
  });

  test('the concern and the narrative; the law shows as soon as the concern is ticked', async () => {
    await tabTo(page, 'ni-concern-detained_for_prostitution');
    await page.keyboard.press('Space');
    assert.ok(await page.locator('#ni-concern-detained_for_prostitution').isChecked());
    assert.match(await text(page.locator('#ni-victim-hint')), /suspected victim of trafficking, never an offender/);
    await tabTo(page, 'ni-narrative');
    await page.keyboard.type('Officer found Katie at a motel on Route 1 after an online ad.');
    await page.keyboard.press('Enter'); // a new line in the narrative, not a submission
    await page.keyboard.type('She says an older man keeps her phone and her money.');
    assert.match(await page.locator('#ni-narrative').inputValue(), /ad\.\nShe says/);
    assert.equal(await view(), 'intake');
  });

  test('the form at 1280 px passes axe and is saved as a screenshot', async () => {
    await page.waitForFunction(() => /saved/i.test(document.querySelector('#intake-draft')?.textContent || ''));
    await assertAxeClean(page, 'new report, filled, 1280 px');
    await fullShot(page, 'intake-form');
    await page.locator('#intake-heading').scrollIntoViewIfNeeded();
    await screenshot(page, 'intake-form-top', { fullPage: false });
    await page.locator('#ni-children .child').first().scrollIntoViewIfNeeded();
    await screenshot(page, 'intake-form-child', { fullPage: false });
  });

  test('the draft survives a reload: everything typed comes back', async () => {
    // Saved on the server too: one worker's draft, sealed.
    await page.waitForFunction(() => /^Draft saved at/.test(document.querySelector('#intake-draft')?.textContent || ''));
    await page.reload({ waitUntil: 'load' });
    await waitView(page, 'intake');
    await page.waitForFunction(() => document.querySelector('#ni-narrative')?.value.includes('keeps her phone'));
    assert.equal(await page.locator('#ni-source').inputValue(), 'law_enforcement');
    assert.equal(await page.locator('#ni-rep-name').inputValue(), 'Officer Dana Reyes');
    assert.equal(await page.locator(`#${await childId(page, 0, 'given_name')}`).inputValue(), 'Katie');
    assert.equal(await page.locator(`#${await childId(page, 0, 'family_name')}`).inputValue(), 'Smyth');
    assert.equal(await page.locator(`#${await childId(page, 0, 'age')}`).inputValue(), '15');
    assert.equal(await page.locator(`#${await childId(page, 0, 'town')}`).inputValue(), TOWN_A);
    assert.ok(await page.locator('#ni-concern-detained_for_prostitution').isChecked());
    assert.match(await text(page.locator('#intake-status')), /restored/);
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#ni-children .child .cand-name')].some((n) => n.textContent === 'Katherine Smith'));
    // The server keeps the same draft: it outlives this tab.
    const draft = await page.evaluate(async () => (await fetch('/api/v1/drafts/intake')).json());
    assert.equal(draft.body.children[0].given_name, 'Katie');
  });

  test('Ctrl+Enter saves the report and opens it', async () => {
    await page.locator('#ni-narrative').focus();
    const saved = page.waitForResponse((r) => new URL(r.url()).pathname === INTAKES && r.request().method() === 'POST');
    await page.keyboard.press('Control+Enter');
    const res = await saved;
    assert.equal(res.status(), 201);
    assert.ok(res.request().headers()['idempotency-key'], 'an Idempotency-Key is sent');
    report = await res.json();
    await waitView(page, 'report');
    await page.waitForFunction((n) => document.querySelector('#report-heading')?.textContent === `Report ${n}`, report.number);
    assert.equal(new URL(page.url()).hash, `#intake/${report.id}`);
    assert.match(await text(page.locator('#report-status')), new RegExp(`Report ${report.number} saved`));
    // The draft went with the save, here and on the server.
    assert.equal(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('hartline.intake-draft')).length), 0);
    assert.equal(await page.evaluate(async () => (await (await fetch('/api/v1/drafts/intake')).json()).body), null);
  });

  test('the report: the number, the time in New York, the route, the suspected-victim panel with the law', async () => {
    const facts = await text(page.locator('#report-facts'));
    assert.match(facts, /Received .*(Eastern Standard Time|Eastern Daylight Time)/i);
    assert.match(facts, /Came in by Phone/i);
    assert.match(facts, /Source Law enforcement/i);
    assert.match(facts, /Routed to Region 1 \(Southwest\) Bridgeport area office/i);
    const victim = page.getByRole('region', { name: /Suspected victim, not an offender/ });
    assert.ok(await victim.isVisible(), 'the panel shows');
    assert.match(await text(victim), /never an offender/);
    assert.match(await text(victim), /P\.A\. 16-71/);
    assert.match(await text(page.locator('#report-flags')), /Suspected victim.*Open: waiting for a decision/);
    const said = await text(page.locator('#report-said'));
    assert.match(said, /Officer Dana Reyes/);
    assert.match(said, /Detained or arrested for prostitution/);
    assert.match(said, /older man keeps her phone/);
    const child = page.locator('#report-children .child-card').first();
    assert.match(await text(child), /Katie Smyth.*Suspected victim/);
    assert.match(await text(child), /Age About 15/i);
    await page.waitForFunction(() => document.querySelectorAll('#report-children .cand-card').length > 0);
    await assertAxeClean(page, 'report page, 1280 px');
    await fullShot(page, 'report-page');
    await screenshot(page, 'report-page-top', { fullPage: false });
  });

  test('the queue lists the open report, oldest first, with its flags', async () => {
    await nav().getByRole('link', { name: 'Queue' }).click();
    await waitView(page, 'queue');
    await page.waitForFunction((n) => [...document.querySelectorAll('#queue-body a')].some((a) => a.textContent === n), report.number);
    const row = page.locator('#queue-body tr').filter({ hasText: report.number });
    const t = await text(row);
    assert.match(t, /Suspected victim/);
    assert.match(t, /Region 1 \(Southwest\)/);
    assert.match(t, /Not screened/);
    assert.match(t, /less than a minute|\d+ min/);
    assert.doesNotMatch(t, /Overdue/);
    assert.match(await text(page.locator('#queue-summary')), /^1 open report\.$/);
    await assertAxeClean(page, 'queue, 1280 px');
    await fullShot(page, 'queue');
    // Back to the report from its link, with the keyboard.
    await row.getByRole('link', { name: report.number }).focus();
    await page.keyboard.press('Enter');
    await waitView(page, 'report');
    await page.waitForFunction((n) => document.querySelector('#report-heading')?.textContent === `Report ${n}`, report.number);
  });

  test('"Is this child known?": the worker links Katie Smyth to Katherine Smith', async () => {
    const child = page.locator('#report-children .child-card').first();
    const button = child.getByRole('button', { name: /^This is the child: Katherine Smith, record \d+$/ });
    await button.waitFor();
    // Its sibling is drawn with it, but not in the same frame for certain.
    await child.getByRole('button', { name: /New child: none of these/ }).waitFor({ state: 'visible' });
    await button.focus();
    const linked = page.waitForResponse((r) => /\/children\/0\/link$/.test(new URL(r.url()).pathname));
    await page.keyboard.press('Enter');
    assert.equal((await linked).status(), 200);
    await page.waitForFunction(() => /Linked to record \d+: Katherine Smith\./.test(document.querySelector('#report-children .known-state')?.textContent || ''));
    assert.ok(await active() !== 'BODY', 'the focus is kept on the page');
    assert.equal(await page.evaluate(() => document.activeElement.classList.contains('known-state')), true, 'focus on the link made');
    await child.getByRole('button', { name: /Change the link/ }).waitFor({ state: 'visible' });
    await child.getByRole('button', { name: /^This is the child/ }).first().waitFor({ state: 'detached' });
    assert.equal(await child.getByRole('button', { name: /^This is the child/ }).count(), 0);
  });

  test('the indicator screen: one clear sign of current trafficking shows "Clear concern" at once, and the server agrees', async () => {
    assert.equal(await page.locator('#screen-instrument').inputValue(), 'indicator_screen', 'the pack’s default instrument');
    assert.match(await text(page.locator('#screen-level')), /Not answered yet.*0 of 28 answered/);
    const traded = page.getByRole('radiogroup', { name: /traded sex/i });
    await traded.getByRole('radio', { name: 'Clear' }).focus();
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('#screen-level-text')?.textContent === 'Clear concern');
    assert.match(await text(page.locator('#screen-level')), /Level so far Clear concern 1 of 28 answered/);
    assert.match(await page.locator('#screen-level-live').textContent(), /Clear concern/);
    // The SSCST: six yes/no questions, positive at two "Yes". Going back keeps the answers given.
    await page.locator('#screen-instrument').selectOption('sscst');
    assert.equal(await page.locator('#screen-items .rating').count(), 6);
    await page.getByRole('radiogroup', { name: /run away from home/i }).getByRole('radio', { name: 'Yes' }).check();
    assert.match(await text(page.locator('#screen-level')), /Negative screen 1 of 6 answered/);
    await page.getByRole('radiogroup', { name: /drugs or alcohol/i }).getByRole('radio', { name: 'Yes' }).check();
    assert.match(await text(page.locator('#screen-level')), /Positive screen 2 of 6 answered/);
    await page.locator('#screen-instrument').selectOption('indicator_screen');
    assert.match(await text(page.locator('#screen-level')), /Clear concern 1 of 28 answered/);
    assert.ok(await traded.getByRole('radio', { name: 'Clear' }).isChecked());
    // Saving with items unanswered names them and sends nothing.
    await page.getByRole('button', { name: 'Save screening' }).click();
    assert.match(await text(page.locator('#screen-error')), /27 items are not answered yet/);
    assert.equal(await page.evaluate(() => document.activeElement?.name), 'scr-runaway_history', 'focus on the first unanswered');
    await page.getByRole('button', { name: 'Answer the rest “No”' }).click();
    assert.match(await text(page.locator('#screen-level')), /Level Clear concern All 28 answered/);
    await page.screenshot({ path: `${process.env.HARTLINE_ARTIFACTS || '/tmp'}/report-screening.png`, fullPage: false });
    const saved = page.waitForResponse((r) => /\/screenings$/.test(new URL(r.url()).pathname));
    await page.getByRole('button', { name: 'Save screening' }).click();
    const res = await saved;
    assert.equal(res.status(), 201);
    assert.equal((await res.json()).level, 'clear');
    await page.waitForFunction(() => /Screening saved: Clear concern\./.test(document.querySelector('#screen-status')?.textContent || ''));
    await page.waitForFunction(() => /Clear concern · Trafficking indicator screen/.test(document.querySelector('#history-screenings')?.textContent || ''));
  });

  test('the decision: screening out a suspected victim asks for a supervisor; the worker accepts for HART response', async () => {
    const choices = page.getByRole('group', { name: /^(What happens to this report|Change the decision)$/ });
    await choices.getByRole('radio', { name: /Screened out/ }).check();
    assert.ok(await page.locator('#decide-supervisor').isVisible(), 'a supervisor for a suspected victim');
    assert.ok(await page.locator('#decide-supervisor_reason').isVisible());
    assert.match(await text(page.locator('#decide-reason-field label')), /Reason \(needed\)/);
    await choices.getByRole('radio', { name: /Forwarded/ }).check();
    assert.ok(await page.locator('#decide-supervisor').isHidden());
    assert.ok(await page.locator('#decide-jurisdiction').isVisible(), 'the jurisdiction for a forwarded report');
    const accept = choices.getByRole('radio', { name: /Accepted for HART response/ });
    await accept.focus();
    await page.keyboard.press('Space');
    assert.ok(await accept.isChecked());
    assert.ok(await page.locator('#decide-jurisdiction').isHidden());
    // Meanwhile someone else decides (information and referral): the worker's decision is refused as stale.
    const path = `/api/v1/intakes/${report.id}/disposition`;
    page.expectHttp(409, 'POST', path);
    const other = await page.evaluate(async (path) => {
      const me = await (await fetch('/api/v1/me')).json();
      const r = await fetch(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: JSON.stringify({ disposition: 'information_referral', version: 1 }),
      });
      return r.status;
    }, path);
    assert.equal(other, 200);
    const stale = page.waitForResponse((r) => new URL(r.url()).pathname === path);
    await page.getByRole('button', { name: 'Record decision' }).click();
    assert.equal((await stale).status(), 409);
    await page.waitForFunction(() => /Someone else changed this report/.test(document.querySelector('#decide-error')?.textContent || ''));
    await page.waitForFunction(() => /Decided: Information and referral only/.test(document.querySelector('#decide-due')?.textContent || ''));
    // The worker looks, and changes the decision on purpose.
    await page.getByRole('button', { name: 'Change the decision' }).click();
    await choices.getByRole('radio', { name: /Accepted for HART response/ }).check();
    const decided = page.waitForResponse((r) => new URL(r.url()).pathname === path);
    await page.getByRole('button', { name: 'Record decision' }).click();
    const res = await decided;
    assert.equal(res.status(), 200);
    assert.equal(JSON.parse(res.request().postData()).version, 2, 'the version read is sent');
    await page.waitForFunction(() => /Decision recorded: Accepted for HART response/.test(document.querySelector('#decide-status')?.textContent || ''));
    assert.match(await text(page.locator('#decide-status')), /liaisons of Region 1 \(Southwest\) are notified/);
    assert.match(await text(page.locator('#report-flags')), /Decided: Accepted for HART response/);
    assert.match(await text(page.locator('#history-decisions')), /Information and referral only Demo Hotline Worker, .*Accepted for HART response Demo Hotline Worker, /);
    assert.equal(await page.locator('#decide-error').textContent(), '', 'the stale warning is gone');
    // A decision made is changed only on purpose.
    assert.ok(await page.locator('#decide-form').isHidden());
    assert.ok(await page.getByRole('button', { name: 'Change the decision' }).isVisible());
    await assertAxeClean(page, 'report page, decided, 1280 px');
    await fullShot(page, 'report-decided');
  });

  test('the queue no longer lists the decided report; "Decided" does', async () => {
    await nav().getByRole('link', { name: 'Queue' }).click();
    await waitView(page, 'queue');
    await page.waitForFunction(() => !document.querySelector('#queue-table').hasAttribute('aria-busy'));
    assert.equal(await page.locator('#queue-body tr').filter({ hasText: report.number }).count(), 0);
    assert.match(await text(page.locator('#queue-body')), /No report is waiting for a decision/);
    await page.locator('#queue-status').selectOption('decided');
    await page.waitForFunction((n) => [...document.querySelectorAll('#queue-body a')].some((a) => a.textContent === n), report.number);
    assert.match(await text(page.locator('#queue-body tr').filter({ hasText: report.number })), /Clear concern.*Accepted for HART response/);
    await page.locator('#queue-status').selectOption('open');
  });

  test('a birth date in the future is answered 422 beside the birth date, with the focus on it', async () => {
    await nav().getByRole('link', { name: 'New report' }).click();
    await waitView(page, 'intake');
    assert.equal(await page.locator(`#${await childId(page, 0, 'given_name')}`).inputValue(), '', 'a fresh form after a save');
    await page.locator('#ni-source').selectOption('school');
    await page.locator(`#${await childId(page, 0, 'given_name')}`).fill('Maya');
    await page.locator(`#${await childId(page, 0, 'family_name')}`).fill('Quintero');
    const dob = await childId(page, 0, 'dob');
    await page.locator(`#${dob}`).fill('2099-01-01');
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === INTAKES && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Save report' }).click();
    const res = await answered;
    assert.equal(res.status(), 422);
    assert.deepEqual((await res.json()).errors, [{ field: 'children[0].dob', reason: 'Birth date: it cannot be in the future; check it with the caller' }]);
    await page.waitForFunction((id) => document.getElementById(`${id}-error`)?.textContent.trim() !== '', dob);
    assert.match(await text(page.locator(`#${dob}-error`)), /birth date is in the future: check it with the caller/);
    assert.equal(await page.locator(`#${dob}`).getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator(`#${dob}`).getAttribute('aria-describedby'), new RegExp(`${dob}-error`));
    assert.equal(await active(), dob, 'focus on the field to fix');
    assert.match(await text(page.locator('#intake-error')), /The report was not saved\. One field needs attention/);
    assert.equal(await view(), 'intake');
    await assertAxeClean(page, 'new report with a field error');
    await page.locator(`#${dob}`).scrollIntoViewIfNeeded();
    await screenshot(page, 'intake-field-error', { fullPage: false });
  });

  test('a session that ends during the call loses nothing: after logging in again the form is as it was', async () => {
    page.expectHttp(401, 'POST', INTAKES);
    page.expectHttp(401, 'PUT', DRAFT);
    page.expectHttp(401, 'DELETE', DRAFT);
    page.expectHttp(401, 'POST', MATCH);
    await page.locator('#ni-narrative').fill('The school nurse called about Maya.');
    await page.context().clearCookies(); // the session ends (timed out, or ended elsewhere)
    await page.locator('#ni-narrative').focus();
    await page.keyboard.press('Control+Enter');
    await waitView(page, 'login');
    assert.match(await text(page.locator('#login-message')), /report you were taking is kept in this tab/);
    assert.equal(await page.locator('#ni-narrative').inputValue(), '', 'nothing of the report is left in the page');
    const u = demo.byRole.careline;
    await logIn(page, u.username, u.password);
    await waitView(page, 'intake');
    await page.waitForFunction(() => document.querySelector('#ni-narrative')?.value === 'The school nurse called about Maya.');
    assert.equal(await page.locator(`#${await childId(page, 0, 'family_name')}`).inputValue(), 'Quintero');
    assert.equal(await page.locator(`#${await childId(page, 0, 'dob')}`).inputValue(), '2099-01-01');
    assert.equal(await page.locator('#ni-source').inputValue(), 'school');
    assert.match(await text(page.locator('#intake-status')), /restored/);
  });

  test('fixed, with a time more than a day ago, the report is saved and is overdue in the queue', async () => {
    const dob = await childId(page, 0, 'dob');
    await page.locator(`#${dob}`).fill('2012-06-30');
    const old = await page.evaluate(() => {
      const t = new Date(Date.now() - 26 * 3600 * 1000);
      return new Intl.DateTimeFormat('en-CA', {
        timeZone: 'America/New_York', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
      }).format(t).replace(', ', 'T');
    });
    await page.locator('#ni-received_at').fill(old);
    await page.locator(`#${await childId(page, 0, 'town')}`).fill('Nowhereville');
    const saved = page.waitForResponse((r) => new URL(r.url()).pathname === INTAKES && r.request().method() === 'POST');
    await page.locator('#ni-rep-name').focus();
    await page.keyboard.press('Control+Enter');
    const res = await saved;
    assert.equal(res.status(), 201);
    late = await res.json();
    await waitView(page, 'report');
    await page.waitForFunction((n) => document.querySelector('#report-heading')?.textContent === `Report ${n}`, late.number);
    assert.match(await text(page.locator('#report-flags')), /Overdue/);
    assert.match(await text(page.locator('#report-flags')), /Statewide queue — town not mapped/);
    assert.ok(await page.locator('#report-victim').isHidden(), 'no commercial-sex concern: no suspected-victim panel');
    assert.match(await text(page.locator('#decide-due')), /^Overdue: a decision was due by/);
    await nav().getByRole('link', { name: 'Queue' }).click();
    await waitView(page, 'queue');
    await page.waitForFunction((n) => [...document.querySelectorAll('#queue-body a')].some((a) => a.textContent === n), late.number);
    const row = await text(page.locator('#queue-body tr').filter({ hasText: late.number }));
    assert.match(row, /Overdue/);
    assert.match(row, /Statewide queue town not mapped/);
    assert.match(row, /1 d 2 h|26 h/);
    assert.match(await text(page.locator('#queue-summary')), /1 open report, 1 overdue/);
    await fullShot(page, 'queue-overdue');
  });

  test('the Careline worker logs out; the region’s liaison sees the notification, count 1, and opens the report from it', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await waitView(page, 'login');
    assert.equal(await page.locator('#queue-body tr').count(), 0, 'nothing of the queue is left in the page');
    const u = demo.byRole.liaison;
    await logIn(page, u.username, u.password);
    await page.waitForFunction(() => !['login', 'loading'].includes(document.body.dataset.view));
    await page.waitForFunction(() => document.querySelector('#bell-count')?.textContent === '1 new');
    const bell = page.getByRole('link', { name: 'Notifications 1 new' });
    assert.ok(await bell.isVisible());
    assert.equal(await nav().getByRole('link', { name: 'New report' }).count(), 0, 'a liaison takes no reports');
    assert.ok(await nav().getByRole('link', { name: 'Queue' }).isVisible());
    await bell.focus();
    await page.keyboard.press('Enter');
    await waitView(page, 'notes');
    await page.waitForFunction(() => document.querySelectorAll('#notes-list li').length === 1);
    const note = page.locator('#notes-list li').first();
    assert.match(await text(note), new RegExp(`New Report ${report.number} accepted for HART response`));
    await assertAxeClean(page, 'notifications, 1280 px');
    await fullShot(page, 'notifications');
    await note.getByRole('link', { name: `Open report ${report.number}` }).click();
    await waitView(page, 'report');
    await page.waitForFunction((n) => document.querySelector('#report-heading')?.textContent === `Report ${n}`, report.number);
    await page.waitForFunction(() => document.querySelector('#bell-count')?.hidden === true);
    // A liaison reads the report; the Careline's work on it is not offered.
    assert.ok(await page.getByRole('region', { name: /Suspected victim, not an offender/ }).isVisible());
    assert.match(await text(page.locator('#report-children')), /Linked to record \d+\./);
    assert.ok(await page.locator('#screen-panel').isHidden());
    assert.ok(await page.locator('#decide-panel').isHidden());
    assert.match(await text(page.locator('#history-decisions')), /Accepted for HART response/);
    // The liaison's queue is the region's: the statewide report is not in it.
    await nav().getByRole('link', { name: 'Queue' }).click();
    await waitView(page, 'queue');
    await page.waitForFunction(() => !document.querySelector('#queue-table').hasAttribute('aria-busy'));
    assert.ok(await page.locator('#queue-region-field').isHidden(), 'no region to choose');
    assert.match(await text(page.locator('#queue-hint')), /Region 1 \(Southwest\) \(your area of work\)/);
    assert.equal(await page.locator('#queue-body tr').filter({ hasText: late.number }).count(), 0);
  });

  test('at 390 px the form, the report and the queue fit, pass axe and are saved as screenshots', async () => {
    const phone = await openPage(browser, { width: 390, height: 844 });
    phone.expectHttp(401, 'GET', '/api/v1/me');
    phone.expectHttp(404, 'GET', DRAFT);
    try {
      const u = demo.byRole.hart;
      // hartline demo made the liaison, MDT and provider accounts after the
      // HART coordinator's, and HART is told of each: those notices are not
      // this test's, so they are read first.
      const h = await login(server.url, u.username, u.password);
      for (const n of (await h.get('/api/v1/notifications')).items.filter((x) => x.kind === 'user.case_access')) {
        const res = await h.fetch(`/api/v1/notifications/${n.id}/read`, { method: 'POST' });
        assert.equal(res.status, 204, await res.text());
      }
      await h.logout();
      await gotoApp(phone, `${server.url}/#intake/new`);
      await logIn(phone, u.username, u.password);
      await waitView(phone, 'intake');
      await phone.locator('#ni-source').selectOption('ngo');
      await phone.locator(`#${await childId(phone, 0, 'given_name')}`).fill('Katie');
      await phone.locator(`#${await childId(phone, 0, 'family_name')}`).fill('Smyth');
      await phone.locator(`#${await childId(phone, 0, 'age')}`).fill('15');
      await phone.waitForFunction(() => document.querySelectorAll('#ni-children .cand-card').length > 0);
      await phone.getByRole('button', { name: 'Add another child' }).click();
      assert.equal(await active(phone), await childId(phone, 1, 'given_name'), 'focus in the new child');
      assert.match(await text(phone.locator('#ni-children .child').nth(1).locator('h3')), /Child 2 of 2/);
      await assertNoOverflow(phone, 'new report');
      await assertAxeClean(phone, 'new report, 390 px');
      await fullShot(phone, 'intake-form-390');
      await screenshot(phone, 'intake-form-390-top', { fullPage: false });
      await phone.locator('#ni-children .child').first().scrollIntoViewIfNeeded();
      await screenshot(phone, 'intake-form-390-child', { fullPage: false });
      // Removing the second child leaves one, with the focus on it.
      await phone.locator('#ni-children .child').nth(1).getByRole('button', { name: /Remove this child/ }).click();
      assert.equal(await phone.locator('#ni-children .child').count(), 1);
      await phone.evaluate((id) => (location.hash = `#intake/${id}`), report.id);
      await waitView(phone, 'report');
      await phone.waitForFunction(() => document.querySelectorAll('#screen-items .rating').length === 28);
      await phone.waitForFunction(() => document.querySelectorAll('#report-children .cand-card').length > 0);
      await assertNoOverflow(phone, 'report');
      await assertAxeClean(phone, 'report page, 390 px');
      await fullShot(phone, 'report-page-390');
      await screenshot(phone, 'report-page-390-top', { fullPage: false });
      await phone.locator('#screen-heading').scrollIntoViewIfNeeded();
      await screenshot(phone, 'report-page-390-screen', { fullPage: false });
      await phone.evaluate(() => (location.hash = '#queue'));
      await waitView(phone, 'queue');
      await phone.locator('#queue-status').selectOption('all');
      await phone.waitForFunction((n) => [...document.querySelectorAll('#queue-body a')].some((a) => a.textContent === n), report.number);
      await assertNoOverflow(phone, 'queue');
      await assertAxeClean(phone, 'queue, 390 px');
      await fullShot(phone, 'queue-390');
      // The HART coordinator was notified too.
      assert.equal(await phone.locator('#bell-count').textContent(), '1 new');
      await phone.getByRole('link', { name: 'Notifications 1 new' }).click();
      await waitView(phone, 'notes');
      // The report's is the one new notification (the accounts' are read).
      await phone.waitForFunction(() => document.querySelectorAll('#notes-list li').length > 0);
      assert.equal(await phone.locator('#notes-list .badge-new').count(), 1);
      await assertNoOverflow(phone, 'notifications');
      await assertAxeClean(phone, 'notifications, 390 px');
      await fullShot(phone, 'notifications-390');
      // Marked read from the list: the count goes, the words "New" too.
      await phone.getByRole('button', { name: 'Mark read' }).click();
      await phone.waitForFunction(() => document.querySelector('#bell-count').hidden);
      assert.equal(await phone.locator('#notes-list .badge-new').count(), 0);
      await phone.assertNoProblems();
    } finally {
      await phone.context().close();
    }
  });

  test('accepting a report nobody screened asks why; the reason is kept and shown with the decision', async () => {
    const p = await openPage(browser);
    p.expectHttp(401, 'GET', '/api/v1/me'); // logged out at first
    try {
      await gotoApp(p, `${server.url}/`);
      const u = demo.byRole.careline;
      await logIn(p, u.username, u.password);
      await p.waitForFunction(() => !['login', 'loading'].includes(document.body.dataset.view));
      const id = await p.evaluate(async (town) => {
        const me = await (await fetch('/api/v1/me')).json();
        const r = await fetch('/api/v1/intakes', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
          body: JSON.stringify({ received_at: new Date(Date.now() - 600_000).toISOString().replace(/\.\d+Z$/, 'Z'), channel: 'phone',
            reporter: { source: 'school' }, children: [{ given_name: 'Unscreened', family_name: 'Childtest', estimated_age: 14, town }],
            narrative: 'A synthetic report.', concerns: ['runaway_awol'] }),
        });
        return (await r.json()).id;
      }, TOWN_A);
      await p.evaluate((id) => (location.hash = `#intake/${id}`), id);
      await waitView(p, 'report');
      const choices = p.getByRole('group', { name: /^(What happens to this report|Change the decision)$/ });
      assert.ok(await p.locator('#decide-unscreened_reason').isHidden(), 'not asked before a decision is chosen');
      await choices.getByRole('radio', { name: /Accepted for HART response/ }).check();
      assert.ok(await p.locator('#decide-unscreened_reason').isVisible(), 'asked why, for an unscreened report');
      assert.match(await text(p.getByText('This report is not screened.', { exact: false }).first()), /Screen it first, or say why/);
      const path = `/api/v1/intakes/${id}/disposition`;
      p.expectHttp(422, 'POST', path);
      const refused = p.waitForResponse((r) => new URL(r.url()).pathname === path);
      await p.getByRole('button', { name: 'Record decision' }).click();
      assert.equal((await refused).status(), 422);
      await p.waitForFunction(() => /not screened/.test(document.querySelector('#decide-unscreened_reason-error')?.textContent || ''));
      assert.equal(await p.locator('#decide-unscreened_reason').getAttribute('aria-invalid'), 'true');
      await screenshot(p, 'report-unscreened-asked');
      await p.locator('#decide-unscreened_reason').fill('The police are with the child now; the screen follows.');
      const decided = p.waitForResponse((r) => new URL(r.url()).pathname === path);
      await p.getByRole('button', { name: 'Record decision' }).click();
      assert.equal((await decided).status(), 200);
      await p.waitForFunction(() => /Accepted without a screen\./.test(document.querySelector('#history-decisions')?.textContent || ''));
      assert.match(await text(p.locator('#history-decisions')), /Accepted without a screen: The police are with the child now/);
      await assertAxeClean(p, 'report page, accepted without a screen');
      await fullShot(p, 'report-unscreened-decided');
      await p.assertNoProblems();
    } finally {
      await p.context().close();
    }
  });

  test('no console error, page error, failed request or CSP violation', async () => {
    await page.assertNoProblems();
  });
});
