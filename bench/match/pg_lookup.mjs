// The same identity lookups as build/bench_match_lookup, through PostgreSQL
// pg_trgm + fuzzystrmatch, the way an agency's person search would run them.
//
//   node pg_lookup.mjs FILE.csv FILE.csv.queries [OUT.json]
//
// PG_TRGM_THRESHOLD sets pg_trgm.similarity_threshold (default 0.3, pg_trgm's
// own default); PG_LOOKUP_SQL names another search to try.
//
// Connection from the PG* environment (pg_virtualenv sets it). One
// long-lived connection; each query's latency is taken client-side with
// process.hrtime.bigint() around one round trip of a prepared statement.
// The query record's fields are read from the table first (not timed), as a
// worker's search form would hold them. A query is found when another record
// of the same person (same rec-<person>) is in the top 10 after the query's
// own row is dropped.
import fs from 'node:fs';
import readline from 'node:readline';
import pg from 'pg';

const [csvPath, queriesPath, outPath] = process.argv.slice(2);
if (!queriesPath) {
  console.error('usage: node pg_lookup.mjs FILE.csv FILE.csv.queries [OUT.json]');
  process.exit(2);
}
const THRESHOLD = process.env.PG_TRGM_THRESHOLD ?? '0.3';

// The search itself: pg_lookup.sql beside this file.
const sqlText = fs.readFileSync(process.env.PG_LOOKUP_SQL ?? new URL('./pg_lookup.sql', import.meta.url), 'utf8')
  .replace(/^--.*\n/gm, '');

const person = (id) => {
  const m = /^rec-(\d+)-/.exec(id);
  return m ? m[1] : null;
};

// Line numbers (1-based, header = line 1) -> rec_id (the first field; the
// generator never quotes it and writes no newline inside a field).
const wanted = fs.readFileSync(queriesPath, 'utf8').split('\n').filter(Boolean).map(Number);
const wantSet = new Set(wanted);
const idOfLine = new Map();
{
  const rl = readline.createInterface({ input: fs.createReadStream(csvPath), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (wantSet.has(n)) idOfLine.set(n, line.slice(0, line.indexOf(',')));
  }
}

const client = new pg.Client();
await client.connect();
await client.query(`SET pg_trgm.similarity_threshold = ${Number(THRESHOLD)}`);
// dates as text: no time-zone conversion on the way back in
pg.types.setTypeParser(1082, (v) => v);

const lat = [];
let found = 0, top1 = 0;
for (const ln of wanted) {
  const id = idOfLine.get(ln);
  const q = (await client.query({
    name: 'rec', text: 'SELECT given_name, family_name, dob, ident, age, postcode, address FROM person WHERE rec_id = $1', values: [id],
  })).rows[0];
  const t0 = process.hrtime.bigint();
  const res = await client.query({
    name: 'lookup', text: sqlText, values: [q.given_name, q.family_name, q.dob, q.ident, q.age, q.postcode, q.address],
  });
  lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  const p = person(id);
  const hits = res.rows.filter((r) => r.rec_id !== id).slice(0, 10);
  if (hits.some((r) => person(r.rec_id) === p)) found++;
  if (hits.length && person(hits[0].rec_id) === p) top1++;
}
await client.end();

lat.sort((a, b) => a - b);
const pct = (p) => lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)];
const out = {
  queries: lat.length,
  p50_ms: pct(50),
  p99_ms: pct(99),
  mean_ms: lat.reduce((a, b) => a + b, 0) / lat.length,
  recall_at_10: found / lat.length,
  top1_same_person: top1 / lat.length,
  similarity_threshold: Number(THRESHOLD),
};
console.log(`pg_trgm lookup: ${out.queries} queries (similarity_threshold ${THRESHOLD}): ` +
  `p50 ${out.p50_ms.toFixed(3)} ms, p99 ${out.p99_ms.toFixed(3)} ms, recall@10 ${out.recall_at_10.toFixed(4)}, ` +
  `top-1 same person ${out.top1_same_person.toFixed(4)}`);
if (outPath) fs.writeFileSync(outPath, JSON.stringify(out, null, 2) + '\n');
