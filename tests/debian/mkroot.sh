#!/bin/sh
# SPDX-License-Identifier: ISC
# mkroot.sh [DIR] - a minimal Debian 12 root with Debian's Exim, for
# tests/integration/80-debian-package.t: debootstrap --variant=minbase
# from the machine's own Debian mirror, then apt-get install of
# exim4-daemon-heavy and the libraries the mtasts packages depend on, so
# that the test can `apt install ./*.deb` with no network. Needs the
# network and root; created once per machine (default
# /var/cache/mtasts-tests/bookworm), never changed by the test, which
# works on an overlay of it. Written to DIR.new, renamed when complete.
set -eu
DIR=${1:-/var/cache/mtasts-tests/bookworm}
SUITE=bookworm
# What our packages need at run time (Depends of the .debs, shlibs) and
# Exim; keep in step with debian/control.
PKGS="exim4-daemon-heavy exim4-config ca-certificates
	libunbound8 libcurl4 libssl3 libtdb1 libidn2-0 zlib1g"

[ -f "$DIR/.mtasts-root" ] && exit 0
[ "$(id -u)" = 0 ] || { echo "mkroot.sh: needs root (debootstrap)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "mkroot.sh: needs debootstrap (.ci/deps.sh)" >&2; exit 1; }

# The mirror this machine uses (deb822 first, then sources.list).
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' \
    /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb[[:space:]]\{1,\}\(http[^[:space:]]*\)[[:space:]].*/\1/p' \
    /etc/apt/sources.list 2>/dev/null | grep -v security | head -1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

NEW=$DIR.new
rm -rf "$NEW"
mkdir -p "$NEW"
debootstrap --variant=minbase "$SUITE" "$NEW" "$mirror" >"$NEW.log" 2>&1 || {
	echo "mkroot.sh: debootstrap $SUITE from $mirror failed:" >&2
	tail -5 "$NEW.log" >&2
	exit 1
}
# No service starts inside the root, ever (invoke-rc.d asks this).
printf '#!/bin/sh\nexit 101\n' >"$NEW/usr/sbin/policy-rc.d"
chmod 755 "$NEW/usr/sbin/policy-rc.d"
# shellcheck disable=SC2086 # one word per package
unshare -m /bin/sh -c '
	mount -t proc proc "$1/proc" && mount --bind /dev "$1/dev" || exit 1
	R=$1; shift
	chroot "$R" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y --no-install-recommends "$@" &&
	chroot "$R" apt-get clean' sh "$NEW" $PKGS >>"$NEW.log" 2>&1 || {
	echo "mkroot.sh: apt-get install in the new root failed:" >&2
	tail -5 "$NEW.log" >&2
	exit 1
}
echo "$SUITE $mirror $PKGS" >"$NEW/.mtasts-root"
rm -f "$NEW.log"
rm -rf "$DIR"
mv "$NEW" "$DIR"
