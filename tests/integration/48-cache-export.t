#!/bin/bash
# SPDX-License-Identifier: ISC
# 48-cache-export.t - `mtasts cache export` / `cache import`: a host's
# cached policies as JSON, imported by a fresh host that then applies
# them without fetching (nginx's access log counts fetches), and every
# kind of bad entry refused (RFC 8461 §3.1 id, §3.2 policy, STS-50 (RFC 8461 §3.2)
# max_age), never trusted.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
world_up
mkdir -p "$W/h2"
sed -e "s|^cache_file = .*|cache_file = $W/h2/cache.tdb|" "$CONF" >"$W/h2.conf"
H2() { "$MTASTS_BIN" -c "$W/h2.conf" "$@"; }

M policy enforce.test >/dev/null
M policy testing.test >/dev/null
M policy nopolicy.test >/dev/null
M cache export >"$W/export.json"
is "$?" 0 "cache export"
is "$(/usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
assert d["version"] == 1
print(" ".join(sorted(p["domain"] for p in d["policies"])))
p = [p for p in d["policies"] if p["domain"] == "enforce.test"][0]
assert p["expires_at"] - p["fetched_at"] == 86400, p
assert p["policy"].startswith("version: STSv1\n"), p
assert sorted(p) == ["domain", "expires_at", "fetched_at", "id", "policy"], p' "$W/export.json")" \
    "enforce.test testing.test" "export: JSON with the policies (not the no-policy answers), times and text"
f0=$(fetches enforce.test)
H2 cache import "$W/export.json" >"$W/imp.out"
is "$?" 0 "import on a fresh host"
is "$(cat "$W/imp.out")" "imported 2 skipped 0" "... both policies"
out=$(H2 policy enforce.test)
like "$out" "mode: enforce" "the new host applies enforce.test's policy"
like "$out" "source: cache" "... from its cache"
is "$(fetches enforce.test)" "$f0" "... without fetching it"
is "$(jget "$(H2 policy --json enforce.test)" expires)" "$(jget "$(M policy --json enforce.test)" expires)" \
    "... with the exporting host's expiry"
H2 cache import - <"$W/export.json" >"$W/imp.out"
is "$(cat "$W/imp.out")" "imported 0 skipped 2" "importing again: the local policies are as new, kept"

# Bad entries: each refused, counted, the rest imported.
now=$(date +%s)
P='version: STSv1\nmode: enforce\nmx: mx.enforce.test\nmax_age: 86400\n'
cat >"$W/bad.json" <<EOJ
{"version":1,"policies":[
{"domain":"old.example","id":"1","fetched_at":$((now - 90000)),"expires_at":$((now - 3600)),"policy":"$P"},
{"domain":"badid.example","id":"a-b","fetched_at":$now,"expires_at":$((now + 3600)),"policy":"$P"},
{"domain":"badpol.example","id":"1","fetched_at":$now,"expires_at":$((now + 3600)),"policy":"version: STSv1\nmode: sometimes\n"},
{"domain":"long.example","id":"1","fetched_at":$now,"expires_at":$((now + 90000)),"policy":"$P"},
{"domain":"bad..domain","id":"1","fetched_at":$now,"expires_at":$((now + 3600)),"policy":"$P"},
{"domain":"good.example","id":"7","fetched_at":$now,"expires_at":$((now + 3600)),"policy":"$P","extra":[1,{"x":null}]}
]}
EOJ
mkdir -p "$W/h3"
sed -e "s|^cache_file = .*|cache_file = $W/h3/cache.tdb|" "$CONF" >"$W/h3.conf"
"$MTASTS_BIN" -v -c "$W/h3.conf" cache import "$W/bad.json" >"$W/imp.out" 2>"$W/imp.err"
is "$?" 0 "a document with bad entries imports"
is "$(cat "$W/imp.out")" "imported 1 skipped 5" "... only the good one"
like "$(cat "$W/imp.err")" "badid.example: bad id" "bad id refused (RFC 8461 §3.1)"
like "$(cat "$W/imp.err")" "badpol.example: invalid policy" "bad policy refused (strict §3.2 parser)"
like "$(cat "$W/imp.err")" "long.example: expired, or times that do not fit its max_age" "expiry beyond max_age refused (STS-50, RFC 8461 §3.2)"
like "$(cat "$W/imp.err")" "old.example: expired" "expired refused"
like "$("$MTASTS_BIN" -c "$W/h3.conf" cache list)" "^good.example enforce 7 " "the good one is cached"
printf '{"version":1,"policies":[{"domain":"x.example",' >"$W/trunc.json"
"$MTASTS_BIN" -c "$W/h3.conf" cache import "$W/trunc.json" >/dev/null 2>"$W/imp.err"
is "$?" 1 "truncated JSON: refused (exit 1)"
like "$(cat "$W/imp.err")" "cache import: JSON: .* at byte" "... saying where"
printf '{"version":2,"policies":[]}' | "$MTASTS_BIN" -c "$W/h3.conf" cache import - >/dev/null 2>"$W/imp.err"
like "$(cat "$W/imp.err")" "version 2, expected 1" "an unknown version: refused"
done_testing
