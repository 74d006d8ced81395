#!/bin/bash
# SPDX-License-Identifier: ISC
# 25-deadline.t - a hostile domain cannot stall the others: one deadline
# (lookup_timeout) bounds a domain's whole discovery whatever the
# per-step timeouts say, and a lookup stuck on a trickling policy host
# holds no lock that another domain's lookup waits for.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
world_up

# The shipped per-step timeouts (connect 10 s, fetch 30 s), deadline 2 s.
{ grep -v '^fetch_timeout\|^connect_timeout\|^lookup_timeout' "$CONF"
  echo "lookup_timeout = 2"; } >"$W/d.conf"
D() { "$MTASTS_BIN" -c "$W/d.conf" "$@"; }

out=$(D --json policy slow.test 2>/dev/null); rc=$?
is "$rc/$(jget "$out" result)" "0/sts-policy-fetch-error" \
    "trickling policy host: a fetch error (STS-40 (RFC 8461 §3.3): no cached policy)"
like "$(jget "$out" reason)" "timed out after (19[0-9][0-9]|2000) milliseconds" \
    "the fetch was cut by lookup_timeout = 2 s, not by fetch_timeout = 30 s"

# Another domain, looked up while slow.test's fetch is still running.
D cache drop slow.test >/dev/null 2>&1
"$MTASTS_BIN" -c "$W/d.conf" policy slow.test >/dev/null 2>&1 &
slow=$!
for _ in $(seq 100); do
	ss -tnp 2>/dev/null | grep -q "pid=$slow," && break
	sleep 0.1
done
out=$(D --json policy enforce.test 2>/dev/null)
alive=$(kill -0 "$slow" 2>/dev/null && echo running)
is "$(jget "$out" mode)/$alive" "enforce/running" \
    "enforce.test answered while slow.test's fetch was still running (no shared lock)"
wait "$slow"

# The default deadline is near the peers' (2-4 s).
{ grep -v '^fetch_timeout\|^connect_timeout\|^lookup_timeout' "$CONF"; } >"$W/d0.conf"
"$MTASTS_BIN" -c "$W/d0.conf" cache drop slow.test >/dev/null 2>&1
out=$("$MTASTS_BIN" -c "$W/d0.conf" --json policy slow.test 2>/dev/null)
like "$(jget "$out" reason)" "timed out after (3[0-9][0-9][0-9]|4000) milliseconds" \
    "default lookup_timeout: 4 s"

done_testing
