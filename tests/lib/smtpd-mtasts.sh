# SPDX-License-Identifier: ISC
# smtpd-mtasts.sh - the example smtpd.conf of the series under test
# (conf-examples/opensmtpd/smtpd.conf for 6.8, smtpd-7.6.conf for 7.6)
# running with table-mtasts and filter-mtasts against the test world
# (sourced after tap.sh, world.sh and smtpd.sh; world_up has run).
#
#   smtpd_mtasts_up [MTASTS_CONF_LINES [SMTPD_CONF_LINES]]
#       the world's mtasts.conf plus MTASTS_CONF_LINES, the example with
#       its config paths and listen line changed plus SMTPD_CONF_LINES
#       (prepended: limits and the like), smtpd started. Sets X (the
#       cache directory, owned by smtpd's user), MCONF (that mtasts.conf)
#       and EXAMPLE. Bails out if smtpd does not start.
#   MS ARGS...        the mtasts command with MCONF
#   got RECEIVER RCPT / arrived / outcome RCPT / tried RCPT / alive
EXAMPLE=conf-examples/opensmtpd/smtpd.conf
[ "$SMTPD_SERIES" = 7.6 ] && EXAMPLE=conf-examples/opensmtpd/smtpd-7.6.conf

got() { grep -l "^X-Rcpt-To: $2" "$W/mail/$1"/* 2>/dev/null | wc -l; }
arrived() { [ "$(got "$1" "$2")" -gt 0 ]; }
outcome() { smtpd_log | grep "mta delivery .* to=<$1>" | tail -1 | sed -n 's/.* result="\([^"]*\)".*/\1/p'; }
tried() { [ -n "$(outcome "$1")" ]; }
alive() { smtpctl show status 2>/dev/null | grep -q "MTA running"; }
MS() { "$MTASTS_BIN" -c "$MCONF" "$@"; }
# within SECONDS CMD...: CMD every second until it succeeds or SECONDS
# (wall clock, whatever CMD takes) pass.
within() {
	_end=$((SECONDS + $1)); shift
	while ! "$@"; do
		[ "$SECONDS" -lt "$_end" ] || return 1
		sleep 1
	done
}
# flush_until RECEIVER RCPT: retry the queue now (smtpctl schedule all)
# until RECEIVER has RCPT; smtpd blocks a failed MX address ~15 s.
flush_until() { smtpd_flush; arrived "$1" "$2" || { sleep 2; false; }; }
# no_bounce: no message of ours failed for good (smtpd's own delay
# notices, from=<>, are not ours).
no_bounce() { ! smtpd_log | grep 'mta delivery' | grep -v 'from=<>' | grep -q 'result="PermFail"'; }

smtpd_mtasts_up() {
	X=$W/smtpd-cache
	MCONF=$W/smtpd-mtasts.conf
	mkdir -p "$X"
	# a key in MTASTS_CONF_LINES replaces the world's
	_keys=$(printf '%s\n' "${1:-}" | sed -n 's/^\([a-z_]*\) *=.*/\1/p' | paste -sd'|')
	{
		sed -e "s|^cache_file = .*|cache_file = $X/cache.tdb|" \
		    -e "s|^results_file = .*|results_file = $X/results.tdb|" "$CONF" |
		    grep -Ev "^(${_keys:-@none@}) *="
		[ -z "${1:-}" ] || printf '%s\n' "$1"
	} >"$MCONF"
	chmod 644 "$MCONF"
	# Table and filter run as smtpd's user: the cache directory is theirs
	# (SMTPD_MTASTS_CACHE_OWNER=root: a directory they cannot write).
	if [ "${SMTPD_MTASTS_CACHE_OWNER:-opensmtpd}" = root ]; then
		chown root:root "$X"; chmod 755 "$X"
	else
		chown opensmtpd "$X"; chmod 2770 "$X"; chgrp opensmtpd "$X"
	fi
	{
		[ -z "${2:-}" ] || printf '%s\n' "$2"
		sed -e "s|/etc/mtasts/mtasts.conf|$MCONF|g" \
		    -e "s|^listen on localhost filter mtasts|listen on @IP@ port @PORT@ filter mtasts|" \
		    -e "s|relay host smtp://127.0.0.1\$|relay host smtp://@IP@:@PORT@|" \
		    "$EXAMPLE"
	} >"$W/smtpd-example.conf"
	cat /etc/ssl/certs/ca-certificates.crt "$W/ca/ca.pem" >"$W/ca-bundle.crt"
	chmod 644 "$W/ca-bundle.crt"
	export SMTPD_CA_BUNDLE=$W/ca-bundle.crt
	smtpd_setup "$W/smtpd-example.conf"
	smtpd_add_table mtasts "$B/table-mtasts"
	cp "$B/filter-mtasts" "$SMTPD_TABLES_DIR/filter-mtasts"
	if ! smtpd_start; then
		echo "Bail out! smtpd did not start: $(tail -5 "$SMTPD_LOG")"; exit 1
	fi
}
