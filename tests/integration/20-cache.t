#!/bin/bash
# SPDX-License-Identifier: ISC
# 20-cache.t - the policy cache against the real world (RFC 8461 §3.3,
# §5.1): same id -> no refetch; id bump -> refetch; a changed policy
# without an id bump is not seen; expiry -> refetch; a stale enforce
# policy is kept while the policy host is down; back-off after a failed
# fetch (STS-38, RFC 8461 §3.3); concurrent processes missing one domain fetch it once.
# Fetches are counted in the policy server's own access log.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
world_up

pol() { M --json policy "$1"; }

# --- same id: no refetch (STS-51 (RFC 8461 §5.1), §5.1)
out=$(pol idbump.test)
is "$(jget "$out" source)/$(jget "$out" mode)" "fetched/enforce" "first lookup fetches"
out=$(pol idbump.test)
is "$(jget "$out" source)" "cache" "second lookup: from the cache"
sleep 1.2   # the TXT record's TTL is 1 s: the next lookup asks DNS again
out=$(pol idbump.test)
is "$(jget "$out" source)" "cache" "TXT re-queried, id unchanged: cached policy kept"
is "$(fetches idbump.test)" 1 "one fetch in all"

# --- policy changed without an id bump: not refetched (§3.1)
printf 'version: STSv1\nmode: testing\nmx: mx.idbump.test\nmax_age: 86400\n' >"$W/p-testing"
"$WORLD_BIN/world.sh" set-policy "$W" idbump.test "$W/p-testing"
sleep 1.2
out=$(pol idbump.test)
is "$(jget "$out" mode)" "enforce" "policy changed, same id: still the cached enforce policy"
is "$(fetches idbump.test)" 1 "and no fetch"

# --- id bump: refetch (STS-51, RFC 8461 §5.1)
"$WORLD_BIN/world.sh" set-txt "$W" idbump.test "v=STSv1; id=2"
sleep 1.2   # let the cached TXT answer (TTL 1) expire
out=$(pol idbump.test)
is "$(jget "$out" source)/$(jget "$out" mode)/$(jget "$out" id)" "fetched/testing/2" "id bumped: refetched, new policy"
is "$(fetches idbump.test)" 2 "second fetch"

# --- expiry: max_age 2, then refetched though the id is unchanged (STS-50, RFC 8461 §3.2)
printf 'version: STSv1\nmode: enforce\nmx: mx.idbump.test\nmax_age: 2\n' >"$W/p-short"
"$WORLD_BIN/world.sh" set-policy "$W" idbump.test "$W/p-short"
"$WORLD_BIN/world.sh" set-txt "$W" idbump.test "v=STSv1; id=3"
sleep 1.2
out=$(pol idbump.test)
is "$(jget "$out" max_age)" 2 "short-lived policy fetched"
sleep 2.5
out=$(pol idbump.test)
is "$(jget "$out" source)" "fetched" "expired policy refetched under the same id"
is "$(fetches idbump.test)" 4 "fourth fetch"

# --- max_age 0: used once, never kept (DESIGN 3)
out=$(pol age0.test)
is "$(jget "$out" mode)/$(jget "$out" source)" "enforce/fetched" "max_age 0: applied now"
out=$(pol age0.test)
is "$(jget "$out" source)" "fetched" "max_age 0: fetched again next time"

# --- stale enforce policy kept while the policy host is down (STS-41 (RFC 8461 §3.3), STS-52 (RFC 8461 §3.3))
# (with a 4 s back-off, so that its end can be seen below)
{ cat "$CONF"; echo "fetch_backoff = 4"; } >"$W/short-backoff.conf"
polb() { "$MTASTS_BIN" -c "$W/short-backoff.conf" --json policy "$1"; }
out=$(polb down.test)
is "$(jget "$out" mode)" "enforce" "down.test cached"
"$WORLD_BIN/world.sh" https stop "$W"
"$WORLD_BIN/world.sh" set-txt "$W" down.test "v=STSv1; id=2"
sleep 1.2
out=$(polb down.test)
is "$(jget "$out" source)/$(jget "$out" mode)" "stale/enforce" "id changed, host down: cached enforce policy kept"
is "$(jget "$out" result)" "sts-policy-fetch-error" "and the fetch error is reported"
M route down.test >/dev/null; is "$?" 0 "route still enforces through the allowed MX"
out=$(M --json check down.test mx.attacker.test)
is "$(jget "$out" action)" "defer" "an MX outside the stale policy is still refused"

# --- back-off: no new attempt for the same id within fetch_backoff (STS-38, RFC 8461 §3.3)
"$WORLD_BIN/world.sh" https start "$W"
n_down=$(fetches down.test)
sleep 1.2
out=$(polb down.test)
is "$(jget "$out" source)" "stale" "host back up, within back-off: stale policy still applied"
is "$(fetches down.test)" "$n_down" "and no request to the policy host"
pol notfound.test >/dev/null
n1=$(fetches notfound.test)
out=$(pol notfound.test)
is "$(fetches notfound.test)" "$n1" "404, then back-off: no second request"
is "$(jget "$out" mode)" "no-policy" "and no policy meanwhile (STS-40, RFC 8461 §3.3)"
like "$(jget "$out" reason)" "back-off" "reason says back-off"
# The back-off (4 s here) ends: the next lookup fetches id 2.
sleep 3
out=$(polb down.test)
is "$(jget "$out" source)/$(jget "$out" id)" "fetched/2" "back-off over: id 2 fetched"
is "$(fetches down.test)" "$((n_down + 1))" "with one request"

# --- concurrent processes missing one domain: one fetch (slow policy host)
for i in 1 2 3 4 5 6 7 8; do
	M --json policy slowok.test >"$W/c$i.json" 2>&1 &
done
wait
modes=$(for i in 1 2 3 4 5 6 7 8; do jget "$(cat "$W/c$i.json")" mode; done | sort | uniq -c | tr -s ' ')
is "$modes" " 8 enforce" "8 concurrent lookups all see the enforce policy"
is "$(fetches slowok.test)" 1 "and the policy host was asked once"

# Human output: times as ISO 8601 UTC (JSON keeps the seconds).
M policy enforce.test >/dev/null
exp=$(jget "$(M --json cache show enforce.test)" expires_at)
want=$(date -u -d "@$exp" +%Y-%m-%dT%H:%M:%SZ)
like "$(M cache show enforce.test)" "expires_at: $want" "cache show: expires_at in ISO 8601 UTC"
like "$(M cache list | grep '^enforce.test ')" "^enforce.test enforce [^ ]+ $want\$" "cache list: expires_at in ISO 8601 UTC"

done_testing
