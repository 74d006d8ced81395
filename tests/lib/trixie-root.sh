#!/bin/sh
# SPDX-License-Identifier: ISC
# trixie-root.sh - make (once) the Debian 13 (trixie) root in which the
# tests run a real OpenSMTPD 7.6+ (Debian 13's opensmtpd package; it
# needs trixie's libc, so it cannot run on Debian 12 directly).
#
#   tests/lib/trixie-root.sh [DIR]     (default /var/cache/mtasts-tests/trixie)
#
# Needs the network (Debian's archive), so run it OUTSIDE any network
# namespace: .ci/run and `make check-smtpd76-root` call it before the
# tests; the tests only use DIR and name it when it is missing. Minimal:
# debootstrap --variant=minbase with opensmtpd and its dependencies, no
# recommends; a few minutes, once. DIR is built beside and renamed, so an
# interrupted run leaves nothing that looks complete. The archive is the
# one this machine's apt uses (deb.debian.org unless MTASTS_DEBIAN_MIRROR
# says otherwise).
set -eu
DIR=${1:-/var/cache/mtasts-tests/trixie}
# opensmtpd, and the shared libraries table-mtasts and filter-mtasts
# (built on Debian 12) load inside the root. Changing this list makes the
# next run rebuild the root (the list is its stamp).
INCLUDE=opensmtpd,libunbound8,libcurl4t64,libtdb1,libidn2-0,zlib1g,libssl3t64
if [ -x "$DIR/usr/sbin/smtpd" ] &&
    [ "$(cat "$DIR/.mtasts-complete" 2>/dev/null)" = "$INCLUDE" ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "trixie-root.sh: needs root (debootstrap)" >&2
	exit 1
fi
if ! command -v debootstrap >/dev/null; then
	echo "trixie-root.sh: debootstrap is missing (.ci/deps.sh installs it)" >&2
	exit 1
fi
mirror=${MTASTS_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(sed -n 's/^URIs: *\([^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
	if [ -z "$mirror" ]; then
		mirror=$(sed -n 's/^deb *\(http[^ ]*\/debian\) .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -1)
	fi
	mirror=${mirror:-http://deb.debian.org/debian}
fi
mkdir -p "$(dirname "$DIR")"
rm -rf "$DIR.tmp"
log=$(dirname "$DIR")/trixie-debootstrap.log
echo "trixie-root.sh: debootstrap trixie from $mirror into $DIR (log: $log)" >&2
# opensmtpd's postinst asks debconf for the mail name (noninteractive:
# the default) and tries to start the service (no init in a chroot:
# policy-rc.d says no).
if ! DEBIAN_FRONTEND=noninteractive debootstrap --variant=minbase \
    --include="$INCLUDE" --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
    trixie "$DIR.tmp" "$mirror" >"$log" 2>&1; then
	echo "trixie-root.sh: debootstrap failed, last lines of $log:" >&2
	tail -5 "$log" >&2
	exit 1
fi
chroot "$DIR.tmp" /usr/sbin/smtpd -h 2>&1 | grep -q usage || {
	echo "trixie-root.sh: smtpd does not run in the new root" >&2
	exit 1
}
rm -rf "$DIR.tmp/var/cache/apt/archives"/*.deb
# Mount points for the test's private files (tests/lib/smtpd.sh binds
# them in a private mount namespace; the root itself is never written).
mkdir -p "$DIR.tmp/var/spool/smtpd" "$DIR.tmp/etc/ssl/certs"
touch "$DIR.tmp/etc/mailname" "$DIR.tmp/etc/ssl/certs/ca-certificates.crt"
echo "$INCLUDE" >"$DIR.tmp/.mtasts-complete"
rm -rf "$DIR"
mv "$DIR.tmp" "$DIR"
echo "trixie-root.sh: ready: $(chroot "$DIR" dpkg-query -W -f '${Package} ${Version}' opensmtpd)" >&2
