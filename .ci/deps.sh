#!/bin/sh
# SPDX-License-Identifier: ISC
# deps.sh - install the Debian 12 packages mtasts needs to build, to run
# its tests (the test world's DNS, HTTPS and SMTP servers, Exim), to fuzz
# and to benchmark (the peer). As root. `deps.sh --list` only prints them.
set -eu
PACKAGES="build-essential pkg-config perl
	libunbound-dev libevent-dev libcurl4-openssl-dev libssl-dev libtdb-dev libidn2-dev zlib1g-dev
	openssl ca-certificates curl dnsutils iproute2
	nsd ldnsutils nginx-light python3 python3-aiosmtpd python3-cryptography python3-jsonschema
	exim4-daemon-heavy exim4-dev libdb5.3 libevent-2.1-7
	clang libclang-rt-14-dev valgrind postfix-mta-sts-resolver
	unbound debootstrap debhelper dpkg-dev
	redis-server redis-tools libhiredis-dev"
if [ "${1:-}" = --list ]; then
	echo $PACKAGES
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: run as root (apt-get install)" >&2
	exit 1
fi
apt-get update
# shellcheck disable=SC2086 # one word per package
apt-get install -y --no-install-recommends $PACKAGES
# unbound is for the DANE test, which starts its own on a test-world
# address in a private network namespace; Debian's service (127.0.0.1:53)
# is not needed, and must not become the machine's resolver.
if command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now unbound.service unbound-resolvconf.service 2>/dev/null || true
fi
