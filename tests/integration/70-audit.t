#!/bin/bash
# SPDX-License-Identifier: ISC
# 70-audit.t - `mtasts audit DOMAIN` (issue 20) against the test world:
# every scenario domain gives the expected status for each check, the
# exit code follows the worst status (0 ok, 1 fail, 2 warnings only),
# --brief is one monitoring line, --no-smtp skips the probes, and the
# cache is never written unless --update-cache.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
world_up

# st JSON CHECK: the status of the first check named CHECK, or "absent".
st() {
	/usr/bin/python3 -c 'import json,sys
a=json.loads(sys.argv[1])
print(next((c["status"] for c in a["checks"] if c["check"]==sys.argv[2]),"absent"))' "$1" "$2"
}
# seen JSON CHECK: what the first check named CHECK saw.
seen() {
	/usr/bin/python3 -c 'import json,sys
a=json.loads(sys.argv[1])
print(next((c["seen"]+" | "+c["advice"] for c in a["checks"] if c["check"]==sys.argv[2]),""))' "$1" "$2"
}
audit() { out=$(M audit --json "$@"); rc=$?; }

# One row per domain: the expected status of named checks, and the exit.
# rc|domain|check=status ...
while IFS='|' read -r want dom checks; do
	audit "$dom"
	is "$rc" "$want" "$dom: exit $want"
	for kv in $checks; do
		is "$(st "$out" "${kv%%=*}")" "${kv#*=}" "$dom: ${kv%%=*} is ${kv#*=}"
	done
done <<'TABLE'
0|enforce.test|txt.select=ok policy-host.cert=ok policy-host.cert.tls=ok policy-host.fetch=ok policy.syntax=ok mx.match=ok smtp.mx.enforce.test=ok tlsrpt.record=ok tlsrpt.rua.https=ok readiness=ok
0|testing-good.test|smtp.mx.testing-good.test=ok readiness=ok
1|mxexpired.test|smtp.mx.mxexpired.test=fail readiness=fail
1|mxwrongname.test|smtp.mx.mxwrongname.test=fail readiness=fail
1|mxnotls.test|smtp.mx.mxnotls.test=fail readiness=fail
1|mxuntrusted.test|smtp.mx.mxuntrusted.test=fail
2|testing.test|smtp.mx.testing.test=warn readiness=warn
1|notallowed.test|mx.mx.attacker.test=fail mx.stale=warn readiness=fail
1|drift.test|mx.mx2.drift.test=fail smtp.mx2.drift.test=ok readiness=fail
2|stale.test|mx.stale=warn readiness=ok
1|wildbare.test|mx.wildbare.test=fail
1|wrongname.test|policy-host.cert=fail policy-host.fetch=fail readiness=fail
1|expired.test|policy-host.cert=fail
1|untrusted.test|policy-host.cert=fail
1|redirect.test|policy-host.fetch=fail
1|mediatype.test|policy-host.fetch=fail
1|notfound.test|policy-host.fetch=fail
1|badpolicy.test|policy-host.fetch=ok policy.syntax=fail
1|nopolicy.test|txt.lookup=fail readiness=fail
1|duptxt.test|txt.select=fail
1|badtxt.test|txt.select=fail
0|implicit.test|mx.lookup=info mx.match=ok smtp.implicit.test=ok
2|norpt.test|tlsrpt.record=warn readiness=ok
1|badrpt.test|tlsrpt.record=fail
1|rptnomail.test|tlsrpt.record=ok tlsrpt.rua=fail
0|testing-good.test|tlsrpt.rua=ok
0|cname.test|txt.select=ok
TABLE

# Evidence and advice say what to do.
audit mxexpired.test
like "$(seen "$out" smtp.mx.mxexpired.test)" "certificate-expired.*enforcing sender defers" \
	"expired MX certificate: the RFC 8460 result type and the consequence"
audit wildbare.test
like "$(seen "$out" mx.wildbare.test)" 'does not cover wildbare.test itself' \
	"wildcard pitfall explained"
audit wrongname.test
like "$(seen "$out" policy-host.cert)" 'for wrongname.test only' \
	"policy host certificate for the bare domain only, said so"
audit drift.test
like "$(seen "$out" mx.mx2.drift.test)" 'add "mx: mx2.drift.test"' "MX drift: the line to add"

# --no-smtp: no probes, readiness not judged on them.
audit --no-smtp testing-good.test
is "$(st "$out" smtp.mx.testing-good.test)/$(st "$out" readiness)" "absent/info" \
	"--no-smtp: no SMTP probe, readiness only informative"
is "$rc" 0 "--no-smtp: exit 0 without warnings"

# --brief: one line, Nagios style, same exit codes.
b=$(M audit --brief mxexpired.test); rc=$?
is "$rc" 1 "--brief: exit 1 on a failure"
like "$b" '^MTASTS CRITICAL - mxexpired.test: [0-9]+ failures?, [0-9]+ warnings?; ' "--brief: one CRITICAL line"
is "$(printf '%s\n' "$b" | wc -l)" 1 "--brief: exactly one line"
b=$(M audit --brief norpt.test); rc=$?
like "$rc $b" '^2 MTASTS WARNING - norpt.test' "--brief: WARNING, exit 2"

# Human output is grouped with a fix line under a failure.
h=$(M audit mxnotls.test)
like "$h" 'MX hosts: STARTTLS and certificates' "text: grouped by area"
like "$h" 'fix: offer STARTTLS on port 25' "text: how to fix"

# The cache: never written unless asked; id discipline against it.
cache=$(sed -n 's/^cache_file *= *//p' "$CONF")
rm -f "$cache" "$cache.lock"
M audit idbump.test >/dev/null
ok "$([ ! -e "$cache" ]; echo $?)" "audit without --update-cache writes no cache file"
audit --update-cache idbump.test
is "$(st "$out" cache.update)" info "--update-cache stores the policy"
is "$(M cache show idbump.test >/dev/null 2>&1; echo $?)" 0 "the policy is cached"
audit idbump.test
is "$(st "$out" policy.id)" ok "cached copy matches what is served"
printf 'version: STSv1\nmode: enforce\nmx: mx.idbump.test\nmx: new.idbump.test\nmax_age: 86400\n' >"$W/idbump.new"
"$WORLD_BIN/world.sh" set-policy "$W" idbump.test "$W/idbump.new" >/dev/null
audit idbump.test
is "$(st "$out" policy.id)" fail "policy changed under the same id: fail"
like "$(seen "$out" policy.id)" 'senders keep the old policy' "...and why it matters"
"$WORLD_BIN/world.sh" set-txt "$W" idbump.test 'v=STSv1; id=2' >/dev/null
audit idbump.test
is "$(st "$out" policy.id)" ok "new id: fine"

# Bad arguments.
M audit 'bad domain!' >/dev/null 2>&1
is "$?" 1 "an invalid domain: exit 1"
M audit --brief >/dev/null 2>&1
is "$?" 64 "no domain: usage"
M policy --no-smtp enforce.test >/dev/null 2>&1
is "$?" 64 "--no-smtp is only for audit"

done_testing
