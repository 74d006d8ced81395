#!/bin/bash
# SPDX-License-Identifier: ISC
# 67-smtpd-tlsrpt-join.t - OpenSMTPD (6.8 here, 7.6 through
# 68-smtpd76-tlsrpt-join.t) with the example config, issue 14:
#  - TLS-RPT outcomes of domains whose MX hosts share one address (the
#    world's "mixed" receiver picks its certificate by SNI) are joined to
#    each envelope's recipient domain: a testing domain whose MX has an
#    expired certificate is never a success, a fine domain on the same
#    address never gets another's failure; a failure before RCPT of two
#    enforce domains sharing the address is not counted, and logged;
#  - more testing sessions with expired certificates at once than the
#    filter has probe slots (4): every one counted as the failure it is,
#    none as a success (no probe result is no success);
#  - MX targets that are no host names (a NUL or a dot inside a label,
#    core mts_dns_mx_rdata): never a candidate; enforce mail is refused
#    for now (451) or goes to the valid MX, never to the odd name.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
. tests/lib/smtpd.sh
. tests/lib/smtpd-mtasts.sh
B=${BUILD:-$(pwd)/build}
need_mta
if ! smtpd_install; then
	[ -n "$SMTPD_SKIP" ] && skip_all "$SMTPD_SKIP"
	echo "Bail out! smtpd_install failed"; exit 1
fi
world_up
WB=$WORLD_BIN/world.sh
# Every MX here is on one receiver address or two: smtpd's 5 s between
# connections to one address would serialise the sessions of part 2.
smtpd_mtasts_up "" "mta limit conn-delay-route 0 conn-delay-relay 0 max-conn-per-host 30 max-conn-per-route 30"
diag "opensmtpd $SMTPD_VERSION with $EXAMPLE"

# send_paced PAUSE RCPT...: one message to all RCPTs in one transaction,
# PAUSE seconds between the RCPTs (the filter holds each RCPT of a cold
# domain until it is resolved, so the domains are resolved in this
# order, each strictly later than the one before). Prints each RCPT's
# reply code.
send_paced() {
	/usr/bin/python3 - "$SMTPD_IP" "$SMTPD_PORT" "$@" <<'EOF'
import smtplib, sys, time
ip, port, pause, rcpts = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
s = smtplib.SMTP(ip, port, local_hostname="client.test", timeout=30)
s.ehlo()
s.mail("sender@sender.test")
ok = []
for i, r in enumerate(rcpts):
    if i:
        time.sleep(pause)
    code, _ = s.rcpt(r)
    print(r, code)
    if code == 250:
        ok.append(r)
if ok:
    s.data("From: sender@sender.test\r\nTo: %s\r\nSubject: paced\r\n\r\nbody\r\n" % ", ".join(ok))
s.quit()
EOF
}
report_sum() {
	MS report --dry-run --open "$(date -u +%F)" | /usr/bin/python3 tests/tlsrpt/check.py json /dev/stdin
}
line_of() { report_sum | grep "^$1 " | sed "s/ *$//"; }
recorded() { smtpd_log | grep -q "session=.* domain=$1 .*result="; }

# --- 1. one address, two testing domains: sha-t.test's MX name has an
# expired certificate there, sha-f.test's a valid one. sha-f.test is
# resolved last, so it is "the most recent domain of that address".
out=$(send_paced 1.5 t@sha-t.test f@sha-f.test)
is "$(echo "$out" | awk '{print $2}' | paste -sd' ')" "250 250" "sha-t.test and sha-f.test accepted in one transaction"
smtpd_until 40 arrived mixed t@sha-t.test
ok $? "testing + expired certificate (shared address): delivered"
smtpd_until 40 arrived mixed f@sha-f.test
ok $? "testing + valid certificate (shared address): delivered"
smtpd_until 40 recorded sha-t.test
smtpd_until 40 recorded sha-f.test
is "$(line_of sha-t.test)" "sha-t.test sts ok=0 fail=1 certificate-expired:1:mx.sha-t.test:-" \
    "sha-t.test: its expired certificate recorded as certificate-expired, not as a success"
is "$(line_of sha-f.test)" "sha-f.test sts ok=1 fail=0" "sha-f.test: one success, no failure"

# --- 2. a failure before RCPT on that address: enforce sha-e.test (its
# MX name expired there) and testing sha-g.test (valid), sha-g.test
# resolved last. The failure is sha-e.test's, never sha-g.test's.
out=$(send_paced 1.5 e@sha-e.test g@sha-g.test)
is "$(echo "$out" | awk '{print $2}' | paste -sd' ')" "250 250" "sha-e.test and sha-g.test accepted"
smtpd_until 40 tried e@sha-e.test
is "$(outcome e@sha-e.test)" TempFail "enforce + expired certificate (shared address): queued"
smtpd_until 40 arrived mixed g@sha-g.test
ok $? "sha-g.test delivered"
smtpd_until 40 recorded sha-e.test
smtpd_until 40 recorded sha-g.test
why=certificate-verify-failed
[ "$SMTPD_SERIES" = 7.6 ] && why=tls-handshake-failed-cause-not-reported-by-smtpd
like "$(line_of sha-e.test)" "^sha-e.test sts ok=0 fail=[1-9][0-9]* validation-failure:[1-9][0-9]*:mx.sha-e.test:$why\$" \
    "sha-e.test: its failed sessions recorded as its own validation-failure"
