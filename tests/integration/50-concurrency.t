#!/bin/bash
# SPDX-License-Identifier: ISC
# 50-concurrency.t - many processes on one cache while policies change:
# no deadlock, no corrupt record, every answer a policy the world served;
# a process SIGKILLed in the middle of a fetch (holding the domain's
# lock) does not wedge the others. `make stress` runs 32 x 10,000.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
world_up
PROCS=${STRESS_PROCS:-8}
N=${STRESS_N:-1500}
STRESS=${BUILD:-build}/stress

printf 'version: STSv1\nmode: enforce\nmx: mx.idbump.test\nmax_age: 86400\n' >"$W/pe"
printf 'version: STSv1\nmode: testing\nmx: mx.idbump.test\nmax_age: 86400\n' >"$W/pt"
# Flip idbump.test between enforce and testing under new ids meanwhile.
(
	i=2
	while [ ! -e "$W/stop" ]; do
		if [ $((i % 2)) = 0 ]; then p=pt; else p=pe; fi
		"$WORLD_BIN/world.sh" set-policy "$W" idbump.test "$W/$p"
		"$WORLD_BIN/world.sh" set-txt "$W" idbump.test "v=STSv1; id=$i" >/dev/null 2>&1
		i=$((i + 1))
		sleep 0.3
	done
	echo "$i" >"$W/bumps"
) &
flipper=$!
DOMS=("idbump.test=enforce|testing" "enforce.test=enforce" "testing.test=testing"
    "nopolicy.test=no-policy" "none.test=none" "wildcard.test=enforce"
    "notfound.test=no-policy" "cname.test=enforce")
# Beside them, half as many that map the file (cache_mmap = yes: records
# read through the peek's mapping while the others rewrite them).
MCONF=$W/mtasts-mmap.conf
{ cat "$CONF"; echo "cache_mmap = yes"; } >"$MCONF"
{
	timeout 600 "$STRESS" "$MCONF" $((PROCS / 2)) "$N" "${DOMS[@]}" \
	    >"$W/stress-mmap.out"
	echo $? >"$W/stress-mmap.rc"
} &
mapped=$!
out=$(timeout 600 "$STRESS" "$CONF" "$PROCS" "$N" "${DOMS[@]}")
rc=$?
wait "$mapped"
touch "$W/stop"; wait "$flipper"
is "$rc" 0 "$PROCS processes x $N lookups/refreshes while idbump.test changed $(($(cat "$W/bumps") - 2)) times: finished"
is "$(printf '%s\n' "$out" | grep -c '^bad')" 0 "every answer was a policy the world served"
printf '%s\n' "$out" | grep '^bad' | head -5 | sed 's/^/# /'
is "$(cat "$W/stress-mmap.rc")" 0 "and $((PROCS / 2)) x $N beside them with cache_mmap = yes: finished"
is "$(grep -c '^bad' "$W/stress-mmap.out")" 0 "every answer read through the mapping was a policy the world served"
grep '^bad' "$W/stress-mmap.out" | head -5 | sed 's/^/# /'
n=$(M cache list | wc -l)
is "$n" 8 "the cache lists all 8 domains afterwards (no record dropped as corrupt)"

# SIGKILL in the middle of a fetch (slowok.test trickles for ~1.5 s).
M policy slowok.test >/dev/null 2>&1 &
victim=$!
sleep 0.5
kill -9 "$victim"; wait "$victim" 2>/dev/null
out=$(timeout 60 "$MTASTS_BIN" -c "$CONF" --json policy slowok.test); rc=$?
is "$rc/$(jget "$out" mode)" "0/enforce" "after a fetcher was SIGKILLed holding the lock, the next process fetches"

done_testing
