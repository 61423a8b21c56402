#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time over its committed seeds
# (new inputs go to a scratch corpus under the build folder; with
# KX_FUZZ_MERGE=1, as `make fuzz` sets, those that add coverage are then
# merged, minimized, into test/fuzz/corpus/<target> for committing).  An
# input slower than KX_FUZZ_TIMEOUT seconds (default 10) is a finding:
# work that grows faster than the input.  Exits non-zero on a finding.
# Usage: run.sh BUILD TARGET SECONDS
set -u
B=$1 t=$2 secs=$3
bin=$B/fuzz/fuzz_$t
seeds=test/fuzz/corpus/$t
work=$B/fuzz/corpus-$t
mkdir -p "$work"
[ -d "$seeds" ] && [ -n "$(ls -A "$seeds")" ] || { echo "FAIL fuzz-$t: no seed corpus in $seeds"; exit 1; }
"$bin" -max_total_time="$secs" -timeout="${KX_FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$B/fuzz/$t-" "$work" "$seeds" >"$B/fuzz/$t.log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/fuzz/$t.log")
if [ $rc -eq 0 ] && [ "${runs:-0}" -gt 0 ]; then
	echo "ok   fuzz-$t: $runs inputs in ${secs}s, no crash"
else
	echo "FAIL fuzz-$t: exit $rc after ${runs:-0} inputs"
	grep -E 'ERROR|SUMMARY|Test unit written' "$B/fuzz/$t.log" | head -n 5
	tail -n 20 "$B/fuzz/$t.log"
	exit 1
fi
if [ "${KX_FUZZ_MERGE:-0}" = 1 ]; then
	before=$(ls "$seeds" | wc -l)
	"$bin" -merge=1 -timeout="${KX_FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 \
		"$seeds" "$work" >"$B/fuzz/$t.merge.log" 2>&1 ||
		{ echo "FAIL fuzz-$t: merge failed ($B/fuzz/$t.merge.log)"; exit 1; }
	echo "ok   fuzz-$t: corpus $before -> $(ls "$seeds" | wc -l) inputs (merged into $seeds)"
fi
