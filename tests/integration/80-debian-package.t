#!/bin/bash
# SPDX-License-Identifier: ISC
# 80-debian-package.t - the Debian packages as an admin gets them: built
# with dpkg-buildpackage from a copy of the tree, checked by lintian,
# installed with nothing but `apt install ./mtasts_*.deb
# ./exim4-mtasts_*.deb` into a fresh Debian 12 root (debootstrap, with
# Debian's exim4-daemon-heavy) next to Debian's own exim4-config, and
# that root's Exim delivers mail to the test world with MTA-STS enforced.
# Then purge removes what the packages made.
#
# The root comes from tests/debian/mkroot.sh (needs the network: .ci/run
# runs it before `make check`); the test works on an overlay of it, so the
# cached root never changes. MTASTS_DEBIAN_ROOT overrides its place.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
SRC=$(pwd)
ROOT=${MTASTS_DEBIAN_ROOT:-/var/cache/mtasts-tests/bookworm}

# okl STATUS NAME LOG: ok, and on failure the log's tail as diagnostics.
okl() {
	ok "$1" "$2"
	[ "$1" = 0 ] || tail -20 "$3" | sed 's/^/# /'
}

# skip_all WHY: a skip, except under CI=true, where it is a failure.
skip_all() {
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - cannot run: $* (CI=true: a skipped e2e test is a failure)"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 0
}

missing=
for c in dpkg-buildpackage dh lintian debootstrap unshare chroot; do
	command -v "$c" >/dev/null || missing="$missing $c"
done
[ -z "$missing" ] || skip_all "needs$missing (apt-get install debhelper lintian debootstrap)"
[ "$(id -u)" = 0 ] || skip_all "needs root (chroot, mount)"
unshare -m true 2>/dev/null || skip_all "needs a working unshare -m (mount namespace)"
if [ ! -f "$ROOT/.mtasts-root" ]; then
	# Only possible with the network (outside the test's namespace).
	if ! tests/debian/mkroot.sh "$ROOT" >&2; then
		skip_all "no Debian 12 root at $ROOT and tests/debian/mkroot.sh could not make one (needs the network: run it once outside the namespace)"
	fi
fi

world_up
T=$W/deb
mkdir -p "$T/src" "$T/upper" "$T/work" "$T/root"

# --- build from a copy of the tree (dpkg-buildpackage writes to ..)
if [ -d .git ] || [ -f .git ]; then
	git ls-files -co --exclude-standard -z | grep -zv '^build' |
	    xargs -0 cp --parents -t "$T/src" 2>/dev/null
else
	tar -C "$SRC" --exclude=./build --exclude=./build-asan --exclude=./build-fuzz -cf - . |
	    tar -C "$T/src" -xf -
fi
# nocheck: make check runs the unit tests itself; noddebs: no -dbgsym.
(cd "$T/src" && DEB_BUILD_OPTIONS="nocheck noddebs" dpkg-buildpackage -b -us -uc) \
    >"$T/build.log" 2>&1
okl $? "dpkg-buildpackage -b -us -uc builds the packages" "$T/build.log"
debs=$(cd "$T" && ls *.deb 2>/dev/null | sed 's/_.*//' | sort | tr '\n' ' ')
is "$debs" "exim4-mtasts libmtasts-dev libmtasts0 mtasts opensmtpd-mtasts " "the five binary packages"
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
c() { dpkg-deb -c "$T/$1"_*.deb | awk '{print $6}' | sed 's|^\.||'; }
like "$(c libmtasts0)" "/usr/lib/$arch/libmtasts.so.0$" "libmtasts0: the library, multiarch"
is "$(objdump -p "$T"/src/debian/libmtasts0/usr/lib/"$arch"/libmtasts.so.0 | awk '/SONAME/ {print $2}')" \
    "libmtasts.so.0" "SONAME libmtasts.so.0"
