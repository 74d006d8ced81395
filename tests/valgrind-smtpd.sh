#!/bin/bash
# SPDX-License-Identifier: ISC
# valgrind-smtpd.sh - `make check-valgrind`: table-mtasts and
# filter-mtasts under valgrind, spoken to as smtpd 6.8 speaks to them
# (tests/valgrind-smtpd.py) against the test world: cold cache, garbage
# requests, background children, deferred answers. Any invalid access,
# use of uninitialised memory or definite leak fails.
cd "$(dirname "$0")/.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
B=${BUILD:-build}
VG="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --trace-children=no"
world_up
# Two domains cached beforehand (as `mtasts refresh` would); the others
# arrive cold and are resolved by background children.
M route enforce.test >/dev/null
M route notallowed.test >/dev/null
for kind in table filter; do
	out=$(/usr/bin/python3 tests/valgrind-smtpd.py "$kind" $VG "$B/$kind-mtasts" "$CONF" 2>"$W/$kind.err" | tr -d '\0'); rc=${PIPESTATUS[0]}
	is "$rc" 0 "$kind-mtasts: a recorded smtpd 6.8 session under valgrind, clean exit"
	[ "$rc" = 0 ] || grep '==' "$W/$kind.err" | head -40 | sed 's/^/# /'
	case $kind in
	table) is "$(printf '%s' "$out" | grep -o 'smtp+tls://mx.enforce.test' | wc -l)" 2 \
	    "table: handed out smtp+tls://mx.enforce.test from the cache" ;;
	filter) like "$out" "filter-result\|7641df9771b4ed00\|1ef1c203cc576e01\|reject\|451 4.7.5 MTA-STS: notallowed.test" \
	    "filter: refused the recipient of a domain that allows no MX" ;;
	esac
done
done_testing
