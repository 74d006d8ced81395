#!/bin/bash
# SPDX-License-Identifier: ISC
# 42-exim-debian.t - the drop-ins for Debian's split configuration
# (conf-examples/exim/conf.d) assemble with update-exim4.conf, parse, and
# route an enforce domain through mtasts ahead of Debian's dnslookup,
# and, delivering with the real Exim into the test world, hold against
# issue 13's attacks (tests/lib/exim_attacks.sh). Debian's "internet"
# configuration type; its own dnslookup router and the drop-ins share
# ROUTER_DNSLOOKUP_IGNORE_TARGET_HOSTS, which the test sets as the
# other Exim tests set MTASTS_IGNORE_TARGET_HOSTS (the world's /24 out).
# Runs in its own network namespace.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
. tests/lib/exim.sh
. tests/lib/exim_attacks.sh
if ! command -v update-exim4.conf >/dev/null || ! unshare -m true 2>/dev/null ||
    nm -D "$EXIM_SO" 2>/dev/null | grep -q __asan_init; then
	echo "1..0 # SKIP needs Debian's exim4, unshare, and a non-ASan .so"; exit 0
fi
own_netns "$@"
world_up
exim_setup
T=$X/split
mkdir -p "$T"
cp -a /etc/exim4/conf.d "$T/"
sed -e "s/^dc_use_split_config=.*/dc_use_split_config='true'/" \
    -e "s/^dc_eximconfig_configtype=.*/dc_eximconfig_configtype='internet'/" \
    -e "s/^dc_local_interfaces=.*/dc_local_interfaces='127.0.0.1'/" \
    /etc/exim4/update-exim4.conf.conf >"$T/update-exim4.conf.conf"
for part in main router transport; do
	cp conf-examples/exim/conf.d/$part/* "$T/conf.d/$part/"
done
update-exim4.conf -d "$T" -o "$T/out.conf" >/dev/null 2>&1
ok $? "update-exim4.conf assembles the split config with the drop-ins"
{
	grep -q '^log_file_path' "$T/out.conf" || echo "log_file_path = $X/log/%slog"
	sed -e "s|^MTASTS_SO = .*|MTASTS_SO = $EXIM_SO|" \
	    -e "s|^exim_path = .*|exim_path = $EXIM_BIN|" \
	    -e "s|^spool_directory = .*|spool_directory = $X/spool|" \
	    -e "s|^log_file_path = .*|log_file_path = $X/log/%slog|" \
	    -e "s|^MTASTS_CONF = .*|MTASTS_CONF = $X/mtasts.conf|" \
	    -e "s|^MTASTS_MX_CA = .*|MTASTS_MX_CA = $W/ca/ca.pem|" \
	    -e "s|^ROUTER_DNSLOOKUP_IGNORE_TARGET_HOSTS = <; |&! $WORLD_NET.0/24 ; |" \
	    -e "s|^primary_hostname = .*|primary_hostname = sender.test|" "$T/out.conf"
} >"$X/exim.conf"
order=$(grep -nE '^(mtasts_enforce|dnslookup):' "$X/exim.conf" | cut -d: -f2 | tr '\n' ' ')
is "$order" "mtasts_enforce dnslookup " "mtasts_enforce comes before Debian's dnslookup"
out=$(exim -bt a@enforce.test 2>&1)
like "$out" "router = mtasts_enforce, transport = mtasts_smtp" "enforce domain routed by mtasts"
like "$out" "host mx.enforce.test" "to the allowed MX"
out=$(exim -bt a@notallowed.test 2>&1)
like "$out" "allows none of its MX" "no allowed MX: cannot be resolved at this time (defer)"
is "$(grep -c '^ROUTER_DNSLOOKUP_IGNORE_TARGET_HOSTS = ' "$X/exim.conf")" 2 \
    "one ignore list for both routers: the drop-in's, Debian's behind .ifndef"

# Delivering: issue 13's attacks, Debian's configuration with the drop-ins.
attack_continued
attack_cn_only
attack_null_mx
attack_loopback
attack_private
attack_sni
attack_not_hostname
out=$(exim -bt a@nopolicy.test 2>&1)
like "$out" "router = dnslookup" "no policy: Debian's own dnslookup router"
done_testing
