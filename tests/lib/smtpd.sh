# SPDX-License-Identifier: ISC
# smtpd.sh - run Debian 12's real OpenSMTPD 6.8 privately against the test
# world (sourced after world.sh; smtpd_install needs no world, the rest
# needs world_up to have run). The package is downloaded, never installed
# (it conflicts with exim4 in apt): `apt-get download opensmtpd` into
# $BUILD/opensmtpd/ (kept for the next run) and `dpkg -x` into
# $BUILD/opensmtpd/root. smtpd compiles its paths in, so it
# runs in a private mount namespace (`unshare -m`) where bind mounts put
# the test's own directories (under $S = $W/smtpd) over them; the machine's
# /etc, /var, /run and /usr are never written. The only change to the
# machine is the two system users smtpd refuses to start without.
#
#   smtpd_install           download + unpack (sets SMTPD_SKIP and fails
#                           when the package cannot be had: test skips)
#   smtpd_setup CONF_FILE   private spool, config, namespace layout
#   smtpd_add_table NAME BINARY   install BINARY as table-NAME
#   smtpd_start / smtpd_stop     run smtpd -d -v in the background
#   smtpd_procs                  its processes still alive (0 once stopped)
#   smtpd_send RCPT [SUBJECT]    inject one message over SMTP
#   smtpd_queued / smtpd_flush / smtpd_log / smtpctl ARGS...
#   smtpd_until SECONDS CMD...   poll until CMD succeeds (delivery is async)
#
# CONF_FILE is an smtpd.conf with placeholders, replaced by smtpd_setup:
#   @IP@ @PORT@  smtpd's listener (SMTPD_IP, SMTPD_PORT)
#   @CA@         the world's test CA ($W/ca/ca.pem)
#   @W@ @S@      the world dir, smtpd's private dir
#   @BUILD@      the build dir; @MTASTS_BIN@ the mtasts command
# SMTPD_SERIES=7.6 runs Debian 13's OpenSMTPD 7.6 instead (the 7.6+ table
# and filter protocols): from a debootstrap'd trixie root made by
# tests/lib/trixie-root.sh outside any network namespace (.ci/run does),
# at $MTASTS_TRIXIE_ROOT (/var/cache/mtasts-tests/trixie), run chrooted
# in the same kind of private mount namespace: the root is bound
# read-only, the test's directories over it, so it is never written.
SMTPD_SERIES=${SMTPD_SERIES:-6.8}
SMTPD_CACHE=${BUILD:-$(pwd)/build}/opensmtpd
if [ "$SMTPD_SERIES" = 7.6 ]; then
	SMTPD_ROOT=${MTASTS_TRIXIE_ROOT:-/var/cache/mtasts-tests/trixie}
	SMTPD_CHROOT=$SMTPD_ROOT
else
	SMTPD_ROOT=$SMTPD_CACHE/root
	SMTPD_CHROOT=
fi
# Host paths of the binaries; inside the namespace (chroot) the 7.6 ones
# are at their compiled-in paths.
SMTPD_BIN=$SMTPD_ROOT/usr/sbin/smtpd
SMTPCTL_BIN=$SMTPD_ROOT/usr/sbin/smtpctl
if [ -n "$SMTPD_CHROOT" ]; then
	SMTPD_EXEC=/usr/sbin/smtpd SMTPCTL_EXEC=/usr/sbin/smtpctl
else
	SMTPD_EXEC=$SMTPD_BIN SMTPCTL_EXEC=$SMTPCTL_BIN
fi
# The listener: port 2525 on .30 of the world's /24 (the world uses .1-.5
# and .11-.19; the Exim tests listen on nothing).
SMTPD_PORT=${SMTPD_PORT:-2525}
SMTPD_SKIP=

# _smtpd_skip REASON: skip with REASON, except under CI (a skipped e2e
# test is a failure there): then print it and fail.
_smtpd_skip() {
	SMTPD_SKIP=$1
	if [ "${CI:-}" = true ]; then
		echo "CI=true: not skipping: $1" >&2
		SMTPD_SKIP=
	fi
	return 1
}

