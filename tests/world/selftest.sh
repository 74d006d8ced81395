#!/bin/bash
# SPDX-License-Identifier: ISC
# selftest.sh - check that the test world itself behaves as designed:
# brings it up in a temporary directory, asks its DNS (dig), its policy
# hosts (curl) and its SMTP receivers (openssl s_client, python smtplib)
# about a sample of the scenarios, exercises set-txt / set-policy /
# https stop|start / smtp stop|start, and tears it down on any exit.
# Prints TAP. usage: [WORLD_NET=127.0.N] tests/world/selftest.sh
# (no mtasts build needed; WORLD_NET runs it beside a world on 127.0.10)
set -uo pipefail   # no -e: a failed check is reported, not fatal
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/netns.sh"
WORLD=$HERE/world.sh
PY=/usr/bin/python3
export WORLD_NET=${WORLD_NET:-127.0.10}
NET=$WORLD_NET

N=0 FAILED=0
ok() { # ok STATUS NAME...
	local st=$1; shift
	N=$((N + 1))
	if [ "$st" = 0 ]; then echo "ok $N - $*"; else echo "not ok $N - $*"; FAILED=$((FAILED + 1)); fi
}
is() { # is GOT WANT NAME...
	local got=$1 want=$2; shift 2
	if [ "$got" = "$want" ]; then ok 0 "$@"; else
		ok 1 "$@"; printf '#   got: %s\n#  want: %s\n' "$got" "$want"; fi
}
like() { # like GOT REGEX NAME...
	local got=$1 re=$2; shift 2
	# not grep -q: it may exit before printf has written all, and
	# pipefail would take the SIGPIPE for a mismatch
	if printf '%s' "$got" | grep -E -- "$re" >/dev/null; then ok 0 "$@"; else
		ok 1 "$@"; printf '#   got: %s\n#  want match: %s\n' "$got" "$re"; fi
}

