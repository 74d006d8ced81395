#!/bin/bash
# SPDX-License-Identifier: ISC
# 46-tlsrpt-report.t - `mtasts record` and `mtasts report` against the
# test world's DNS and HTTPS rua endpoint, with stand-in sendmail
# programs: aggregation across processes, the default day, once-only
# sending, retries with back-off and the 24-hour limit (RPT-81..83), a
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
like "$(grep testing.test "$W/g1")" "gave-up" "still failing 24 hours after the first attempt: given up (RPT-82)"

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
# session, in libtlsrpt's format, nothing in results_file
/usr/bin/python3 -c '
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(20)
open(sys.argv[1] + ".ready", "w").close()
d = json.loads(s.recv(65536))
p = d["policies"][0]
f = p["failure-details"][0]
print(d["d"], p["policy-type"], p["policy-domain"], ",".join(p["mx-host"]),
      f["c"], f["n"], f["r"], p["t"], p["f"])' "$W/collectd.sock" >"$W/dgram.out" 2>&1 &
dg=$!
smtpd_wait=0; while [ ! -e "$W/collectd.sock.ready" ] && [ $smtpd_wait -lt 50 ]; do sleep 0.1; smtpd_wait=$((smtpd_wait + 1)); done
sed -e "s|^results_file = .*|results_file = $W/unused.tdb|" "$W/r.conf" >"$W/dg.conf"
echo "tlsrpt_socket = $W/collectd.sock" >>"$W/dg.conf"
"$MTASTS_BIN" -c "$W/dg.conf" record enforce.test certificate-expired mx.enforce.test 127.0.10.13
is "$?" 0 "record with tlsrpt_socket set"
wait "$dg"
is "$(cat "$W/dgram.out")" "enforce.test 2 enforce.test mx.enforce.test 204 mx.enforce.test 127.0.10.13 1 1" \
    "the collector got libtlsrpt's datagram: sts (2), certificate-expired (204), failure"
ok "$([ ! -e "$W/unused.tdb" ]; echo $?)" "nothing written to results_file"
"$MTASTS_BIN" -c "$W/dg.conf" record enforce.test success 2>"$W/err"
is "$?" 75 "collector gone: record reports a temporary failure (75)"
like "$(cat "$W/err")" "tlsrpt: .*collectd.sock" "... naming the socket"

# --- configuration errors are clear
printf 'report_contact = not-an-address\n' >"$W/bad.conf"
"$MTASTS_BIN" -c "$W/bad.conf" report --now $((T0 + 86400 + 60)) >/dev/null 2>"$W/err"
is "$?" 78 "a contact that is not an address: config error (78)"
like "$(cat "$W/err")" "report_contact: 'not-an-address' is not an address" "... naming the key"
printf 'report_contact = a@x.example\nreport_submitter = y.example\nresults_file = %s/x.tdb\n' "$W" >"$W/bad.conf"
"$MTASTS_BIN" -c "$W/bad.conf" report --now $((T0 + 86400 + 60)) >/dev/null 2>"$W/err"
like "$(cat "$W/err")" "report_submitter must be the domain of report_contact" "submitter and contact domains must agree (RPT-53)"
done_testing
