#!/bin/sh
# demo.sh - `make demo`: bring the test world up, show what a sending MTA
# would do for each scenario domain, tear the world down again.
# usage: demo.sh /path/to/mtasts
set -eu
mtasts=${1:?usage: demo.sh /path/to/mtasts}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-demo.XXXXXX")
cleanup() { "$here/world.sh" down "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Starting the test world (DNS, HTTPS policy hosts, SMTP receivers) in $dir ..."
"$here/world.sh" up "$dir" >"$dir.log" 2>&1 || { cat "$dir.log"; rm -f "$dir.log"; exit 1; }
rm -f "$dir.log"
echo
/usr/bin/python3 "$here/demo.py" "$mtasts" "$dir" \
	enforce.test testing.test testing-good.test none.test nopolicy.test \
	wildcard.test chain.test implicit.test \
	mxwrongname.test mxexpired.test mxuntrusted.test mxnotls.test \
	spoof.test notallowed.test \
	redirect.test notfound.test error500.test mediatype.test \
	oversized.test slow.test untrusted.test wrongname.test expired.test \
	badpolicy.test multistring.test cname.test duptxt.test badtxt.test
echo
echo "deliver: the MTA may deliver to that host; defer: it must not (the message stays queued)."
echo "Policy host failures (redirect, 404, bad certificate...) mean no policy: delivery goes on without MTA-STS (RFC 8461 §3.3)."
