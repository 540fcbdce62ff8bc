// The command line: version, help, usage errors.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { SOURCE_ROOT, cleanup, run } from '../lib/server.mjs';

after(cleanup);

describe('command line', { timeout: 300_000 }, () => {
  test('--version prints "hartline X.Y.Z (commit C)" on stdout and exits 0', async () => {
    const r = await run(['--version']);
    assert.equal(r.code, 0, `exit code; stderr: ${r.stderr}`);
    assert.match(r.stdout, /^hartline \d+\.\d+\.\d+ \(commit (?:[0-9a-f]{12}(?:-dirty)?|unknown)\)\n?$/);
  });

  test('--version agrees with the version in meson.build', async (t) => {
    const meson = path.join(SOURCE_ROOT, 'meson.build');
    if (!fs.existsSync(meson)) return t.skip('no meson.build in HARTLINE_SOURCE_ROOT');
    const m = /^\s*version\s*:\s*'([^']+)'/m.exec(fs.readFileSync(meson, 'utf8'));
    if (!m) return t.skip('no project version in meson.build');
    const r = await run(['--version']);
    assert.equal(r.stdout.trim().replace(/ \(commit .*\)$/, ''), `hartline ${m[1]}`);
  });

  test('help prints usage on stdout and exits 0', async () => {
    const r = await run(['help']);
    assert.equal(r.code, 0, `exit code; stderr: ${r.stderr}`);
    assert.match(r.stdout, /usage/i);
    assert.match(r.stdout, /\binit\b/);
    assert.match(r.stdout, /\bserve\b/);
  });

  test('an unknown command prints usage on stderr and exits 2', async () => {
    const r = await run(['no-such-command']);
    assert.equal(r.code, 2, `exit code; stdout: ${r.stdout} stderr: ${r.stderr}`);
    assert.match(r.stderr, /usage/i);
    assert.equal(r.stdout, '', 'nothing on stdout');
  });

  test('an unknown flag before the command prints usage on stderr and exits 2', async () => {
    const r = await run(['--no-such-flag']);
    assert.equal(r.code, 2, `exit code; stdout: ${r.stdout} stderr: ${r.stderr}`);
    assert.match(r.stderr, /usage/i);
    assert.equal(r.stdout, '', 'nothing on stdout');
  });

  test('an unknown flag of a command prints usage on stderr and exits 2', async () => {
    for (const cmd of ['init', 'migrate', 'serve']) {
      const r = await run([cmd, '--no-such-flag']);
      assert.equal(r.code, 2, `hartline ${cmd} --no-such-flag: exit code; stdout: ${r.stdout} stderr: ${r.stderr}`);
      assert.match(r.stderr, /usage/i, `hartline ${cmd} --no-such-flag`);
      assert.equal(r.stdout, '', `hartline ${cmd} --no-such-flag: nothing on stdout`);
    }
  });

  test('an unknown option is named in the message', async () => {
    const r = await run(['serve', '--no-such-flag']);
    assert.match(r.stderr, /there is no option --no-such-flag/);
    const v = await run(['serve', '--workers', 'many']);
    assert.equal(v.code, 2, v.stderr);
    assert.match(v.stderr, /--workers many: expected a whole number from 1 to 256/);
  });

  // One listed option of one command (or subcommand, form) is taken:
  // "--opt VALUE" and "--opt=VALUE" with a value its help allows, and its
  // value missing (or, for a flag, given) is a usage error naming it.
  async function tryOption(form, opt, valueName, text) {
    const what = `${form.join(' ')} ${opt}`;
    if (!valueName) {
      const r = await run([...form, opt, '--help']);
      assert.equal(r.code, 0, `${what}: ${r.stderr}`);
      const eq = await run([...form, `${opt}=yes`]);
      assert.equal(eq.code, 2, what);
      assert.match(eq.stderr, new RegExp(`${opt} takes no value`));
      return;
    }
    const range = /; (\d+) (?:to \d+|or more)/.exec(text);
    const value = range ? range[1] : valueName === 'TIME' ? '1h' : 'x';
    for (const args of [[opt, value], [`${opt}=${value}`]]) {
      const r = await run([...form, ...args, '--help']);
      assert.equal(r.code, 0, `${what}: ${r.stderr}`);
      assert.match(r.stdout, /^usage: /m);
    }
    const none = await run([...form, opt]);
    assert.equal(none.code, 2, what);
    const shown = valueName.replace(/\.\.\.$/, '');
    assert.ok(none.stderr.includes(`${opt} needs a value: write ${opt} ${shown}`), `${what}: ${none.stderr}`);
  }

  // The usage is generated from each command's option table: every option a
  // command's --help lists is one it takes (--help at the end stops the
  // command before it runs, after the options before it were parsed).
  test("every command's --help lists options it accepts", { timeout: 240_000 }, async () => {
    const help = await run(['help']);
    const list = help.stdout.split('\n\n')[1];
    const commands = [...list.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((m) => m[1]).filter((c) => c !== 'help');
    assert.ok(commands.includes('serve') && commands.includes('match') && commands.length >= 13, commands.join(' '));
    const checks = [];
    for (const cmd of commands) {
      const top = await run([cmd, '--help']);
      assert.equal(top.code, 0, `${cmd} --help: ${top.stderr}`);
      assert.match(top.stdout, new RegExp(`usage: hartline ${cmd}\\b`));
      // A command of subcommands lists each one's usage.
      const subs = top.stdout.startsWith(`hartline ${cmd}:`)
        ? [...top.stdout.matchAll(new RegExp(`^usage: hartline ${cmd} ([a-z-]+)`, 'gm'))].map((m) => [cmd, m[1]])
        : [[cmd]];
      for (const form of subs) {
        const own = await run([...form, '--help']);
        assert.equal(own.code, 0, `${form.join(' ')} --help: ${own.stderr}`);
        const bad = await run([...form, '--no-such-option', '--help']);
        assert.equal(bad.code, 2, `${form.join(' ')} --no-such-option`);
        assert.match(bad.stderr, /there is no option --no-such-option/);
        const opts = own.stdout.split('\noptions:\n')[1] || '';
        for (const m of opts.matchAll(/^ {2}(--[a-z-]+)(?: (\S+))? {2,}(.*)$/gm)) {
          checks.push(() => tryOption(form, ...m.slice(1)));
        }
      }
    }
    // Several at a time: there are some three hundred runs.
    const tried = checks.length;
    await Promise.all(Array.from({ length: 6 }, async () => {
      while (checks.length) await checks.shift()();
    }));
    assert.ok(tried > 60, `only ${tried} options listed`);
  });
});
