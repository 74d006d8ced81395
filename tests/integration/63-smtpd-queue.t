#!/bin/bash
# SPDX-License-Identifier: ISC
# 63-smtpd-queue.t - OpenSMTPD (6.8 here, 7.6 through 64-smtpd76-queue.t)
# with the example config: no stranded mail and the first message
# protected (issue 14).
#  - mail queued under an enforce policy leaves the queue as the relaxed
#    policy allows: enforce -> testing (id bumped), enforce -> none, the
#    cached policy past its max_age (TXT record gone);
#  - a retry later than the MX answer's TTL (compressed by config:
#    dns_max_ttl = 8) finds a route at once;
#  - a policy host slower than the filter's hold, more than 8 cold domains
#    at once, a cache directory smtpd's user cannot write: "not yet" (451),
#    never the opportunistic action.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
. tests/lib/smtpd.sh
. tests/lib/smtpd-mtasts.sh
B=${BUILD:-$(pwd)/build}
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
	echo "1..0 # SKIP needs root (unshare -m, bind mounts, smtpd's users)"; exit 0
fi
if ! smtpd_install; then
	[ -n "$SMTPD_SKIP" ] && skip_all "$SMTPD_SKIP"
	echo "Bail out! smtpd_install failed"; exit 1
fi
export WORLD_LOAD=32
world_up
WB=$WORLD_BIN/world.sh
# dns_max_ttl: MX answers are kept 8 s (smtpd retries after 400 s and
# more; the test compresses that by making the answer expire sooner).
# fetch_timeout: the slow policy host below answers within it.
# smtpd's 5 s between connections to one address (conn-delay-route)
# would only make the test slow: every MX here is on one receiver.
SMTPD_MTASTS_CACHE_OWNER=root smtpd_mtasts_up "dns_max_ttl = 8
fetch_timeout = 40" "mta limit conn-delay-route 0"
diag "opensmtpd $SMTPD_VERSION with $EXAMPLE"

# --- first, the cache directory not writable by smtpd's user (a fresh
# install with it owned by root): never in clear, "not yet" and a log
# line; fixed without a restart, the next attempt is protected.
err=$(smtpd_send n@enforce.test "cache not writable" 2>&1)
like "$err" "451.*MTA-STS: enforce.test: policy not known yet" "cache directory not writable: 451 'not known yet'"
like "$(smtpd_log | grep 'cache' | grep -i 'denied\|cannot\|refused\|fail' | head -1)" "." "... and a log line says why"
is "$(got good n@enforce.test)" 0 "... nothing delivered"
chown opensmtpd:opensmtpd "$X"; chmod 2770 "$X"
resend_n() { smtpd_send n@enforce.test "cache fixed" 2>/dev/null || { sleep 2; false; }; }
within 60 resend_n
ok $? "directory fixed: the message is accepted"
smtpd_until 30 arrived good n@enforce.test
ok $? "... and delivered"
like "$(smtpd_log | grep 'relayhost domain=enforce.test' | tail -1)" "smtp\+tls://mx.enforce.test" "... through the enforcing action"

smtpd_wrappers "$W/bin"
# requeue: what the refresh timer runs after `mtasts refresh` on 7.x,
# where mail queued under the enforcing action stays verified-only
# (conf-examples/opensmtpd/mtasts-requeue); 6.8 needs nothing.
requeue() {
	[ "$SMTPD_SERIES" = 7.6 ] || return 0
	MTASTS=$MTASTS_BIN MTASTS_CONF=$MCONF SMTPCTL=$W/bin/smtpctl SENDMAIL=$W/bin/sendmail \
	    conf-examples/opensmtpd/mtasts-requeue >>"$W/requeue.log" 2>&1
}
mail_to() { printf 'From: %s\nTo: %s\nSubject: %s\n\nbody\n' "$1" "$2" "$3" | smtpd_sendmail -f "$1" -- "$2"; }

# --- sendmail (the local socket) queues, whatever the domain: a refused
# one too (no exit 70 and dead.letter for cron); TLS-RPT report mail
# (RFC 8460 §5.3) is not held by the policy of the domain it goes to.
mail_to sender@sender.test x@notallowed.test "sendmail, no MX allowed"
is "$?" 0 "sendmail to a domain whose policy allows no MX: exit 0 (queued)"
mail_to sender@sender.test q2@mxnotls.test "sendmail, enforce, no STARTTLS"
is "$?" 0 "sendmail to an enforce domain without STARTTLS: exit 0"
mail_to tlsrpt-noreply@example.org tlsrpt@mxnotls.test "Report Domain: mxnotls.test"
is "$?" 0 "TLS-RPT report mail accepted"
smtpd_until 40 arrived notls tlsrpt@mxnotls.test
ok $? "... and delivered to the enforce domain's MX without STARTTLS (not enforced)"
is "$(got notls q2@mxnotls.test)" 0 "other mail to that domain is held"
smtpd_until 20 eval 'smtpd_log | grep -qi "rcpt TO:<x@notallowed.test>.*451"'
ok $? "... the submission hop got 451 for the refused domain: it stays queued"

