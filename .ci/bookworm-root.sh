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
# What the packages load (their shlibs Depends; keep in step when the
# core links a new library) and Exim. The root records the list it was
# made with (.mtasts-include); 43-debian-package.t refuses an older root.
INCLUDE=exim4-daemon-heavy,exim4-config,ca-certificates,libunbound8,libcurl4,libssl3,libtdb1,libidn2-0,zlib1g,libhiredis0.14
[ -x "$DIR/usr/sbin/exim4" ] && [ "$(cat "$DIR/.mtasts-include" 2>/dev/null)" = "$INCLUDE" ] && exit 0
[ "$(id -u)" = 0 ] || { echo "bookworm-root.sh: needs root" >&2; exit 1; }
if [ -x "$DIR/usr/sbin/exim4" ]; then
	# A root made with an older list: add what is missing in place
	# (tests running now keep their overlays; files are only added).
	# shellcheck disable=SC2046 # one word per package
	if ! unshare -m /bin/sh -c '
		mount -t proc proc "$1/proc" && mount --bind /dev "$1/dev" || exit 1
		R=$1; shift
		chroot "$R" apt-get update &&
		chroot "$R" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
		    apt-get install -y --no-install-recommends "$@" &&
		chroot "$R" apt-get clean' sh "$DIR" $(echo "$INCLUDE" | tr , ' ') >"$DIR.log" 2>&1; then
		echo "bookworm-root.sh: adding packages to $DIR failed, see $DIR.log" >&2
		exit 1
	fi
	echo "$INCLUDE" >"$DIR/.mtasts-include"
	exit 0
fi
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
echo "$INCLUDE" >"$DIR.new/.mtasts-include"
rm -rf "$DIR"
mv "$DIR.new" "$DIR"
