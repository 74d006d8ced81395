#!/bin/bash
# SPDX-License-Identifier: ISC
# run.sh - `make fuzz FUZZ_SECONDS=N`: every libFuzzer target for N
# seconds, from the committed seeds (tests/fuzz/corpus/<target>) plus
# the corpus it grew before (build-fuzz/corpus). Prints executions and
# fails on the first crash, leaving the input in build-fuzz/artifacts.
secs=${1:-10}
cd "$(dirname "$0")/../.." || exit 1
mkdir -p build-fuzz/artifacts
rc=0
printf '%-14s %12s %10s %s\n' target executions exec/s result
for bin in build-fuzz/fuzz_*; do
	t=${bin#build-fuzz/fuzz_}
	mkdir -p "build-fuzz/corpus/$t"
	seeds=tests/fuzz/corpus/$t
	[ -d "$seeds" ] || seeds=
	log=build-fuzz/$t.log
	"$bin" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 \
	    -artifact_prefix=build-fuzz/artifacts/"$t"- \
	    "build-fuzz/corpus/$t" $seeds >"$log" 2>&1
	st=$?
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	s=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	if [ "$st" = 0 ]; then res=ok; else res="CRASH (see $log)"; rc=1; fi
	printf '%-14s %12s %10s %s\n' "$t" "${n:-?}" "${s:-?}" "$res"
done
exit $rc
