#!/bin/bash
# SPDX-License-Identifier: ISC
# valgrind-exim.sh - `make check-valgrind`: mtasts_exim.so under valgrind,
# loaded the way Exim loads it (tests/bench/exim_host.c: dlopen RTLD_LAZY as expand.c does,
# the dlfunc entry points, a fork as for the transport, tls:cert events
# deepest first) against every scenario of the test world, with every
# receiver's real certificate chain. Any invalid access, use of
# uninitialised memory or definite leak fails the run.
# (Exim itself cannot be the host here: under valgrind --trace-children
# the re-executed Exim 4.96 fails to parse its retry rules, so the e2e
# suite cannot run inside valgrind; this harness calls the same entries.)
cd "$(dirname "$0")/.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
B=${BUILD:-build}
SO=$B/mtasts_exim.so
HOST=$B/exim_host
VG="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --child-silent-after-fork=no"
world_up
domains=$("$WORLD_BIN/world.sh" domains "$W")
out=$($VG "$HOST" "$SO" "$CONF" route $domains 2>&1); rc=$?
is "$rc" 0 "route and mode for $(echo $domains | wc -w) domains, cold cache, then a fork: valgrind clean"
[ "$rc" = 0 ] || printf '%s\n' "$out" | grep '==' | head -40 | sed 's/^/# /'
like "$out" 'route enforce.test: rc=0 yield="mx.enforce.test"' "the .so routed enforce.test"
out=$($VG "$HOST" "$SO" "$CONF" route $domains 2>&1); rc=$?
is "$rc" 0 "the same, warm cache: valgrind clean"
# tls:cert with each receiver's chain, for an enforce and a testing domain
for pair in enforce.test:mx.enforce.test:good chain.test:mx.chain.test:chain \
    mxexpired.test:mx.mxexpired.test:expired mxwrongname.test:mx.mxwrongname.test:wrongname \
    mxuntrusted.test:mx.mxuntrusted.test:untrusted wildcard.test:mx1.wildcard.test:wildcard \
    testing.test:mx.testing.test:expired nopolicy.test:mx.nopolicy.test:good; do
	IFS=: read -r d h r <<<"$pair"
	out=$($VG "$HOST" "$SO" "$CONF" cert "$d" "$h" "$W/ca/smtp-$r.pem" 2>&1); rc=$?
	is "$rc" 0 "tls:cert $d with the $r chain: valgrind clean"
	[ "$rc" = 0 ] || printf '%s\n' "$out" | grep '==' | head -40 | sed 's/^/# /'
done
like "$($HOST "$SO" "$CONF" cert mxexpired.test mx.mxexpired.test "$W/ca/smtp-expired.pem")" \
    'veto="MTA-STS certificate-expired' "and it vetoes what it must"
done_testing