like "$(dpkg-deb -I "$T"/libmtasts0_*.deb symbols)" "mtasts_lookup@MTASTS_0" "libmtasts0 has a symbols file"
dev=$(c libmtasts-dev)
like "$dev" "/usr/include/mtasts.h" "libmtasts-dev: header"
like "$dev" "/usr/lib/$arch/pkgconfig/libmtasts.pc" "libmtasts-dev: pkg-config file"
like "$dev" "/usr/lib/$arch/libmtasts.a" "libmtasts-dev: static library"
like "$dev" "/usr/lib/$arch/libmtasts.so$" "libmtasts-dev: the .so link"
like "$(c exim4-mtasts)" "/usr/lib/$arch/mtasts/mtasts_exim.so" "exim4-mtasts: the dlfunc object"
like "$(c opensmtpd-mtasts | tr '\n' ' ')" "/usr/libexec/opensmtpd/filter-mtasts /usr/libexec/opensmtpd/table-mtasts" \
    "opensmtpd-mtasts: table and filter in /usr/libexec/opensmtpd"
is "$(dpkg-deb -f "$T"/mtasts_*.deb Package)" mtasts "mtasts package readable"
like "$(dpkg-deb -I "$T"/mtasts_*.deb conffiles | tr '\n' ' ')" "/etc/mtasts/mtasts.conf /etc/cron.d/mtasts|/etc/cron.d/mtasts /etc/mtasts/mtasts.conf" \
    "mtasts: mtasts.conf and the cron file are conffiles"

# --- lintian: no errors
lintian --allow-root --fail-on error "$T"/mtasts_*.changes >"$T/lintian.log" 2>&1
okl $? "lintian: no errors" "$T/lintian.log"
grep '^[EW]:' "$T/lintian.log" | sed 's/^/# lintian /'

