#!/bin/bash
# SPDX-License-Identifier: ISC
# 47-fleet.t - three MTA hosts sharing one Redis (Debian 12's redis-server,
# started here on the world's loopback net with AUTH and an append-only
# file): host A is the real Exim, host B the real OpenSMTPD 6.8 with
# table-mtasts and filter-mtasts, host C the mtasts command. Each has its
# own config, cache and results journal. Checked: one policy fetch per
# domain for the fleet (nginx's access log), also when the three ask at
# once; a policy learnt by one host served from the shared level to the
# others; Redis killed (SIGKILL) and restarted in the middle: deliveries
# go on, "down" is logged once, counts are merged afterwards, and one
# report run sends one report per domain with the fleet's exact sums,
# once (a second run from another host sends nothing).
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
. tests/lib/exim.sh
. tests/lib/smtpd.sh
B=${BUILD:-$(pwd)/build}
need_mta
if [ -z "${CI:-}" ] && ! command -v redis-server >/dev/null; then
	echo "1..0 # SKIP redis-server not installed (.ci/deps.sh)"; exit 0
fi
# In this test's own network namespace (tests/lib/netns.sh) lo has only
# 127.0.0.1, and smtpd's resolver wants another IPv4 address (smtpd.sh):
# give lo one, in this namespace only.
[ "${MTASTS_OWN_NETNS:-}" = 1 ] && ip addr add "${WORLD_NET:-127.0.10}.254/32" dev lo 2>/dev/null
if ! smtpd_install; then
	[ -n "$SMTPD_SKIP" ] && [ -z "${CI:-}" ] && { echo "1..0 # SKIP $SMTPD_SKIP"; exit 0; }
	echo "Bail out! smtpd_install failed: $SMTPD_SKIP"; exit 1
fi
world_up
DAY=$(date -u +%F)

# --- Redis: its own directory, AUTH, every write on disk before the
# reply (appendfsync always), so a SIGKILL loses nothing acknowledged.
RD=$W/redis
RIP=${WORLD_NET:-127.0.10}.40
mkdir -p "$RD"
redis_up() {
	redis-server --bind "$RIP" --port 6379 --dir "$RD" --appendonly yes \
	    --appendfsync always --save '' --requirepass fleet-secret \
	    --daemonize yes --pidfile "$RD/pid" --logfile "$RD/log" || return 1
	n=0; until rcli PING 2>/dev/null | grep -q PONG || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
}
rcli() { redis-cli -h "$RIP" -p 6379 -a fleet-secret --no-auth-warning "$@"; }
redis_kill() { kill -9 "$(cat "$RD/pid")"; n=0; while rcli PING >/dev/null 2>&1 && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done; }
trap 'rcli SHUTDOWN NOSAVE >/dev/null 2>&1; smtpd_stop >/dev/null 2>&1; world_down' EXIT
redis_up || { echo "Bail out! redis-server did not start: $(tail -3 "$RD/log")"; exit 1; }
ok 0 "redis-server runs on $RIP:6379"

shared() {  # shared HOST-ID: conf-examples/fleet/mtasts.conf for this host
	sed -e "s|^shared_store = .*|shared_store = redis://$RIP:6379|" \
	    -e "s|^shared_password = .*|shared_password = fleet-secret|" \
	    -e "s|^shared_host_id = .*|shared_host_id = $1|" conf-examples/fleet/mtasts.conf
}

# --- host A: the real Exim (tests/lib/exim.sh), its own cache and journal
exim_setup
shared exim-a >>"$X/mtasts.conf"
A() { "$MTASTS_BIN" -c "$X/mtasts.conf" "$@"; }

# --- host B: the real smtpd with table-mtasts and filter-mtasts
SB=$W/smtpd-cache
mkdir -p "$SB"
sed -e "s|^cache_file = .*|cache_file = $SB/cache.tdb|" \
    -e "s|^results_file = .*|results_file = $SB/results.tdb|" "$CONF" >"$W/b.conf"
shared smtpd-b >>"$W/b.conf"
chmod 644 "$W/b.conf"
chown opensmtpd "$SB"; chmod 2770 "$SB"; chgrp opensmtpd "$SB"
sed -e "s|/etc/mtasts/mtasts.conf|$W/b.conf|g" \
    -e "s|^listen on localhost filter mtasts|listen on @IP@ port @PORT@ filter mtasts|" \
    conf-examples/opensmtpd/smtpd.conf >"$W/smtpd-fleet.conf"
