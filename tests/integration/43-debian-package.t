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
need_mta dpkg-buildpackage chroot lintian
ROOT=${MTASTS_BOOKWORM_ROOT:-/var/cache/mtasts-tests/bookworm}
[ -x "$ROOT/usr/sbin/exim4" ] ||
    skip_all "no Debian 12 root at $ROOT: run .ci/bookworm-root.sh (outside any network namespace) first"
[ "$(cat "$ROOT/.mtasts-include" 2>/dev/null)" = "$(sed -n 's/^INCLUDE=//p' .ci/bookworm-root.sh)" ] ||
    skip_all "the Debian 12 root at $ROOT lacks libraries the packages now need: run .ci/bookworm-root.sh (outside any network namespace)"
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

# --- what each package holds, where Debian keeps it; lintian
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
files() { dpkg-deb -c "$DEBS/$1"_*.deb | awk '{ print $6 }' | sed 's|^\.||' | tr '\n' ' '; }
like "$(files libmtasts0)" " /usr/lib/$arch/libmtasts\.so\.0 " "libmtasts0: the library in the multiarch directory"
x=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-deb.XXXXXX")
dpkg-deb -x "$DEBS"/libmtasts0_*.deb "$x"
is "$(objdump -p "$x/usr/lib/$arch/libmtasts.so.0" | awk '$1 == "SONAME" { print $2 }')" libmtasts.so.0 \
    "libmtasts0: SONAME libmtasts.so.0"
rm -rf "$x"
like "$(dpkg-deb -I "$DEBS"/libmtasts0_*.deb symbols | head -1)" "^libmtasts\.so\.0 libmtasts0 " "libmtasts0: symbols file"
like "$(files libmtasts-dev)" "/usr/include/mtasts\.h .*/usr/lib/$arch/libmtasts\.a .*/usr/lib/$arch/pkgconfig/libmtasts\.pc .*/usr/lib/$arch/libmtasts\.so " \
    "libmtasts-dev: header, static library, pkg-config file, .so link"
like "$(files mtasts)" "/etc/cron\.d/mtasts .*/etc/mtasts/mtasts\.conf .*mtasts-refresh\.timer .*mtasts-report\.timer .*/usr/bin/mtasts .*man5/mtasts\.conf\.5\.gz .*man8/mtasts\.8\.gz .*/var/lib/mtasts/ " \
    "mtasts: CLI, config, cron file, timers, man pages, store directory"
is "$(dpkg-deb -I "$DEBS"/mtasts_*.deb conffiles | sort | tr '\n' ' ')" "/etc/cron.d/mtasts /etc/mtasts/mtasts.conf " \
    "mtasts: mtasts.conf and the cron file are conffiles"
like "$(files exim4-mtasts)" "/etc/exim4/conf\.d/main/00_mtasts_macros .*/usr/lib/$arch/mtasts/mtasts_exim\.so " \
    "exim4-mtasts: drop-ins and the dlfunc object"
# The Exim object: every symbol it needs comes from Exim (its dlfunc
# API), a library loaded before its first call (libcurl, libssl with
# it, libhiredis, libunbound, libidn2, libtdb, libevent (refresh's
# event resolver only): net/curl_load.c, store/redis.c,
# base/lazylib.c) or a library it names (NEEDED);
# anything else fails
# at dlopen with bind-now or kills the Exim process at the first call
# ("symbol lookup error").
x=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-deb.XXXXXX")
dpkg-deb -x "$DEBS"/exim4-mtasts_*.deb "$x"
so=$x/usr/lib/$arch/mtasts/mtasts_exim.so
have=$( { nm -D --defined-only "$(command -v exim4)"
	for l in $(objdump -p "$so" | awk '$1 == "NEEDED" { print $2 }') \
	    libcurl.so.4 libssl.so.3 libhiredis.so.0.14 libunbound.so.8 libidn2.so.0 \
	    libtdb.so.1 libevent-2.1.so.7; do
		nm -D --defined-only "$(ldconfig -p | awk -v l="$l" '$1 == l { print $NF; exit }')"
	done; } 2>/dev/null | awk '{ sub(/@.*/, "", $3); print $3 }' | sort -u)
need=$(nm -D --undefined-only "$so" | awk '$1 == "U" { sub(/@.*/, "", $2); print $2 }' | sort -u)
is "$(comm -23 <(echo "$need") <(echo "$have") | tr '\n' ' ')" "" \
    "exim4-mtasts: mtasts_exim.so needs nothing but Exim, the libraries it loads on first use and its NEEDED libraries"
is "$(readelf -d "$so" | grep -E 'BIND_NOW|Flags:.* NOW')" "" \
    "exim4-mtasts: mtasts_exim.so binds lazily (Debian's bind-now LDFLAGS would break its dlopen)"
rm -rf "$x"
like "$(files opensmtpd-mtasts)" "/usr/libexec/opensmtpd/filter-mtasts /usr/libexec/opensmtpd/filter-mtasts-probe /usr/libexec/opensmtpd/table-mtasts " \
    "opensmtpd-mtasts: table, filter and the filter's TLS probe in /usr/libexec/opensmtpd"
like "$(files mtasts)" " /usr/bin/mtasts /usr/bin/mtasts-run " \
    "mtasts: the full program and the small one for Exim's \${run} in /usr/bin"
# pkg-config --cflags reads Requires.private too: every module the .pc
# requires must come with libmtasts-dev's Depends.
dev_deps=$(dpkg-deb -f "$DEBS"/libmtasts-dev_*.deb Depends)
build_deps=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' debian/control | sed 's/^Build-Depends://; s/([^)]*)//g')
missing= bmissing=
# (Requires.private is the GNUmakefile's PKGS.)
for m in $(sed -n 's/^PKGS *:= *//p' GNUmakefile); do
	pkg=$(dpkg -S "/usr/lib/$arch/pkgconfig/$m.pc" "/usr/share/pkgconfig/$m.pc" 2>/dev/null | head -1 | cut -d: -f1)
	case " $(echo "$dev_deps" | tr -d ',|') " in *" $pkg "*) ;; *) missing="$missing $m(${pkg:-?})" ;; esac
	case " $(echo "$build_deps" | tr -d ',|' | tr '\n' ' ') " in *" $pkg "*) ;; *) bmissing="$bmissing $m(${pkg:-?})" ;; esac
done
is "$missing" "" "libmtasts-dev depends on the -dev package of every module libmtasts.pc requires"
is "$bmissing" "" "Build-Depends lists the -dev package of every library the GNUmakefile links"
# lintian once per build (about 40 s): its verdict is kept with the debs.
if [ ! -f "$DEBS/lintian.rc" ]; then
	lintian --allow-root --fail-on error "$DEBS"/*.deb >"$DEBS/lintian.log" 2>&1
	echo $? >"$DEBS/lintian.rc"
fi
rc=$(cat "$DEBS/lintian.rc")
ok $rc "lintian: no errors in the five packages"
[ $rc = 0 ] || diag "$(grep '^E:' "$DEBS/lintian.log")"

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
