#!/bin/bash
# SPDX-License-Identifier: ISC
# 48-exim-run-attacks.t - issue 13 against the real Exim 4.96 with the
# ${run} config (conf-examples/exim/exim4-mtasts-run.conf): the cases of
# 47-exim-attacks.t, and one decision per address: a DNS failure burst
# between two `mtasts route` calls cannot send an enforce domain down
# the normal router. Runs in its own network namespace.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
EXIM_EXAMPLE=$(pwd)/conf-examples/exim/exim4-mtasts-run.conf
. tests/lib/exim.sh
. tests/lib/exim_attacks.sh
need_mta exim4
own_netns "$@"
world_up
exim_setup
# The sender's own addresses: 127.0.0.1 only, as Debian's default
# (dc_local_interfaces), so that the private MX address this test puts
# on lo is a remote host to Exim, not itself.
sed -i '1i local_interfaces = <; 127.0.0.1' "$X/exim.conf"

# 2. The burst: every second `mtasts route` call comes after the TXT
# answer's TTL (1 s in the world) and sees the world's DNS answer
# SERVFAIL (faultd), as a resolver failing between two calls would.
# age0bad.test is enforce with no MX allowed and max_age 0 (never
# cached), so under SERVFAIL a lookup finds no policy at all (DESIGN 8).
sed "s|^dns_upstream = .*|dns_upstream = $WORLD_NET.3@5353|" "$X/mtasts.conf" >"$X/mtasts-servfail.conf"
chmod 644 "$X/mtasts-servfail.conf"
cat >"$X/mtasts-burst" <<EOS
#!/bin/sh
# SPDX-License-Identifier: ISC
# the real mtasts-run; every second route call during a SERVFAIL burst
if [ "\$3" = route ]; then
	n=\$(cat "$X/route-calls" 2>/dev/null || echo 0); n=\$((n + 1))
	echo "\$n" >"$X/route-calls"
	if [ \$((n % 2)) = 0 ]; then
		/bin/sleep 1.2
		shift 2               # -c CONF: the burst's own config instead
		exec "$MTASTS_BIN" -c "$X/mtasts-servfail.conf" "\$@"
	fi
fi
exec "$EXIM_MTASTS_RUN_BIN" "\$@"
EOS
chmod 755 "$X/mtasts-burst"
"$MTASTS_BIN" -c "$X/mtasts-servfail.conf" route --exim age0bad.test >/dev/null 2>&1
is "$?" 2 "under the burst, mtasts finds no policy for age0bad.test (exit 2)"
rm -f "$X/route-calls"
sed -i "s|^MTASTS_RUN_BIN = .*|MTASTS_RUN_BIN = $X/mtasts-burst|" "$X/exim.conf"
send d@age0bad.test
exim_run
is "$(got attacker d@age0bad.test)" 0 "DNS burst between router calls: nothing to the MX the policy refuses"
is "$(queued_for d@age0bad.test)" 1 "deferred"
like "$(mainlog | grep 'd@age0bad.test' | tail -1)" "R=mtasts_defer defer .*mtasts exit 3" "by the one decision: no MX allowed"
is "$(cat "$X/route-calls")" 1 "one mtasts route call for the address"
sed -i "s|^MTASTS_RUN_BIN = .*|MTASTS_RUN_BIN = $EXIM_MTASTS_RUN_BIN|" "$X/exim.conf"

attack_continued
attack_cn_only
attack_null_mx
attack_loopback
attack_private
attack_sni
attack_not_hostname
is "$(mainlog | grep -c '\*\* ')" 0 "nothing bounced"

done_testing