is "$(line_of sha-g.test)" "sha-g.test sts ok=1 fail=0" "sha-g.test: one success, none of sha-e.test's failures"
is "$(got mixed e@sha-e.test)" 0 "nothing reached the expired MX for the enforce domain"

# --- 3. two enforce domains on that address, both failing before RCPT:
# the session cannot be told to be either's, so it is not counted.
before=$(line_of sha-e.test)
out=$(send_paced 0 e2@sha-e2.test)
is "$(echo "$out" | awk '{print $2}')" 250 "sha-e2.test accepted"
smtpd_until 40 tried e2@sha-e2.test
is "$(outcome e2@sha-e2.test)" TempFail "second enforce domain on the address: queued"
# smtpd suspends a route after repeated errors ("No valid route"): retry
# until a session to the address really failed with both domains known.
untold() { smtpd_log | grep -q "failed before RCPT, its domain cannot be told (sha-e2\?.test or sha-e2\?.test): not counted"; }
flush_untold() { untold || { smtpd_flush; sleep 3; untold; }; }
within 90 flush_untold
ok $? "a failure before RCPT of two enforce domains sharing the address: not counted, logged"
is "$(line_of sha-e2.test)" "" "sha-e2.test: no outcome given to it"
is "$(line_of sha-e.test)" "$before" "sha-e.test: nothing added to it either"

# --- 4. 20 testing domains whose MX hosts have expired certificates, in
# one message: 20 sessions at once, 4 probe slots.
rcpts=$(for i in $(seq -w 0 19); do printf 'p@pq%s.test ' "$i"; done)
out=$(send_paced 0 $rcpts)
is "$(echo "$out" | grep -c ' 250$')" 20 "20 recipients in 20 testing domains accepted"
all_pq() { for i in $(seq -w 0 19); do arrived expired "p@pq$i.test" || return 1; done; }
smtpd_until 60 all_pq
ok $? "all 20 delivered (testing: opportunistic TLS)"
all_pq_rec() { for i in $(seq -w 0 19); do recorded "pq$i.test" || return 1; done; }
smtpd_until 90 all_pq_rec
ok $? "... each session counted"
queued=$(smtpd_log | grep -c 'domain=pq[0-9]*\.test: every probe slot busy, queued')
diag "$queued of 20 sessions waited for a probe slot"
ok "$([ "$queued" -gt 0 ]; echo $?)" "the probe slots were full (sessions queued for one)"
pq=$(report_sum | grep '^pq[0-9]*\.test ')
is "$(echo "$pq" | grep -c ' ok=0 fail=1 certificate-expired:1:')" 20 \
    "every one of the 20 recorded as certificate-expired"
is "$(echo "$pq" | grep -vc ' ok=0 ')" 0 "none counted as a success"

# --- 5. MX targets that are no host names
err=$(smtpd_send n@mxnul.test "MX with a NUL in a label" 2>&1)
like "$err" "451.*4\.7\.5 MTA-STS: mxnul.test" "MX target with a NUL inside a label: 451 4.7.5, no MX allowed"
err=$(smtpd_send d@mxdot.test "MX with a dot in a label" 2>&1)
like "$err" "451.*4\.7\.5 MTA-STS: mxdot.test" "MX target with a dot inside a label: 451 4.7.5, no MX allowed"
smtpd_send m@mxmixed.test "odd MX beside a valid one"
ok $? "mxmixed.test (an odd MX 10 beside a valid MX 20) accepted"
smtpd_until 40 arrived good m@mxmixed.test
ok $? "... delivered to the valid MX"
like "$(smtpd_log | grep 'relayhost domain=mxmixed.test' | tail -1)" "smtp\+tls://mx.mxmixed.test" \
    "... relayed through smtp+tls:// to mx.mxmixed.test"
is "$(ls "$W/mail/attacker" | grep -c .)" 0 "the names the odd targets would be cut or rewritten into got nothing"
is "$(smtpd_log | grep -E 'relayhost domain=mx(nul|dot|mixed)\.test' | grep -Ec '://(mx\.mxnul\.test|mx\.dot\.)')" 0 \
    "... never handed to smtpd as a relay"

ok "$(alive; echo $?)" "smtpd still running"
[ -z "${SMTPD_KEEP_LOG:-}" ] || cp "$SMTPD_LOG" "$SMTPD_KEEP_LOG"
ok "$(no_bounce; echo $?)" "no bounce"
smtpd_stop
done_testing
