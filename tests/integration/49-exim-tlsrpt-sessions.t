#!/bin/bash
# SPDX-License-Identifier: ISC
# 49-exim-tlsrpt-sessions.t - TLS-RPT from the real Exim counts SMTP
# sessions (RFC 8460 §4.2.2), exactly once, including the ones Exim
# hands on to the next waiting message (continued connections); gives
# certificate failures OpenSSL's verification error as their
# failure-reason-code; delivers report mail (TLS-Required: No) without
# enforcement, keeping its TLS (RFC 8460 §3), and does not count it.
# The dlfunc config, then the ${run} config. Own network namespace.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
. tests/lib/exim.sh
. tests/lib/exim_attacks.sh
need_mta exim4
own_netns "$@"
world_up
CHECK="/usr/bin/python3 tests/tlsrpt/check.py"
DAY=$(date -u +%F)
summary() {
	"$MTASTS_BIN" -c "$X/mtasts.conf" report --dry-run --open "$DAY" |
	    $CHECK json /dev/stdin
}
# sessions_in_log DOMAIN: SMTP sessions Exim opened for DOMAIN's
# deliveries (a continued connection is logged with "]*").
sessions_in_log() { mainlog | grep -F "=> " | grep -F "@$1 " | grep -vc '\]\* ' || true; }
continued_in_log() { mainlog | grep -F "=> " | grep -F "@$1 " | grep -c '\]\* ' || true; }

# waiting DOMAIN N: N messages for DOMAIN that wait for its MX (deferred
# once while the receiver is down), then one queue run delivers them.
waiting() {
	"$WORLD_BIN/world.sh" smtp stop "$W" good
	for i in $(seq "$2"); do send "w$i@$1"; done
	exim_run
	"$WORLD_BIN/world.sh" smtp start "$W" good
	exim_run
}

for cfg in exim4-mtasts.conf exim4-mtasts-run.conf; do
	EXIM_EXAMPLE=$(pwd)/conf-examples/exim/$cfg
	[ -d "$W/exim" ] && mv "$W/exim" "$W/exim.$$.$cfg"
	rm -rf "$W/mail/good"/* "$W/mail/expired"/*
	exim_setup
	echo "# $cfg"

	# A testing domain (normal transport): one verified session carries
	# three waiting messages.
	waiting testing-good.test 3
	is "$(got good "w[0-9]*@testing-good.test")" 3 "$cfg: testing, 3 waiting messages delivered"
	is "$(sessions_in_log testing-good.test)/$(continued_in_log testing-good.test)" "1/2" \
	    "$cfg: over one SMTP session (two messages on the continued connection)"
	like "$(summary | grep '^testing-good.test ')" "^testing-good.test sts ok=1 fail=0" \
	    "$cfg: TLS-RPT counts that session exactly once"

	# An enforce domain: no connection is passed on (hosts_nopass_tls),
	# each message is its own verified session, each counted once.
	waiting enforce.test 3
	is "$(got good "w[0-9]*@enforce.test")" 3 "$cfg: enforce, 3 waiting messages delivered"
	n=$(sessions_in_log enforce.test)
	is "$n/$(continued_in_log enforce.test)" "3/0" "$cfg: enforce: 3 sessions, none continued"
	like "$(summary | grep '^enforce.test ')" "^enforce.test sts ok=$n fail=0" \
	    "$cfg: TLS-RPT counts every one of them"

	# Report mail itself (TLS-Required: No) to an enforce domain whose MX
	# certificate has expired: delivered without enforcement, over TLS.
	printf 'From: tlsrpt@sender.test\nTo: r@mxexpired.test\nTLS-Required: No\nSubject: Report Domain: mxexpired.test\n\nreport\n' |
	    exim -odq -f tlsrpt@sender.test r@mxexpired.test
	exim_run
	f=$(grep -l '^X-Rcpt-To: r@mxexpired.test' "$W/mail/expired"/* 2>/dev/null | head -1)
	is "$(grep -c '^X-TLS: yes' "$f" 2>/dev/null)" 1 \
	    "$cfg: TLS-Required: No to a bad certificate: delivered, TLS kept (not vetoed into clear text)"
	is "$(summary | grep -c '^mxexpired.test ')" 0 "$cfg: and not counted (RFC 8460 §3)"
done

# failure-reason-code (the dlfunc config judges the chain with OpenSSL).
mv "$W/exim" "$W/exim.run"
EXIM_EXAMPLE=$(pwd)/conf-examples/exim/exim4-mtasts.conf
exim_setup
for d in mxexpired mxwrongname mxuntrusted; do send "f@$d.test"; done
exim_run
sum=$(summary)
is "$(echo "$sum" | grep '^mxexpired.test ')" \
    "mxexpired.test sts ok=0 fail=1 certificate-expired:1:mx.mxexpired.test:certificate has expired" \
    "expired: failure-reason-code is OpenSSL's error"
is "$(echo "$sum" | grep '^mxwrongname.test ')" \
    "mxwrongname.test sts ok=0 fail=1 certificate-host-mismatch:1:mx.mxwrongname.test:hostname mismatch" \
    "wrong name: hostname mismatch"
is "$(echo "$sum" | grep '^mxuntrusted.test ')" \
    "mxuntrusted.test sts ok=0 fail=1 certificate-not-trusted:1:mx.mxuntrusted.test:unable to get local issuer certificate" \
    "other CA: unable to get local issuer certificate"

done_testing
