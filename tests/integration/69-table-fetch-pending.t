#!/bin/bash
# SPDX-License-Identifier: ISC
# 69-table-fetch-pending.t - the OpenSMTPD table's domain check while
# another process is still fetching the policy (issue 14).
#
# The resolver stores the _mta-sts TXT answer before it fetches the
# policy (resolve_driver.c: the entry is put, then locked_fetch()). A
# cache-only reader that comes in between sees "record announced, no
# policy yet". Before the fix the table's check (MTASTS_ROUTE_CACHED)
# read that as "no policy", answered not-found, and smtpd sent the
# enforce domain's mail down the opportunistic action (63/64 under load,
# 65 under ASan: "check domain=... -> not-enforce"). It must be "not
# known yet": a temporary failure, the RCPT answered 451.
#
# Made deterministic without timing: the world's nginx is stopped
# (SIGSTOP: the kernel still accepts the connection, the TLS handshake
# waits) while `mtasts policy` fetches enforce.test, so the fetch hangs
# exactly as long as the test wants; the test waits for the TXT entry in
# the cache, asks the real table-mtasts (7.6 line protocol, the same
# backend as 6.8's imsg one) twice (the second answer comes from the
# process's memo of the entry), then lets nginx go on and checks that the
# same table now answers "found" (the test can tell the two apart).
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
B=${BUILD:-$(pwd)/build}
[ -x "$B/table-mtasts" ] || { echo "Bail out! no $B/table-mtasts (make)"; exit 1; }
world_up

TC=$W/table.conf
# fetch_timeout/lookup_timeout: longer than any wait below, so only the
# test ends the stalled fetch (SIGCONT), never a timeout. dns_min_ttl:
# the stored TXT answer stays fresh (the world's TTL is 1 s), as a real
# record's would while a fetch runs; an expired one is "not cached"
# anyway and would not show the bug.
sed '/^fetch_timeout/d; /^dns_min_ttl/d' "$CONF" >"$TC"
printf 'fetch_timeout = 120\nlookup_timeout = 150\nlock_wait = 150\ndns_min_ttl = 600\n' >>"$TC"

NGINX=$(cat "$W/nginx/nginx.pid")
NGINX_ALL="$NGINX $(pgrep -P "$NGINX" | tr '\n' ' ')"
nginx_cont() { kill -CONT $NGINX_ALL 2>/dev/null; }
trap 'nginx_cont; world_down' EXIT

# table_ask ID DOMAIN: one check|domain request; prints the reply line.
table_ask() {
	printf 'table|0.1|%s.000000|mtasts|check|domain|%s|%s\n' \
	    "$(date +%s)" "$1" "$2" >&"${T[1]}"
	IFS= read -r -t 60 reply <&"${T[0]}" || reply="(no reply)"
	printf '%s\n' "$reply"
}

coproc T { exec "$B/table-mtasts" "$TC" 2>"$W/table.log"; }
# bash unsets T_PID once the coprocess has ended, which it may have by
# the time the test waits for it: keep the number.
TPID=$T_PID
printf 'config|smtpd-version|7.6.0\nconfig|protocol|0.1\nconfig|tablename|mtasts\nconfig|ready\n' >&"${T[1]}"
while IFS= read -r -t 30 l <&"${T[0]}" && [ "$l" != "register|ready" ]; do :; done
is "$l" "register|ready" "table-mtasts registers (7.6 protocol)"

# --- the fetch hangs: TXT stored, policy not fetched yet
kill -STOP $NGINX_ALL
"$MTASTS_BIN" -c "$TC" policy enforce.test >"$W/policy.out" 2>&1 &
FETCHER=$!
txt_stored() { "$MTASTS_BIN" -c "$TC" cache list 2>/dev/null | grep -q '^enforce\.test '; }
n=0; until txt_stored || [ $n -ge 600 ]; do sleep 0.1; n=$((n + 1)); done
txt_stored
ok $? "the TXT answer is in the cache while the fetch hangs"
kill -0 "$FETCHER" 2>/dev/null
ok $? "... and the fetching process is still waiting for the policy host"

is "$(table_ask q1 enforce.test)" "check-result|q1|error|temporary failure" \
    "fetch still running: the table's check is a temporary failure, not not-found"
is "$(table_ask q2 enforce.test)" "check-result|q2|error|temporary failure" \
    "... asked again (the process's memo of the entry): still a temporary failure"
like "$(grep 'check domain=enforce.test' "$W/table.log" | head -1)" \
    "tempfail \(policy not known yet" "... logged as 'policy not known yet'"
grep -q 'check domain=enforce.test.*not-enforce' "$W/table.log"
ok $((!$?)) "... never 'not-enforce' for the enforce domain"

# --- the fetch ends: now the same table answers "found" (enforce)
nginx_cont
wait "$FETCHER"
is "$?" 0 "mtasts policy enforce.test ends once the policy host answers"
like "$(cat "$W/policy.out")" "enforce" "... with the enforce policy"
# A process trusts the cache's sequence number it read for up to a
# second (cache.c SEQ_RECHECK_MS): until then it may still answer from
# its memo, a temporary failure; then found, never not-found.
n=0
while r=$(table_ask "q3-$n" enforce.test) &&
    [ "$r" = "check-result|q3-$n|error|temporary failure" ] && [ $n -lt 60 ]; do
	sleep 0.5; n=$((n + 1))
done
is "$r" "check-result|q3-$n|found" \
    "policy cached: the table's check says found (enforce)"

exec {T[1]}>&-
wait "$TPID"
rc=$?
is "$rc" 0 "table-mtasts ends cleanly at EOF"
[ "$rc" = 0 ] || diag "$(tail -5 "$W/table.log")"
# an ASan build (make check-asan) reports on stderr
is "$(grep -c 'Sanitizer' "$W/table.log" "$W/policy.out" | awk -F: '{ n += $2 } END { print n }')" 0 \
    "no sanitizer report from table-mtasts or mtasts"
done_testing