# smtpd_install for SMTPD_SERIES=7.6: the trixie root must be there.
_smtpd_install76() {
	if [ ! -x "$SMTPD_BIN" ] || [ ! -f "$SMTPD_ROOT/.mtasts-complete" ]; then
		_smtpd_skip "no Debian 13 root with opensmtpd at $SMTPD_ROOT: run tests/lib/trixie-root.sh (as root, with Debian's archive reachable)"
		return 1
	fi
	SMTPD_VERSION=$(chroot "$SMTPD_ROOT" dpkg-query -W -f '${Version}' opensmtpd 2>/dev/null)
	if ! chroot "$SMTPD_ROOT" /usr/sbin/smtpd -h 2>&1 | grep -q usage; then
		_smtpd_skip "$SMTPD_BIN does not run in $SMTPD_ROOT: $(chroot "$SMTPD_ROOT" /usr/sbin/smtpd -h 2>&1 | head -1)"
		return 1
	fi
}

smtpd_install() {
	if [ "$SMTPD_SERIES" = 7.6 ]; then
		_smtpd_install76 || return 1
	else
		_smtpd_install68 || return 1
	fi
	_smtpd_users
}

_smtpd_install68() {
	mkdir -p "$SMTPD_CACHE" || return 1
	if [ ! -x "$SMTPD_BIN" ]; then
		set -- "$SMTPD_CACHE"/opensmtpd_*.deb
		if [ ! -f "$1" ]; then
			# apt warns that _apt cannot write here and downloads as
			# root instead: harmless, so only the log keeps it.
			if ! (cd "$SMTPD_CACHE" && host_net apt-get download opensmtpd) \
			    >"$SMTPD_CACHE/download.log" 2>&1; then
				_smtpd_skip "cannot download opensmtpd: $(grep -E '^(E|Err):' "$SMTPD_CACHE/download.log" | head -1)"
				return 1
			fi
			set -- "$SMTPD_CACHE"/opensmtpd_*.deb
		fi
		# Unpack beside, then rename: an interrupted run leaves no
		# half-unpacked root that the next run would trust.
		rm -rf "$SMTPD_ROOT.tmp"
		if ! dpkg -x "$1" "$SMTPD_ROOT.tmp"; then
			_smtpd_skip "dpkg -x $1 failed"
			return 1
		fi
		rm -rf "$SMTPD_ROOT"
		mv "$SMTPD_ROOT.tmp" "$SMTPD_ROOT"
	fi
	SMTPD_VERSION=$(dpkg-deb -f "$(ls "$SMTPD_CACHE"/opensmtpd_*.deb | tail -1)" Version 2>/dev/null)
	if ! "$SMTPD_BIN" -h 2>&1 | grep -q usage; then
		# A missing shared library shows here (see .ci/deps.sh).
		_smtpd_skip "$SMTPD_BIN does not run: $("$SMTPD_BIN" -h 2>&1 | head -1)"
		return 1
	fi
}

