#!/bin/bash
# SPDX-License-Identifier: ISC
# 40-exim.t - end to end with the real Exim 4.96 running
# conf-examples/exim/exim4-mtasts.conf (paths changed only), delivering
# into the test world: what is delivered, what stays queued, and why.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
. tests/lib/exim.sh
need_mta exim4
world_up
exim_setup

# got RECEIVER RCPT: messages RECEIVER saved for RCPT
got() { grep -l "^X-Rcpt-To: $2" "$W/mail/$1"/* 2>/dev/null | wc -l; }
logline() { mainlog | grep -F "=> $1 " | tail -1; }

# --- enforce, valid certificate: delivered over verified TLS
send a@enforce.test
send b@wildcard.test
send c@chain.test
send d@implicit.test
exim_run
is "$(got good a@enforce.test)" 1 "enforce + valid cert: delivered"
like "$(logline a@enforce.test)" "R=mtasts_enforce T=mtasts_smtp .*CV=yes" "enforce: routed by mtasts, certificate verified (CV=yes)"
is "$(got wildcard b@wildcard.test)" 1 "enforce, wildcard policy and certificate: delivered"
is "$(got chain c@chain.test)" 1 "enforce, leaf+intermediate chain: delivered"
is "$(got good d@implicit.test)" 1 "enforce, implicit MX (DESIGN 11): delivered"
# The verdict's reason, as the log has always said it (made on demand).
like "$(mainlog | grep 'mtasts: domain=enforce.test' | head -1)" \
    'reason="mx\.enforce\.test matches mx pattern mx\.enforce\.test; TLS valid"' \
    "enforce: the verdict's reason logged"
like "$(mainlog | grep 'mtasts: domain=wildcard.test' | head -1)" \
    'reason="mx1\.wildcard\.test matches mx pattern \*\.wildcard\.test; TLS valid"' \
    "wildcard: the reason names the wildcard pattern"

# --- two allowed MX hosts, the preferred one failing: Exim tries the
# next within the same attempt
send f@failover.test
exim_run
is "$(got good f@failover.test)" 1 "failover: delivered through the second allowed MX in one attempt"
is "$(got expired f@failover.test)" 0 "nothing to the preferred MX whose certificate expired"

# --- testing + bad certificate: delivered, failure logged with its type
send t@testing.test
exim_run
is "$(got expired t@testing.test)" 1 "testing + expired cert: delivered"
like "$(mainlog | grep 'mtasts: domain=testing.test')" "mode=testing result=certificate-expired action=deliver" \
    "testing: exact result type recorded"
like "$(logline t@testing.test)" "T=remote_smtp" "testing: normal transport"

# --- none / no policy: as Exim normally would
send n@none.test
send p@nopolicy.test
exim_run
is "$(got good n@none.test)" 1 "mode none: delivered"
is "$(got good p@nopolicy.test)" 1 "no policy: delivered"
like "$(logline p@nopolicy.test)" "R=dnslookup T=remote_smtp" "no policy: normal router"

# --- enforce + bad certificate / no STARTTLS: deferred, kept, then delivered
for r in mxwrongname mxexpired mxuntrusted mxnotls; do send "q@$r.test"; done
exim_run
for r in mxwrongname mxexpired mxuntrusted mxnotls; do
	is "$(queued_for "q@$r.test")" 1 "enforce, $r: deferred, still queued"
done
is "$(ls "$W/mail/wrongname" "$W/mail/untrusted" "$W/mail/notls" | grep -vc ':$\|^$')" 0 "nothing reached the bad receivers"
like "$(mainlog | grep 'mtasts: domain=mxexpired.test')" "mode=enforce result=certificate-expired action=defer" \
    "enforce: expired certificate vetoed with its exact result type"
like "$(mainlog | grep 'mtasts: domain=mxexpired.test' | head -1)" \
    'reason="mx\.mxexpired\.test \(mx pattern [^)]*\): certificate-expired \(' \
    "enforce: the veto's reason names the MX, its pattern and the failure"
like "$(mainlog | grep 'mtasts: domain=mxwrongname.test')" "result=certificate-host-mismatch" \
    "enforce: name mismatch recorded as certificate-host-mismatch"
like "$(mainlog | grep 'q@mxnotls.test' | grep -i defer | tail -1)" "TLS|STARTTLS|tls" "no STARTTLS: deferred for TLS"
for r in wrongname expired untrusted notls; do "$WORLD_BIN/world.sh" smtp fix "$W" "$r"; done
exim_run
is "$(got wrongname q@mxwrongname.test)/$(got expired q@mxexpired.test)/$(got untrusted q@mxuntrusted.test)/$(got notls q@mxnotls.test)" \
    "1/1/1/1" "receivers fixed, queue run: all four delivered (nothing lost)"
is "$(queued)" 0 "queue empty"

# --- MX not in policy: skipped; no allowed MX: deferred, not bounced/frozen
send s@spoof.test
send x@notallowed.test
exim_run
is "$(got good s@spoof.test)/$(got attacker s@spoof.test)" "1/0" "spoofed MX skipped, the allowed one used"
is "$(queued_for x@notallowed.test)" 1 "no allowed MX: deferred, still queued"
like "$(mainlog | grep 'x@notallowed.test' | tail -1)" "allows none of its MX" "and the log says why"
is "$(exim -bp | grep -c '\*\*\* frozen')" 0 "nothing frozen"
is "$(mainlog | grep -c '\*\* x@notallowed.test')" 0 "nothing bounced"

# --- policy host down, cached enforce policy: still enforced
send o@down.test
exim_run
"$WORLD_BIN/world.sh" https stop "$W"
"$WORLD_BIN/world.sh" set-txt "$W" down.test "v=STSv1; id=2"
sleep 1.2
send o2@down.test
exim_run
like "$(logline o2@down.test)" "R=mtasts_enforce T=mtasts_smtp .*CV=yes" "policy host down: cached enforce policy still applied"
"$WORLD_BIN/world.sh" https start "$W"

# --- two domains sharing an MX, one enforce one not, in one queue run
send u@shared1.test
send v@shared2.test
exim_run
like "$(logline u@shared1.test)" "T=mtasts_smtp .*CV=yes" "shared MX: enforce domain through the mtasts transport"
like "$(logline v@shared2.test)" "T=remote_smtp" "shared MX: other domain through the normal transport"
is "$(got good u@shared1.test)/$(got good v@shared2.test)" "1/1" "both delivered"

# --- a burst: 200 messages to 20 domains in one queue run
ok_domains="enforce wildcard chain implicit testing-good none nopolicy spoof multistring cname shared1 shared2 idbump"
bad_domains="mxwrongname mxexpired mxuntrusted mxnotls notallowed"
for r in wrongname expired untrusted notls; do "$WORLD_BIN/world.sh" smtp start "$W" "$r"; done
n=0
for i in $(seq 1 10); do
	for d in $ok_domains $bad_domains testing; do
		send "burst$i@$d.test"; n=$((n + 1))
	done
done
for i in $(seq 1 10); do send "burst$i@age0.test"; n=$((n + 1)); done
exim_run
# Exim may send several recipients in one transaction: count recipients.
good=$(cat "$W"/mail/*/* | grep '^X-Rcpt-To: burst' | sed 's/.*@//; s/\r$//' |
    grep -cxE "($(echo $ok_domains testing age0 | sed 's/ /|/g'))\.test")
held=0; for d in $bad_domains; do held=$((held + $(queued_for "burst[0-9]*@$d.test"))); done
is "$n" 200 "burst: 200 messages sent"
is "$good" 150 "burst: every message for a deliverable domain delivered"
is "$held" 50 "burst: every message for a refused domain still queued"

done_testing
