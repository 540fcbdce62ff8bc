// Batch deduplication the way an agency would do it without hartline:
// DuckDB (npm @duckdb/node-api) running the Fellegi-Sunter method as Splink
// runs it, written out as SQL here (Splink itself is a Python package, and
// this machine reaches no Python registry).
//
//   node duckdb_dedupe.mjs FILE.csv PAIRS.csv [OUT.json]
//
// Steps, each one SQL statement or a few:
//  1. load the CSV (read_csv, all columns as text; dob cast to DATE);
//  2. blocking rules as self-joins, each one excluding the pairs an earlier
//     rule already produced (Splink's way of taking the union without
//     duplicates);
//  3. comparison levels per field (Splink's default levels: exact,
//     Jaro-Winkler thresholds, date distance), a null level that counts 0;
//  4. u from random sampling: a random sample of records joined to itself,
//     about 10^7 pairs (Splink's estimate_u_using_random_sampling);
//  5. the prior (probability two random records match) from deterministic
//     rules with an assumed recall of 0.7 (Splink's
//     estimate_probability_two_random_records_match);
//  6. m by expectation maximisation with u held fixed, in two training
//     sessions blocked on dob and on given+family name, each starting from
//     Splink's default m and the prior adjusted for its blocking rule; a
//     comparison used in a session's blocking rule is not estimated in that
//     session, and m is averaged over the sessions that estimated it (as
//     Splink does);
//  7. match weight = prior weight + sum of log2(m/u) over the levels,
//     probability = 2^w / (1 + 2^w); pairs at 0.95 or more are written as
//     id_a,id_b,probability.
// The EM works on the counts of each comparison vector (one row per distinct
// vector) rather than on every pair: the same arithmetic, fewer rows.
import fs from 'node:fs';
import os from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';

const [csvPath, pairsPath, outPath] = process.argv.slice(2);
if (!pairsPath) {
  console.error('usage: node duckdb_dedupe.mjs FILE.csv PAIRS.csv [OUT.json]');
  process.exit(2);
}
const THRESHOLD = 0.95;
const U_PAIRS = 1e7;            // Splink's max_pairs for u; its docs advise 1e7 or more
const EM_ITERATIONS = 25;       // Splink's default max_iterations
const EM_TOLERANCE = 1e-4;      // Splink's default em_convergence
const DET_RECALL = 0.7;
const SEED = 42;

const t0 = performance.now();
const phase = {};
let tp = t0;
const mark = (name) => {
  const t = performance.now();
  phase[name] = (t - tp) / 1000;
  tp = t;
  log(`${name}: ${phase[name].toFixed(1)} s`);
};
const log = (s) => { if (!process.env.BENCH_QUIET_JS) console.error(`duckdb: ${s}`); };

const db = await DuckDBInstance.create(':memory:', {
  threads: String(os.availableParallelism()),
  temp_directory: `${pairsPath}.duckdb.tmp`,
});
const c = await db.connect();
const all = async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJS();
const one = async (sql) => (await all(sql))[0];

// 1. records -----------------------------------------------------------------
const sqlStr = (s) => `'${s.replaceAll("'", "''")}'`;
await c.run(`
CREATE TABLE rec AS
SELECT row_number() OVER () :: INTEGER AS uid,
       rec_id, given_name, family_name,
       try_cast(dob AS DATE) AS dob, dob AS dob_s,
       sex, town, postcode, address, ident
  FROM read_csv(${sqlStr(csvPath)}, header = true, all_varchar = true)`);
const nrec = Number((await one('SELECT count(*) AS n FROM rec')).n);
mark('load');

// 2. blocking -----------------------------------------------------------------
// A rule is a join condition on l and r; coalesce makes a null compare false
// when it is negated for later rules.
export const BLOCKING_RULES = [
  'l.dob = r.dob',
  'l.given_name = r.given_name AND l.family_name = r.family_name',
  'l.postcode = r.postcode AND l.address = r.address',
  'l.ident = r.ident',
];
const parts = BLOCKING_RULES.map((rule, k) => {
  const earlier = BLOCKING_RULES.slice(0, k).map((e) => ` AND NOT coalesce(${e}, false)`).join('');
  return `SELECT l.uid AS uid_l, r.uid AS uid_r, ${k} :: TINYINT AS match_key
            FROM rec l JOIN rec r ON ${rule} AND l.uid < r.uid${earlier}`;
});
await c.run(`CREATE TABLE pairs AS ${parts.join('\nUNION ALL\n')}`);
const byRule = await all('SELECT match_key, count(*) AS n FROM pairs GROUP BY ALL ORDER BY match_key');
const npairs = byRule.reduce((a, r) => a + Number(r.n), 0);
log(`candidate pairs: ${npairs} (${byRule.map((r) => `rule ${r.match_key}: ${r.n}`).join(', ')})`);
mark('blocking');

