#!/usr/bin/env bash
# Run inside pg_virtualenv (bench/run does): load the generated records into
# PostgreSQL, index them, warm the cache, and run the lookups of
# pg_lookup.mjs. Prints the load and index times as key=value lines on fd 3.
#
#   pg_virtualenv -t bash bench/match/pg_lookup.sh FILE.csv FILE.csv.queries OUT.json 3>>results
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
csv=$1 queries=$2 out=$3
psql=(psql -qX -v ON_ERROR_STOP=1)
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }

"${psql[@]}" -c 'SELECT version()' -At | sed 's/^/pg: /' >&2
"${psql[@]}" -f "$here/pg_schema.sql"
t0=$(date +%s.%N)
"${psql[@]}" -c 'COPY person FROM STDIN WITH (FORMAT csv, HEADER true)' < "$csv"
t1=$(date +%s.%N)
"${psql[@]}" -f "$here/pg_index.sql"
t2=$(date +%s.%N)
"${psql[@]}" -At -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm;
  SELECT sum(pg_prewarm(c.oid::regclass)) FROM pg_class c
   WHERE c.relname = 'person' OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'person'::regclass)" >/dev/null
size=$("${psql[@]}" -At -c "SELECT pg_total_relation_size('person')")
echo "pg: COPY $(sub "$t1" "$t0") s, indexes $(sub "$t2" "$t1") s, table with indexes $((size / 1048576)) MiB" >&2
{
  echo "pg_copy_s=$(sub "$t1" "$t0")"
  echo "pg_index_s=$(sub "$t2" "$t1")"
  echo "pg_size_mib=$((size / 1048576))"
  echo "pg_version=$("${psql[@]}" -At -c 'SHOW server_version' | awk '{print $1}')"
} >&3
node "$here/pg_lookup.mjs" "$csv" "$queries" "$out"
