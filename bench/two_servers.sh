#!/usr/bin/env bash
# bench/two_servers.sh: one hartline server against two on the same
# PostgreSQL database (docs/operations.md, "More than one server"), for
# audited case reads (GET /api/v1/cases/{id} as HART) and intake creation
# (POST /api/v1/intakes as careline), measured with wrk (Debian `wrk`).
# "Two servers" is wrk run against each of the two at once, with the same
# connections each; the rates are summed and the worse p50 and p99 shown.
#
# Prints a markdown table to standard output; progress goes to standard
# error. Standalone: bench/run (or anyone) may call it.
#
#   bench/two_servers.sh [--build DIR] [--duration S] [--connections N]
#                        [--threads N] [--workers N]
#
#   --build DIR      the release build holding hartline (default build)
#   --duration S     seconds of each wrk run (default 8)
#   --connections N  wrk connections to each server (default 64)
#   --threads N      wrk threads for each server (default 2)
#   --workers N      hartline serve --workers for each server (default: its
#                    own, eight per core)
#
# The database: a fresh one in the cluster that PGHOST/PGPORT (and PGUSER,
# PGPASSWORD) name, dropped at the end; without PGHOST or PGPORT the script
# runs itself inside pg_virtualenv, a throwaway cluster. Needs wrk, node,
# createdb/dropdb and the tests' helpers (tests/lib, no packages).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
build=build
duration=8
connections=64
threads=2
workers=
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--connections) connections=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--workers) workers=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) printf 'bench/two_servers.sh: unknown argument %s (see --help)\n' "$1" >&2; exit 2 ;;
	esac
done