// 3. comparison levels ---------------------------------------------------------
// -1 = null (either side missing): no evidence, weight 0.
// Jaro-Winkler is computed once per pair and column in an inner SELECT
// (jw_<col>), not once per level.
const name = (col) => `CASE WHEN l.${col} IS NULL OR r.${col} IS NULL THEN -1
    WHEN l.${col} = r.${col} THEN 4
    WHEN jw_${col} >= 0.92 THEN 3
    WHEN jw_${col} >= 0.88 THEN 2
    WHEN jw_${col} >= 0.70 THEN 1
    ELSE 0 END`;
const exact = (col) => `CASE WHEN l.${col} IS NULL OR r.${col} IS NULL THEN -1
    WHEN l.${col} = r.${col} THEN 1 ELSE 0 END`;
export const COMPARISONS = {
  given: { levels: ['else', 'jw>=0.70', 'jw>=0.88', 'jw>=0.92', 'exact'], sql: name('given_name') },
  family: { levels: ['else', 'jw>=0.70', 'jw>=0.88', 'jw>=0.92', 'exact'], sql: name('family_name') },
  dob: {
    levels: ['else', '<=10 years', '<=1 year', '<=1 month', 'damerau-levenshtein<=1', 'exact'],
    sql: `CASE WHEN l.dob IS NULL OR r.dob IS NULL THEN -1
    WHEN l.dob = r.dob THEN 5
    WHEN damerau_levenshtein(l.dob_s, r.dob_s) <= 1 THEN 4
    WHEN abs(date_diff('day', l.dob, r.dob)) <= 31 THEN 3
    WHEN abs(date_diff('day', l.dob, r.dob)) <= 366 THEN 2
    WHEN abs(date_diff('day', l.dob, r.dob)) <= 3653 THEN 1
    ELSE 0 END`,
  },
  sex: { levels: ['else', 'exact'], sql: exact('sex') },
  town: { levels: ['else', 'exact'], sql: exact('town') },
  postcode: { levels: ['else', 'exact'], sql: exact('postcode') },
  address: {
    levels: ['else', 'jw>=0.90', 'exact'],
    sql: `CASE WHEN l.address IS NULL OR r.address IS NULL THEN -1
    WHEN l.address = r.address THEN 2
    WHEN jw_address >= 0.90 THEN 1
    ELSE 0 END`,
  },
  ident: { levels: ['else', 'exact'], sql: exact('ident') },
};
const cnames = Object.keys(COMPARISONS);
const COLS = ['given_name', 'family_name', 'dob', 'dob_s', 'sex', 'town', 'postcode', 'address', 'ident'];
// The comparison vector of every pair that FROM_JOIN yields (aliases l, r).
const gammaSelect = (fromJoin, extra) => `
SELECT ${extra}${cnames.map((k) => `(${COMPARISONS[k].sql.replace(/\b([lr])\.(\w+)/g, '$1_$2')}) :: TINYINT AS g_${k}`).join(',\n  ')}
  FROM (SELECT ${extra}${COLS.map((c) => `l.${c} AS l_${c}, r.${c} AS r_${c}`).join(', ')},
               ${['given_name', 'family_name', 'address'].map((c) => `jaro_winkler_similarity(l.${c}, r.${c}) AS jw_${c}`).join(', ')}
          ${fromJoin})`;

await c.run(`CREATE TABLE gam AS ${gammaSelect('FROM pairs p JOIN rec l ON l.uid = p.uid_l JOIN rec r ON r.uid = p.uid_r', 'uid_l, uid_r, ')}`);
await c.run('DROP TABLE pairs');
mark('comparisons');