cat /etc/ssl/certs/ca-certificates.crt "$W/ca/ca.pem" >"$W/ca-bundle.crt"
chmod 644 "$W/ca-bundle.crt"
export SMTPD_CA_BUNDLE=$W/ca-bundle.crt
smtpd_setup "$W/smtpd-fleet.conf"
smtpd_add_table mtasts "$B/table-mtasts"
cp "$B/filter-mtasts" "$SMTPD_TABLES_DIR/filter-mtasts"
smtpd_start || { echo "Bail out! smtpd did not start: $(tail -5 "$SMTPD_LOG")"; exit 1; }
BCLI() { "$MTASTS_BIN" -c "$W/b.conf" "$@"; }
got() { grep -l "^X-Rcpt-To: $2" "$W/mail/$1"/* 2>/dev/null | wc -l; }
arrived() { [ "$(got "$1" "$2")" -gt 0 ]; }

# --- host C: the mtasts command alone
mkdir -p "$W/c"
sed -e "s|^cache_file = .*|cache_file = $W/c/cache.tdb|" \
    -e "s|^results_file = .*|results_file = $W/c/results.tdb|" "$CONF" >"$W/c.conf"
shared cli-c >>"$W/c.conf"
mkdir -p "$W/sm"
cat >"$W/sm/ok" <<EOS
#!/bin/sh
n=\$(ls "$W/sm" | grep -c '^msg') ; cat >"$W/sm/msg\$n.eml"
EOS
chmod 755 "$W/sm/ok"
echo "sendmail = $W/sm/ok" >>"$W/c.conf"
C() { "$MTASTS_BIN" -c "$W/c.conf" "$@"; }

# === one fetch per domain per fleet
send a1@enforce.test "host A, cold"
exim_run
is "$(got good a1@enforce.test)" 1 "host A (Exim): enforce.test delivered"
is "$(fetches enforce.test)" 1 "host A fetched the policy"
is "$(rcli EXISTS mtasts:pol:enforce.test)" 1 "... and put it on the shared level"
smtpd_send b1@enforce.test "host B, cold"
smtpd_until 30 arrived good b1@enforce.test
ok $? "host B (smtpd): enforce.test delivered"
like "$(smtpd_log | grep 'relayhost domain=enforce.test' | head -1)" "smtp\+tls://mx.enforce.test" \
    "host B enforced the policy on its first message (routed smtp+tls://)"
C -v policy enforce.test >"$W/c.out" 2>&1
like "$(cat "$W/c.out")" "event=shared-seed id=1" "host C: its local miss is served from the shared level"
like "$(cat "$W/c.out")" "mode: enforce" "... as enforce"
is "$(fetches enforce.test)" 1 "three hosts, one fetch of enforce.test"
pf=$(A policy --json enforce.test); pc=$(C policy --json enforce.test)
is "$(jget "$pc" expires)" "$(jget "$pf" expires)" "host C keeps host A's fetch time and max_age (same expiry)"

# Three hosts ask at once for a cold domain behind a slow policy host:
# one holds the fleet's lock and fetches, the others wait and take its
# result.
pids=
for h in "$X/mtasts.conf" "$W/b.conf" "$W/c.conf"; do
	"$MTASTS_BIN" -c "$h" policy slowok.test >"$h.slow" 2>&1 &
	pids="$pids $!"
done
wait $pids   # not a bare wait: smtpd is a background job too
is "$(fetches slowok.test)" 1 "three hosts at once: one fetch of slowok.test (Redis lock)"
is "$(grep -l 'mode: enforce' "$X/mtasts.conf.slow" "$W/b.conf.slow" "$W/c.conf.slow" | wc -l)" 3 \
    "... and all three have its enforce policy"

# `mtasts refresh` refetches through the shared level too: host A's
# refresh fetches, host C's then takes A's newer copy.
f0=$(fetches enforce.test)
A -v refresh enforce.test >/dev/null 2>&1
is "$(fetches enforce.test)" "$((f0 + 1))" "host A: mtasts refresh fetches the policy again"
C -v refresh enforce.test >"$W/c.out" 2>&1
is "$(fetches enforce.test)" "$((f0 + 1))" "host C: its refresh takes host A's fresh copy, no fetch"
like "$(cat "$W/c.out")" "event=shared-adopt" "... from the shared level"

# === TLS-RPT counts on the shared level, Redis killed in the middle
# (smtpd counts a session when it closes the idle connection: wait for it)
recorded() { [ "$(smtpd_log | grep -c 'domain=enforce.test .*result=success')" -ge "$1" ]; }
for i in 1 2 3 4 5; do C record enforce.test success mx.enforce.test 127.0.10.11; done
C record enforce.test certificate-expired mx.enforce.test 127.0.10.13
C record enforce.test certificate-expired mx.enforce.test 127.0.10.13
for i in 1 2 3; do A record enforce.test success mx.enforce.test 127.0.10.11; done
smtpd_until 30 recorded 1
for h in A BCLI C; do $h sync; is "$?" 0 "$h: counts merged"; done
fleet_sum() { C report --dry-run --open "$DAY" | /usr/bin/python3 tests/tlsrpt/check.py json /dev/stdin | grep '^enforce.test '; }
like "$(fleet_sum)" "^enforce.test sts ok=10 fail=2" \
    "before the outage: A's delivery and 3 records, B's delivery, C's 5 + 2 failures"

redis_kill
ok "$(rcli PING >/dev/null 2>&1; [ $? != 0 ]; echo $?)" "redis-server killed (SIGKILL)"
: >"$W/c.err"
for i in 1 2 3 4; do C -v record enforce.test success mx.enforce.test 127.0.10.11 2>>"$W/c.err"; r=$?; done
C -v record enforce.test certificate-expired mx.enforce.test 127.0.10.13 2>>"$W/c.err"
is "$?$r" 00 "Redis down: host C records on (locally)"
C -v sync 2>>"$W/c.err"
is "$?" 75 "sync with Redis down: temporary failure (75), counts kept"
C -v sync 2>>"$W/c.err"
is "$(grep -c 'shared=down' "$W/c.err")" 1 "... and says so once for the outage, not per session or attempt"
send a2@enforce.test "host A, Redis down"
exim_run
is "$(got good a2@enforce.test)" 1 "Redis down: host A (Exim) delivers enforce.test as before"
smtpd_send b2@enforce.test "host B, Redis down"
smtpd_until 30 arrived good b2@enforce.test
ok $? "Redis down: host B (smtpd) delivers enforce.test as before"
C report "$DAY" --open 2>"$W/rep.err" >/dev/null
is "$?" 75 "report with Redis down: temporary failure, nothing sent"
is "$(ls "$W/sm" | grep -c '^msg')" 0 "... no report mail"

# Keep host C's journal as it is now (its counts in a batch not yet
# applied): put back later, it stands for "applied, but the reply lost".
cp "$W/c/results.tdb" "$W/c/results.kept"
redis_up
ok $? "redis-server restarted (from its append-only file)"
is "$(rcli HGET mtasts:applied nosuch)" "" "Redis answers again"
# smtpd may carry b2 on b1's open connection (one TLS session, counted
# once, RFC 8460 §4.3): stop it, then count the sessions its filter saw.
smtpd_stop
nB=$(smtpd_log | grep -c 'filter-mtasts: session=.* domain=enforce.test .*result=success')
diag "host B (smtpd) counted $nB session(s) for its two messages"
# conf-examples/fleet/mtasts-sync.service's command, on each host
sync_cmd=$(sed -n 's|^ExecStart=/usr/bin/mtasts ||p' conf-examples/fleet/mtasts-sync.service)
for h in A BCLI C; do $h $sync_cmd; is "$?" 0 "$h: mtasts-sync.service's command after the restart"; done

# Expected: host A's two deliveries (two queue runs, two sessions) + 3
# recorded, host B's sessions, host C's 5 + 4; failures: host C's 2 + 1.
sum=$(C report --dry-run --open "$DAY" | /usr/bin/python3 tests/tlsrpt/check.py json /dev/stdin)
is "$?" 0 "the fleet's report is schema-valid"
diag "$sum"
like "$(echo "$sum" | grep '^enforce.test ')" "^enforce.test sts ok=$((14 + nB)) fail=3 " \
    "one report with the summed counts: $((14 + nB)) ok, 3 failed, nothing lost or doubled by the outage"
like "$(echo "$sum" | grep '^enforce.test ')" "certificate-expired:3:mx.enforce.test" "... failure details summed too"

cp "$W/c/results.kept" "$W/c/results.tdb"
C sync
is "$?" 0 "host C resends a batch Redis had already applied"
like "$(fleet_sum)" "^enforce.test sts ok=$((14 + nB)) fail=3 " "... and nothing is counted twice (batch numbers)"

C report "$DAY" --open >"$W/rep1" 2>&1
is "$?" 0 "host C runs the fleet's report"
is "$(grep -c ' sent' "$W/rep1")" "$(grep -c . "$W/rep1")" "every rua sent"
n1=$(ls "$W/sm" | grep -c '^msg')
A report "$DAY" --open >"$W/rep2" 2>&1
is "$?" 0 "host A runs it again"
like "$(cat "$W/rep2")" "already-sent" "host A sees the fleet's send state: already sent"
ok "$(grep -q ' sent' "$W/rep2"; [ $? != 0 ]; echo $?)" "... and sends nothing"
is "$(ls "$W/sm" | grep -c '^msg')" "$n1" "no second report mail"

# === Redis slow: every client paused (CLIENT PAUSE) longer than
# shared_timeout. Host C's first contact with a domain still gets its
# policy (fetched locally), its session is counted locally, and merged
# once Redis answers again.
rcli CLIENT PAUSE 4000 ALL >/dev/null
C -v policy testing.test >"$W/slow.out" 2>&1
like "$(cat "$W/slow.out")" "mode: testing" "Redis paused: host C gets testing.test's policy all the same"
like "$(cat "$W/slow.out")" "shared=down" "... and logs the shared level down (timeout)"
C record testing.test success mx.testing.test
is "$?" 0 "... records its session locally"
rcli PING >/dev/null   # answered when the pause ends
C $sync_cmd
is "$?" 0 "Redis answers again: host C merges"
like "$(C report --dry-run --open "$DAY" | /usr/bin/python3 tests/tlsrpt/check.py json /dev/stdin | grep '^testing.test ')" \
    "^testing.test .*ok=1 fail=0" "... the session counted once"
done_testing
