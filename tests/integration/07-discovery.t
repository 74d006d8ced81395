#!/bin/bash
# SPDX-License-Identifier: ISC
# 07-discovery.t - the _mta-sts rules of RFC 8461 §3.1 and the MX names
# of DESIGN 19, served for real by nsd and read through libunbound: each
# domain below publishes a valid record, so each has its policy; an MX
# target with a dot inside a label is no candidate.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
world_up

# domain  TXT RRset (as tests/world/world.py serves it) -> mode id
while read -r d want why; do
	out=$(M --json policy "$d.test")
	is "$(jget "$out" mode)/$(jget "$out" id)" "$want" "$d.test: $why"
done <<'TABLE'
trailwsp enforce/1    "v=STSv1; id=1; ": the final delimiter keeps its WSP (§3.1 sts-field-delim)
barever  enforce/good ["v=STSv1", "v=STSv1; id=good"]: a bare v=STSv1 does not begin with "v=STSv1;" (§3.1)
nodelim  enforce/a    ["v=STSv1; id=a", "v=STSv1 id=b"]: the second does not begin with "v=STSv1;" (§3.1)
repid    enforce/abc  "v=STSv1; id=abc; id=x-y": a repeated id= that is no sts-id is an extension (§3.1, §3.2)
duptxt   no-policy/   two records begin with "v=STSv1;": no policy (§3.1)
TABLE

# MX 10 mx\.dotlabel.test. (one label "mx.dotlabel" under test.), policy
# mx: mx.dotlabel.test: the target is no host name, so no MX is allowed,
# and mx.dotlabel.test never appears (it would be another host).
out=$(M --json route dotlabel.test); rc=$?
is "$rc" 3 "dotlabel.test: enforce with no MX allowed (exit 3)"
is "$(jget "$out" allowed)" "[]" "dotlabel.test: no allowed host"
case $out in
*'mx.dotlabel.test"'*) ok 1 "dotlabel.test: the target is not rewritten into mx.dotlabel.test" ;;
*) ok 0 "dotlabel.test: the target is not rewritten into mx.dotlabel.test" ;;
esac

done_testing