say() { printf 'two_servers: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

bin=$root/$build/hartline
[ -x "$bin" ] || die "$bin is missing: build it first (meson setup $build --buildtype=release && ninja -C $build)"
for c in wrk node createdb dropdb curl; do
	command -v "$c" >/dev/null 2>&1 || die "$c is missing (scripts/install-deps installs it)"
done

if [ -z "${PGHOST:-}" ] && [ -z "${PGPORT:-}" ]; then
	command -v pg_virtualenv >/dev/null 2>&1 || die "no PostgreSQL named (PGHOST, PGPORT) and no pg_virtualenv"
	say "starting a throwaway PostgreSQL cluster (pg_virtualenv)"
	exec pg_virtualenv -t bash "$0" --build "$build" --duration "$duration" --connections "$connections" \
		--threads "$threads" ${workers:+--workers "$workers"}
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/hartline-two-servers.XXXXXX")
dbname="hartline_two_servers_$$"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	dropdb --if-exists "$dbname" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# libpq takes host, port, user and password from the PG* variables.
url="postgresql:///$dbname"
export HARTLINE_KEY_FILE=$work/hartline.key
createdb "$dbname"
"$bin" init --db "$url" >/dev/null
"$bin" demo --db "$url" >"$work/demo.txt"

free_port() {
	node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# serve NAME: a server on the database, on a free port; sets port_NAME.
serve() {
	local port
	port=$(free_port)
	"$bin" serve --db "$url" --listen "127.0.0.1:$port" ${workers:+--workers "$workers"} \
		>"$work/$1.out" 2>"$work/$1.log" &
	pids+=("$!")
	for _ in $(seq 1 150); do
		curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && { printf -v "port_$1" '%s' "$port"; return 0; }
		sleep 0.1
	done
	cat "$work/$1.log" >&2
	die "server $1 did not start"
}
serve a
serve b
say "servers on ports $port_a and $port_b, database $dbname"

# Log in as HART and careline (enrolling their second factor), open one
# case to read, and write wrk's scripts.
HARTLINE_BIN=$bin node --input-type=module - "$root" "http://127.0.0.1:$port_a" "$work" <<'EOF'
import fs from 'node:fs';
import path from 'node:path';
const [root, url, work] = process.argv.slice(2);
const { login, parseDemoTable } = await import(path.join(root, 'tests/lib/auth.mjs'));
const demo = parseDemoTable(fs.readFileSync(path.join(work, 'demo.txt'), 'utf8'));
const as = {};
for (const role of ['hart', 'careline']) {
  const u = demo.find((d) => d.role === role);
  as[role] = await login(url, u.username, u.password);
}
const report = {
  received_at: new Date(Date.now() - 600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  channel: 'phone',
  reporter: { source: 'school', name: 'A school counselor' },
  children: [{ given_name: 'Bench', family_name: 'Twoservers', estimated_age: 15, town: 'Bridgeport' }],
  narrative: 'A synthetic report.',
  concerns: ['runaway_awol'],
};
const send = async (s, method, p, body, status) => {
  const res = await s.fetch(p, { method, body });
  const j = await res.json();
  if (res.status !== status) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(j)}`);
  return j;
};
const { id } = await send(as.careline, 'POST', '/api/v1/intakes', report, 201);
await send(as.careline, 'POST', `/api/v1/intakes/${id}/disposition`, { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 }, 200);
const kase = await send(as.hart, 'POST', '/api/v1/cases', { intake_id: id }, 201);
const lua = (s) => s.replace(/^ {2}/gm, '');
fs.writeFileSync(path.join(work, 'read.lua'), lua(`
  wrk.method = "GET"
  wrk.path = "/api/v1/cases/${kase.id}"
  wrk.headers["Authorization"] = "Bearer ${as.hart.token}"
`));
fs.writeFileSync(path.join(work, 'intake.lua'), lua(`
  wrk.method = "POST"
  wrk.path = "/api/v1/intakes"
  wrk.headers["Authorization"] = "Bearer ${as.careline.token}"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = [[${JSON.stringify(report)}]]
`));
EOF

# wrk_run NAME SCRIPT PORT: wrk's report into $work/NAME.wrk
wrk_run() {
	wrk -t "$threads" -c "$connections" -d "${duration}s" --latency -s "$work/$2.lua" "http://127.0.0.1:$3" \
		>"$work/$1.wrk" 2>&1
}

# Rate, p50 and p99 (ms) and non-2xx answers of a wrk report.
wrk_rate() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
wrk_pct() {
	awk -v p="$2" '$1 == p {v = $2; if (v ~ /us$/) {sub(/us$/, "", v); v /= 1000}
		else if (v ~ /ms$/) sub(/ms$/, "", v); else if (v ~ /s$/) {sub(/s$/, "", v); v *= 1000}
		printf "%.1f", v}' "$1"
}
wrk_errors() {
	awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {for (i = 4; i <= NF; i += 2) n += $i}
		END {print n + 0}' "$1"
}
max() { awk -v a="$1" -v b="$2" 'BEGIN {print (a + 0 > b + 0) ? a : b}'; }

printf '| request | servers | connections | rate (/s) | p50 (ms) | p99 (ms) | failed |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for req in read intake; do
	label="GET /api/v1/cases/{id} (HART, audited)"
	[ "$req" = intake ] && label="POST /api/v1/intakes"
	say "$req: one server"
	wrk_run "$req-1" "$req" "$port_a"
	f=$work/$req-1.wrk
	printf '| %s | 1 | %s | %.0f | %s | %s | %s |\n' "$label" "$connections" "$(wrk_rate "$f")" \
		"$(wrk_pct "$f" 50%)" "$(wrk_pct "$f" 99%)" "$(wrk_errors "$f")"
	say "$req: two servers at once"
	wrk_run "$req-2a" "$req" "$port_a" &
	wa=$!
	wrk_run "$req-2b" "$req" "$port_b" &
	wb=$!
	wait "$wa" "$wb"
	fa=$work/$req-2a.wrk
	fb=$work/$req-2b.wrk
	rate=$(awk -v a="$(wrk_rate "$fa")" -v b="$(wrk_rate "$fb")" 'BEGIN {printf "%.0f", a + b}')
	printf '| %s | 2 | %s + %s | %s | %s | %s | %s |\n' "$label" "$connections" "$connections" "$rate" \
		"$(max "$(wrk_pct "$fa" 50%)" "$(wrk_pct "$fb" 50%)")" "$(max "$(wrk_pct "$fa" 99%)" "$(wrk_pct "$fb" 99%)")" \
		"$(($(wrk_errors "$fa") + $(wrk_errors "$fb")))"
done
printf '\nOne PostgreSQL (%s), %s cores; wrk %ss, %s threads per server; two servers: both loaded at once, rates summed, the worse p50 and p99.\n' \
	"$(psql -XAtqc 'SHOW server_version' postgres 2>/dev/null | awk '{print $1}')" "$(nproc)" "$duration" "$threads"
