#!/bin/bash
# SPDX-License-Identifier: ISC
# 29-refresh-event.t - `mtasts refresh` resolves on libunbound's event API
# (dns_worker: ub_resolve_event, reply packets read by net/dns_pkt.c) with
# a domain's TXT, A and AAAA queries together; a single lookup resolves
# synchronously (ub_resolve). For every kind of DNS answer the test world
# has (records, CNAME, several strings, duplicates, NXDOMAIN, NODATA,
# bad records, TXT over 255 bytes, no policy host, unreachable hosts) both
# paths must store the same policy: mode, id, max_age, MX patterns,
# result type and policy text.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
world_up

# conf NAME: the world's config with its own cache.
conf() {
	local f=$W/$1.conf
	grep -v '^cache_file' "$CONF" >"$f"
	echo "cache_file = $W/$1.tdb" >>"$f"
	echo "$f"
}
ev=$(conf event)
sy=$(conf sync)
domains="enforce testing none nopolicy wildcard implicit spoof notallowed
multistring cname duptxt badtxt redirect notfound mediatype oversized
untrusted badpolicy chain crlf bigtxt cnonly nxdomain-nowhere nullmx"
list=
for d in $domains; do list="$list $d.test"; done
# shellcheck disable=SC2086
"$MTASTS_BIN" -c "$ev" refresh $list >"$W/ev.out" 2>"$W/ev.err"
like "$(cat "$W/ev.out")" "^refreshed [0-9]+, unchanged [0-9]+, failed [0-9]+" \
    "refresh over every kind of answer: a summary"
for d in $list; do
	"$MTASTS_BIN" -c "$sy" --json policy "$d" >/dev/null 2>&1
done
fields() {
	"$MTASTS_BIN" -c "$1" --json cache show "$2" 2>&1 | python3 -c '
import json, sys
try:
    j = json.load(sys.stdin)
except ValueError:
    print("no entry"); sys.exit()
print(" ".join(str(j.get(k)) for k in
      ("mode", "id", "max_age", "mx", "result", "text")))'
}
for d in $list; do
	e=$(fields "$ev" "$d")
	s=$(fields "$sy" "$d")
	is "$e" "$s" "$d: the event resolver stores what the synchronous one does"
done
# The refresh did resolve: the records' own policy is there.
like "$(fields "$ev" enforce.test)" "^enforce " "enforce.test: refreshed to its enforce policy"
like "$(fields "$ev" multistring.test)" "^enforce " "multistring.test: TXT strings joined (STS-16, RFC 8461 §3.1)"
like "$(fields "$ev" cname.test)" "^enforce " "cname.test: TXT behind a CNAME (STS-17, RFC 8461 §3.1)"
done_testing
