#!/usr/bin/env bash
# bench/two_servers.sh: one hartline server against two on the same
# PostgreSQL database (docs/operations.md, "More than one server"), for
# audited case reads (GET /api/v1/cases/{id} as HART, a case picked at
# random each time) and report intake (POST /api/v1/intakes, a new report
# each time with an Idempotency-Key of its own), measured with wrk (Debian
# `wrk`) on the request bench's own database, login and script
# (bench/request: build/bench_data, bench/wrk/login.mjs,
# bench/wrk/request.lua). "Two servers" is wrk run against each of the two
# at once, with the same connections each; the rates are summed and the
# worse p50 and p99 shown.
#
# Prints a markdown table to standard output; progress goes to standard
# error. Standalone: bench/run (or anyone) may call it.
#
#   bench/two_servers.sh [--build DIR] [--duration S] [--connections N]
#                        [--threads N] [--workers N] [--cases N]
#
#   --build DIR      the release build holding hartline and bench_data
#                    (default build)
#   --duration S     seconds of each wrk run (default 8)
#   --connections N  wrk connections to each server (default 64)
#   --threads N      wrk threads for each server (default 2)
#   --workers N      hartline serve --workers for each server (default: its
#                    own, eight per core)
#   --cases N        cases, reports and people in the database (default
#                    100000)
#
# The database: a fresh one in the cluster that PGHOST/PGPORT (and PGUSER,
# PGPASSWORD) name, dropped at the end; without PGHOST or PGPORT the script
# runs itself inside pg_virtualenv, a throwaway cluster. Needs wrk, node,
# createdb/dropdb and curl.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
build=build
duration=8
connections=64
threads=2
workers=
cases=100000
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--connections) connections=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--workers) workers=$2; shift 2 ;;
	--cases) cases=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) printf 'bench/two_servers.sh: unknown argument %s (see --help)\n' "$1" >&2; exit 2 ;;
	esac
done

say() { printf 'two_servers: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

bin=$root/$build/hartline
for b in "$bin" "$root/$build/bench_data"; do
	[ -x "$b" ] || die "$b is missing: build it first (meson setup $build --buildtype=release && ninja -C $build)"
done
for c in wrk node createdb dropdb curl; do
	command -v "$c" >/dev/null 2>&1 || die "$c is missing (scripts/install-deps installs it)"
done

if [ -z "${PGHOST:-}" ] && [ -z "${PGPORT:-}" ]; then
	command -v pg_virtualenv >/dev/null 2>&1 || die "no PostgreSQL named (PGHOST, PGPORT) and no pg_virtualenv"
	say "starting a throwaway PostgreSQL cluster (pg_virtualenv)"
	exec pg_virtualenv -t bash "$0" --build "$build" --duration "$duration" --connections "$connections" \
		--threads "$threads" --cases "$cases" ${workers:+--workers "$workers"}
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
password=Quiet-lantern-4471-orbit # a synthetic bench account's, as in bench/request
createdb "$dbname"
"$bin" init --db "$url" >/dev/null
printf '%s\n' "$password" | "$bin" user add bench-hart --role hart --db "$url" --password-stdin >/dev/null
say "filling $cases cases, reports and people (build/bench_data)"
"$root/$build/bench_data" --db "$url" --key-file "$HARTLINE_KEY_FILE" --people "$cases" --cases "$cases" \
	--reports "$cases" >"$work/fill.out"
read -r lo hi < <(sed -n 's/^cases \([0-9]*\) to \([0-9]*\)$/\1 \2/p' "$work/fill.out")
[ -n "${hi:-}" ] || die "bench_data named no cases"

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

# HART logs in once (its second factor enrolled), as bench/request does;
# each wrk run carries the session's token.
token=$(printf '%s\n' "$password" | node bench/wrk/login.mjs "http://127.0.0.1:$port_a" bench-hart "$work/totp.secret")

# wrk_run NAME REQ PORT: bench/wrk/request.lua's result line into $work/NAME.wrk
wrk_run() {
	env BENCH_REQ="$2" BENCH_TOKEN="$token" BENCH_CASE_LO="$lo" BENCH_CASE_HI="$hi" BENCH_KEY_TAG="$1-" \
		wrk -t "$threads" -c "$connections" -d "${duration}s" --timeout 10s -s bench/wrk/request.lua \
		"http://127.0.0.1:$3" >"$work/$1.wrk" 2>&1
	grep -q '^result ' "$work/$1.wrk" || die "wrk $1 gave no result: $(cat "$work/$1.wrk")"
}

# A field of the result line: rate, p50_ms, p99_ms, bad, errors.
wrk_field() { sed -n "s/^result .* $2=\([0-9.]*\).*/\1/p" "$1"; }
wrk_failed() { echo $(($(wrk_field "$1" bad) + $(wrk_field "$1" errors))); }
max() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (a + 0 > b + 0) ? a : b}'; }
ms() { awk -v a="$1" 'BEGIN {printf "%.1f", a}'; }

printf '| request | servers | connections | rate (/s) | p50 (ms) | p99 (ms) | failed |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for req in case intake; do
	label="GET /api/v1/cases/{id} (HART, audited)"
	[ "$req" = intake ] && label="POST /api/v1/intakes"
	say "$req: one server"
	wrk_run "$req-1" "$req" "$port_a"
	f=$work/$req-1.wrk
	printf '| %s | 1 | %s | %.0f | %s | %s | %s |\n' "$label" "$connections" "$(wrk_field "$f" rate)" \
		"$(ms "$(wrk_field "$f" p50_ms)")" "$(ms "$(wrk_field "$f" p99_ms)")" "$(wrk_failed "$f")"
	say "$req: two servers at once"
	wrk_run "$req-2a" "$req" "$port_a" &
	wa=$!
	wrk_run "$req-2b" "$req" "$port_b" &
	wb=$!
	wait "$wa" "$wb"
	fa=$work/$req-2a.wrk
	fb=$work/$req-2b.wrk
	rate=$(awk -v a="$(wrk_field "$fa" rate)" -v b="$(wrk_field "$fb" rate)" 'BEGIN {printf "%.0f", a + b}')
	printf '| %s | 2 | %s + %s | %s | %s | %s | %s |\n' "$label" "$connections" "$connections" "$rate" \
		"$(max "$(wrk_field "$fa" p50_ms)" "$(wrk_field "$fb" p50_ms)")" \
		"$(max "$(wrk_field "$fa" p99_ms)" "$(wrk_field "$fb" p99_ms)")" \
		"$(($(wrk_failed "$fa") + $(wrk_failed "$fb")))"
done
printf '\nOne PostgreSQL (%s), %s cores; %s cases, reports and people (build/bench_data); wrk %ss, %s threads per server; two servers: both loaded at once, rates summed, the worse p50 and p99.\n' \
	"$(psql -XAtqc 'SHOW server_version' postgres 2>/dev/null | awk '{print $1}')" "$(nproc)" "$cases" "$duration" "$threads"
