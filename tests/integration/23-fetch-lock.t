#!/bin/bash
# SPDX-License-Identifier: ISC
# 23-fetch-lock.t - a lookup that waits lock_wait for another process's
# fetch of the same domain and gives up defers (exit 75): a domain whose
# TXT record announces a policy never becomes "no policy" because a lock
# was held (issue 15). With a valid cached policy, that policy applies.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
world_up

{ grep -v '^lock_wait' "$CONF"; echo "lock_wait = 1"; } >"$W/lw.conf"
L() { "$MTASTS_BIN" -c "$W/lw.conf" "$@"; }

# holding DOMAIN: a background lookup that holds DOMAIN's fetch lock
# while its policy host trickles; returns once it is connected there.
holding() {
	"$MTASTS_BIN" -c "$W/lw.conf" policy "$1" >/dev/null 2>&1 &
	HOLDER=$!
	for _ in $(seq 100); do
		ss -tnp 2>/dev/null | grep -q "pid=$HOLDER," && return 0
		sleep 0.1
	done
	return 1
}

holding slow.test
ok $? "a first process is fetching slow.test (connected, lock held)"
out=$(L --json policy slow.test 2>"$W/stderr"); rc=$?
is "$rc" 75 "cold lookup while the lock is held past lock_wait: defer (75), not no-policy"
like "$(cat "$W/stderr")" "still fetching" "and it says why"
wait "$HOLDER"

# A valid cached policy applies while another process refreshes it.
L policy slowok.test >/dev/null 2>&1
"$MTASTS_BIN" -c "$W/lw.conf" refresh slowok.test >/dev/null 2>&1 &
HOLDER=$!
for _ in $(seq 100); do
	ss -tnp 2>/dev/null | grep -q "pid=$HOLDER," && break
	sleep 0.1
done
out=$(L --json policy slowok.test 2>"$W/stderr"); rc=$?
is "$rc/$(jget "$out" mode)" "0/enforce" \
    "cached policy while another process refreshes it: applied"
wait "$HOLDER"

done_testing