# The users (both series) and what smtpctl and the resolver need.
_smtpd_users() {
	# smtpd exits with "unknown user X" unless its users exist; the names
	# are compiled in (Debian: opensmtpd, opensmtpq, not _smtpd/_smtpq),
	# so read them from the binary rather than guess.
	SMTPD_USERS=$(grep -ao 'unknown user [a-z_][a-z0-9_-]*' "$SMTPD_BIN" | sed 's/^unknown user //' | sort -u)
	if [ -z "$SMTPD_USERS" ]; then
		_smtpd_skip "cannot find the user names in $SMTPD_BIN"
		return 1
	fi
	for u in $SMTPD_USERS; do
		getent passwd "$u" >/dev/null ||
		    useradd --system --user-group --no-create-home \
		        --home-dir /nonexistent --shell /usr/sbin/nologin "$u" || return 1
	done
	# smtpctl refuses to run ("this program must be setgid opensmtpq")
	# unless setgid to the queue user's group, which Debian's postinst
	# sets with dpkg-statoverride and dpkg -x does not.
	# (7.6: the root is not ours to change; smtpd_setup makes a private
	# copy that the namespace binds over it.)
	SMTPD_QUEUE_GROUP=$(echo "$SMTPD_USERS" | grep 'q$' | head -1)
	if [ -z "$SMTPD_CHROOT" ]; then
		chgrp "${SMTPD_QUEUE_GROUP:-opensmtpq}" "$SMTPCTL_BIN" && chmod 2555 "$SMTPCTL_BIN" || return 1
	fi
	# smtpd's bundled resolver (libasr) resolves MX hosts with
	# AI_ADDRCONFIG, which counts every IPv4 address except exactly
	# 127.0.0.1: with no other one, no MX has an address. Ordinary
	# machines have one (eth0). In the test file's own network namespace
	# (tests/lib/netns.sh) there is only lo's 127.0.0.1: give lo one more
	# (outside the world's /24, reached by nothing) so that smtpd sees an
	# IPv4 address, as on an ordinary machine. The machine's own network
	# is never changed.
	if [ "${MTASTS_OWN_NETNS:-}" = 1 ] &&
	    ! ip -4 -o addr show 2>/dev/null | grep -v ' 127\.0\.0\.1/' | grep -q ' inet '; then
		ip addr add 127.0.9.1/32 dev lo 2>/dev/null || true
	fi
	if ! ip -4 -o addr show 2>/dev/null | grep -v ' 127\.0\.0\.1/' | grep -q ' inet '; then
		_smtpd_skip "no IPv4 address but 127.0.0.1: smtpd's resolver (AI_ADDRCONFIG) would find no MX address"
		return 1
	fi
}

