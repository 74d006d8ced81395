#!/bin/bash
# SPDX-License-Identifier: ISC
# 52-exim-dane.t - DANE first (RFC 8461 §2), with the real Exim 4.96: the
# world's DNSSEC-signed zone dane.test (nsd, signed with ldns-signzone)
# holds TLSA records for MTA-STS enforce domains, and Exim resolves
# through a validating unbound (WORLD_DANE=1). For both shipped configs:
# DANE valid + MTA-STS enforce: delivered (CV=dane); DANE failing, PKIX
# and MTA-STS valid: deferred (MTA-STS never makes a failing DANE pass);
# TLSA present, PKIX bad: delivered by DANE (never refused for PKIX).
# Own network namespace.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
. tests/lib/exim.sh
. tests/lib/exim_attacks.sh
need_mta exim4 unbound
own_netns "$@"
WORLD_DANE=1 world_up

for cfg in exim4-mtasts.conf exim4-mtasts-run.conf; do
	EXIM_EXAMPLE=$(pwd)/conf-examples/exim/$cfg
	[ -d "$W/exim" ] && mv "$W/exim" "$W/exim.$cfg.old"
	exim_setup
	# DANE needs DNSSEC answers Exim can trust: the validating resolver,
	# glibc told to keep its AD bit, and Exim asking for DNSSEC.
	printf 'nameserver %s\noptions edns0 trust-ad\n' "$WORLD_RESOLVER" >"$X/resolv.conf"
	sed -i '1i dns_dnssec_ok = 1' "$X/exim.conf"
	for d in d1 d2 d3; do send "$d-$cfg@$d.dane.test"; done
	exim_run
	line() { mainlog | grep -F "=> $1" | tail -1; }
	is "$(got good "d1-$cfg@d1.dane.test")" 1 "$cfg: DANE valid + MTA-STS enforce: delivered"
	like "$(line "d1-$cfg@")" "T=mtasts_smtp .*CV=dane" "$cfg: verified by DANE"
	is "$(got good "d2-$cfg@d2.dane.test")" 0 "$cfg: DANE failing, PKIX valid: not delivered"
	is "$(queued_for "d2-$cfg@d2.dane.test")" 1 "$cfg: deferred, still queued"
	is "$(got untrusted "d3-$cfg@d3.dane.test")" 1 "$cfg: TLSA present, PKIX bad: delivered by DANE"
	like "$(line "d3-$cfg@")" "T=mtasts_smtp .*CV=dane" "$cfg: verified by DANE, not refused for PKIX"
	sum=$("$MTASTS_BIN" -c "$X/mtasts.conf" report --dry-run --open "$(date -u +%F)" 2>/dev/null |
	    /usr/bin/python3 tests/tlsrpt/check.py json /dev/stdin)
	is "$(echo "$sum" | grep -c '^d[123].dane.test sts')" 0 \
	    "$cfg: DANE sessions are not counted as MTA-STS (sts) sessions"
done

done_testing
