#!/bin/bash
# SPDX-License-Identifier: ISC
# demo.sh - `make demo`: bring the test world up, show what a sending MTA
# would do for each scenario domain, then let the real Exim deliver to a
# few of them and show what arrived and what stayed queued; tear down.
# usage: demo.sh BUILD_DIR   (with mtasts and mtasts_exim.so in it)
set -u
BUILD=$(cd "${1:?usage: demo.sh BUILD_DIR}" && pwd)
MTASTS_BIN=$BUILD/mtasts
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/world.sh
. tests/lib/exim.sh

echo "Starting the test world (DNS, HTTPS policy hosts, SMTP receivers) ..."
world_up
echo
/usr/bin/python3 tests/world/demo.py "$MTASTS_BIN" "$W" \
	enforce.test testing.test testing-good.test none.test nopolicy.test \
	wildcard.test chain.test implicit.test \
	mxwrongname.test mxexpired.test mxuntrusted.test mxnotls.test \
	spoof.test notallowed.test \
	redirect.test notfound.test error500.test mediatype.test \
	oversized.test slow.test untrusted.test wrongname.test expired.test \
	badpolicy.test multistring.test cname.test duptxt.test badtxt.test
echo
echo "deliver: the MTA may deliver to that host; defer: it must not (the message stays queued)."
echo "Policy host failures (redirect, 404, bad certificate...) mean no policy:"
echo "delivery goes on without MTA-STS (RFC 8461 §3.3)."

if ! command -v exim4 >/dev/null || ! unshare -m true 2>/dev/null ||
    nm -D "$EXIM_SO" 2>/dev/null | grep -q __asan_init; then
	echo; echo "(Exim part skipped: needs exim4, root and a non-ASan build.)"
	exit 0
fi
echo
echo "Real Exim 4.96 with conf-examples/exim/exim4-mtasts.conf, one queue run:"
exim_setup
rcpts="user@enforce.test user@testing.test user@nopolicy.test user@spoof.test user@mxexpired.test user@notallowed.test"
for r in $rcpts; do send "$r" "demo" >/dev/null 2>&1; done
exim_run >/dev/null 2>&1
echo
printf '%-22s %-10s %s\n' "recipient" "outcome" "details (from Exim's log)"
printf '%-22s %-10s %s\n' "---------" "-------" "-------------------------"
for r in $rcpts; do
	line=$(mainlog | grep -F " $r" | grep -E " (=>|==|\*\*) " | tail -1)
	case "$line" in
	*" => "*) out=delivered
		det=$(printf '%s' "$line" | grep -oE 'R=[^ ]+ T=[^ ]+ H=[^ ]+|CV=[a-z]+' | tr '\n' ' ');;
	*" == "*) out=queued
		why=$(mainlog | grep -F "mtasts: domain=${r#*@} " | grep -o 'result=[^ ]*' | tail -1)
		det=$(printf '%s' "$line" | sed -e 's/.* == [^ ]* //' -e 's/failed to expand .*": //' | cut -c1-90)
		[ -n "$why" ] && det="$why; $det";;
	*) out="?"; det=$line;;
	esac
	printf '%-22s %-10s %s\n' "$r" "$out" "$det"
done
echo
echo "Queued messages are retried by Exim; none is bounced or sent in clear."
