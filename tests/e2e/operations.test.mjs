// Running hartline: the version and commit it was built from, its manual
// page hartline(1) generated from the option tables, the configuration file
// of `serve` (the command line over it), and the systemd unit in dist/
// checked by systemd-analyze.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { BIN, SOURCE_ROOT, cleanup, freshDb, initDb, keyFileOf, run, startServer, stopServer, tempDir, tempFile } from '../lib/server.mjs';

after(cleanup);

/** The options `hartline serve --help` lists, without their dashes. */
async function serveOptions() {
  const r = await run(['serve', '--help']);
  assert.equal(r.code, 0, r.stderr);
  const names = [...r.stdout.matchAll(/^ {2}--([a-z0-9-]+)/gm)].map((m) => m[1]);
  assert.ok(names.length >= 20, `serve --help lists its options:\n${r.stdout}`);
  return names;
}

function hasGit() {
  return spawnSync('git', ['-C', SOURCE_ROOT, 'rev-parse', '--git-dir'], { stdio: 'ignore' }).status === 0;
}

describe('--version', { timeout: 60_000 }, () => {
  test('names the version and the commit the binary was built from', async (t) => {
    const r = await run(['--version']);
    assert.equal(r.code, 0, r.stderr);
    const m = /^hartline (\d+\.\d+\.\d+) \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)\n$/.exec(r.stdout);
    assert.ok(m, `hartline --version: ${JSON.stringify(r.stdout)}`);
    if (!hasGit()) return t.skip('the source tree has no git metadata: the commit reads "unknown"');
    assert.notEqual(m[2], 'unknown', 'built from a git checkout, the commit is named');
    const hash = m[2].replace(/-dirty$/, '');
    // A commit of this repository (the binary may be older than HEAD).
    const full = execFileSync('git', ['-C', SOURCE_ROOT, 'rev-parse', '--verify', `${hash}^{commit}`], { encoding: 'utf8' }).trim();
    assert.ok(full.startsWith(hash), `${hash} is ${full}`);
  });
});

describe('the manual page, hartline(1)', { timeout: 120_000 }, () => {
  test('groff formats it without a warning', async () => {
    const page = await run(['man']);
    assert.equal(page.code, 0, page.stderr);
    assert.match(page.stdout, /^\.TH HARTLINE 1 /);
    const g = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: page.stdout, encoding: 'utf8' });
    assert.equal(g.status, 0, g.stderr);
    assert.equal(g.stderr, '', 'no warning from groff -ww');
  });

  test('man shows every command and every option of serve, as the usage does', async () => {
    const page = await run(['man']);
    const file = tempFile('hartline.1', page.stdout);
    const shown = spawnSync('man', ['-l', file], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '200', MAN_KEEP_FORMATTING: '' } });
    assert.equal(shown.status, 0, shown.stderr);
    const text = shown.stdout.replace(/.\x08/g, ''); // overstrike bold, if any
    for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'COMMANDS', 'CONFIGURATION FILE', 'ENVIRONMENT', 'FILES', 'EXIT STATUS']) {
      assert.match(text, new RegExp(`^${section}$`, 'm'), `section ${section}`);
    }
    const help = await run(['help']);
    const commands = [...help.stdout.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]).filter((c) => c !== 'help');
    assert.ok(commands.includes('serve') && commands.includes('man'), help.stdout);
    for (const c of commands) assert.match(text, new RegExp(`^ {3}hartline ${c}\\b`, 'm'), `command ${c} in the page`);
    const usage = (await run(['serve', '--help'])).stdout;
    for (const name of await serveOptions()) {
      const line = usage.split('\n').find((l) => l.startsWith(`  --${name} `) || l === `  --${name}`);
      const help1 = line.replace(/^ {2}--\S+(?: [A-Z:]+)?\s+/, '').slice(0, 30);
      assert.match(text, new RegExp(`^ {7}--${name}\\b`, 'm'), `--${name} in the page`);
      assert.ok(text.replace(/\s+/g, ' ').includes(help1.replace(/\s+/g, ' ')), `the help of --${name} (${help1}) in the page`);
    }
  });

  test('the build writes the same page beside the binary', async (t) => {
    const built = path.join(path.dirname(BIN), 'hartline.1');
    if (!fs.existsSync(built)) return t.skip(`no ${built}: HARTLINE_BIN is not in a build directory`);
    const page = await run(['man']);
    assert.equal(fs.readFileSync(built, 'utf8'), page.stdout);
  });
});

