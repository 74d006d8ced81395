#!/bin/bash
# SPDX-License-Identifier: ISC
# 46-tlsrpt-report.t - `mtasts record` and `mtasts report` against the
# test world's DNS and HTTPS rua endpoint, with stand-in sendmail
# programs: aggregation across processes, the default day, once-only
# sending, retries with back-off and the 24-hour limit (RPT-81 (RFC 8460 §3)..83), a
# run killed in the middle of a send, two runs at once, bad config.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
world_up
CHECK="/usr/bin/python3 tests/tlsrpt/check.py"
T0=$(( $(date -u +%s) / 86400 * 86400 - 86400 ))   # yesterday 00:00 UTC
DAY=$(date -u -d "@$T0" +%F)
AT=$((T0 + 3600))

# sendmail stand-ins: keep the message (ok), refuse it (fail), or die
# with the report run that called it (crash).
mkdir -p "$W/sm"
cat >"$W/sm/ok" <<EOS
#!/bin/sh
n=\$(ls "$W/sm" | grep -c '^msg') ; cat >"$W/sm/msg\$n.eml"; echo "\$*" >"$W/sm/args\$n"
EOS
printf '#!/bin/sh\ncat >/dev/null; exit 75\n' >"$W/sm/fail"
printf '#!/bin/sh\ncat >/dev/null; kill -9 $PPID; sleep 1; exit 0\n' >"$W/sm/crash"
printf '#!/bin/sh\ncat >/dev/null; sleep 3; exit 0\n' >"$W/sm/slow"
chmod 755 "$W/sm"/*
conf() { sed "/^sendmail/d" "$CONF" >"$W/r.conf"; echo "sendmail = $W/sm/$1" >>"$W/r.conf"; }
R() { "$MTASTS_BIN" -c "$W/r.conf" "$@"; }
conf ok
mails() { ls "$W/sm" | grep -c '^msg'; }
posts() { ls "$W/mail/https-rua" 2>/dev/null | grep -c body; }

# --- aggregation across processes: 8 writers x 25 sessions, one domain
M policy enforce.test >/dev/null
for i in 1 2 3 4 5 6 7 8; do
	( for j in $(seq 25); do R --now $AT record enforce.test success mx.enforce.test 127.0.10.11 127.0.0.1; done ) &
done
wait
for j in 1 2 3; do R --now $AT record enforce.test certificate-expired mx.enforce.test 127.0.10.11 127.0.0.1; done
R --now $AT record enforce.test starttls-not-supported mx.enforce.test '' 127.0.0.1
R --now $AT record enforce.test success "mx.\"evil" >/dev/null
R --now $AT record nopolicy.test success mx.nopolicy.test 127.0.10.11
R --now $AT record bad..domain success >/dev/null 2>"$W/err"
is "$?" 1 "a malformed domain is refused (exit 1)"
like "$(cat "$W/err")" "^mtasts: record: bad domain: " "... with a clear message"
is "$(R record enforce.test no-such-type >/dev/null 2>&1; echo $?)" 64 "an unknown result type is a usage error"
R --now $((T0 + 86400 + 60)) report --dry-run >"$W/dry.json"
sum=$($CHECK json "$W/dry.json")
is "$?" 0 "dry-run JSON passes the schema"
is "$(echo "$sum" | grep '^enforce.test')" \
    "enforce.test sts ok=201 fail=4 certificate-expired:3:mx.enforce.test:- starttls-not-supported:1:mx.enforce.test:-" \
    "200 sessions from 8 processes + 1 more, and 4 failures: all counted"
is "$(echo "$sum" | grep '^nopolicy.test')" "nopolicy.test no-policy-found ok=1 fail=0 " \
    "no policy: no-policy-found, no policy-string or mx-host (DESIGN 13)"
like "$(grep -o '"date-range":{[^}]*}' "$W/dry.json" | head -1)" "\"start-datetime\":\"${DAY}T00:00:00Z\",\"end-datetime\":\"${DAY}T23:59:59Z\"" \
    "the default day is yesterday, a full UTC day"
is "$(grep -c 'mx.\\"evil' "$W/dry.json")" 0 "hostile MX name dropped (not a host name), never raw in JSON"

# --- a day that has not ended needs --open
R report "$(date -u +%F)" >/dev/null 2>"$W/err"
is "$?" 1 "today without --open is refused"
like "$(cat "$W/err")" "has not ended" "... saying why"

# --- the real run: mailto through sendmail, https POST, once
R --now $((T0 + 86400 + 60)) report >"$W/run1" 2>&1
is "$?" 0 "report run exits 0"
is "$(mails)" 2 "one mail per domain with a mailto: rua (enforce.test, nopolicy.test)"
is "$(posts)" 1 "one POST for the domain with an https: rua"
is "$(cat "$W/sm/args0")" "-i -f postmaster@sender.test -- tlsrpt@reports.test" "sendmail called with -i -f FROM -- RUA, no shell"
$CHECK mail "$W/sm"/msg*.eml >"$W/mailsum"
is "$?" 0 "the mails are valid TLS-RPT reports (headers, MIME, gzip, schema)"
R --now $((T0 + 86400 + 120)) report >"$W/run2" 2>&1
is "$(mails)/$(posts)" "2/1" "second run: nothing sent again"
is "$(grep -c already-sent "$W/run2")" 3 "second run: already-sent for each (domain, rua)"

# --- failures: retried with back-off, given up after 24 hours
T1=$((T0 + 86400))            # the next day
AT1=$((T1 + 600))
R --now $AT1 record testing.test success mx.testing.test 127.0.10.13
conf fail
NEXT=$((T1 + 86400 + 60))
R --now $NEXT report >"$W/f1" 2>&1
is "$?" 75 "a failed send exits 75 (tempfail)"
like "$(grep testing.test "$W/f1")" "failed mailto:tlsrpt@reports.test: .* exited with 75" "failure reported with sendmail's status"
R --now $((NEXT + 60)) report >"$W/f2" 2>&1
like "$(grep testing.test "$W/f2")" "retry-later" "within the back-off: not retried yet"
conf ok
R --now $((NEXT + 400)) report >"$W/f3" 2>&1
like "$(grep testing.test "$W/f3")" "sent mailto:" "after the back-off: sent"
is "$(mails)" 3 "... exactly once"
R --now $((T1 + 86400 * 2 + 60)) report "$(date -u -d "@$T1" +%F)" >"$W/f4" 2>&1
like "$(grep testing.test "$W/f4")" "already-sent" "a later run for that day: already sent"

T2=$((T1 + 86400))
R --now $((T2 + 600)) record testing.test success mx.testing.test 127.0.10.13
conf fail
D3=$((T2 + 86400 + 60))
R --now $D3 report >/dev/null 2>&1
R --now $((D3 + 86400 + 10)) report "$(date -u -d "@$T2" +%F)" >"$W/g1" 2>&1
like "$(grep testing.test "$W/g1")" "gave-up" "still failing 24 hours after the first attempt: given up (RPT-82, RFC 8460 §5.5)"

# --- a run killed while sending: the report is not sent twice
T3=$((T2 + 86400))
R --now $((T3 + 600)) record none.test success mx.none.test 127.0.10.11
conf crash
R --now $((T3 + 86400 + 60)) report >/dev/null 2>&1
is "$?" 137 "the run died in the middle of a send (SIGKILL)"
conf ok
R --now $((T3 + 86400 + 120)) report "$(date -u -d "@$T3" +%F)" >"$W/k1" 2>&1
like "$(grep none.test "$W/k1")" "already-sent.*stopped while sending; not repeated" "next run: not repeated, and says why"
is "$(mails)" 3 "no second copy"

# --- two runs at once: one waits out, nothing is sent twice
T4=$((T3 + 86400))
R --now $((T4 + 600)) record idbump.test success mx.idbump.test 127.0.10.11
conf slow
R --now $((T4 + 86400 + 60)) report >"$W/c1" 2>&1 &
sleep 1
R --now $((T4 + 86400 + 60)) report >"$W/c2" 2>&1
is "$?" 75 "a second concurrent run is refused (tempfail)"
like "$(cat "$W/c2")" "another report run holds the lock" "... saying why"
wait
like "$(grep idbump.test "$W/c1")" "sent" "the first run sent it"

# --- sys4 tlsrpt-collectd as the sink (tlsrpt_socket): one datagram per
# session, byte for byte libtlsrpt's, taken apart by a checker written from
# tlsrpt-collectd's source (tests/world/collectd_check.py: every key the
# collector reads, refusing unknown shapes); nothing in results_file.
collectd() {  # collectd COUNT: start the checker, wait until it listens
	rm -f "$W/collectd.sock" "$W/collectd.sock.ready"
	/usr/bin/python3 tests/world/collectd_check.py "$W/collectd.sock" "$1" 20 >"$W/dgram.out" 2>&1 &
	dg=$!
	n=0; while [ ! -e "$W/collectd.sock.ready" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
}
sed -e "s|^results_file = .*|results_file = $W/unused.tdb|" "$W/r.conf" >"$W/dg.conf"
echo "tlsrpt_socket = $W/collectd.sock" >>"$W/dg.conf"
D() { "$MTASTS_BIN" -c "$W/dg.conf" "$@"; }
D policy enforce.test >/dev/null
collectd 4
D record enforce.test certificate-expired mx.enforce.test 127.0.10.13 127.0.0.1
is "$?" 0 "record a failure with tlsrpt_socket set"
D record enforce.test success mx.enforce.test 127.0.10.13
is "$?" 0 "record a success"
D record nosuch.test starttls-not-supported
is "$?" 0 "a domain without a TLSRPT record: nothing to send, not an error"
D record none.test success
is "$?" 0 "record a session of a mode-none domain"
D record testing.test validation-failure mx.testing.test
wait "$dg"
is "$?" 0 "the checker took every datagram as tlsrpt-collectd would (none refused)"
cat "$W/dgram.out" | sed 's/^/# /'
PR='pr=v=TLSRPTv1; rua=mailto:tlsrpt@reports.test'
POL='policy={"policy-type": 2, "policy-domain": "enforce.test", "policy-string": ["version: STSv1", "mode: enforce", "mx: mx.enforce.test", "max_age: 86400"], "mx-host": ["mx.enforce.test"]}'
is "$(sed -n 1p "$W/dgram.out")" "STORED d=enforce.test $PR,https://mta-sts.reports.test/tlsrpt $POL f=1 failures=[{\"c\": 204, \"s\": \"127.0.0.1\", \"n\": \"mx.enforce.test\", \"r\": \"127.0.10.13\"}]" \
    "failure: dpv, d, pr = the TLSRPT record, sts (2), policy lines, mx-host, certificate-expired (204), f=1"
is "$(sed -n 2p "$W/dgram.out")" "STORED d=enforce.test $PR,https://mta-sts.reports.test/tlsrpt $POL f=0 failures=[]" \
    "success: the same policy key (one row at the collector), f=0, no details"
like "$(sed -n 3p "$W/dgram.out")" "^STORED d=none.test $PR policy=\\{\"policy-type\": 9, \"policy-domain\": \"none.test\"\\} f=0" \
    "mode none: no-policy-found (9), no policy-string (DESIGN 13)"
like "$(sed -n 4p "$W/dgram.out")" "^STORED d=testing.test .*f=1 failures=\\[\\{\"c\": 205, \"n\": \"mx.testing.test\"\\}\\]" \
    "the nosuch.test session sent nothing; the next datagram is testing.test's"
ok "$([ ! -e "$W/unused.tdb" ]; echo $?)" "nothing written to results_file"

# The checker refuses what the real collector loses: yesterday's datagram
# (no dpv, no pr) is refused with the collector's KeyError.
collectd 1
/usr/bin/python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.sendto(sys.argv[2].encode(), sys.argv[1])' "$W/collectd.sock" \
    '{"d":"enforce.test","policies":[{"policy-type":2,"policy-domain":"enforce.test","t":0,"f":0}]}'
wait "$dg"
is "$?" 1 "the checker refuses a datagram without dpv and pr"
like "$(cat "$W/dgram.out")" "REFUSED KeyError 'pr'" "... with the collector's KeyError 'pr'"

# A collector that is absent is never silent: exit status and a message.
D record enforce.test success 2>"$W/err"
is "$?" 75 "collector gone: record reports a temporary failure (75)"
like "$(cat "$W/err")" "tlsrpt: collector .*collectd.sock: .*outcome of enforce.test lost" "... naming the socket and the loss"

# --- configuration errors are clear
printf 'report_contact = not-an-address\n' >"$W/bad.conf"
"$MTASTS_BIN" -c "$W/bad.conf" report --now $((T0 + 86400 + 60)) >/dev/null 2>"$W/err"
is "$?" 78 "a contact that is not an address: config error (78)"
like "$(cat "$W/err")" "report_contact: 'not-an-address' is not an address" "... naming the key"
printf 'report_contact = a@x.example\nreport_submitter = y.example\nresults_file = %s/x.tdb\n' "$W" >"$W/bad.conf"
"$MTASTS_BIN" -c "$W/bad.conf" report --now $((T0 + 86400 + 60)) >/dev/null 2>"$W/err"
like "$(cat "$W/err")" "report_submitter must be the domain of report_contact" "submitter and contact domains must agree (RPT-53, RFC 8460 §5.3)"
done_testing
