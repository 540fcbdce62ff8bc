// "Find a child" in Chromium against the demo registry (2,003 synthetic
// children): a nickname and a misspelt family name, day and month swapped,
// part of a compound family name, a name nobody has, a birth date in the
// future, what the page looks like at desktop and phone width, and who does
// not get the page at all.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoServer } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import { PHONE, assertAxeClean, checkPhonePage, closeAll, launchBrowser, logIn, openApp, screenshot, screenshotFrom, viewOf, withPage } from './browser.mjs';
import { town } from '../lib/pack.mjs';

const TOWN_B = town(1, 1, 6);
const TOWN_D = town(3, 0, 3);
const TOWN_E = town(4, 2, 8);

const MATCH = '/api/v1/persons/match';

let server;
let browser;
let page;
let demo;

const view = (p = page) => viewOf(p);
const nav = (p = page) => p.getByRole('navigation', { name: 'Main' });
const form = (p = page) => p.locator('#find-form');

/** The result rows as { name, born, sex, town, match, why: [text] , signs: [+/−] }. */
async function rows(p = page) {
  return p.evaluate(() =>
    [...document.querySelectorAll('#find-body tr')].map((tr) => {
      const cell = (label) => tr.querySelector(`[data-label="${label}"]`)?.textContent.replace(/\s+/g, ' ').trim() || '';
      return {
        name: tr.querySelector('.cand-name')?.textContent.trim() || '',
        born: cell('Born'),
        sex: cell('Sex'),
        town: cell('Town'),
        match: cell('Match'),
        why: [...tr.querySelectorAll('.why li')].map((li) => li.textContent.replace(/\s+/g, ' ').trim()),
      };
    }));
}

/**
 * Fills the whole form (a field not named is emptied) and submits it, with
 * Enter in the family name when enter is true; resolves once the answer is
 * on the page.
 */
async function search(p, { given = '', family = '', dob = '', age = '', sex = '', town = '' }, { enter = false } = {}) {
  const f = form(p);
  await f.getByLabel('Given name').fill(given);
  await f.getByLabel('Family name').fill(family);
  await f.getByLabel('Birth date').fill(dob);
  await f.getByLabel('Or age (about)').fill(age);
  await f.getByLabel('Sex').selectOption(sex);
  await f.getByLabel('Town').fill(town);
  const answered = p.waitForResponse((res) => new URL(res.url()).pathname === MATCH);
  if (enter) await f.getByLabel('Family name').press('Enter');
  else await f.getByRole('button', { name: 'Search' }).click();
  await answered;
  await p.waitForFunction(() =>
    !document.querySelector('#find-form').hasAttribute('aria-busy') &&
    (document.querySelector('#find-announce').textContent.trim() !== '' ||
      document.querySelector('#find-error').textContent.trim() !== ''));
}

before(async () => {
  ({ demo, server } = await demoServer());
  browser = await launchBrowser();
  page = await openApp(browser, server, {
    expect: [
      [422, 'POST', MATCH], // the birth date in the future, on purpose
    ],
  });
});

after(() => closeAll(browser, server));