describe('serve --config FILE', { timeout: 120_000 }, () => {
  test('the file sets what the command line leaves, and the command line wins', async () => {
    const db = freshDb();
    await initDb(db);
    // listen is not an address: served at all, the command line's won.
    const conf = tempFile('hartline.conf', [
      '# a configuration file',
      'listen = nowhere:80',
      'cookie-secure = true',
      '',
      'max-body = 200',
      'workers = 1',
    ].join('\n'));
    const server = await startServer({ db, args: ['--config', conf] });
    try {
      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      assert.match(String(health.headers.get('strict-transport-security')), /max-age=/, 'cookie-secure from the file');
      const big = await fetch(`${server.url}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'x', password: 'y'.repeat(300) }),
      });
      assert.equal(big.status, 413, 'max-body from the file');
      const listening = server.events().find((e) => e.event === 'listening');
      assert.equal(listening.fields.workers, '1', 'workers from the file');
    } finally {
      await stopServer(server);
    }
  });

  test('a wrong line stops the start, naming the file, the line and the setting', async () => {
    const db = freshDb();
    await initDb(db);
    const cases = [
      ['workers = 2\n\ncolour = blue\n', /hartline serve: \S+bad\.conf, line 3: there is no setting 'colour'/],
      ['workers = lots\n', /line 1: workers = lots: expected a whole number from 1 to 256/],
      ['listen 127.0.0.1:8080\n', /line 1: expected a setting as NAME = VALUE/],
      ['trust-proxy = maybe\n', /line 1: trust-proxy = maybe: write trust-proxy = true or trust-proxy = false/],
    ];
    for (const [text, want] of cases) {
      const conf = tempFile('bad.conf', text);
      const r = await run(['serve', '--db', db, '--listen', '127.0.0.1:0', '--config', conf], { db });
      assert.equal(r.code, 2, `${text}: ${r.stderr}`);
      assert.match(r.stderr, want);
    }
    const r = await run(['serve', '--db', db, '--config', path.join(tempDir(), 'missing.conf')], { db });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /--config \S+missing\.conf: there is no such file/);
  });

  test('dist/hartline.conf names every option of serve, and serves', async () => {
    const shipped = path.join(SOURCE_ROOT, 'dist', 'hartline.conf');
    const text = fs.readFileSync(shipped, 'utf8');
    for (const name of await serveOptions()) {
      if (name === 'config') continue;
      assert.match(text, new RegExp(`^(# )?${name} = `, 'm'), `dist/hartline.conf lists ${name}`);
    }
    const db = freshDb();
    await initDb(db);
    // Its database, key file and address are the test's; the rest is the file's.
    const server = await startServer({ db, args: ['--config', shipped, '--key-file', keyFileOf(db)] });
    await stopServer(server);
  });
});

describe('dist/hartline.service', { timeout: 120_000 }, () => {
  const unitText = fs.readFileSync(path.join(SOURCE_ROOT, 'dist', 'hartline.service'), 'utf8');

  test('is hardened: its own user, one writable directory, no new privileges, a restart policy', () => {
    for (const line of [
      'DynamicUser=yes', 'StateDirectory=hartline', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes',
      'NoNewPrivileges=yes', 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX', 'SystemCallFilter=@system-service',
      'CapabilityBoundingSet=', 'Restart=on-failure', 'UMask=0077',
    ]) {
      assert.match(unitText, new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), line);
    }
    assert.doesNotMatch(unitText, /^ReadWritePaths=/m, 'nothing writable but the state directory');
    assert.match(unitText, /^ExecStart=\/usr\/local\/bin\/hartline serve --config \/etc\/hartline\/hartline\.conf$/m);
  });

  test('systemd-analyze verify finds nothing wrong, and rates its exposure low', async () => {
    const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    assert.equal(analyze.status, 0, 'systemd-analyze runs (scripts/install-deps installs systemd)');
    // The unit as installed, with ExecStart naming the binary under test and
    // the manual page it documents itself with where man finds it.
    const dir = tempDir('hartline-unit-');
    const unit = path.join(dir, 'hartline.service');
    fs.writeFileSync(unit, unitText.replace(/^ExecStart=\/usr\/local\/bin\/hartline /m, `ExecStart=${BIN} `));
    fs.mkdirSync(path.join(dir, 'man', 'man1'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'man', 'man1', 'hartline.1'), (await run(['man'])).stdout);
    const env = { ...process.env, MANPATH: path.join(dir, 'man'), SYSTEMD_LOG_COLOR: '0' };
    const verify = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8', env });
    assert.equal(verify.status, 0, `systemd-analyze verify:\n${verify.stdout}${verify.stderr}`);
    assert.doesNotMatch(verify.stderr, /hartline\.service/, `systemd-analyze verify warns:\n${verify.stderr}`);
    const sec = spawnSync('systemd-analyze', ['security', '--offline=true', '--threshold=20', unit], { encoding: 'utf8', env });
    const level = /Overall exposure level for hartline\.service: (\d+\.\d+)/.exec(sec.stdout);
    assert.ok(level, `systemd-analyze security:\n${sec.stdout}${sec.stderr}`);
    assert.equal(sec.status, 0, `exposure ${level[1]} above 2.0`);
    assert.ok(Number(level[1]) <= 2.0, `exposure ${level[1]}`);
  });

  test('a unit with a misspelt setting fails the same check', () => {
    const dir = tempDir('hartline-unit-');
    const unit = path.join(dir, 'hartline.service');
    fs.writeFileSync(unit, unitText.replace(/^ExecStart=\/usr\/local\/bin\/hartline /m, `ExecStart=${BIN} `).replace('Documentation=man:hartline(1)\n', '').replace('ProtectSystem=strict', 'ProtectSytem=strict'));
    const verify = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    assert.match(verify.stderr, /Unknown key 'ProtectSytem'/);
  });
});