smtpd_setup() {
	S=$W/smtpd
	SMTPD_IP=${SMTPD_IP:-${WORLD_NET:-127.0.10}.30}
	SMTPD_LOG=$S/smtpd.log
	SMTPD_CONF=$S/smtpd.conf
	# $S/root mirrors the compiled-in paths (see _smtpd_ns):
	#   run/                      control socket /var/run/smtpd.sock
	#                             (/var/run is a symlink to /run)
	#   var/spool/smtpd/          the queue; smtpd checks root:root 0711
	#   var/lib/opensmtpd/empty/  the chroot of the unprivileged processes
	#   usr/libexec/opensmtpd/    mail.* helpers, encrypt, table-NAME
	SMTPD_TABLES_DIR=$S/root/usr/libexec/opensmtpd
	mkdir -p "$S/root/run" "$S/root/var/spool/smtpd" \
	    "$S/root/var/lib/opensmtpd/empty" "$SMTPD_TABLES_DIR" || return 1
	chmod 711 "$S/root/var/spool/smtpd"
	chmod 755 "$S/root/var/lib/opensmtpd/empty"
	cp -a "$SMTPD_ROOT/usr/libexec/opensmtpd/." "$SMTPD_TABLES_DIR/"
	if [ -n "$SMTPD_CHROOT" ]; then
		# table-mtasts and filter-mtasts are built on Debian 12: a
		# shared library the trixie root lacks (a soname that changed,
		# such as libhiredis.so.0.14) is copied in beside, privately.
		_lib=$S/ovl/upper/usr/lib/x86_64-linux-gnu
		mkdir -p "$_lib" || return 1
		for _so in $(ldd "${BUILD:-$(pwd)/build}/table-mtasts" "${BUILD:-$(pwd)/build}/filter-mtasts" \
		    "${BUILD:-$(pwd)/build}/mtasts" "${BUILD:-$(pwd)/build}/filter-mtasts-probe" 2>/dev/null |
		    awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u); do
			_n=${_so##*/}
			[ -e "$SMTPD_ROOT/usr/lib/x86_64-linux-gnu/$_n" ] ||
			    [ -e "$SMTPD_ROOT/lib/x86_64-linux-gnu/$_n" ] || cp -L "$_so" "$_lib/$_n" || return 1
		done
		# The root's smtpctl is setgid to the root's opensmtpq group; the
		# namespace binds the machine's users over the root's, so a copy
		# setgid to the machine's group is bound over it.
		cp "$SMTPCTL_BIN" "$S/smtpctl" &&
		    chgrp "${SMTPD_QUEUE_GROUP:-opensmtpq}" "$S/smtpctl" &&
		    chmod 2555 "$S/smtpctl" || return 1
	fi
	# The server name comes from /etc/mailname when that exists.
	echo sender.test >"$S/mailname"
	echo "nameserver $WORLD_DNS_IP" >"$S/resolv.conf"
	chmod 644 "$S/mailname" "$S/resolv.conf"
	# smtpd's processes drop to the smtpd users and open some files by
	# name later: the relay's `ca` file is re-read at each certificate
	# check ("unable to load CA file ...: Permission denied" otherwise),
	# a table its config. So $W (mktemp: 0700) must be traversable.
	chmod 755 "$W" "$W/ca" "$S"
	# /etc/resolv.conf may be a symlink into /run (systemd-resolved),
	# which the private /run hides: then the file is written at the
	# link's target inside the private /run instead of bound.
	SMTPD_RESOLV=$(readlink -f /etc/resolv.conf)
	case $SMTPD_RESOLV in
	/run/*)
		mkdir -p "$S/root${SMTPD_RESOLV%/*}"
		cp "$S/resolv.conf" "$S/root$SMTPD_RESOLV"
		SMTPD_RESOLV= ;;
	esac
	sed -e "s|@IP@|$SMTPD_IP|g" -e "s|@PORT@|$SMTPD_PORT|g" \
	    -e "s|@CA@|$W/ca/ca.pem|g" -e "s|@W@|$W|g" -e "s|@S@|$S|g" \
	    -e "s|@BUILD@|${BUILD:-$(pwd)/build}|g" -e "s|@MTASTS_BIN@|$MTASTS_BIN|g" \
	    "$1" >"$SMTPD_CONF" || return 1
	chmod 644 "$SMTPD_CONF"
	export S SMTPD_RESOLV SMTPD_CHROOT W
}

# smtpd_add_table NAME BINARY: `table X NAME:/abs/config` runs
# /usr/libexec/opensmtpd/table-NAME (Debian's path); after smtpd_setup.
smtpd_add_table() {
	cp "$2" "$SMTPD_TABLES_DIR/table-$1" && chmod 755 "$SMTPD_TABLES_DIR/table-$1" || return 1
	# table-mtasts and filter-mtasts are linked without the network: they
	# exec the full mtasts and filter-mtasts-probe found beside them.
	[ "$1" = mtasts ] || return 0
	local d
	d=$(dirname "$2")
	cp "$d/mtasts" "$SMTPD_TABLES_DIR/mtasts" &&
	    cp "$d/filter-mtasts-probe" "$SMTPD_TABLES_DIR/filter-mtasts-probe"
}

# _smtpd_ns CMD...: CMD in a new private mount namespace (unshare -m makes
# its mounts private, so nothing propagates back and they vanish with the
# last process in it). Each private dir is bound over its compiled-in path
# or, when that path does not exist on this machine (the package is not
# installed), over its nearest existing ancestor, whose private copy
# holds it: e.g. $S/root/var/lib over /var/lib when /var/lib/opensmtpd is
# absent. Only smtpd and smtpctl run in there, so what that hides does
# not matter to them. With SMTPD_PIDFILE set, the pid that becomes CMD
# is written there.
_SMTPD_NS='
	R=
	if [ -n "$SMTPD_CHROOT" ]; then
		# 7.6: the trixie root, read-only, as / of what runs here, the
		# test world (configs, CA, cache) at the same path inside it.
		R=$S/chroot
		mkdir -p "$R" "$S/ovl/upper" "$S/ovl/work" || exit 99
		# An overlay: the root stays untouched, $S/ovl/upper holds
		# what smtpd_setup adds (libraries of the Debian 12 build).
		mount -t overlay overlay -o "lowerdir=$SMTPD_CHROOT,upperdir=$S/ovl/upper,workdir=$S/ovl/work" "$R" || exit 99
		mount --rbind /dev "$R/dev" || exit 99
		mount -t proc proc "$R/proc" 2>/dev/null || true
		d=${W%/*}
		mount -t tmpfs -o mode=1777 tmpfs "$R$d" || exit 99
		mkdir -p "$R$W" || exit 99
		mount --bind "$W" "$R$W" || exit 99
		mount --bind /etc/passwd "$R/etc/passwd" || exit 99
		mount --bind /etc/group "$R/etc/group" || exit 99
		mount --bind "$S/smtpctl" "$R/usr/sbin/smtpctl" || exit 99
	fi
	over() {
		p=$1
		while [ ! -e "$R/$p" ]; do
			case $p in */*) p=${p%/*} ;; *) exit 98 ;; esac
		done
		mount --bind "$S/root/$p" "$R/$p" || exit 99
	}
	over run
	over var/spool/smtpd
	over var/lib/opensmtpd/empty
	over usr/libexec/opensmtpd
	if [ -n "$R" ]; then
		mount --bind "$S/resolv.conf" "$R/etc/resolv.conf" || exit 99
	elif [ -n "$SMTPD_RESOLV" ]; then
		mount --bind "$S/resolv.conf" "$SMTPD_RESOLV" || exit 99
	fi
	if [ -e "$R/etc/mailname" ]; then
		mount --bind "$S/mailname" "$R/etc/mailname" || exit 99
	fi
	# A CA bundle that also trusts the test CA of the world, in place of the
	# system one, so that configs need no `ca` lines (smtpd 6.8 reads
	# /etc/ssl/certs/ca-certificates.crt at each certificate check).
	if [ -n "${SMTPD_CA_BUNDLE:-}" ]; then
		mount --bind "$SMTPD_CA_BUNDLE" "$R/etc/ssl/certs/ca-certificates.crt" || exit 99
	fi
	if [ -n "${SMTPD_PIDFILE:-}" ]; then echo $$ >"$SMTPD_PIDFILE"; fi
	if [ -n "$R" ]; then exec chroot "$R" "$@"; fi
	exec "$@"'
_smtpd_ns() { unshare -m /bin/sh -c "$_SMTPD_NS" sh "$@"; }

# smtpctl ARGS...: Debian's smtpctl in the namespace; it finds smtpd by the
# compiled-in socket /var/run/smtpd.sock, i.e. our private /run.
smtpctl() { _smtpd_ns "$SMTPCTL_EXEC" "$@"; }

_smtpd_listening() {
	ss -Hltn "src $SMTPD_IP:$SMTPD_PORT" 2>/dev/null | grep -q .
}

# _smtpd_running PID: PID exists and is not a zombie.
_smtpd_running() {
	{ read -r _s <"/proc/$1/stat"; } 2>/dev/null || return 1
	set -- ${_s##*) }   # split on purpose
	[ "$1" != Z ]
}

# _smtpd_group PGID: the live (not zombie) processes in that process group.
# Read from /proc (procps may be absent): after the ") " that ends the
# command name come state, ppid, pgrp.
_smtpd_group() {
	_g=$1
	for _f in /proc/[0-9]*/stat; do
		{ read -r _s <"$_f"; } 2>/dev/null || continue  # exited meanwhile
		set -- ${_s##*) }
		if [ "$1" != Z ] && [ "$3" = "$_g" ]; then
			_f=${_f#/proc/}
			echo "${_f%/stat}"
		fi
	done
}

# _smtpd_alive: a live process is left in smtpd's process group.
_smtpd_alive() { [ -n "$(_smtpd_group "$SMTPD_PID")" ]; }

# smtpd_start: smtpd -d -v (foreground, log on stderr) in its own process
# group (setsid), recorded in the world's pid dir so that world_down
# (`world.sh down` kills every pidfile's process group) stops it too when
# a test ends early. Waits until it listens and its control socket answers.
# An ASan build of table-mtasts and filter-mtasts (make check-asan): smtpd
# runs them with its environment, where ASAN_OPTIONS sends every report
# to $S/asan (their stderr may be closed); done_testing checks it, and
# smtpd's log. smtpd, not built with ASan, ignores the variables.
_smtpd_asan_env() {
	nm "$SMTPD_TABLES_DIR/table-mtasts" 2>/dev/null | grep -q __asan_init || return 0
	install -d -m 1777 "$S/asan"
	export ASAN_OPTIONS="log_path=$S/asan/asan"
	export UBSAN_OPTIONS="print_stacktrace=1:log_path=$S/asan/ubsan"
	before_done _smtpd_asan_reports
}

_smtpd_asan_reports() {
	sanitizer_reports "$S/asan" smtpd
	if grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$SMTPD_LOG" 2>/dev/null; then
		ok 1 "ASan/UBSan report in smtpd's log"
		grep -A20 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$SMTPD_LOG" | head -40 | sed 's/^/# /'
	fi
}

# 7.6: table-mtasts and filter-mtasts are built on this machine (Debian
# 12) and run in the Debian 13 root. A library they link that the root
# lacks (libhiredis.so.0.14; Debian 13 has 1.1.0) is copied from this
# machine into the private libexec/opensmtpd/lib, which LD_LIBRARY_PATH
# names: smtpd hands its environment to its tables and filters. The
# root itself is not changed.
_smtpd_libs76() {
	[ -n "$SMTPD_CHROOT" ] || return 0
	local f l p
	for f in "$SMTPD_TABLES_DIR"/table-mtasts "$SMTPD_TABLES_DIR"/filter-mtasts \
	    "$SMTPD_TABLES_DIR"/mtasts "$SMTPD_TABLES_DIR"/filter-mtasts-probe; do
		[ -f "$f" ] || continue
		for l in $(objdump -p "$f" | awk '$1 == "NEEDED" { print $2 }'); do
			p=$(ldd "$f" | awk -v l="$l" '$1 == l { print $3 }')
			[ -n "$p" ] || continue
			[ -e "$SMTPD_CHROOT/usr/lib/${p#/usr/lib/}" ] || [ -e "$SMTPD_CHROOT$p" ] && continue
			mkdir -p "$SMTPD_TABLES_DIR/lib" && cp -L "$p" "$SMTPD_TABLES_DIR/lib/$l" || return 1
		done
	done
	[ ! -d "$SMTPD_TABLES_DIR/lib" ] || export LD_LIBRARY_PATH=/usr/libexec/opensmtpd/lib
}

smtpd_start() {
	rm -f "$W/pids/smtpd.pid"
	_smtpd_asan_env
	_smtpd_libs76 || return 1
	# setsid -w: when it must fork (called as a group leader) it stays
	# and waits, so the job lives exactly as long as smtpd.
	SMTPD_PIDFILE=$W/pids/smtpd.pid setsid -w unshare -m /bin/sh -c "$_SMTPD_NS" sh \
	    "$SMTPD_EXEC" -d -v -f "$SMTPD_CONF" >>"$SMTPD_LOG" 2>&1 </dev/null &
	SMTPD_JOB=$!
	SMTPD_PID=
	i=0
	while [ $i -lt 150 ]; do    # 15 s; a start takes ~0.15 s
		[ -n "$SMTPD_PID" ] || SMTPD_PID=$(cat "$W/pids/smtpd.pid" 2>/dev/null)
		if [ -n "$SMTPD_PID" ] && _smtpd_listening && smtpctl show status >/dev/null 2>&1; then
			SMTPD_LAST_PID=$SMTPD_PID
			SMTPD_MNTNS=$(readlink "/proc/$SMTPD_PID/ns/mnt")
			return 0
		fi
		if [ -n "$SMTPD_PID" ] && ! _smtpd_alive; then
			break   # smtpd exited (bad config...)
		fi
		if [ -z "$SMTPD_PID" ] && ! _smtpd_running "$SMTPD_JOB"; then
			break   # the namespace setup failed
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "smtpd did not start: $(grep -v 'agent exiting\|pipe closed' "$SMTPD_LOG" | tail -6)" >&2
	smtpd_stop
	return 1
}

# smtpd_stop: SIGTERM to the whole group (smtpd, its processes, tables),
# SIGKILL after 10 s, and wait until none is left.
smtpd_stop() {
	[ -n "${SMTPD_PID:-}" ] || return 0
	kill -TERM -- "-$SMTPD_PID" 2>/dev/null
	i=0
	while _smtpd_alive; do
		if [ $i = 100 ]; then kill -KILL -- "-$SMTPD_PID" 2>/dev/null; fi
		[ $i -lt 200 ] || break
		sleep 0.1
		i=$((i + 1))
	done
	wait "$SMTPD_JOB" 2>/dev/null
	rm -f "$W/pids/smtpd.pid"
	SMTPD_PID=
}

# smtpd_procs: how many processes are still smtpd's: in the process group
# of the last start, or in its mount namespace (which catches one that
# left the group; /proc/PID/ns/mnt names it, unlike mountinfo, which
# chrooted processes see only inside their chroot). 0 after smtpd_stop.
smtpd_procs() {
	{
		if [ -n "${SMTPD_MNTNS:-}" ]; then
			ls -l /proc/[0-9]*/ns/mnt 2>/dev/null | grep -F -- "-> $SMTPD_MNTNS" |
			    sed 's|.* /proc/\([0-9]*\)/ns/mnt .*|\1|'
		fi
		if [ -n "${SMTPD_LAST_PID:-}" ]; then _smtpd_group "$SMTPD_LAST_PID"; fi
	} | sort -u | grep -c . || true
}

# smtpd_send RCPT [SUBJECT]: one message to smtpd's listener, from
# sender@sender.test; fails (message on stderr) unless smtpd accepted it.
smtpd_send() {
	/usr/bin/python3 -c '
import smtplib, sys
from email.message import EmailMessage
ip, port, rcpt, subject = sys.argv[1:5]
m = EmailMessage()
m["From"], m["To"], m["Subject"] = "sender@sender.test", rcpt, subject
m.set_content("test body\n")
try:
    with smtplib.SMTP(ip, int(port), local_hostname="client.test", timeout=10) as s:
        s.send_message(m, "sender@sender.test", [rcpt])
except (OSError, smtplib.SMTPException) as e:
    sys.exit("smtpd_send %s: %s" % (rcpt, e))' "$SMTPD_IP" "$SMTPD_PORT" "$1" "${2:-test}"
}

# smtpd_queued: envelopes still in the queue (one line each in
# `smtpctl show queue`).
smtpd_queued() { smtpctl show queue 2>/dev/null | grep -c '|' || true; }

# smtpd_flush: retry every queued envelope now, ignoring its retry time.
smtpd_flush() { smtpctl schedule all >/dev/null; }

smtpd_log() { cat "$SMTPD_LOG" 2>/dev/null; }

# smtpd_until SECONDS CMD...: run CMD every 0.2 s until it succeeds (0) or
# SECONDS pass (1): smtpd delivers in the background.
smtpd_until() {
	t=$(($1 * 5)); shift
	while ! "$@"; do
		t=$((t - 1))
		[ $t -gt 0 ] || return 1
		sleep 0.2
	done
}

# smtpd_sendmail ARGS...: smtpd's own sendmail (smtpctl as argv[0]
# "sendmail") in the namespace, message on stdin; its exit status.
smtpd_sendmail() {
	_smtpd_ns /bin/bash -c 'exec -a sendmail "$0" "$@"' "$SMTPCTL_EXEC" "$@"
}

# smtpd_wrappers DIR: DIR/smtpctl and DIR/sendmail, commands that reach
# this smtpd from any process (scripts under test), after smtpd_setup.
smtpd_wrappers() {
	mkdir -p "$1" || return 1
	for _c in smtpctl sendmail; do
		cat >"$1/$_c" <<EOW
#!/bin/bash
cd '$(pwd)' || exit 1
SMTPD_SERIES='$SMTPD_SERIES' BUILD='${BUILD:-}'
. tests/lib/smtpd.sh
export S='$S' W='$W' SMTPD_RESOLV='${SMTPD_RESOLV:-}' SMTPD_CA_BUNDLE='${SMTPD_CA_BUNDLE:-}' SMTPD_CHROOT
if [ $_c = smtpctl ]; then smtpctl "\$@"; else smtpd_sendmail "\$@"; fi
EOW
		chmod 755 "$1/$_c"
	done
}
