// The table of bench/request, on stdout, and its section "Request path" of
// bench/README.md (replaced in place, or added before "## Providers and
// the referral queue", or at the end).
//
//   node bench/wrk/report.mjs RESULTS.txt [README.md]

import fs from 'node:fs';

const [resPath, readmePath] = process.argv.slice(2);
const R = {};
for (const line of fs.readFileSync(resPath, 'utf8').split('\n')) {
  const i = line.indexOf('=');
  if (i > 0) R[line.slice(0, i)] = line.slice(i + 1);
}
const num = (k) => (R[k] === undefined || R[k] === '' ? NaN : Number(R[k]));
const int = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');
const rateOf = (v) => (Number.isFinite(v) && v < 10 ? v.toFixed(1) : int(v));
const fix = (v, d = 2) => (v === Infinity ? `over ${R.seconds * 1000}` : Number.isFinite(v) ? v.toFixed(d) : 'n/a');
const pct = (v) => (Number.isFinite(v) ? `${(100 * v).toFixed(0)}%` : 'n/a');
const yes = (ok) => (ok === undefined ? 'n/a' : ok ? 'yes' : '**no**');

const engines = (R.engines || 'sqlite postgresql').split(/\s+/).filter((e) => R[`${e}_cases`]);
const conns = (R.connections || '1 64').split(/\s+/).filter(Boolean);
const top = conns[conns.length - 1];
const cases = Number(R.cases);
const NAMES = { sqlite: 'SQLite', postgresql: 'PostgreSQL' };
const REQUESTS = [
  ['bare', 'bare libmicrohttpd answering `{}`'],
  ['healthz', 'hartline `GET /healthz`'],
  ['case', '`GET /api/v1/cases/{id}` (HART, audited)'],
  ['dashboard', '`GET /api/v1/dashboard` (HART)'],
  ['deadlines', '`GET /api/v1/deadlines?status=unmet&limit=200`'],
  ['cases', '`GET /api/v1/cases` (first page)'],
  ['intake', '`POST /api/v1/intakes`'],
];

const rows = [];
for (const e of engines) {
  for (const c of conns) {
    const bare = num(`${e}_bare_c${c}_rate`);
    const raw = num(`${e}_raw_c1`);
    for (const [k, label] of REQUESTS) {
      const p = `${e}_${k}_c${c}_`;
      if (R[`${p}skipped`] !== undefined) {
        rows.push(`| ${label} | ${NAMES[e]} | ${c} | not run: ${fix(num(`${p}skipped`), 0)} ms alone | | | | |`);
        continue;
      }
      if (R[`${p}rate`] === undefined) continue;
      if (num(`${p}requests`) === 0) {
        rows.push(`| ${label} | ${NAMES[e]} | ${c} | none answered in ${R.seconds} s | | | | |`);
        continue;
      }
      const rate = num(`${p}rate`);
      const bad = num(`${p}bad`) + num(`${p}errors`);
      rows.push(`| ${label}${bad > 0 ? ` (${int(bad)} failed)` : ''} | ${NAMES[e]} | ${c} | ${rateOf(rate)} | ${fix(num(`${p}p50_ms`))} | ${fix(num(`${p}p99_ms`))} | ${k === 'bare' ? '' : pct(rate / bare)} | ${k === 'intake' ? pct(rate / raw) : ''} |`);
    }
    const rc = num(`${e}_raw_c${c}`);
    if (Number.isFinite(rc) && (e !== 'sqlite' || c === conns[0])) {
      const what = e === 'sqlite' ? 'raw durable commits (`build/bench_db_commit`, one writer)' : `raw durable commits (\`pgbench\`, ${c} client${c === '1' ? '' : 's'})`;
      rows.push(`| ${what} | ${NAMES[e]} | ${e === 'sqlite' ? 1 : c} | ${int(rc)} | | | | |`);
    }
  }
}

