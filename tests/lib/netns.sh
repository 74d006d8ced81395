# SPDX-License-Identifier: ISC
# netns.sh - sourced by world.sh and the world's selftest.
# Each test file (and `make demo`) runs in a network namespace of its own
# when it can (root, `unshare -n`): the world binds ports 53, 443 and 25
# on 127.0.10.x, which a fresh Debian's nsd (0.0.0.0:53), nginx and exim4
# services, started by `apt-get install`, may already hold on the
# machine; inside its own namespace the world never meets them, nor
# another test file's world. Nothing on the machine is stopped.
# MTASTS_NETNS=0 keeps the machine's namespace (then ports must be free).
if [ "${MTASTS_NETNS:-}" != 0 ] && [ "${MTASTS_NETNS:-}" != inside ] &&
    [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
	export MTASTS_NETNS=inside MTASTS_OWN_NETNS=1
	_self=$0
	case $_self in /*) ;; *) [ -e "$_self" ] || _self=$OLDPWD/$_self ;; esac
	# fd 19 keeps the machine's namespace at hand for host_net.
	exec 19</proc/self/ns/net
	# 127.0.99.1: an IPv4 address besides 127.0.0.1, as every ordinary
	# machine has (eth0), which smtpd's resolver (AI_ADDRCONFIG) needs.
	exec unshare -n -- /bin/bash -c 'ip link set lo up &&
	    ip addr add 127.0.99.1/32 dev lo && exec /bin/bash "$@"' \
	    sh "$_self" "$@"
fi

# host_net CMD...: CMD in the machine's network namespace (a download
# from Debian's archive), from inside the test's own one.
host_net() {
	if [ "${MTASTS_NETNS:-}" = inside ] && [ -e /proc/self/fd/19 ]; then
		nsenter --net=/proc/self/fd/19 -- "$@"
	else
		"$@"
	fi
}
