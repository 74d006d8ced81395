# SPDX-License-Identifier: ISC
# exim.sh - run the real Exim (Debian exim4-daemon-heavy) privately against
# the test world (sourced after world.sh, once world_up has run).
# The config is conf-examples/exim/exim4-mtasts.conf with only its path
# macros changed, plus the test's spool and log, and the world's own
# loopback /24 taken out of MTASTS_IGNORE_TARGET_HOSTS (everything else
# there, 127.0.0.1 included, is still refused). Exim runs in a private
# mount namespace where /etc/resolv.conf points at the world's DNS and
# /etc/exim4 is a copy that trusts our config (so it keeps root), so the
# machine's /etc is never touched.
EXIM_SO=${BUILD:-$(pwd)/build}/mtasts_exim.so
EXIM_EXAMPLE=${EXIM_EXAMPLE:-$(pwd)/conf-examples/exim/exim4-mtasts.conf}

exim_setup() {
	X=$W/exim
	mkdir -p "$X/spool" "$X/log" "$X/cache" "$X/etc"
	cp -a /etc/exim4/. "$X/etc/"
	echo "$X/exim.conf" >"$X/etc/trusted_configs"
	echo "nameserver $WORLD_DNS_IP" >"$X/resolv.conf"
	# Exim delivers as Debian-exim: the cache directory is shared by
	# root (routing) and Debian-exim (transport), setgid so that files
	# created by root stay group Debian-exim (conf-examples/README).
	EXIM_BIN=$(command -v exim4)
	export EXIM_BIN
	chmod 755 "$W" "$W/ca"
	chown -R Debian-exim:Debian-exim "$X/spool" "$X/log" "$X/cache"
	chmod 2770 "$X/cache"
	# What Exim loads and runs is installed, as an admin would, into a
	# prefix Exim's users can read: the clone may sit in a 0700 home
	# (/root), where Debian-exim cannot open build/.
	install -d -m 755 "$W/prefix/bin" "$W/prefix/lib/mtasts"
	install -m 755 "$MTASTS_BIN" "$W/prefix/bin/mtasts"
	# mtasts-run (the ${run} route front end) execs the mtasts beside it.
	install -m 755 "${BUILD:-$(pwd)/build}/mtasts-run" "$W/prefix/bin/mtasts-run"
	install -m 644 "${EXIM_SO_BUILT:=$EXIM_SO}" "$W/prefix/lib/mtasts/mtasts_exim.so"
	EXIM_SO=$W/prefix/lib/mtasts/mtasts_exim.so
	EXIM_MTASTS_BIN=$W/prefix/bin/mtasts
	EXIM_MTASTS_RUN_BIN=$W/prefix/bin/mtasts-run
	sed -e "s|^cache_file = .*|cache_file = $X/cache/cache.tdb|" \
	    -e "s|^results_file = .*|results_file = $X/cache/results.tdb|" "$W/mtasts.conf" >"$X/mtasts.conf"
	chmod 644 "$X/mtasts.conf"
	{
		echo "spool_directory = $X/spool"
		echo "log_file_path = $X/log/%slog"
		echo "primary_hostname = sender.test"
		echo "qualify_domain = sender.test"
		echo "exim_path = $EXIM_BIN"
		sed -e "s|^MTASTS_SO = .*|MTASTS_SO = $EXIM_SO|" \
		    -e "s|^MTASTS_BIN = .*|MTASTS_BIN = $EXIM_MTASTS_BIN|" \
		    -e "s|^MTASTS_RUN_BIN = .*|MTASTS_RUN_BIN = $EXIM_MTASTS_RUN_BIN|" \
		    -e "s|^MTASTS_CONF = .*|MTASTS_CONF = $X/mtasts.conf|" \
		    -e "s|^MTASTS_MX_CA = .*|MTASTS_MX_CA = $W/ca/ca.pem|" \
		    -e "s|^MTASTS_IGNORE_TARGET_HOSTS = <; |&! $WORLD_NET.0/24 ; |" \
		    "$EXIM_EXAMPLE"
	} >"$X/exim.conf"
	chmod 644 "$X/exim.conf"
	_exim_asan
}

# An ASan build of the .so (make check-asan) loads into Exim, which is not
# built with ASan, when the ASan runtime comes first: exim() preloads the
# runtime the .so itself links, keep_environment lets Exim's re-executed
# processes keep it, and every process writes its reports to $X/asan,
# which done_testing checks. Exim's own leaks at exit are not ours
# (detect_leaks=0, inherited by the CLI that ${run} starts from Exim;
# the CLI's leaks are checked where the tests run it themselves).
EXIM_ENV= EXIM_KEEP_ENV= EXIM_PRELOAD=
export EXIM_ENV EXIM_PRELOAD
_exim_asan() {
	EXIM_ENV= EXIM_KEEP_ENV= EXIM_PRELOAD=
	nm -D "$EXIM_SO" 2>/dev/null | grep -q __asan_init || return 0
	local rt
	rt=$(ldd "$EXIM_SO" | awk '$1 ~ /^libasan\.so/ { print $3 }')
	[ -n "$rt" ] || { echo "Bail out! $EXIM_SO: no libasan in ldd"; exit 1; }
	install -d -m 1777 "$X/asan"
	# LD_PRELOAD does not survive an exec of the setuid exim4 by one of
	# its processes running as Debian-exim (a continued connection's -MC,
	# ld.so's secure mode); /etc/ld.so.preload does, so exim() lays an
	# overlay on /etc in its private mount namespace and preloads there.
	# The machine's /etc is not changed.
	mkdir -p "$X/etc.up" "$X/etc.work"
	EXIM_PRELOAD=$rt
	EXIM_ENV="env LD_PRELOAD=$rt"
	EXIM_ENV="$EXIM_ENV ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:log_path=$X/asan/asan"
	EXIM_ENV="$EXIM_ENV UBSAN_OPTIONS=print_stacktrace=1:log_path=$X/asan/ubsan"
	EXIM_KEEP_ENV="LD_PRELOAD : ASAN_OPTIONS : UBSAN_OPTIONS"
	sed -i "1i keep_environment = $EXIM_KEEP_ENV" "$X/exim.conf"
	before_done _exim_asan_reports
}

_exim_asan_reports() { sanitizer_reports "$X/asan" Exim; }

# exim ARGS...: the real exim4 with our config, in the private namespace.
exim() {
	unshare -m /bin/sh -c '
		if [ -n "$EXIM_PRELOAD" ]; then
			mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/etc.up,workdir=$1/etc.work" /etc &&
			    echo "$EXIM_PRELOAD" >/etc/ld.so.preload || exit 99
		fi
		mount --bind "$1/resolv.conf" /etc/resolv.conf &&
		mount --bind "$1/etc" /etc/exim4 || exit 99
		conf=$1/exim.conf; shift
		exec $EXIM_ENV "$EXIM_BIN" -C "$conf" "$@"' sh "$X" "$@"
}

# send RCPT [SUBJECT]: queue one message (not delivered until exim_run).
send() {
	printf 'From: sender@sender.test\nTo: %s\nSubject: %s\n\ntest body\n' \
	    "$1" "${2:-test}" | exim -odq -f sender@sender.test "$1"
}

exim_run() { exim -qff; }          # one queue run, retry times ignored
queued() { exim -bpc; }           # messages still in the queue
queued_for() { exim -bp | grep -c "$1" || true; }
mainlog() { cat "$X/log/mainlog" 2>/dev/null; }