const budgets = [];
for (const e of engines) {
  const n = NAMES[e];
  // A p99 or p50 of a run where nothing was answered is longer than the run.
  const val = (p, f) => (/_ms$/.test(f) && num(`${p}requests`) === 0 ? Infinity : num(`${p}${f}`));
  const at = (k, f) => val(`${e}_${k}_c${top}_`, f);
  const at1 = (k, f) => val(`${e}_${k}_c1_`, f);
  const caseRatio = at('case', 'rate') / at('bare', 'rate');
  const intakeRatio = at('intake', 'rate') / num(`${e}_raw_c1`);
  const hwm = num(`${e}_hwm_kib`) / 1024;
  const start = num(`${e}_startup_healthz_ms`) / 1000;
  const ok = (v, f) => (Number.isFinite(v) || v === Infinity ? f(v) : undefined);
  const skipped = (k) => R[`${e}_${k}_c${top}_skipped`] !== undefined;
  budgets.push(
    skipped('case')
      ? `| audited case reads >= 50% of bare libmicrohttpd, ${top} connections | ${n} | not run (${fix(at1('case', 'p50_ms'))} ms alone; ${int(at1('case', 'rate'))}/s at 1 connection) | ${yes(false)} |`
      : `| audited case reads >= 50% of bare libmicrohttpd, ${top} connections | ${n} | ${pct(caseRatio)} (${int(at('case', 'rate'))} of ${int(at('bare', 'rate'))}/s) | ${yes(ok(caseRatio, (v) => v >= 0.5))} |`,
    skipped('case')
      ? `| audited case read p99 < 10 ms, ${top} connections | ${n} | not run (p99 ${fix(at1('case', 'p99_ms'))} ms at 1 connection) | ${yes(false)} |`
      : `| audited case read p99 < 10 ms, ${top} connections | ${n} | ${fix(at('case', 'p99_ms'))} ms | ${yes(ok(at('case', 'p99_ms'), (v) => v < 10))} |`,
    `| intake >= 50% of the raw durable commit rate, ${top} connections | ${n} | ${pct(intakeRatio)} (${int(at('intake', 'rate'))} of ${int(num(`${e}_raw_c1`))}/s) | ${yes(ok(intakeRatio, (v) => v >= 0.5))} |`,
    `| intake p99 < 20 ms, ${top} connections | ${n} | ${fix(at('intake', 'p99_ms'))} ms | ${yes(ok(at('intake', 'p99_ms'), (v) => v < 20))} |`,
  );
  for (const [k, what] of [['dashboard', 'HART dashboard'], ['deadlines', 'deadlines list'], ['cases', 'case list page']]) {
    const there = skipped(k) ? 'not run' : `${fix(at(k, 'p99_ms'))} ms`;
    budgets.push(`| ${what} p99 < 10 ms, 1 connection (${top}) | ${n} | ${fix(at1(k, 'p99_ms'))} ms (${there}) | ${yes(ok(at1(k, 'p99_ms'), (v) => v < 10))} |`);
  }
  budgets.push(
    `| resident memory < 256 MiB (peak, VmHWM) | ${n} | ${fix(hwm, 0)} MiB | ${yes(ok(hwm, (v) => v < 256))} |`,
    `| start-up < 10 s (exec to the first 200 from /healthz) | ${n} | ${fix(start, 1)} s | ${yes(ok(start, (v) => v < 10))} |`,
  );
}

const detail = engines.map((e) => {
  const fill = !R[`${e}_fill_s`] ? 'kept from an earlier run'
    : `filled by \`build/bench_data\` in ${R[`${e}_fill_s`]} s${R[`${e}_fill_kept`] ? ' (by an earlier run, and kept)' : ''}`;
  return `- ${NAMES[e]}${R[`${e}_server`] ? ` ${R[`${e}_server`]}` : ''}: database ${fill}; ${int(num(`${e}_persons`))} people in the registry at start; `
    + `start-up ${int(num(`${e}_startup_listening_ms`))} ms to the "listening" log line, ${int(num(`${e}_startup_healthz_ms`))} ms to the first 200 from /healthz; `
    + `resident ${fix(num(`${e}_rss_start_kib`) / 1024, 0)} MiB after start, ${fix(num(`${e}_rss_end_kib`) / 1024, 0)} MiB after the runs, peak ${fix(num(`${e}_hwm_kib`) / 1024, 0)} MiB; `
    + `${R[`${e}_workers`] || '?'} workers.`;
}).join('\n');