// 4. u by random sampling ------------------------------------------------------
const nsample = Math.min(nrec, Math.ceil(Math.sqrt(2 * U_PAIRS)));
// A seeded hash instead of random(): the same sample on every run.
await c.run(`CREATE TABLE samp AS SELECT * FROM rec ORDER BY hash(uid + ${SEED}), uid LIMIT ${nsample}`);
const uRows = await all(`
SELECT ${cnames.map((k) => `g_${k}`).join(', ')}, count(*) AS n
  FROM (${gammaSelect('FROM samp l JOIN samp r ON l.uid < r.uid', '')}) GROUP BY ALL`);
const u = {};
for (const k of cnames) {
  const counts = new Array(COMPARISONS[k].levels.length).fill(0);
  for (const r of uRows) if (r[`g_${k}`] >= 0) counts[r[`g_${k}`]] += Number(r.n);
  const tot = counts.reduce((a, b) => a + b, 0);
  // A level never seen among random pairs gets one pair's worth, so that
  // its weight is large but finite.
  u[k] = counts.map((x) => Math.max(x, 1) / Math.max(tot, 1));
}
mark('u');

// 5. prior ------------------------------------------------------------------------
const detRule = 'l.given_name = r.given_name AND l.family_name = r.family_name AND l.dob = r.dob';
const cnt = async (on) => Number((await one(`SELECT count(*) AS n FROM rec l JOIN rec r ON ${on} AND l.uid < r.uid`)).n);
// pairs meeting either rule = A + B - both (equi-joins; an OR join would be a cross product)
const det = { n: (await cnt(detRule)) + (await cnt('l.ident = r.ident')) - (await cnt(`${detRule} AND l.ident = r.ident`)) };
const totalPairs = (nrec * (nrec - 1)) / 2;
const prior = Math.min(0.5, Number(det.n) / DET_RECALL / totalPairs);
const priorWeight = Math.log2(prior / (1 - prior));
mark('prior');

// 6. m by EM ---------------------------------------------------------------------
const patterns = (await all(`
SELECT ${cnames.map((k) => `g_${k}`).join(', ')}, count(*) AS n FROM gam GROUP BY ALL`))
  .map((r) => ({ g: cnames.map((k) => r[`g_${k}`]), n: Number(r.n) }));
log(`${patterns.length} distinct comparison vectors`);

// Splink's default m: 0.95 on the top (exact) level, 0.05 split evenly over
// the others.
const initialM = (nl) => Array.from({ length: nl }, (_, l) => (l === nl - 1 ? 0.95 : 0.05 / (nl - 1)));

function em(sessionFilter, fixed) {
  const rows = patterns.filter((p) => sessionFilter(p.g));
  const active = cnames.map((k) => !fixed.includes(k));
  const m = cnames.map((k) => initialM(COMPARISONS[k].levels.length));
  // Splink starts a session from the prior adjusted for its blocking rule:
  // the prior odds times the Bayes factor (m/u) of the exact level of each
  // comparison the rule fixes.
  let odds = prior / (1 - prior);
  for (const k of fixed) {
    const top = COMPARISONS[k].levels.length - 1;
    odds *= m[cnames.indexOf(k)][top] / u[k][top];
  }
  let lambda = odds / (1 + odds);
  const lambda0 = lambda;
  let it = 0;
  for (; it < EM_ITERATIONS; it++) {
    const num = cnames.map((k) => new Array(COMPARISONS[k].levels.length).fill(0));
    let pm = 0, tot = 0;
    for (const p of rows) {
      let bm = lambda, bu = 1 - lambda;
      for (let i = 0; i < cnames.length; i++) {
        const l = p.g[i];
        if (!active[i] || l < 0) continue;
        bm *= m[i][l];
        bu *= u[cnames[i]][l];
      }
      const w = bm / (bm + bu);
      pm += w * p.n;
      tot += p.n;
      for (let i = 0; i < cnames.length; i++) if (p.g[i] >= 0) num[i][p.g[i]] += w * p.n;
    }
    let delta = Math.abs(pm / tot - lambda);
    lambda = pm / tot;
    for (let i = 0; i < cnames.length; i++) {
      if (!active[i]) continue;
      const s = num[i].reduce((a, b) => a + b, 0);
      if (s <= 0) continue;
      for (let l = 0; l < num[i].length; l++) {
        const v = num[i][l] / s;
        delta = Math.max(delta, Math.abs(v - m[i][l]));
        m[i][l] = v;
      }
    }
    if (delta < EM_TOLERANCE) { it++; break; }
  }
  return { m, active, lambda0, lambda, iterations: it, pairs: rows.reduce((a, p) => a + p.n, 0) };
}
const gi = (k) => cnames.indexOf(k);
const sessions = [
  { rule: 'dob', fixed: ['dob'], filter: (g) => g[gi('dob')] === 5 },
  { rule: 'given_name, family_name', fixed: ['given', 'family'], filter: (g) => g[gi('given')] === 4 && g[gi('family')] === 4 },
].map((s) => ({ ...s, ...em(s.filter, s.fixed) }));
for (const s of sessions) log(`EM blocked on ${s.rule}: ${s.pairs} pairs, ${s.iterations} iterations, lambda ${s.lambda0.toExponential(2)} -> ${s.lambda.toExponential(2)}`);

