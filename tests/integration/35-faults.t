#!/bin/bash
# SPDX-License-Identifier: ISC
# 35-faults.t - hostile policy hosts and DNS: each gives a clear result
# type and a safe outcome, never a crash (issue 8's fault matrix, the
# parts the test world serves for real).
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
world_up

# domain  mode  result  reason-regex
while read -r d mode result re; do
	out=$(M --json policy "$d.test"); rc=$?
	is "$rc/$(jget "$out" mode)/$(jget "$out" result)" "0/$mode/$result" "$d: $mode, $result"
	like "$(jget "$out" reason)" "$re" "$d: reason"
done <<'TABLE'
huge      no-policy sts-policy-fetch-error  body larger than 65536
binary    no-policy sts-policy-invalid      NUL byte
midclose  no-policy sts-policy-fetch-error  transfer
slow      no-policy sts-policy-fetch-error  timed out
redirect  no-policy sts-policy-fetch-error  redirect
bigtxt    no-policy sts-policy-fetch-error  TXT lookup failed
manytxt   enforce   success                 fetched policy, id 7
TABLE

out=$(M --json route mx100.test)
is "$(jget "$out" mode)" enforce "100 MX hosts: routed"
n=$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["allowed"]))')
is "$n" 64 "100 MX hosts: the 64 most preferred are considered (MTS_DNS_MAX_RR)"

# Domain names: 253 characters is a name, 254 is not; U-labels work.
l63=$(printf 'a%.0s' $(seq 63))
out=$(M --json policy "$l63.$l63.$l63.${l63:0:56}.test"); rc=$?
is "$rc/$(jget "$out" mode)" "0/no-policy" "253-character domain: looked up, no policy"
M --json policy "$l63.$l63.$l63.${l63:0:57}.test" >/dev/null 2>&1
is "$?" 1 "254-character domain: invalid (exit 1)"
M --json policy "$l63${l63:0:1}.test" >/dev/null 2>&1
is "$?" 1 "64-character label: invalid"
out=$(M --json policy "bücher.test")
is "$(jget "$out" domain)" "xn--bcher-kva.test" "U-label input normalised to its A-label"
M --json policy "[192.0.2.1]" >/dev/null 2>&1
is "$?" 1 "address literal: invalid, no lookup"

# A resolver that answers SERVFAIL, and one that never answers.
sf() { { grep -v '^dns_upstream' "$CONF"; echo "dns_upstream = $1"; shift; printf '%s\n' "$@"; } >"$W/dns.conf"; }
sf 127.0.10.3@5353
out=$("$MTASTS_BIN" -c "$W/dns.conf" --json policy testing.test); rc=$?
is "$rc/$(jget "$out" mode)/$(jget "$out" result)" "0/no-policy/sts-policy-fetch-error" \
    "SERVFAIL, nothing cached: deliver without MTA-STS, reported (DESIGN 8)"
sf 127.0.10.3@5353 "dns_tempfail = defer"
"$MTASTS_BIN" -c "$W/dns.conf" --json policy testing.test >/dev/null 2>&1
is "$?" 75 "SERVFAIL with dns_tempfail = defer: temporary failure (exit 75)"
M policy enforce.test >/dev/null              # cache the enforce policy
sleep 1.2                                     # its TXT answer (TTL 1) expires
sf 127.0.10.3@5353
out=$("$MTASTS_BIN" -c "$W/dns.conf" --json policy enforce.test)
is "$(jget "$out" mode)" "enforce" "SERVFAIL with a cached enforce policy: the cached policy applies"
sf 127.0.10.4@5353 "dns_timeout = 2"
t0=$(date +%s)
out=$("$MTASTS_BIN" -c "$W/dns.conf" --json policy testing.test); rc=$?
t=$(( $(date +%s) - t0 ))
is "$rc/$(jget "$out" mode)" "0/no-policy" "silent resolver: gives up, no policy"
diag "silent resolver with dns_timeout = 2: gave up after ${t}s (not asserted: tests do not time)"

done_testing
