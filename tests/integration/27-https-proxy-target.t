#!/bin/bash
# SPDX-License-Identifier: ISC
# 27-https-proxy-target.t - where the https_proxy tunnel goes: to the
# address mtasts resolved and checked itself (DESIGN 17 through the
# proxy), for the policy fetch (RFC 8461 §3.3) and the TLS-RPT POST
# (RFC 8460 §5.4). A proxy that logs each request line exactly
# (tests/world/connectproxy.py). 27-https-proxy.t covers the rest with
# Debian's tinyproxy (certificate end to end, dead proxy, environment,
# bad values).
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
world_up
T0=$(( $(date -u +%s) / 86400 * 86400 - 86400 ))
PX=${WORLD_NET}.250
/usr/bin/python3 tests/world/connectproxy.py "$PX" 3128 "$W/proxy.log" >"$W/proxy.out" 2>&1 &
PXPID=$!
trap 'kill $PXPID 2>/dev/null; world_down' EXIT
for _ in $(seq 50); do grep -q ready "$W/proxy.out" 2>/dev/null && break; sleep 0.1; done
touch "$W/proxy.log"

# conf LINES...: the world's config with these lines instead of its own.
conf() {
	{ grep -vE '^(https_proxy|allow_networks)' "$CONF"; printf '%s\n' "$@"; } >"$W/p.conf"
}
P() { "$MTASTS_BIN" -c "$W/p.conf" "$@"; }
tunnels() { grep -c "^CONNECT " "$W/proxy.log"; }

conf "https_proxy = http://$PX:3128" "allow_networks = ${WORLD_NET}.0/24"
out=$(P --json policy enforce.test 2>"$W/err")
is "$(jget "$out" mode)/$(jget "$out" source)" "enforce/fetched" "through the proxy: policy fetched"
is "$(grep '^CONNECT ' "$W/proxy.log")" "CONNECT $WORLD_HTTPS_IP:443 HTTP/1.1" \
    "the proxy was asked for a tunnel to the address mtasts resolved (not the name)"
is "$(fetches enforce.test)" 1 "the policy host served it once"

# DESIGN 17 through the proxy: the target is checked before CONNECT.
conf "https_proxy = http://$PX:3128"
P cache drop enforce.test >/dev/null 2>&1
n=$(tunnels)
out=$(P --json policy enforce.test 2>/dev/null)
is "$(jget "$out" result)" "sts-policy-fetch-error" "proxy, loopback policy host not in allow_networks: refused"
like "$(jget "$out" reason)" "refused to connect to $WORLD_HTTPS_IP, a loopback address" "the reason names the address"
is "$(tunnels)" "$n" "the proxy was never asked"

# The TLS-RPT POST to the world's https rua, through the proxy.
conf "https_proxy = http://$PX:3128" "allow_networks = ${WORLD_NET}.0/24"
sed -i 's/^sendmail.*/sendmail = \/bin\/true/' "$W/p.conf"
grep -q '^sendmail' "$W/p.conf" || echo "sendmail = /bin/true" >>"$W/p.conf"
n=$(tunnels)
P --now $((T0 + 3600)) record enforce.test success mx.enforce.test 127.0.10.11 127.0.0.1
P --now $((T0 + 86400 + 60)) report >"$W/run" 2>&1
is "$(ls "$W/mail/https-rua" 2>/dev/null | grep -c body)" 1 "TLS-RPT report POSTed through the proxy"
is "$(( $(tunnels) - n ))" 1 "one tunnel for it"

done_testing
