#!/bin/bash
# SPDX-License-Identifier: ISC
# 43-debian-package.t - the Debian packages (debian/, dpkg-buildpackage
# -b) installed into a fresh Debian 12 root (debootstrap minbase with
# Debian's exim4-daemon-heavy, .ci/bookworm-root.sh) with nothing but
# `apt-get install ./mtasts_*.deb ./exim4-mtasts_*.deb`, on Debian's
# default non-split configuration: Exim there delivers to an enforce
# domain of the test world, verified, and defers the one whose policy
# allows no MX. Then remove takes mtasts out of Exim's configuration and
# purge removes what the packages made. The admin's steps before the
# install are the ones Debian has anyway: the configuration type
# (internet, as dpkg-reconfigure exim4-config sets it) and, for the test
# world only, a resolver, a CA and an mtasts config pointing at it.
# Runs on an overlay of the root in a private mount namespace. The
# packages are built once into build/debs and rebuilt only when a source
# is newer (about two minutes).
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
need_mta dpkg-buildpackage chroot
ROOT=${MTASTS_BOOKWORM_ROOT:-/var/cache/mtasts-tests/bookworm}
[ -x "$ROOT/usr/sbin/exim4" ] ||
    skip_all "no Debian 12 root at $ROOT: run .ci/bookworm-root.sh (outside any network namespace) first"
grep -q overlay /proc/filesystems || skip_all "needs overlayfs (the root is never written)"

# --- the packages, built once per source change
DEBS=${MTASTS_DEB_CACHE:-$(pwd)/build/debs}
if [ ! -f "$DEBS/.stamp" ] || [ -n "$(find debian core adapters include conf-examples GNUmakefile \
    -newer "$DEBS/.stamp" -print -quit)" ]; then
	rm -rf "$DEBS" && mkdir -p "$DEBS/src"
	git ls-files -co --exclude-standard | grep -vE '^build' | tar -cf - -T - | tar -xf - -C "$DEBS/src"
	if ! (cd "$DEBS/src" && dpkg-buildpackage -b -us -uc) >"$DEBS/build.log" 2>&1; then
		ok 1 "dpkg-buildpackage -b -us -uc"; diag "$(tail -5 "$DEBS/build.log")"
		done_testing; exit 1
	fi
	rm -rf "$DEBS/src"
	touch "$DEBS/.stamp"
fi
ok 0 "dpkg-buildpackage -b builds the packages"
for p in libmtasts0 libmtasts-dev mtasts exim4-mtasts opensmtpd-mtasts; do
	ls "$DEBS/${p}_"*.deb >/dev/null 2>&1; ok $? "package $p built"
done

world_up
R=$W/root
mkdir -p "$R/upper" "$R/work" "$R/m"
# in_root CMD: CMD (sh -c) in the overlaid root, private mounts.
in_root() {
	unshare -m /bin/sh -c '
		R=$1; shift
		mount -t overlay overlay -o "lowerdir=$1,upperdir=$R/upper,workdir=$R/work" "$R/m" &&
		mount -t proc proc "$R/m/proc" && mount --rbind /dev "$R/m/dev" || exit 99
		shift
		exec chroot "$R/m" /bin/sh -c "$1"' sh "$R" "$ROOT" "$1"
}
# The admin's Debian, before our packages: Exim delivers to the internet
# (dpkg-reconfigure exim4-config, non-split: Debian's default), and the
# test world is the internet (resolver, CA, mtasts config pointing at it).
U=$R/upper
mkdir -p "$U/etc/exim4" "$U/etc/mtasts" "$U/tmp/debs"
cp "$ROOT/etc/exim4/update-exim4.conf.conf" "$U/etc/exim4/"
sed -i -e "s/^dc_eximconfig_configtype=.*/dc_eximconfig_configtype='internet'/" \
    -e "s/^dc_other_hostnames=.*/dc_other_hostnames='sender.test'/" \
    -e "s/^dc_use_split_config=.*/dc_use_split_config='false'/" "$U/etc/exim4/update-exim4.conf.conf"
echo sender.test >"$U/etc/mailname"
echo "nameserver $WORLD_DNS_IP" >"$U/etc/resolv.conf"
cp "$W/ca/ca.pem" "$U/etc/mtasts/test-ca.pem"
sed -e "s|$W/ca/ca.pem|/etc/mtasts/test-ca.pem|g" \
    -e "s|^cache_file = .*|cache_file = /var/lib/mtasts/cache.tdb|" \
    -e "s|^results_file = .*|results_file = /var/lib/mtasts/results.tdb|" \
    "$W/mtasts.conf" >"$U/etc/mtasts/test.conf"
