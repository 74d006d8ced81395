#!/bin/bash
# SPDX-License-Identifier: ISC
# 49-stats.t - `mtasts stats`: the Prometheus text format (every sample
# with its # TYPE, names and labels well formed, as node_exporter's
# textfile collector reads them) and counts that follow what the host
# did: routing decisions by mode and action, enforce deferrals, policy
# fetches by result, TLS-RPT sessions by result type, reports sent and
# failed, cache entries and ages; counts from several processes add up.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
world_up
sed "/^sendmail/d" "$CONF" >"$W/s.conf"
printf '#!/bin/sh\ncat >/dev/null\n' >"$W/sm"; chmod 755 "$W/sm"
echo "sendmail = $W/sm" >>"$W/s.conf"
S() { "$MTASTS_BIN" -c "$W/s.conf" "$@"; }

for i in 1 2 3; do S route enforce.test >/dev/null; done
S route testing.test >/dev/null
S route nopolicy.test >/dev/null
S route notallowed.test >/dev/null
S route error500.test >/dev/null
for i in 1 2; do S record enforce.test success mx.enforce.test; done
S record testing.test certificate-expired mx.testing.test
S report --open "$(date -u +%F)" >/dev/null 2>&1
S stats >"$W/stats.txt"
is "$?" 0 "mtasts stats"
/usr/bin/python3 - "$W/stats.txt" >"$W/vals" <<'EOP'
import re, sys
types, vals = {}, {}
name_re = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    m = re.fullmatch(r'# (HELP|TYPE) (%s) (.+)' % name_re, line)
    if m:
        if m.group(1) == "TYPE":
            assert m.group(3) in ("counter", "gauge"), line
            types[m.group(2)] = m.group(3)
        continue
    m = re.fullmatch(r'(%s)(\{[a-z_]+="[^"\\\n]*"(,[a-z_]+="[^"\\\n]*")*\})? (-?[0-9]+)' % name_re, line)
    assert m, "not an exposition line: %r" % line
    assert m.group(1) in types, "sample before its TYPE: %r" % line
    if types[m.group(1)] == "counter":
        assert m.group(1).endswith("_total"), line
    vals[m.group(1) + (m.group(2) or "")] = int(m.group(4))
for k in sorted(vals):
    print(k, vals[k])
EOP
is "$?" 0 "Prometheus text format: every line a HELP, TYPE or sample, counters *_total"
v() { grep -F "$1 " "$W/vals" | head -1 | sed 's/.* //'; }
is "$(v 'mtasts_decisions_total{mode="enforce",action="deliver"}')" 3 "3 enforce routes that deliver"
is "$(v 'mtasts_decisions_total{mode="enforce",action="defer"}')" 1 "1 enforce route with no MX allowed"
is "$(v 'mtasts_decisions_total{mode="testing",action="deliver"}')" 1 "1 testing route"
is "$(v 'mtasts_decisions_total{mode="nopolicy",action="deliver"}')" 2 "2 without a policy (none, and a failed fetch)"
is "$(v 'mtasts_enforce_deferrals_total{reason="no-mx-allowed"}')" 1 "the deferral, by reason"
is "$(v 'mtasts_policy_fetches_total{result="success"}')" 3 "3 policies fetched (enforce, testing, notallowed)"
is "$(v 'mtasts_policy_fetches_total{result="sts-policy-fetch-error"}')" 1 "1 fetch error (HTTP 500)"
is "$(v 'mtasts_tlsrpt_sessions_total{result="success"}')" 2 "2 sessions recorded as success"
is "$(v 'mtasts_tlsrpt_sessions_total{result="certificate-expired"}')" 1 "1 as certificate-expired"
is "$(v 'mtasts_reports_total{outcome="sent"}')" 3 \
    "reports sent: enforce.test to its mailto: and https: rua, testing.test to its mailto:"
is "$(v 'mtasts_reports_total{outcome="failed"}')" 0 "no report failed"
is "$(v 'mtasts_cache_entries{mode="enforce"}')" 2 "cache: 2 enforce policies (enforce.test, notallowed.test)"
is "$(v 'mtasts_cache_policies')" 3 "cache: 3 policies"
like "$(v 'mtasts_cache_policy_age_seconds_max')" '^[0-9]+$' "cache: oldest policy age"

# Counts from several processes add up (each flushes its own).
for i in 1 2 3 4 5 6; do S route enforce.test >/dev/null & done
wait
is "$(S stats | grep -F 'mtasts_decisions_total{mode="enforce",action="deliver"}' | sed 's/.* //')" 9 \
    "six more routing processes at once: 9"

# conf-examples/fleet/mtasts-stats.service's command, with our paths: a
# whole file for the textfile collector, renamed into place.
mkdir -p "$W/textfile"
cmd=$(sed -n "s|^ExecStart=||p" conf-examples/fleet/mtasts-stats.service |
    sed -e "s|/var/lib/prometheus/node-exporter|$W/textfile|" -e "s|/usr/bin/mtasts|$MTASTS_BIN -c $W/s.conf|")
eval "$cmd"
is "$?" 0 "mtasts-stats.service's command runs"
is "$(ls "$W/textfile")" "mtasts.prom" "... leaving only mtasts.prom (no temporary file)"
like "$(cat "$W/textfile/mtasts.prom")" 'mtasts_decisions_total\{mode="enforce",action="deliver"\} 9' "... with the counters"
done_testing