describe(`find a child in Chromium (${ENGINE})`, { timeout: 240_000 }, () => {
  test('a Careline worker has "Find a child" in the navigation and reaches the page', async () => {
    const u = demo.byRole.careline;
    await logIn(page, u.username, u.password);
    await page.waitForFunction(() => document.body.dataset.view === 'home');
    const link = nav().getByRole('link', { name: 'Find a child' });
    assert.ok(await link.isVisible(), 'the nav item shows');
    assert.equal(await nav().getByRole('link', { name: 'Users and audit' }).count(), 0);
    await link.click();
    await page.waitForFunction(() => document.body.dataset.view === 'find');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'find-heading', 'focus moves to the heading');
    assert.equal(await link.getAttribute('aria-current'), 'page');
    assert.match(await page.title(), /^Find a child · hartline/);
    assert.ok(await page.locator('#find-results').isHidden(), 'no results before a search');
    assert.match(await page.locator('#find-view').textContent(), /recorded in the audit trail/);
    const towns = await page.locator('#find-towns option').evaluateAll((o) => o.map((x) => x.value));
    for (const t of [TOWN_D, TOWN_B, TOWN_E]) assert.ok(towns.includes(t), `${t} is offered: ${towns.length} towns`);
  });

  test('"Katie Smyth, about 15" finds Katherine Smith first, by nickname; Enter searches', async () => {
    await search(page, { given: 'Katie', family: 'Smyth', age: '15' }, { enter: true });
    const list = await rows();
    assert.ok(list.length >= 1, 'at least one candidate');
    assert.equal(list[0].name, 'Katherine Smith');
    assert.ok(list[0].why.some((w) => /nickname/.test(w) && /Katie for Katherine/.test(w)), list[0].why.join('\n'));
    assert.ok(list[0].why.some((w) => /^\+\s*For: given name: nickname/.test(w)), 'the nickname counts for the same child');
    assert.match(list[0].born, /Mar 4, 2011/);
    assert.match(list[0].match, /%/);
    assert.match(list[0].match, /(Likely|Possible|Unlikely) match/);
    const announce = await page.locator('#find-announce').textContent();
    assert.match(announce, new RegExp(`^${list.length === 1 ? '1 known child' : `${list.length} known children`} may be this child`));
    assert.match(announce, /Katherine Smith/);
    assert.match(announce, /Searched 2,003 children/);
    assert.equal(await page.locator('#find-announce').getAttribute('aria-live'), 'polite');
    // The form keeps what was typed.
    assert.equal(await form().getByLabel('Given name').inputValue(), 'Katie');
    assert.equal(await form().getByLabel('Family name').inputValue(), 'Smyth');
    assert.equal(await form().getByLabel('Or age (about)').inputValue(), '15');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'find-family_name', 'focus stays where the worker was');
  });

  test('"Kathryn Smith" born 2011-04-03 in Hartford: Katherine Smith first, likely, day and month swapped', async () => {
    await search(page, { given: 'Kathryn', family: 'Smith', dob: '2011-04-03', town: TOWN_D });
    const list = await rows();
    assert.equal(list[0].name, 'Katherine Smith');
    assert.match(list[0].match, /Likely match/);
    assert.ok(await page.locator('#find-body tr').first().locator('.badge-likely').isVisible(), 'the badge is the likely one');
    assert.ok(list[0].why.some((w) => /^\+\s*For: birth date: day and month swapped$/.test(w)), list[0].why.join('\n'));
    assert.equal(list[0].town, TOWN_D);
    assert.equal(list[0].sex, 'Female');
    // Any other candidate is less probable and says why not.
    for (const r of list.slice(1)) assert.doesNotMatch(r.match, /Likely match/, JSON.stringify(r));
    if (list.length > 1) assert.ok(list[1].why.some((w) => /^−\s*Against:/.test(w)), list[1].why.join('\n'));
    assert.equal(await page.locator('#find-summary').isVisible(), true);
    assert.match(await page.locator('#find-query').textContent(), /“Kathryn Smith” · born Apr 3, 2011 · Hartford/);
  });

  test('the page with results passes axe and is saved as a screenshot at 1280 px', async () => {
    await assertAxeClean(page, 'find a child with results, 1280 px');
    await screenshot(page, 'find-results');
    await screenshot(page, 'find-results-top', { fullPage: false });
  });

  test('"Jasmine Rivera" born 2010-07-19 finds Jasmine Rivera-Lopez', async () => {
    await search(page, { given: 'Jasmine', family: 'Rivera', dob: '2010-07-19' });
    const list = await rows();
    assert.equal(list[0]?.name, 'Jasmine Rivera-Lopez', JSON.stringify(list));
    assert.ok(list[0].why.some((w) => /family name: same apart from spacing, or a compound part/.test(w)), list[0].why.join('\n'));
  });

  // The server answers {"candidates":[]} to a name alone that is part of a
  // compound family name: its blocking keys index the whole family name only.
  test('"Jasmine Rivera", the name alone, finds Jasmine Rivera-Lopez', async () => {
    await search(page, { given: 'Jasmine', family: 'Rivera' });
    const list = await rows();
    assert.equal(list[0]?.name, 'Jasmine Rivera-Lopez', `${JSON.stringify(list)} ${await page.locator('#find-outcome').textContent()}`);
  });

  test('a name nobody has: "No known child matches", with the size of the registry', async () => {
    await search(page, { given: 'Zyxwv', family: 'Qqqq' });
    const outcome = page.locator('#find-outcome');
    assert.ok(await outcome.isVisible());
    assert.match(await outcome.textContent(), /No known child matches; this looks like a new child\./);
    assert.match(await outcome.textContent(), /Searched 2,003 children/);
    assert.equal(await page.locator('#find-body tr').count(), 0);
    assert.ok(await page.locator('#find-table').isHidden(), 'no empty table');
    assert.match(await page.locator('#find-announce').textContent(), /^No known child matches; this looks like a new child\. Searched 2,003 children\.$/);
    await assertAxeClean(page, 'find a child, no match');
    await screenshot(page, 'find-no-match', { fullPage: false });
  });

  test('"Smith" alone is never a new child: the Smiths a page at a time, and what would tell', async () => {
    await search(page, { family: 'Smith', sex: 'F' });
    assert.ok(await page.locator('#find-outcome').isHidden(), 'no "new child" outcome');
    const summary = await page.locator('#find-summary').textContent();
    assert.match(summary, /^\d+ known children have this family name\. Nothing else was given to compare: add the given name and a birth date or an age to tell which, if any, is this child\./);
    assert.match(summary, /Showing 1 to 10 of \d+\./);
    const first = await rows();
    assert.equal(first.length, 10);
    assert.ok(first.every((r) => / Smith$/.test(r.name) && r.sex === 'Female'), JSON.stringify(first));
    assert.ok(first.every((r) => /Same family name/.test(r.match)), JSON.stringify(first.map((r) => r.match)));
    await assertAxeClean(page, 'find a child, family name alone');
    await screenshot(page, 'find-family-name-alone');
    const next = page.waitForResponse((res) => new URL(res.url()).pathname === MATCH);
    await page.locator('#find-next').click();
    await next;
    await page.waitForFunction(() => /Showing 11 to/.test(document.querySelector('#find-summary')?.textContent || ''));
    const second = await rows();
    assert.ok(second.length >= 1 && second.every((r) => !first.some((f) => f.name === r.name && f.born === r.born)), 'the next page holds other children');
    // A family name nobody has: not enough to tell.
    await search(page, { family: 'Quorvaxlin' });
    assert.match((await page.locator('#find-outcome').textContent()).replace(/\s+/g, ' '), /Not enough to tell whether this child is known\. Add the given name and a birth date or an age/);
    assert.doesNotMatch(await page.locator('#find-outcome').textContent(), /new child/);
  });

  test('a birth date in the future is refused beside the birth date', async () => {
    await search(page, { given: 'Katherine', family: 'Smith', dob: '2099-01-01' });
    await page.waitForFunction(() => document.querySelector('#find-dob-error')?.textContent.trim() !== '');
    assert.match(await page.locator('#find-dob-error').textContent(), /in the future/i);
    assert.ok(await page.locator('#find-results').isHidden(), 'the results of the search before are gone');
    const dob = form().getByLabel('Birth date');
    assert.equal(await dob.getAttribute('aria-invalid'), 'true');
    assert.match(await dob.getAttribute('aria-describedby'), /find-dob-error/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'find-dob', 'focus on the field to fix');
    assert.match(await page.getByRole('alert').filter({ hasText: /Nothing was searched/ }).textContent(), /One field needs attention/);
    assert.equal(await page.locator('#find-given_name-error').textContent(), '', 'no error on a good field');
    await assertAxeClean(page, 'find a child with a field error');
    await screenshot(page, 'find-field-error', { fullPage: false });
  });

  test('a birth date and an age together, or no name, are named before anything is sent', async () => {
    let sent = 0;
    const count = (req) => {
      if (new URL(req.url()).pathname === MATCH) sent++;
    };
    page.on('request', count);
    try {
      const f = form();
      await f.getByLabel('Birth date').fill('2011-03-04');
      await f.getByLabel('Or age (about)').fill('15');
      await f.getByRole('button', { name: 'Search' }).click();
      await page.waitForFunction(() => /not both/.test(document.querySelector('#find-age-error')?.textContent || ''));
      assert.equal(await f.getByLabel('Or age (about)').getAttribute('aria-invalid'), 'true');
      await f.getByLabel('Or age (about)').fill('');
      await f.getByLabel('Given name').fill('');
      await f.getByLabel('Family name').fill('');
      await f.getByRole('button', { name: 'Search' }).click();
      await page.waitForFunction(() => /given name, a family name/.test(document.querySelector('#find-given_name-error')?.textContent || ''));
      assert.equal(await page.locator('#find-age-error').textContent(), '', 'the old error is gone');
      assert.equal(sent, 0, 'no request was sent');
    } finally {
      page.off('request', count);
    }
  });

  test('Clear empties the form and the results and goes back to the given name', async () => {
    await search(page, { given: 'Tyler', family: "O'Brien", age: '15', sex: 'M', town: TOWN_E });
    const list = await rows();
    assert.equal(list[0].name, "Tyler O'Brien");
    assert.match(list[0].born, /About 15/);
    await form().getByRole('button', { name: 'Clear' }).click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'find-given_name');
    for (const label of ['Given name', 'Family name', 'Birth date', 'Or age (about)', 'Town']) {
      assert.equal(await form().getByLabel(label).inputValue(), '', `${label} is empty`);
    }
    assert.equal(await form().getByLabel('Sex').inputValue(), '');
    assert.ok(await page.locator('#find-results').isHidden());
    assert.equal(await page.locator('#find-body tr').count(), 0);
    assert.equal(await page.locator('#find-announce').textContent(), '');
  });

  test('a reload stays on the page; logging out leaves nothing of the search behind', async () => {
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.view === 'find');
    await search(page, { given: 'Kathryn', family: 'Smith', dob: '2011-04-03', town: TOWN_D });
    assert.equal((await rows())[0].name, 'Katherine Smith');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForFunction(() => document.body.dataset.view === 'login');
    assert.equal(await page.locator('#find-body tr').count(), 0);
    assert.equal(await page.locator('#find-given_name').inputValue(), '');
    assert.equal(await page.locator('#find-dob').inputValue(), '');
    assert.ok(await page.locator('#find-view').isHidden());
  });

  test('at 390 px wide the results fit, pass axe and are saved as screenshots', async () => {
    await withPage(await openApp(browser, server, { hash: '#find', size: PHONE }), async (phone) => {
      const u = demo.byRole.careline;
      await logIn(phone, u.username, u.password);
      await phone.waitForFunction(() => document.body.dataset.view === 'find');
      await search(phone, { given: 'Kathryn', family: 'Smith', dob: '2011-04-03', town: TOWN_D });
      assert.equal((await rows(phone))[0].name, 'Katherine Smith');
      await checkPhonePage(phone, 'find a child with results', 'find-results-390');
      await screenshot(phone, 'find-390-top', { fullPage: false });
      await screenshotFrom(phone, 'results-heading', 'find-390-results');
      // Between phone and desktop the form changes columns: nothing sticks out of it.
      for (const width of [700, 768, 900, 1088, 1280]) {
        await phone.setViewportSize({ width, height: 900 });
        const out = await phone.evaluate(() => {
          const box = document.getElementById('find-form').getBoundingClientRect();
          return [...document.querySelectorAll('#find-form label, #find-form input, #find-form select, #find-form button')]
            .filter((el) => el.getBoundingClientRect().right > box.right + 0.5)
            .map((el) => el.id || el.textContent.trim());
        });
        assert.deepEqual(out, [], `at ${width} px these stick out of the form: ${out.join(', ')}`);
      }
      await phone.assertNoProblems();
    });
  });

  for (const role of ['hart', 'liaison']) {
    test(`a ${role} user has the page too`, async () => {
      await withPage(await openApp(browser, server, { hash: '#find' }), async (p) => {
        const u = demo.byRole[role];
        await logIn(p, u.username, u.password);
        await p.waitForFunction(() => document.body.dataset.view === 'find');
        assert.ok(await nav(p).getByRole('link', { name: 'Find a child' }).isVisible());
        await search(p, { given: 'Jasmine', family: 'Rivera-Lopez' });
        assert.equal((await rows(p))[0].name, 'Jasmine Rivera-Lopez');
        await p.assertNoProblems();
      });
    });
  }

  for (const role of ['analyst', 'admin', 'mdt']) {
    test(`an ${role} user has no "Find a child", not even at #find`, async () => {
      await withPage(await openApp(browser, server, { hash: '#find' }), async (p) => {
        const u = demo.byRole[role];
        await logIn(p, u.username, u.password);
        await p.waitForFunction(() => document.body.dataset.view === 'home');
        assert.equal(await p.getByRole('link', { name: /find a child/i }).count(), 0, 'no link to the page');
        assert.ok(await p.locator('#find-view').isHidden());
        assert.equal(await p.getByRole('heading', { name: 'Find a child' }).count(), 0);
        await p.evaluate(() => (location.hash = '#home'));
        await p.waitForFunction(() => document.activeElement?.id === 'home-heading');
        await p.evaluate(() => document.activeElement.blur());
        await p.evaluate(() => (location.hash = '#find'));
        await p.waitForFunction(() => document.activeElement?.id === 'home-heading');
        assert.equal(await view(p), 'home');
        assert.ok(await p.locator('#find-view').isHidden());
        if (role === 'admin') {
          // The searches above are in the audit trail, in words.
          await nav(p).getByRole('link', { name: 'Users and audit' }).click();
          await p.waitForFunction(() => document.body.dataset.view === 'users');
          await p.waitForFunction(() => document.querySelectorAll('#audit-body tr:not(.message-row)').length > 0);
          const audit = await p.locator('#audit-body tr').allTextContents();
          assert.ok(audit.some((r) => r.includes('Searched for a child') && r.includes('demo-careline')), audit.join('\n'));
        }
        await p.assertNoProblems();
      });
    });
  }

  test('no console error, page error, failed request or CSP violation', async () => {
    await page.assertNoProblems();
  });
});
