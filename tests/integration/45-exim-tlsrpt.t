#!/bin/bash
# SPDX-License-Identifier: ISC
# 45-exim-tlsrpt.t - TLS-RPT end to end: the real Exim delivers a mixed
# batch to testing and enforce domains of the test world with the
# conf-examples config, its events count each session, `mtasts report`
# builds the reports and sends them through Exim (mailto:) and by HTTPS
# POST (https:), once; the reports that arrive are decoded and checked
# against RFC 8460 (tests/tlsrpt/schema.json, headers, names) and against
# what was delivered and deferred.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
. tests/lib/exim.sh
need_mta exim4
world_up
exim_setup
CHECK="/usr/bin/python3 tests/tlsrpt/check.py"

# The report mail goes through the same Exim (its sendmail interface),
# queued, then delivered by a queue run like any other message.
# `mtasts report` started as root becomes the cache directory's owner
# (Debian-exim) before it runs sendmail, so the private mounts are made
# around the whole run, and the stand-in sendmail is Exim itself.
cat >"$X/sendmail" <<EOS
#!/bin/sh
exec $EXIM_ENV "$EXIM_BIN" -C "$X/exim.conf" -odq "\$@"
EOS
chmod 755 "$X/sendmail"
echo "sendmail = $X/sendmail" >>"$X/mtasts.conf"
R() {
	unshare -m /bin/sh -c 'mount --bind "$1/resolv.conf" /etc/resolv.conf &&
		mount --bind "$1/etc" /etc/exim4 || exit 99
		shift; exec "$@"' sh "$X" "$MTASTS_BIN" -c "$X/mtasts.conf" "$@"
}
DAY=$(date -u +%F)

# --- testing, expired certificate: delivered, failure counted
send t1@testing.test; exim_run

# --- one enforce domain, one MX: 2 sessions fail (expired certificate),
# then the receiver is fixed and 3 sessions succeed.
send a1@mxexpired.test
exim_run
exim_run
is "$(queued_for a1@mxexpired.test)" 1 "enforce + expired certificate: deferred twice, still queued"
"$WORLD_BIN/world.sh" smtp fix "$W" expired >/dev/null
exim_run
send a2@mxexpired.test; exim_run
send a3@mxexpired.test; exim_run
is "$(queued_for mxexpired.test)" 0 "receiver fixed: all three delivered"

# --- enforce, valid: success
send e1@enforce.test; exim_run
# --- enforce, one of two MX hosts not in the policy (spoofed MX)
send s1@spoof.test; exim_run
# --- enforce without STARTTLS: deferred (last: each queue run retries it)
send n1@mxnotls.test; exim_run
is "$(queued_for n1@mxnotls.test)" 1 "enforce, no STARTTLS: deferred"

# --- dry run: the JSON as it would be sent, nothing sent
R report --open "$DAY" --dry-run >"$W/dry.json" 2>"$W/dry.err"
is "$?" 0 "report --dry-run exits 0"
dry=$($CHECK json "$W/dry.json")
is "$?" 0 "dry-run reports pass the RFC 8460 schema"
is "$(echo "$dry" | grep '^mxexpired.test ')" \
    "mxexpired.test sts ok=3 fail=2 certificate-expired:2:mx.mxexpired.test:certificate has expired" \
    "3 successes and 2 certificate-expired failures on one MX, exactly"
like "$(echo "$dry" | grep '^testing.test ')" "^testing.test sts ok=0 fail=1 certificate-expired:1:mx.testing.test" \
    "testing + expired certificate: delivered, reported as a failure"
is "$(echo "$dry" | grep '^enforce.test ')" "enforce.test sts ok=1 fail=0 " "enforce + valid certificate: one success"
like "$(echo "$dry" | grep '^mxnotls.test ')" "starttls-not-supported:1:mx.mxnotls.test" \
    "enforce, no STARTTLS: starttls-not-supported"
is "$(echo "$dry" | grep '^spoof.test ')" \
    "spoof.test sts ok=1 fail=1 validation-failure:1:mx.attacker.test:mx-not-in-policy" \
    "spoofed MX: never used, reported as validation-failure mx-not-in-policy"
is "$(ls "$W/mail/reports" | grep -vc '^\.')" 0 "dry run sent nothing"
[ -d "$W/mail/https-rua" ] && is "$(ls "$W/mail/https-rua" | grep -c body)" 0 "dry run posted nothing"

# --- the real run: mail through Exim, POST to the https rua
R report --open "$DAY" >"$W/run1.out" 2>&1
is "$?" 0 "report run exits 0"
like "$(grep '^'"$DAY"' mxexpired.test ' "$W/run1.out")" "sent mailto:tlsrpt@reports.test" "report mail handed to Exim"
like "$(grep '^'"$DAY"' enforce.test .*https' "$W/run1.out")" "sent https://mta-sts.reports.test/tlsrpt" "report POSTed to the https rua"
exim_run
got=$(grep -l '^TLS-Report-Domain: mxexpired.test' "$W/mail/reports"/* 2>/dev/null | head -1)
ok "$([ -n "$got" ]; echo $?)" "the report mail for mxexpired.test reached the rua mailbox"
mailsum=$($CHECK mail "$W/mail/reports"/*)
is "$?" 0 "every report mail: headers, MIME, gzip, schema, names agree (RPT-51 (RFC 8460 §5.3)..62)"
is "$(echo "$mailsum" | grep '^mxexpired.test ')" \
    "mxexpired.test sts ok=3 fail=2 certificate-expired:2:mx.mxexpired.test:certificate has expired" \
    "mailed report: 3 successes, 2 certificate-expired on mx.mxexpired.test"
postsum=$($CHECK post "$W/mail/https-rua")
is "$?" 0 "the POSTed report: application/tlsrpt+gzip, schema-valid"
is "$postsum" "enforce.test sts ok=1 fail=0 " "POSTed report counts what was delivered"
n_mail=$(ls "$W/mail/reports" | grep -vc '^\.')
is "$(grep -c '^TLS-Report-Domain:' "$W/mail/reports"/* | awk -F: '{s+=$2} END {print s}')" "$n_mail" \
    "every message at the rua mailbox is a report"
like "$(echo "$mailsum" | grep -c '^reports.test')" "^0$" \
    "the report sessions themselves are not reported (RPT-17, RFC 8460 §3)"

# --- once only: later runs send nothing again
R report --open "$DAY" >"$W/run2.out" 2>&1
exim_run
is "$(ls "$W/mail/reports" | grep -vc '^\.')" "$n_mail" "second run: no mail sent again"
is "$(ls "$W/mail/https-rua" | grep -c body)" 1 "second run: no POST again"
like "$(grep ' mxexpired.test ' "$W/run2.out")" "already-sent" "second run says already-sent"

done_testing