D=$(mktemp -d "${TMPDIR:-/tmp}/world-selftest.XXXXXX")
cleanup() { "$WORLD" down "$D" >/dev/null 2>&1 || true; rm -rf "$D"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- up
t0=$(date +%s.%N)
if ! "$WORLD" up "$D" >"$D.log" 2>&1; then
	echo "Bail out! world did not come up: $(tail -3 "$D.log")"
	rm -f "$D.log"
	exit 1
fi
rm -f "$D.log"
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
ok 0 "world up in ${secs}s"
. "$D/env"
is "$WORLD_DIR" "$D" "env: WORLD_DIR"
is "$WORLD_DNS" "$NET.1@5353" "env: WORLD_DNS"
is "$WORLD_CA" "$D/ca/ca.pem" "env: WORLD_CA"
is "$WORLD_HTTPS_IP" "$NET.2" "env: WORLD_HTTPS_IP"
is "$(grep -v '^#' "$D/mtasts.conf")" "cache_file = $D/cache.tdb
dns_upstream = $NET.1@5353
ca_file = $D/ca/ca.pem
mx_ca_file = $D/ca/ca.pem
fetch_timeout = 3
connect_timeout = 2
dns_min_ttl = 0
results_file = $D/results.tdb
report_contact = postmaster@sender.test
report_org_name = mtasts test world
allow_networks = $NET.0/24" "mtasts.conf has exactly the expected keys"

# --- DNS
q() { dig @$NET.1 -p 5353 +time=2 +tries=1 "$@"; }
CA=$WORLD_CA
is "$(q +short TXT _mta-sts.enforce.test)" '"v=STSv1; id=1"' "dns: enforce TXT"
is "$(q +tcp +short TXT _mta-sts.enforce.test)" '"v=STSv1; id=1"' "dns: enforce TXT over TCP"
is "$(q +noall +answer TXT _mta-sts.enforce.test | awk '{print $2}')" 1 "dns: _mta-sts TXT has TTL 1"
is "$(q +short MX enforce.test)" "10 mx.enforce.test." "dns: enforce MX"
is "$(q +short A mx.enforce.test)" "$NET.11" "dns: MX host A -> valid receiver"
is "$(q +short A mta-sts.enforce.test)" "$NET.2" "dns: mta-sts host A -> nginx"
like "$(q +short TXT _smtp._tls.enforce.test)" 'rua=mailto:tlsrpt@reports\.test,https://mta-sts\.reports\.test/tlsrpt' "dns: enforce TLSRPT with mailto and https rua"
is "$(q +short TXT _smtp._tls.none.test)" '"v=TLSRPTv1; rua=mailto:tlsrpt@reports.test"' "dns: TLSRPT record elsewhere"
is "$(q +short MX reports.test)" "10 mx.reports.test." "dns: reports.test MX"
is "$(q +short TXT _mta-sts.nopolicy.test)" "" "dns: nopolicy has no TXT"
is "$(q +short TXT _mta-sts.multistring.test)" '"v=STSv1; id=2016" "0831085700Z;"' "dns: multistring TXT is two strings"
like "$(q +noall +answer TXT _mta-sts.cname.test)" 'CNAME[[:space:]]+_mta-sts\.enforce\.test\..*' "dns: cname TXT via CNAME"
is "$(q +short TXT _mta-sts.duptxt.test | grep -c STSv1)" 2 "dns: duptxt has two v=STSv1 records"
is "$(q +short TXT _mta-sts.badtxt.test)" '"v=STSv1; bogus"' "dns: badtxt"
is "$(q +short MX spoof.test | sort -n | tr '\n' ' ')" "10 mx.attacker.test. 20 mx.spoof-good.test. " "dns: spoof MX order"
is "$(q +short MX implicit.test)/$(q +short A implicit.test)" "/$NET.11" "dns: implicit has no MX, an A"
is "$(q +short MX shared1.test)/$(q +short MX shared2.test)" "10 mx.shared.test./10 mx.shared.test." "dns: shared1 and shared2 share an MX"

# --- HTTPS policy hosts
get() { # get DOMAIN [curl args]: fetch the policy of DOMAIN from nginx
	local d=$1; shift
	curl -sS --max-time 5 --cacert "$CA" --resolve "mta-sts.$d:443:$NET.2" "$@" \
		"https://mta-sts.$d/.well-known/mta-sts.txt"
}
is "$(get enforce.test)" "version: STSv1
mode: enforce
mx: mx.enforce.test
max_age: 86400" "https: enforce policy"
like "$(grep -c '^mta-sts.enforce.test /.well-known/mta-sts.txt 200$' "$D/nginx/access.log")" '^1$' "https: access log line '\$host \$request_uri \$status'"
like "$(get testing.test)" 'mode: testing' "https: testing policy"
like "$(get none.test)" 'mode: none' "https: none policy"
is "$(get redirect.test -o /dev/null -w '%{http_code} %{redirect_url}')" \
	"301 https://mta-sts.enforce.test/.well-known/mta-sts.txt" "https: redirect 301 to another host"
is "$(get notfound.test -o /dev/null -w '%{http_code}')" 404 "https: notfound 404"
is "$(get error500.test -o /dev/null -w '%{http_code}')" 500 "https: error500 500"
is "$(get mediatype.test -o /dev/null -w '%{content_type}')" "application/octet-stream" "https: mediatype application/octet-stream"
is "$(get enforce.test -o /dev/null -w '%{content_type}')" "text/plain" "https: text/plain elsewhere"
size=$(get oversized.test -o /dev/null -w '%{size_download}')
like "$size" '^[0-9]+$' "https: oversized fetched ($size bytes)"
[ "$size" -gt 65536 ] && [ "$size" -lt 102400 ]; ok $? "https: oversized is over 64 KiB"
like "$(get oversized.test 2>/dev/null | head -4)" '^version: STSv1' "https: oversized has a valid prefix"
get slow.test --max-time 3 -o /dev/null 2>/dev/null; rc=$?
is "$rc" 28 "https: slow does not finish within fetch_timeout (3 s)"
like "$(get badpolicy.test)" 'max_age: 31557601' "https: badpolicy served"
for d in untrusted wrongname expired; do
	err=$(get "$d.test" -o /dev/null 2>&1); rc=$?
	is "$rc" 60 "https: $d.test policy host fails verification ($(echo "$err" | head -1 | cut -c1-70))"
done
get expired.test -k -o /dev/null; rc=$?
is "$rc" 0 "https: expired.test served when not verifying (so the failure is the cert)"

# --- SMTP receivers
# tls IP NAME: verify the STARTTLS certificate of IP for NAME against the CA
tls() {
	openssl s_client -starttls smtp -connect "$1:25" -servername "$2" \
		-verify_hostname "$2" -verify_return_error -CAfile "$CA" -showcerts \
		</dev/null 2>&1
}
out=$(tls $NET.11 mx.enforce.test); rc=$?
is "$rc/$(echo "$out" | grep -m1 -o 'Verify return code: 0 (ok)')" "0/Verify return code: 0 (ok)" "smtp: valid receiver verifies for mx.enforce.test"
out=$(tls $NET.11 mx.shared.test); rc=$?
is "$rc" 0 "smtp: valid receiver verifies for mx.shared.test"
out=$(tls $NET.16 mx1.wildcard.test); rc=$?
is "$rc" 0 "smtp: wildcard receiver verifies for mx1.wildcard.test"
like "$(echo "$out" | openssl x509 -noout -ext subjectAltName 2>/dev/null)" 'DNS:\*\.wildcard\.test' "smtp: wildcard cert is *.wildcard.test"
out=$(tls $NET.17 mx.chain.test); rc=$?
is "$rc/$(echo "$out" | grep -c 'BEGIN CERTIFICATE')" "0/2" "smtp: chain receiver sends leaf + intermediate and verifies"
out=$(tls $NET.18 mx.attacker.test); rc=$?
is "$rc" 0 "smtp: attacker receiver has a valid cert for its own name"
out=$(tls $NET.12 mx.mxwrongname.test); rc=$?
is "$rc" 1 "smtp: wrongname receiver: handshake refused"
like "$out" 'Hostname mismatch|verify error:num=62' "smtp: ... because of the name"
out=$(tls $NET.13 mx.mxexpired.test); rc=$?
is "$rc" 1 "smtp: expired receiver: handshake refused"
like "$out" 'certificate has expired' "smtp: ... because the certificate has expired"
out=$(tls $NET.13 mx.testing.test); rc=$?
is "$rc" 1 "smtp: testing.test MX (the expired receiver): handshake refused"
like "$out" 'certificate has expired' "smtp: ... because the certificate has expired"
out=$(tls $NET.14 mx.mxuntrusted.test); rc=$?
is "$rc" 1 "smtp: untrusted receiver: handshake refused"
like "$out" 'unable to get local issuer' "smtp: ... because its CA is not the test CA"
ehlo() { # ehlo IP: the EHLO keywords
	$PY -c 'import smtplib,sys
s=smtplib.SMTP(sys.argv[1],25,timeout=5); s.ehlo("selftest")
print(" ".join(sorted(s.esmtp_features))); s.quit()' "$1"
}
like "$(ehlo $NET.11)" 'starttls' "smtp: valid receiver offers STARTTLS"
out=$(ehlo $NET.15)
if echo "$out" | grep starttls >/dev/null; then ok 1 "smtp: notls receiver offers no STARTTLS ($out)"; else ok 0 "smtp: notls receiver offers no STARTTLS"; fi

# send IP FROM TO [tls]: one message by smtplib
send() {
	$PY -c 'import smtplib,ssl,sys
ip,frm,to=sys.argv[1:4]
s=smtplib.SMTP(ip,25,timeout=5); s.ehlo("selftest.test")
if len(sys.argv)>4:
    c=ssl.create_default_context(cafile=sys.argv[5]); c.check_hostname=False  # chain checked, name by s_client above
    s.starttls(context=c); s.ehlo("selftest.test")
s.sendmail(frm,[to],"Subject: selftest\r\n\r\nhello from selftest\r\n"); s.quit()' "$@"
}
send $NET.11 a@sender.test u@enforce.test tls "$CA"; rc=$?
ok "$rc" "smtp: delivery over STARTTLS to the valid receiver"
f=$(ls "$D/mail/good" | grep -v '^\.' | head -1)
m=$(cat "$D/mail/good/$f" 2>/dev/null || true)
like "$m" 'X-Rcpt-To: u@enforce\.test' "smtp: message saved in mail/good with X-Rcpt-To"
like "$m" 'X-Mail-From: a@sender\.test' "smtp: ... X-Mail-From"
like "$m" 'X-TLS: yes' "smtp: ... X-TLS: yes"
like "$m" 'hello from selftest' "smtp: ... and the data"
send $NET.15 a@sender.test u@mxnotls.test; rc=$?
ok "$rc" "smtp: plain delivery to the notls receiver"
like "$(cat "$D"/mail/notls/[0-9]* 2>/dev/null)" 'X-TLS: no' "smtp: ... saved with X-TLS: no"

# --- changing the world
"$WORLD" set-txt "$D" idbump.test "v=STSv1; id=42"; rc=$?
ok "$rc" "set-txt returns 0"
is "$(q +short TXT _mta-sts.idbump.test)" '"v=STSv1; id=42"' "set-txt: new TXT served at once"
is "$(q +short TXT _mta-sts.enforce.test)" '"v=STSv1; id=1"' "set-txt: other domains unchanged"
printf 'version: STSv1\nmode: testing\nmx: mx.idbump.test\nmax_age: 60\n' >"$D/p"
"$WORLD" set-policy "$D" idbump.test "$D/p"
like "$(get idbump.test)" 'mode: testing' "set-policy: new body served"
"$WORLD" https stop "$D"
get down.test -o /dev/null 2>/dev/null; rc=$?
is "$rc" 7 "https stop: policy host refuses connections"
is "$(q +short TXT _mta-sts.down.test)" '"v=STSv1; id=1"' "https stop: DNS still up"
"$WORLD" https start "$D"
like "$(get down.test)" 'mode: enforce' "https start: served again"
"$WORLD" smtp stop "$D" good
ehlo $NET.11 >/dev/null 2>&1; rc=$?
[ "$rc" != 0 ]; ok $? "smtp stop good: receiver gone"
"$WORLD" smtp start "$D" good
like "$(ehlo $NET.11)" 'starttls' "smtp start good: back"
"$WORLD" smtp fix "$D" expired
out=$(tls $NET.13 mx.mxexpired.test); rc=$?
is "$rc" 0 "smtp fix expired: now a valid certificate"
"$WORLD" smtp start "$D" expired

# --- down
pids=$(cat "$D"/pids/*.pid)
"$WORLD" down "$D"; rc=$?
ok "$rc" "down returns 0"
alive=""
for p in $pids; do
	if [ -e /proc/$p ] && ! grep -q '^[0-9]* ([^)]*) Z' /proc/$p/stat 2>/dev/null; then alive="$alive $p"; fi
done
is "$alive" "" "down: every started process is gone"
busy=$(ss -Hltun 2>/dev/null | awk '{print $5}' | grep -E "^${NET//./\\.}\\.(1|2|5|1[1-9]):(53|5353|443|25)\$" || true)
is "$busy" "" "down: ports free"
"$WORLD" down "$D"; rc=$?
ok "$rc" "down again: idempotent"

echo "1..$N"
[ "$FAILED" = 0 ]
