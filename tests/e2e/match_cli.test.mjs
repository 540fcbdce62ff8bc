// hartline match on files: FEBRL quality at the default threshold, the
// pairs and clusters files, link, generate, and how bad input is reported.
// Engine-independent: it runs once, on the SQLite pass.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { ENGINE, SOURCE_ROOT, cleanup, run, tempDir, tempFile } from '../lib/server.mjs';

const FEBRL = path.join(SOURCE_ROOT, '..', 'shared', 'data', 'febrl');
const FIELDS = [
  '--id', 'rec_id',
  '--field', 'given=given_name', '--field', 'family=surname', '--field', 'other=street_number',
  '--field', 'address=address_1', '--field', 'address=address_2', '--field', 'town=suburb',
  '--field', 'postcode=postcode', '--field', 'other=state', '--field', 'dob=date_of_birth:%Y%m%d',
];
const skipFebrl = !fs.existsSync(path.join(FEBRL, 'dataset3.csv')) && 'no ../shared/data/febrl here';

after(cleanup);

function f1Of(stdout) {
  const m = /precision ([\d.]+), recall ([\d.]+), F1 ([\d.]+)/.exec(stdout);
  assert.ok(m, `evaluate prints precision, recall and F1: ${stdout}`);
  return { precision: Number(m[1]), recall: Number(m[2]), f1: Number(m[3]) };
}

async function dedupeAndScore(file, extra = []) {
  const dir = tempDir();
  const pairs = path.join(dir, 'pairs.csv');
  const clusters = path.join(dir, 'clusters.csv');
  const d = await run(['match', 'dedupe', file, ...FIELDS, ...extra, '--pairs', pairs, '--clusters', clusters],
    { cwd: dir, timeout: 120_000 });
  assert.equal(d.code, 0, d.stderr);
  const e = await run(['match', 'evaluate', pairs, '--truth', file, '--id', 'rec_id'], { cwd: dir });
  assert.equal(e.code, 0, e.stderr);
  return { ...f1Of(e.stdout), pairs, clusters, stderr: d.stderr };
}

