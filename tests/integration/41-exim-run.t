#!/bin/bash
# SPDX-License-Identifier: ISC
# 41-exim-run.t - the ${run} variant (conf-examples/exim/exim4-mtasts-run.conf)
# for Exim builds without dlfunc: the same routing decisions through the
# `mtasts` command, with the second router turning "no MX allowed" into a
# defer.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
EXIM_EXAMPLE=$(pwd)/conf-examples/exim/exim4-mtasts-run.conf
. tests/lib/exim.sh
need_mta exim4
world_up
exim_setup

got() { grep -l "^X-Rcpt-To: $2" "$W/mail/$1"/* 2>/dev/null | wc -l; }
logline() { mainlog | grep -F "=> $1 " | tail -1; }

for r in a@enforce.test s@spoof.test t@testing.test p@nopolicy.test \
    x@notallowed.test q@mxexpired.test; do send "$r"; done
exim_run
is "$(got good a@enforce.test)" 1 "enforce + valid cert: delivered"
like "$(logline a@enforce.test)" "R=mtasts_enforce T=mtasts_smtp .*CV=yes" "through mtasts, verified"
is "$(got good s@spoof.test)/$(got attacker s@spoof.test)" "1/0" "spoofed MX skipped"
like "$(logline t@testing.test)" "R=dnslookup T=remote_smtp" "testing: normal router"
like "$(logline p@nopolicy.test)" "R=dnslookup T=remote_smtp" "no policy: normal router"
is "$(queued_for x@notallowed.test)" 1 "no MX allowed: deferred, still queued"
like "$(mainlog | grep 'x@notallowed.test' | tail -1)" "R=mtasts_defer defer .*mtasts exit 3" "deferred by the second router"
is "$(queued_for q@mxexpired.test)" 1 "enforce + expired cert: deferred by Exim's static verification"
is "$(mainlog | grep -c '\*\* ')" 0 "nothing bounced"

# TLS-RPT through `mtasts record` at tcp:close
sum=$("$MTASTS_BIN" -c "$X/mtasts.conf" report --dry-run --open "$(date -u +%F)" |
    /usr/bin/python3 tests/tlsrpt/check.py json /dev/stdin)
like "$(echo "$sum" | grep '^enforce.test ')" "^enforce.test sts ok=1 fail=0" "\${run} record: enforce delivery counted as a success"
like "$(echo "$sum" | grep '^testing.test ')" "^testing.test sts ok=0 fail=1 validation-failure:1:mx.testing.test:certificate-verify-failed" \
    "\${run} record: testing + expired certificate counted as a failure"

# A broken mtasts setup defers instead of delivering without MTA-STS.
echo "no_such_key = 1" >>"$X/mtasts.conf"
send b@enforce.test
exim_run
is "$(queued_for b@enforce.test)" 1 "config error (exit 78): deferred, never sent unprotected"

done_testing