cat >"$U/etc/exim4/exim4.conf.localmacros" <<EOF
MTASTS_CONF = /etc/mtasts/test.conf
MTASTS_MX_CA = /etc/mtasts/test-ca.pem
ROUTER_DNSLOOKUP_IGNORE_TARGET_HOSTS = <; ! $WORLD_NET.0/24 ; 0.0.0.0 ; 127.0.0.0/8 ; 10.0.0.0/8
MAIN_HARDCODE_PRIMARY_HOSTNAME = sender.test
EOF
cp "$DEBS"/*.deb "$U/tmp/debs/"
in_root 'update-exim4.conf' >"$W/pre.log" 2>&1
ok $? "Debian's own Exim configured (internet, non-split) before our packages"

# --- the one step
in_root 'DEBIAN_FRONTEND=noninteractive apt-get install -y \
    /tmp/debs/mtasts_*.deb /tmp/debs/exim4-mtasts_*.deb' >"$W/apt.log" 2>&1
rc=$?
ok $rc "apt-get install ./mtasts_*.deb ./exim4-mtasts_*.deb"
[ $rc = 0 ] || diag "$(tail -8 "$W/apt.log")"
is "$(in_root 'stat -c %U:%G:%a /var/lib/mtasts')" "Debian-exim:Debian-exim:2770" \
    "/var/lib/mtasts owned by Exim's user (dpkg-statoverride)"
like "$(in_root 'dpkg-statoverride --list /var/lib/mtasts')" "^Debian-exim Debian-exim 2770 /var/lib/mtasts" \
    "the owner is a stat override"
in_root 'grep -q "^mtasts_enforce:" /etc/exim4/exim4.conf.template'
ok $? "non-split: the template was rebuilt with the drop-ins"
like "$(in_root 'exim4 -bP router_list' 2>&1 | tr '\n' ' ')" "hubbed_hosts mtasts_enforce mtasts_testing dnslookup_relay_to_domains dnslookup" \
    "Exim's running configuration routes through mtasts"
in_root 'mtasts -c /etc/mtasts/test.conf check-config --mta exim' >"$W/cc.log" 2>&1
ok $? "mtasts check-config --mta exim passes in the installed root" || diag "$(grep FAIL "$W/cc.log")"

# --- mail: enforce delivered verified, no allowed MX deferred
in_root 'for r in a@enforce.test n@notallowed.test; do
	printf "From: s@sender.test\nTo: %s\nSubject: pkg\n\nbody\n" "$r" |
	    exim4 -odq -f s@sender.test "$r"; done; exim4 -qff' >"$W/send.log" 2>&1
main=$(in_root 'cat /var/log/exim4/mainlog')
like "$(echo "$main" | grep '=> a@enforce.test')" "R=mtasts_enforce T=mtasts_smtp H=mx.enforce.test .*CV=yes" \
    "enforce domain: delivered to the allowed MX, certificate verified"
is "$(grep -l '^X-Rcpt-To: a@enforce.test' "$W/mail/good"/* 2>/dev/null | wc -l)" 1 \
    "the world's MX received it"
echo "$main" | grep -q '=> a@enforce.test' || diag "$(echo "$main" | grep 'a@enforce.test' | tail -3)"
is "$(in_root 'exim4 -bp' | grep -c n@notallowed.test)" 1 "no MX allowed: deferred, still queued"

# --- remove, then purge
in_root 'DEBIAN_FRONTEND=noninteractive apt-get remove -y exim4-mtasts' >"$W/rm.log" 2>&1
ok $? "apt-get remove exim4-mtasts"
routers=$(in_root 'exim4 -bP router_list' 2>&1 | tr '\n' ' ')
like "$routers" "^hubbed_hosts dnslookup_relay_to_domains dnslookup " "removed: no mtasts router left, Exim's config valid"
in_root 'DEBIAN_FRONTEND=noninteractive apt-get purge -y exim4-mtasts mtasts' >"$W/purge.log" 2>&1
ok $? "apt-get purge exim4-mtasts mtasts"
is "$(in_root 'ls -d /var/lib/mtasts 2>/dev/null; dpkg-statoverride --list /var/lib/mtasts;
    ls /etc/exim4/conf.d/*/*mtasts* /etc/mtasts/mtasts.conf /etc/cron.d/mtasts 2>/dev/null; echo end')" "end" \
    "purged: no store directory, stat override, drop-in, conffile left"
done_testing