# --- enforce -> testing with the id bumped, the MX without STARTTLS
smtpd_send q@mxnotls.test "enforce, then testing"
smtpd_until 40 tried q@mxnotls.test
is "$(outcome q@mxnotls.test)" TempFail "enforce, no STARTTLS: queued"
printf 'version: STSv1\nmode: testing\nmx: mx.mxnotls.test\nmax_age: 86400\n' >"$W/p"
"$WB" set-policy "$W" mxnotls.test "$W/p"
"$WB" set-txt "$W" mxnotls.test 'v=STSv1; id=2' >/dev/null
MS refresh mxnotls.test >/dev/null 2>&1   # what the refresh timer does
requeue
within 60 flush_until notls q@mxnotls.test
ok $? "relaxed to testing: the queued message delivered to the MX without STARTTLS"
like "$(smtpd_log | grep 'relayhost domain=mxnotls.test' | tail -1)" "mode=testing( mx=stale)? -> smtp://mx.mxnotls.test" \
    "... the table routed it normally (smtp://, opportunistic)"

# --- enforce -> none, the MX with an expired certificate
smtpd_send q@mxexpired.test "enforce, then none"
smtpd_until 40 tried q@mxexpired.test
is "$(outcome q@mxexpired.test)" TempFail "enforce, expired certificate: queued"
printf 'version: STSv1\nmode: none\nmax_age: 86400\n' >"$W/p"
"$WB" set-policy "$W" mxexpired.test "$W/p"
"$WB" set-txt "$W" mxexpired.test 'v=STSv1; id=2' >/dev/null
MS refresh mxexpired.test >/dev/null 2>&1
requeue
within 60 flush_until expired q@mxexpired.test
ok $? "relaxed to none: the queued message delivered"

# --- the cached policy passes its max_age, its TXT record gone
printf 'version: STSv1\nmode: enforce\nmx: mx.mxwrongname.test\nmax_age: 4\n' >"$W/p"
"$WB" set-policy "$W" mxwrongname.test "$W/p"
smtpd_send q@mxwrongname.test "enforce, max_age 4"
smtpd_until 40 tried q@mxwrongname.test
is "$(outcome q@mxwrongname.test)" TempFail "enforce, wrong name: queued"
"$WB" set-txt "$W" mxwrongname.test - >/dev/null
sleep 5
MS refresh mxwrongname.test >/dev/null 2>&1
requeue
within 60 flush_until wrongname q@mxwrongname.test
ok $? "policy expired and not renewed: the queued message delivered"
within 60 flush_until notls q2@mxnotls.test
ok $? "the message sendmail queued for mxnotls.test left with the relaxed policy"
ok "$(no_bounce; echo $?)" "no bounce"
is "$(smtpd_queued)" 1 "only the message for the refused domain is left in the queue"

# --- a retry later than the MX answer's TTL: one flush delivers
smtpd_send q@mxuntrusted.test "retry after the MX TTL"
smtpd_until 40 tried q@mxuntrusted.test
"$WB" smtp fix "$W" untrusted >/dev/null
smtpd_until 30 eval 'smtpd_log | grep -q "Enabling route .*$WORLD_SMTP_UNTRUSTED"'
sleep 10                                   # the cached MX answer expired
smtpd_flush
smtpd_until 20 arrived untrusted q@mxuntrusted.test
ok $? "retry after the MX answer expired: delivered on that retry"
like "$(smtpd_log | grep 'relayhost domain=mxuntrusted.test' | tail -1)" "mx=stale -> smtp\+tls://mx.mxuntrusted.test" \
    "... from the expired MX answer, the policy still applied"

# --- a policy host slower than the filter's hold (8 s): 451, then fine
# (about 100 bytes at nginx's limit_rate 16: 10-20 s, within fetch_timeout)
printf 'version: STSv1\nmode: enforce\nmx: mx.slow.test\nmax_age: 86400\nx-pad: %030d\n' 0 >"$W/p"
"$WB" set-policy "$W" slow.test "$W/p"
err=$(smtpd_send s@slow.test "slow policy host" 2>&1)
like "$err" "451.*MTA-STS: slow.test: policy not known yet" "policy host slower than the hold: 451 'not known yet'"
is "$(got good s@slow.test)" 0 "... nothing delivered"
resend_slow() { smtpd_send s@slow.test "slow, again" 2>/dev/null || { sleep 2; false; }; }
within 90 resend_slow
ok $? "once the policy is cached the message is accepted"
smtpd_until 30 arrived good s@slow.test
ok $? "... and delivered"
like "$(smtpd_log | grep 'relayhost domain=slow.test' | tail -1)" "smtp\+tls://mx.slow.test" "... through the enforcing action"

# --- 12 cold enforce domains at once (the background slots are 8)
cold=$(for i in 0 2 6 8 10 14 16 18 22 24 26 30; do printf 'l%03d.load.test ' $i; done)
pids=
for d in $cold; do
	( smtpd_send "c@$d" "cold at once" >"$W/cold.$d" 2>&1 ) &
	pids="$pids $!"
done
wait $pids      # (not a bare wait: smtpd is a background job too)
held=0
for d in $cold; do
	if grep -q 451 "$W/cold.$d"; then
		held=$((held + 1))
		resend() { smtpd_send "c@$1" "cold, again" 2>/dev/null || { sleep 1; false; }; }
		within 30 resend "$d"
	fi
done
diag "of 12 cold domains at once, $held answered 451 first"
is "$(smtpd_log | grep -c 'check domain=l[0-9]*\.load\.test .*-> not-enforce')" 0 \
    "no cold enforce domain routed by the opportunistic action"
all_cold() { for d in $cold; do arrived good "c@$d" || return 1; done; }
smtpd_until 90 all_cold
ok $? "all 12 delivered"
is "$(for d in $cold; do smtpd_log | grep "relayhost domain=$d " | grep -c 'smtp+tls://' | sed 's/^[1-9][0-9]*$/y/'; done | sort -u)" y \
    "... each through smtp+tls:// to its policy's MX"

ok "$(alive; echo $?)" "smtpd still running"
smtpd_stop
done_testing