const scale = cases >= 1_000_000 ? '' : `\n\nThis run used ${int(cases)} cases (\`BENCH_QUICK=1\` or \`BENCH_CASES\`), not the budgets' 1,000,000: the list, memory and start-up figures are not yet the budgets' measure.`;

const section = `## Request path

\`bench/request\` (called by \`bench/run\`; \`BENCH_ONLY=request bench/run\` runs it alone)
puts the server under load with [wrk](https://github.com/wg/wrk) beside a bare
libmicrohttpd server answering \`{}\` (\`build/bare_mhd\`, the daemon options of
src/http/server.c) and the raw durable commit rate, on SQLite and on
PostgreSQL (a throwaway \`pg_virtualenv\` cluster, \`shared_buffers=1GB\`,
\`max_wal_size=8GB\`, fsync on), and rewrites this section.

\`\`\`sh
make build && BENCH_ONLY=request bench/run       # 1,000,000 cases
BENCH_ONLY=request BENCH_QUICK=1 bench/run       # 100,000 cases, to try things
BENCH_ENGINES=sqlite BENCH_SECONDS=4 BENCH_CONNECTIONS=64 bench/request
\`\`\`

The database: \`build/bench_data\` writes ${int(cases)} synthetic people from
\`hartline match generate\`'s generator as the persons service writes them
(names and dates of birth sealed under the installation's key), a case for
each with one duty (met when the case is closed; a quarter of the cases are
closed), and a report for each case with the child linked and the report
joined to the case, by direct SQL (bench/fill.c, shared with \`bench_lists\`).
HART logs in once (second factor enrolled by \`bench/wrk/login.mjs\`) and
every request carries its bearer token.
Case reads pick a case at random among all of them; each intake is a new
synthetic report with an \`Idempotency-Key\` of its own (bench/wrk/request.lua).
After start-up is measured, the database's files are read once so that the
operating system's cache holds them, as on a server that has been running:
a case read picked at random among a million otherwise waits for the disk
whenever other work on the machine has pushed the file out of the cache
(at 64 connections a p99 of 330 ms cold against 35 ms warm on SQLite).
wrk runs ${R.seconds} s per request and connection count, with as many threads as
connections up to the cores, on the same machine as the server. p50 and p99
are wrk's.

### Last run

${R.date}, commit ${R.commit}; ${R.nproc} cores, ${R.cpu}. Load average at the
start ${R.loadavg_start}, at the end ${R.loadavg_end} (other work on the machine
shows here); the run took ${int(num('total_s') / 60)} minutes.${scale}

| request | engine | connections | rate (/s) | p50 (ms) | p99 (ms) | of bare | of raw commits |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

*not run*: a request whose p50 at 1 connection is above ${R.slow_ms || 250} ms
(\`BENCH_SLOW_MS\`) is not run at ${top} connections, where each would wait
seconds behind the others; its budget there is not met.

*of raw commits*: intake's rate against the raw durable commit rate of one
writer (\`bench_db_commit\` on SQLite, \`pgbench -c 1\` on PostgreSQL);
\`pgbench\` at ${top} clients shows what PostgreSQL's own group commit reaches.

${detail}

### Budgets

| budget (docs/architecture.md, "Budgets") | engine | measured | met |
| --- | --- | ---: | ---: |
${budgets.join('\n')}

The list pages' budget is read at 1 connection (a page asked of a server
doing other work); their p99 at ${top} connections, where each waits behind the
others on ${R.nproc} cores, is in brackets.
`;

console.log(section);
if (!readmePath) process.exit(0);
let text = fs.readFileSync(readmePath, 'utf8');
const re = /\n## Request path\n[\s\S]*?(?=\n## |$)/;
if (re.test(text)) text = text.replace(re, `\n${section}`);
else if (text.includes('\n## Providers and the referral queue\n')) text = text.replace('\n## Providers and the referral queue\n', `\n${section}\n## Providers and the referral queue\n`);
else text = `${text.replace(/\n*$/, '\n')}\n${section}`;
fs.writeFileSync(readmePath, text);
console.error(`wrote ${readmePath}`);