# --- the fresh root: an overlay of the cached one, mounted per command
# inroot CMD...: CMD in the root, with the world's CA, the packages in
# /debs and the network of this test (the world on $WORLD_NET.0/24).
mkdir -p "$T/debs"
cp "$T"/*.deb "$T/debs/"
inroot() {
	unshare -m /bin/sh -c '
		T=$1 L=$2; R=$T/root; shift 2
		mount -t overlay overlay -o "lowerdir=$L,upperdir=$T/upper,workdir=$T/work" "$R" &&
		mount -t proc proc "$R/proc" && mount --bind /dev "$R/dev" &&
		mkdir -p "$R/debs" && mount --bind "$T/debs" "$R/debs" || exit 99
		exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		    DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"' sh "$T" "$ROOT" "$@"
}
# Root files the test writes before running anything (the upper layer).
up() { mkdir -p "$T/upper/$(dirname "$1")"; cat >"$T/upper/$1"; }

# What an admin does on a fresh machine before our packages: Exim for
# internet delivery (debconf's answer, split configuration so that the
# conf.d drop-ins are read), the resolver, and here the test world's CA
# in the system store (the world plays the internet).
up /etc/exim4/update-exim4.conf.conf <<EOF
dc_eximconfig_configtype='internet'
dc_other_hostnames='sender.test'
dc_local_interfaces='127.0.0.1'
dc_readhost=''
dc_relay_domains=''
dc_minimaldns='false'
dc_relay_nets=''
dc_smarthost=''
CFILEMODE='644'
dc_use_split_config='true'
dc_hide_mailname=''
dc_mailname_in_oh='true'
dc_localdelivery='mail_spool'
EOF
echo sender.test | up /etc/mailname
echo "nameserver $WORLD_DNS_IP" | up /etc/resolv.conf
up /usr/local/share/ca-certificates/mtasts-test-world.crt <"$WORLD_CA"
inroot sh -c 'update-ca-certificates && update-exim4.conf' >"$T/prep.log" 2>&1
okl $? "root prepared: world CA in the system store, Exim configured by update-exim4.conf" "$T/prep.log"
before=$(inroot exim4 -bP router_list 2>&1)
like "$before" "dnslookup" "Debian's Exim: routers before our packages"

# --- the step under test: apt install of our packages, nothing else
debs=$(cd "$T" && ls debs/mtasts_*.deb debs/exim4-mtasts_*.deb | sed 's|^|./|')
# shellcheck disable=SC2086 # two file names
inroot apt-get install -y --no-install-recommends $debs \
    >"$T/apt.log" 2>&1
okl $? "apt install ./mtasts_*.deb ./exim4-mtasts_*.deb" "$T/apt.log"
is "$(inroot dpkg-query -W -f '${Status} ' mtasts exim4-mtasts 2>&1)" \
    "install ok installed install ok installed " "mtasts and exim4-mtasts installed"
is "$(inroot stat -c '%U:%G %a' /var/lib/mtasts)" "Debian-exim:Debian-exim 2770" \
    "/var/lib/mtasts: Debian-exim, setgid, 2770"
is "$(inroot dpkg-statoverride --list /var/lib/mtasts)" "Debian-exim Debian-exim 2770 /var/lib/mtasts" \
    "recorded with dpkg-statoverride"
is "$(inroot exim4 -bP router_list 2>&1)" "mtasts_enforce
$before" \
    "postinst ran update-exim4.conf: mtasts_enforce is the first router"

# mtasts.conf for the test world: its DNS (a port the system resolver
# cannot name) and its network (private addresses are refused otherwise).
net=${WORLD_NET:-127.0.10}
inroot sh -c "printf 'dns_upstream = %s\nallow_networks = %s.0/24\nfetch_timeout = 3\n' \
    '$WORLD_DNS' '$net' >>/etc/mtasts/mtasts.conf"
out=$(inroot exim4 -bt a@enforce.test 2>&1)
like "$out" "router = mtasts_enforce, transport = mtasts_smtp" "exim -bt: enforce domain routed by mtasts"

# --- mail: delivered verified to enforce.test, deferred for a bad MX
msg() { printf 'From: sender@sender.test\nTo: %s\nSubject: deb\n\npackaged\n' "$1"; }
msg a@enforce.test | inroot exim4 -odi -f sender@sender.test a@enforce.test
msg q@mxexpired.test | inroot exim4 -odi -f sender@sender.test q@mxexpired.test
got() { grep -l "^X-Rcpt-To: $2" "$W/mail/$1"/* 2>/dev/null | wc -l; }
mainlog=$(cat "$T/upper/var/log/exim4/mainlog" 2>/dev/null)
is "$(got good a@enforce.test)" 1 "enforce.test: delivered into the world"
like "$(printf '%s\n' "$mainlog" | grep -F '=> a@enforce.test')" "R=mtasts_enforce T=mtasts_smtp .*CV=yes" \
    "through mtasts_enforce/mtasts_smtp with the certificate verified"
is "$(got expired q@mxexpired.test)" 0 "mxexpired.test (enforce, expired MX certificate): nothing sent"
like "$(inroot exim4 -bp 2>&1)" "q@mxexpired.test" "mxexpired.test: deferred, still queued"
is "$(inroot stat -c '%G %a' /var/lib/mtasts/cache.tdb 2>&1)" "Debian-exim 660" \
    "the cache was created in /var/lib/mtasts, group Debian-exim, 0660"

# --- purge: what the postinst made is gone, Exim's config without mtasts
inroot apt-get purge -y exim4-mtasts mtasts >"$T/purge.log" 2>&1
okl $? "apt purge exim4-mtasts mtasts" "$T/purge.log"
is "$(inroot sh -c 'dpkg-statoverride --list /var/lib/mtasts; ls -d /var/lib/mtasts /etc/mtasts /etc/exim4/conf.d/router/190_mtasts_enforce 2>&1')" \
    "ls: cannot access '/var/lib/mtasts': No such file or directory
ls: cannot access '/etc/mtasts': No such file or directory
ls: cannot access '/etc/exim4/conf.d/router/190_mtasts_enforce': No such file or directory" \
    "purged: no statoverride, no /var/lib/mtasts, no /etc/mtasts, no drop-ins"
is "$(inroot exim4 -bP router_list 2>&1)" "$before" "Exim's configuration rebuilt without mtasts"
done_testing