const m = {};
for (const k of cnames) {
  const i = gi(k);
  const est = sessions.filter((s) => s.active[i]);
  const nl = COMPARISONS[k].levels.length;
  // A level EM gave no mass gets a floor, as a zero m would rule a pair out.
  m[k] = Array.from({ length: nl }, (_, l) => Math.max(1e-6, est.reduce((a, s) => a + s.m[i][l], 0) / est.length));
}
mark('em');

// 7. scoring ----------------------------------------------------------------------
const weights = {};
for (const k of cnames) weights[k] = m[k].map((mv, l) => Math.log2(mv / u[k][l]));
// Every pair with the same comparison vector has the same probability: score
// the distinct vectors, then keep the pairs whose vector reaches the
// threshold (a join on the vector; the same result as scoring every pair).
const scored = patterns.map((p) => {
  let w = priorWeight;
  cnames.forEach((k, i) => { if (p.g[i] >= 0) w += weights[k][p.g[i]]; });
  return { g: p.g, p: 1 / (1 + 2 ** -w) };
}).filter((x) => x.p >= THRESHOLD);
await c.run(`CREATE TABLE keep (${cnames.map((k) => `g_${k} TINYINT`).join(', ')}, p DOUBLE)`);
if (scored.length) {
  await c.run(`INSERT INTO keep VALUES ${scored.map((x) => `(${x.g.join(', ')}, ${x.p})`).join(', ')}`);
}
await c.run(`
COPY (
  SELECT l.rec_id AS id_a, r.rec_id AS id_b, round(k.p, 6) AS probability
    FROM gam g JOIN keep k USING (${cnames.map((k) => `g_${k}`).join(', ')})
    JOIN rec l ON l.uid = g.uid_l JOIN rec r ON r.uid = g.uid_r
) TO ${sqlStr(pairsPath)} (FORMAT csv, HEADER true)`);
mark('score');

const found = Number((await one(`SELECT count(*) AS n FROM read_csv(${sqlStr(pairsPath)}, header = true)`)).n);
const total = (performance.now() - t0) / 1000;
log(`${found} pairs >= ${THRESHOLD}, ${total.toFixed(1)} s`);
const out = {
  records: nrec,
  candidate_pairs: npairs,
  candidate_pairs_by_rule: Object.fromEntries(byRule.map((r) => [BLOCKING_RULES[r.match_key], Number(r.n)])),
  u_sample_records: nsample,
  em_sessions: sessions.map((s) => ({ blocked_on: s.rule, pairs: s.pairs, iterations: s.iterations, lambda_start: s.lambda0, lambda: s.lambda })),
  prior,
  levels: Object.fromEntries(cnames.map((k) => [k, COMPARISONS[k].levels.map((name, l) => ({
    level: name, m: m[k][l], u: u[k][l], weight: weights[k][l],
  }))])),
  pairs_found: found,
  seconds: total,
  phase_seconds: phase,
  duckdb_version: (await one('SELECT version() AS v')).v,
};
if (outPath) fs.writeFileSync(outPath, JSON.stringify(out, null, 2) + '\n');
fs.rmSync(`${pairsPath}.duckdb.tmp`, { recursive: true, force: true });