describe('hartline match', { skip: ENGINE !== 'sqlite' && 'runs on the SQLite pass only', timeout: 300_000 }, () => {
  test('dedupe reaches F1 0.996 on FEBRL dataset3 with every field, and 0.99 on dataset1', { skip: skipFebrl }, async () => {
    const d3 = await dedupeAndScore(path.join(FEBRL, 'dataset3.csv'), ['--field', 'ident=soc_sec_id']);
    assert.ok(d3.f1 >= 0.996, `dataset3 F1 ${d3.f1}`);
    const d1 = await dedupeAndScore(path.join(FEBRL, 'dataset1.csv'), ['--field', 'ident=soc_sec_id']);
    assert.ok(d1.f1 >= 0.99, `dataset1 F1 ${d1.f1}`);
    const without = await dedupeAndScore(path.join(FEBRL, 'dataset3.csv'));
    assert.ok(without.f1 >= 0.98, `dataset3 without soc_sec_id F1 ${without.f1}`);
    assert.ok(without.precision >= 0.995, `dataset3 without soc_sec_id precision ${without.precision}`);
  });

  test('the pairs file has the header id_a,id_b,probability and only pairs at or above the threshold', { skip: skipFebrl }, async () => {
    const r = await dedupeAndScore(path.join(FEBRL, 'dataset1.csv'), ['--threshold', '0.99']);
    const lines = fs.readFileSync(r.pairs, 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'id_a,id_b,probability');
    assert.ok(lines.length > 400, `${lines.length - 1} pairs`);
    for (const l of lines.slice(1)) {
      const [a, b, p] = l.split(',');
      assert.ok(a && b && a !== b, l);
      assert.ok(Number(p) >= 0.99 && Number(p) <= 1, l);
    }
    // Every pair's records share a cluster.
    const cl = new Map(fs.readFileSync(r.clusters, 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(',')));
    assert.equal(cl.size, 1000);
    for (const l of lines.slice(1)) {
      const [a, b] = l.split(',');
      assert.equal(cl.get(a), cl.get(b), `${a} and ${b} in one cluster`);
    }
    // The fitted model reports itself.
    assert.match(r.stderr, /1000 records, \d+ candidate pairs compared/);
  });

  test('a malformed line is reported with its line number and skipped, or stops the run with --strict', async () => {
    const file = tempFile('kids.csv', [
      'rec_id, given_name, surname, dob',
      'rec-1-org, katherine, smith, 2011-03-04',
      'rec-1-dup-0, "katie, smith", 2011-03-04',
      'rec-2-org, "jasmine" x, rivera, 2010-07-19',
      'rec-1-dup-1, katherine, smyth, 2011-03-04',
      'rec-3-org, tyler, obrien, 2011-02-30',
      '',
    ].join('\n'));
    const dir = tempDir();
    const args = ['match', 'dedupe', file, '--id', 'rec_id', '--field', 'given=given_name',
      '--field', 'family=surname', '--field', 'dob=dob', '--pairs', path.join(dir, 'p.csv')];
    const r = await run(args, { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /kids\.csv:3: 3 fields, expected 4 \(line skipped\)/);
    assert.match(r.stderr, /kids\.csv:4: field 2: text after the closing quote \(line skipped\)/);
    assert.match(r.stderr, /kids\.csv:6: column dob: "2011-02-30" is not a date/);
    assert.match(r.stderr, /2 malformed lines skipped/);
    const strict = await run([...args, '--strict'], { cwd: dir });
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /kids\.csv:3: .*\(stopping\)/);
  });

  test('a missing column is named with the columns the file has', async () => {
    const file = tempFile('k.csv', 'id,first,last\n1,a,b\n');
    const r = await run(['match', 'dedupe', file, '--id', 'id', '--field', 'given=given_name', '--pairs', '-'],
      { cwd: tempDir() });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no column "given_name" for --field given/);
    assert.match(r.stderr, /its columns are: id, first, last/);
  });

  test('bad options are usage errors', async () => {
    for (const args of [
      ['match', 'dedupe', 'x.csv', '--id', 'id', '--pairs', 'p.csv'],
      ['match', 'dedupe', 'x.csv', '--id', 'id', '--field', 'colour=c', '--pairs', 'p.csv'],
      ['match', 'dedupe', 'x.csv', '--id', 'id', '--field', 'given=g', '--pairs', 'p.csv', '--threshold', '2'],
      ['match', 'frobnicate'],
    ]) {
      const r = await run(args, { cwd: tempDir() });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });

  test('generate writes seeded records with ground truth, and link finds people across two files', async () => {
    const dir = tempDir();
    const a = path.join(dir, 'a.csv');
    const g = await run(['match', 'generate', '--records', '3000', '--originals', '2000', '--seed', '5', '--out', a], { cwd: dir });
    assert.equal(g.code, 0, g.stderr);
    const again = await run(['match', 'generate', '--records', '3000', '--originals', '2000', '--seed', '5', '--out', '-'], { cwd: dir });
    assert.equal(again.stdout, fs.readFileSync(a, 'utf8'), 'the same seed writes the same file');
    const lines = fs.readFileSync(a, 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'rec_id,given_name,family_name,dob,age,sex,town,postcode,address,ident');
    assert.equal(lines.length, 3001);
    // Originals in one file, duplicates in the other.
    const orig = [lines[0], ...lines.slice(1).filter((l) => l.includes('-org,'))];
    const dups = [lines[0], ...lines.slice(1).filter((l) => l.includes('-dup-'))];
    const fa = path.join(dir, 'orig.csv');
    const fb = path.join(dir, 'dups.csv');
    fs.writeFileSync(fa, `${orig.join('\n')}\n`);
    fs.writeFileSync(fb, `${dups.join('\n')}\n`);
    const pairs = path.join(dir, 'links.csv');
    const fields = ['--id', 'rec_id', '--field', 'given=given_name', '--field', 'family=family_name',
      '--field', 'dob=dob', '--field', 'age=age', '--field', 'sex=sex', '--field', 'town=town',
      '--field', 'postcode=postcode', '--field', 'address=address', '--field', 'ident=ident', '--as-of', '2026-11-28'];
    const l = await run(['match', 'link', fa, fb, ...fields, '--pairs', pairs], { cwd: dir, timeout: 120_000 });
    assert.equal(l.code, 0, l.stderr);
    const links = fs.readFileSync(pairs, 'utf8').trimEnd().split('\n').slice(1).map((x) => x.split(','));
    assert.ok(links.length > 500, `${links.length} links`);
    let right = 0;
    for (const [x, y] of links) {
      assert.ok(x.endsWith('-org') && y.includes('-dup-'), `${x} from the first file, ${y} from the second`);
      if (x.split('-')[1] === y.split('-')[1]) right++;
    }
    assert.ok(right / links.length >= 0.97, `precision ${right / links.length}`);
  });
});
