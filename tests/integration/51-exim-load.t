#!/bin/bash
# SPDX-License-Identifier: ISC
# 51-exim-load.t - the real Exim under load, dlfunc config: five enforce
# domains sharing one verified MX (load1..load5.test -> mx.shared.test)
# with ten messages each waiting in the queue, a testing domain's queue
# beside them, and a sixth enforce domain whose MX name is a CNAME to the
# same host (loadvictim.test, a certificate that does not name it). One
# queue run: every enforce message delivered over a session verified for
# its own MX name, the victim none; every SMTP session counted exactly
# once for TLS-RPT (the receiver's handshakes, Exim's log, the report
# agree). Own network namespace.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
. tests/lib/exim.sh
. tests/lib/exim_attacks.sh
need_mta exim4
own_netns "$@"
world_up
exim_setup
DOMAINS="load1 load2 load3 load4 load5"

# Everything waits: the MX is down for the first queue run.
"$WORLD_BIN/world.sh" smtp stop "$W" good
for i in $(seq 10); do
	for d in $DOMAINS testing-good; do send "m$i@$d.test"; done
	send "m$i@loadvictim.test"
done
exim_run
is "$(queued)" 70 "70 messages waiting"
"$WORLD_BIN/world.sh" smtp start "$W" good
exim_run

delivered=$(cat "$W/mail/good"/* | grep -c '^X-Rcpt-To: m[0-9]*@load[1-5].test')
is "$delivered" 50 "all 50 enforce messages delivered"
is "$(got good "m[0-9]*@testing-good.test")" 10 "all 10 testing messages delivered"
is "$(got good "m[0-9]*@loadvictim.test")" 0 "the CNAME victim: nothing delivered"
is "$(queued)" 10 "only the victim's 10 messages still queued"
unverified=0
for f in $(grep -l '^X-Rcpt-To: m[0-9]*@load[1-5].test' "$W/mail/good"/*); do
	grep -q '^X-TLS: yes' "$f" && grep -q '^X-TLS-SNI: mx.shared.test' "$f" ||
	    unverified=$((unverified + 1))
done
is "$unverified" 0 "every enforce message over TLS, SNI the MX name"
log=$(mainlog | grep -F '=> ' | grep -E '@load[1-5]\.test ')
is "$(echo "$log" | grep -c 'T=mtasts_smtp .*CV=yes')" 50 "every enforce delivery through mtasts_smtp, CV=yes"
is "$(echo "$log" | grep -c '\]\* ')" 0 "no enforce message on a continued connection"

# Sessions: the receiver's TLS handshakes for mx.shared.test, Exim's
# sessions, and the TLS-RPT counts are one and the same number.
hs=$(grep -c '^tls-handshake sni=mx.shared.test$' "$W/logs/smtp-good.log")
sum=$("$MTASTS_BIN" -c "$X/mtasts.conf" report --dry-run --open "$(date -u +%F)" |
    /usr/bin/python3 tests/tlsrpt/check.py json /dev/stdin)
ok_sum=0
for d in $DOMAINS; do
	n=$(echo "$sum" | sed -n "s/^$d.test sts ok=\([0-9]*\) fail=0 *$/\1/p")
	ok_sum=$((ok_sum + ${n:-0}))
done
is "$ok_sum" "$hs" "TLS-RPT successes for load1..5 = the receiver's handshakes for mx.shared.test ($hs)"
is "$ok_sum" 50 "one session per enforce message, each counted once"
t_sessions=$(mainlog | grep -F '=> ' | grep -F '@testing-good.test ' | grep -vc '\]\* ')
like "$(echo "$sum" | grep '^testing-good.test ')" "^testing-good.test sts ok=$t_sessions fail=0" \
    "testing domain: its $t_sessions sessions (continued connections carried the rest) counted once each"
like "$(echo "$sum" | grep '^loadvictim.test ')" "^loadvictim.test sts ok=0 fail=" \
    "the victim's refused sessions are failures, never successes"

done_testing
