#!/bin/sh
# SPDX-License-Identifier: ISC
# bookworm-root.sh [DIR] - once per machine, a fresh Debian 12 root
# (debootstrap --variant=minbase) with Debian's exim4-daemon-heavy and
# the libraries the mtasts packages load, for
# tests/integration/43-debian-package.t, which installs the packages
# into an overlay of it (the root itself is never changed). Needs the
# network: run it outside any network namespace (.ci/run does, before
# make check). Default DIR /var/cache/mtasts-tests/bookworm; built in
# DIR.new and renamed when complete.
set -eu
DIR=${1:-/var/cache/mtasts-tests/bookworm}
INCLUDE=exim4-daemon-heavy,exim4-config,ca-certificates,libunbound8,libcurl4,libssl3,libtdb1,libidn2-0,zlib1g,libhiredis0.14
[ -x "$DIR/usr/sbin/exim4" ] && exit 0
[ "$(id -u)" = 0 ] || { echo "bookworm-root.sh: needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "bookworm-root.sh: needs debootstrap (.ci/deps.sh)" >&2; exit 1; }
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)\/*$/\1/p' \
    /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb[[:space:]]\{1,\}\(http[^[:space:]]*\/debian\)[[:space:]].*/\1/p' \
    /etc/apt/sources.list 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
mkdir -p "$(dirname "$DIR")"
rm -rf "$DIR.new"
if ! DEBIAN_FRONTEND=noninteractive debootstrap --variant=minbase \
    --include="$INCLUDE" bookworm "$DIR.new" "$mirror" >"$DIR.log" 2>&1; then
	echo "bookworm-root.sh: debootstrap failed, see $DIR.log" >&2
	exit 1
fi
# No service ever starts inside the root (invoke-rc.d asks this).
printf '#!/bin/sh\nexit 101\n' >"$DIR.new/usr/sbin/policy-rc.d"
chmod 755 "$DIR.new/usr/sbin/policy-rc.d"
rm -f "$DIR.new/var/cache/apt/archives/"*.deb
mv "$DIR.new" "$DIR"
