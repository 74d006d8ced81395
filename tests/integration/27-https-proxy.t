#!/bin/bash
# SPDX-License-Identifier: ISC
# 27-https-proxy.t - the https_proxy key (mtasts.conf(5)) with a real
# HTTP proxy, Debian's tinyproxy (downloaded and unpacked into
# $BUILD/tinyproxy, never installed: no service on the machine), run
# privately with the world's DNS as its resolver:
#   - with the key, the policy fetch goes through the proxy (CONNECT in
#     its log) and the policy applies; the certificate is still checked
#     end to end (a bad policy-host certificate is still refused);
#   - the key pointing at a dead proxy: the fetch fails (the key is used);
#   - the environment's https_proxy/HTTPS_PROXY/ALL_PROXY are ignored.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
need_mta
TP=${BUILD:-$(pwd)/build}/tinyproxy
if [ ! -x "$TP/root/usr/bin/tinyproxy" ]; then
	mkdir -p "$TP"
	rm -rf "$TP/root" "$TP"/*.deb
	if ! (cd "$TP" && host_net apt-get download tinyproxy-bin) >"$TP/download.log" 2>&1 ||
	    ! dpkg -x "$TP"/tinyproxy-bin_*.deb "$TP/root"; then
		skip_all "cannot download tinyproxy-bin: $(grep -E '^(E|Err):' "$TP/download.log" | head -1)"
	fi
fi
world_up
P=$W/proxy
PROXY_IP=$WORLD_NET.40
mkdir -p "$P"
chmod 755 "$W"
echo "nameserver $WORLD_DNS_IP" >"$P/resolv.conf"
cat >"$P/tinyproxy.conf" <<EOF
User nobody
Group nogroup
Port 3128
Listen $PROXY_IP
Timeout 30
LogFile "$P/log"
LogLevel Connect
PidFile "$P/pid"
MaxClients 10
Allow 127.0.0.0/8
ConnectPort 443
EOF
touch "$P/log" && chown nobody "$P/log" "$P"
# tinyproxy resolves the policy host itself: the world's DNS as its
# resolver, in a private mount namespace.
setsid unshare -m /bin/sh -c 'mount --bind "$1/resolv.conf" /etc/resolv.conf &&
	exec "$2" -d -c "$1/tinyproxy.conf"' sh "$P" "$TP/root/usr/bin/tinyproxy" \
	>"$P/stdout" 2>&1 &
echo $! >"$W/pids/tinyproxy.pid"
for i in $(seq 50); do
	(exec 3<>"/dev/tcp/$PROXY_IP/3128") 2>/dev/null && break
	sleep 0.1
done

# The world's config, with the proxy; the policy host's own address is
# not in allow_networks, so only the proxy can have reached it.
sed -e "s|^cache_file = .*|cache_file = $P/cache.tdb|" "$CONF" >"$P/mtasts.conf"
echo "https_proxy = http://$PROXY_IP:3128" >>"$P/mtasts.conf"
PM() { "$MTASTS_BIN" -c "$P/mtasts.conf" "$@"; }

out=$(PM --json policy enforce.test)
is "$(jget "$out" mode)" enforce "through the proxy: enforce.test's policy fetched"
is "$(jget "$out" source)" fetched "and it was a fetch"
like "$(cat "$P/log")" "CONNECT.*mta-sts.enforce.test:443" "the proxy tunnelled it (CONNECT)"
out=$(PM --json policy wrongname.test)
is "$(jget "$out" mode)" no-policy "through the proxy: a policy host with a wrong certificate is still refused"
like "$(jget "$out" reason)" "SSL|certificate|alternative" "TLS checked end to end: $(jget "$out" reason | cut -c1-60)"

# A dead proxy: the key is used (the fetch fails, no policy).
sed -e "s|^https_proxy = .*|https_proxy = http://$WORLD_NET.41:3128|" \
    -e "s|^cache_file = .*|cache_file = $P/cache2.tdb|" "$P/mtasts.conf" >"$P/dead.conf"
out=$("$MTASTS_BIN" -c "$P/dead.conf" --json policy enforce.test)
is "$(jget "$out" mode)" no-policy "https_proxy pointing at nothing: the fetch fails"
like "$(jget "$out" reason)" "policy fetch failed" "reason: $(jget "$out" reason | cut -c1-70)"

# The environment is ignored: without the key, a dead proxy in every
# variable changes nothing (direct fetch); with the key, a dead one in
# the environment does not replace the configured proxy.
sed -e "s|^cache_file = .*|cache_file = $P/cache3.tdb|" "$CONF" >"$P/noproxy.conf"
n=$(grep -c CONNECT "$P/log")
out=$(https_proxy=http://$WORLD_NET.41:3128 HTTPS_PROXY=http://$WORLD_NET.41:3128 \
    ALL_PROXY=http://$WORLD_NET.41:3128 "$MTASTS_BIN" -c "$P/noproxy.conf" --json policy enforce.test)
is "$(jget "$out" mode)" enforce "no key: the environment's proxy variables are ignored (direct fetch)"
is "$(grep -c CONNECT "$P/log")" "$n" "and the proxy saw nothing"
out=$(https_proxy=http://$WORLD_NET.41:3128 "$MTASTS_BIN" -c "$P/mtasts.conf" --json policy testing.test)
is "$(jget "$out" mode)" testing "with the key: the environment does not override it"

# Bad values are refused where the config is read.
for v in "socks5://$PROXY_IP:1080" "http://" "http://a b"; do
	printf 'https_proxy = %s\n' "$v" >"$P/bad.conf"
	"$MTASTS_BIN" -c "$P/bad.conf" check-config >/dev/null 2>&1
	is "$?" 78 "https_proxy = '$v' refused (exit 78)"
done
done_testing
