#!/bin/bash
# SPDX-License-Identifier: ISC
# 06-cli-records.t - `mtasts parse-txt` and `mtasts parse-tlsrpt` on whole
# RRsets (several arguments = the records of one answer): the selection
# rule of RFC 8461 §3.1 and RFC 8460 §3, the ABNF, the RFC examples and
# VECTORS A, B and H, with the exit codes and output of
# docs/CLI-CONTRACT.md. No network.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
MT=${MTASTS_BIN:-build/mtasts}
M() { "$MT" -c /dev/null "$@"; }

# One row: name | result[/id or /rua list] | record 1 [| record 2 ...]
# result: found/<id>, none, multiple, invalid.
check_sts() {
	local name=$1 want=$2 out rc got; shift 2
	out=$(M parse-txt --json "$@" 2>/dev/null); rc=$?
	got=$(jget "$out" result)
	[ "$got" = found ] && got="found/$(jget "$out" id)"
	is "$rc:$got" "$([ "${want%%/*}" = found ] && echo 0 || echo 1):$want" "parse-txt $name"
}

while IFS='|' read -r name want r1 r2 r3; do
	set -- "$r1"
	[ -n "$r2" ] && set -- "$@" "$r2"
	[ -n "$r3" ] && set -- "$@" "$r3"
	check_sts "$name" "$want" "$@"
done <<'TABLE'
RFC 8461 §3.1 example|found/20160831085700Z|v=STSv1; id=20160831085700Z;
B01 one record|found/1|v=STSv1; id=1
B03 syntax error|invalid|v=STSv1; bogus
B05 no v=STSv1 record|none|bogus|more
B09 other TXT records discarded|found/blah|abc|v=STSv1; id=blah;
STS-14 (RFC 8461 §3.1) two records|multiple|v=STSv1; id=1|v=STSv1; id=2
STS-13 (RFC 8461 §3.1) bare v=STSv1 is discarded|found/good|v=STSv1|v=STSv1; id=good
STS-13 (RFC 8461 §3.1) v=STSv1 id=b is discarded|found/a|v=STSv1; id=a|v=STSv1 id=b
STS-13 (RFC 8461 §3.1) erratum 6285 v=STSv1 ; counts|multiple|v=STSv1 ; id=a|v=STSv1; id=b
STS-13 (RFC 8461 §3.1) with SPF and verification records|found/x|v=spf1 -all|google-site-verification=abc|v=STSv1; id=x
§3.1 final delimiter with SP|found/abc|v=STSv1; id=abc; 
§3.1 WSP around every ';'|found/abc|v=STSv1 ;id=abc ; 
STS-19 (RFC 8461 §3.2) repeated id=x-y is an extension|found/abc|v=STSv1; id=abc; id=x-y
STS-19 (RFC 8461 §3.2) repeated id: first wins|found/first|v=STSv1; id=first; id=second
A09 v=STSv12|none|v=STSv12;id=20180907T090909;
A15 id of 33|invalid|v=STSv1; id=012345678901234567890123456789012
A21 empty field|invalid|v=STSv1; id=a;;
TABLE
# A record ending in a tab (the heredoc would lose it).
check_sts "§3.1 final delimiter with HTAB" found/abc "$(printf 'v=STSv1; id=abc;\t')"

# Human output: the record chosen, its fields, the records discarded.
out=$(M parse-txt "v=STSv1" "v=STSv1; id=good; id=x-y"); rc=$?
is "$rc" 0 "human: exit 0"
like "$out" "^found: record 2 of 2$" "human: the record chosen"
like "$out" "^id: good$" "human: the id"
like "$out" "^field: id=x-y \(ignored: not 1 to 32 letters or digits, so an extension" "human: the ignored field and why"
like "$out" "^discarded: record 1: the version is not followed by ';'$" "human: why record 1 does not count"
err=$(M parse-txt "v=STSv1; id=1" "v=STSv1; id=2" 2>&1 >/dev/null); rc=$?
is "$rc" 1 "several records: exit 1"
like "$err" "^mtasts: no MTA-STS record: 2 records begin with v=STSv1" "several records: why on stderr"
err=$(M parse-txt "v=STSv1; id=2016-08-31" 2>&1 >/dev/null)
like "$err" "^mtasts: invalid TXT record: no id field: id=2016-08-31 is not 1 to 32" "invalid: the rule broken"
out=$(M parse-txt --json "v=STSv1" "v=STSv1; id=good")
is "$(jget "$out" chosen)/$(jget "$out" records.0.counted)/$(jget "$out" records.1.counted)" "2/false/true" "json: chosen and counted"
is "$(jget "$out" fields.0.use)" "id" "json: field use"

# TLSRPT: name | result[/rua addrs] | records
check_rpt() {
	local name=$1 want=$2 out rc got; shift 2
	out=$(M parse-tlsrpt --json "$@" 2>/dev/null); rc=$?
	got=$(jget "$out" result)
	[ "$got" = found ] && got="found/$(/usr/bin/python3 -c 'import json,sys
print(",".join(r["addr"] for r in json.loads(sys.argv[1])["rua"]))' "$out")"
	is "$rc:$got" "$([ "${want%%/*}" = found ] && echo 0 || echo 1):$want" "parse-tlsrpt $name"
}

while IFS='|' read -r name want r1 r2 r3; do
	set -- "$r1"
	[ -n "$r2" ] && set -- "$@" "$r2"
	[ -n "$r3" ] && set -- "$@" "$r3"
	check_rpt "$name" "$want" "$@"
done <<'TABLE'
RFC 8460 §3.1.1 mailto example|found/reports@example.com|v=TLSRPTv1;rua=mailto:reports@example.com
RFC 8460 §3.1.2 https example|found/https://reporting.example.com/v1/tlsrpt|v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt
H01|found/tlsrpt@mox.example|v=TLSRPTv1; rua=mailto:tlsrpt@mox.example;
H03 extension ignored|found/tlsrpt@mox.example|v=TLSRPTv1; rua=mailto:tlsrpt@mox.example; ext=yes
H05 v=TLSRPTv10|none|v=TLSRPTv10
H07 empty rua|invalid|v=TLSRPTv1; rua=
H09 empty URIs|invalid|v=TLSRPTv1; rua=,, ,
H11 extra ';'|invalid|v=TLSRPTv1; rua=mailto:x@x.example;;
H13 bad percent-encoding|invalid|v=TLSRPTv1; rua=http://bad/%
H17 three URIs|found/reports@example.com,hostmaster@example.com,https://reportbot.example.com:12345/tlsrpt|v=TLSRPTv1;rua=mailto:reports@example.com,mailto:hostmaster@example.com,https://reportbot.example.com:12345/tlsrpt;
H19 v=TLSRPTv99|none|v=TLSRPTv99;rua=mailto:reports@example.com
H21 two records|multiple|v=TLSRPTv1; rua=mailto:a@b.example|v=TLSRPTv1; rua=mailto:c@d.example
H23 syntax error|invalid|v=TLSRPTv1; bad
H25 no rua|invalid|v=TLSRPTv1;
RPT-03 (RFC 8460 §3) bare v=TLSRPTv1 is discarded|found/g@b.example|v=TLSRPTv1|v=TLSRPTv1; rua=mailto:g@b.example
RPT-03 (RFC 8460 §3) v=TLSRPTv1 rua= (no ';') is discarded|found/a@b.example|v=TLSRPTv1; rua=mailto:a@b.example|v=TLSRPTv1 rua=mailto:c@d.example
RPT-03 (RFC 8460 §3) v=TLSRPTv1 ; counts|multiple|v=TLSRPTv1 ; rua=mailto:a@b.example|v=TLSRPTv1; rua=mailto:c@d.example
RFC 8460 §3 ABNF: a bad rua= after a good one is an extension|found/a@b.example|v=TLSRPTv1; rua=mailto:a@b.example; rua=noscheme
RFC 8460 §3: a mailto: that is no address is skipped|found/a@b.example|v=TLSRPTv1; rua=mailto:postmaster,mailto:a@b.example
RFC 8460 §3: only unusable URIs, no report|found/|v=TLSRPTv1; rua=mailto:postmaster
RFC 8460 §3 field-delim with trailing SP|found/a@b.example|v=TLSRPTv1; rua=mailto:a@b.example; 
TABLE

out=$(M parse-tlsrpt "v=TLSRPTv1; rua=mailto:a@b.example,ftp://x.example/r,http://r.example/x"); rc=$?
is "$rc" 0 "tlsrpt human: exit 0"
like "$out" "^rua: mailto:a@b.example \(to a@b.example\)$" "tlsrpt human: the rua used"
like "$out" "^skipped: ftp://x.example/r \(scheme not supported" "tlsrpt human: ftp: skipped, and why"
like "$out" "^skipped: http://r.example/x \(scheme not supported" "tlsrpt human: http: skipped, and why"
out=$(M parse-tlsrpt "v=TLSRPTv1; rua=mailto:a@b.example%0D%0ARCPT,https:///x; rua=x%")
like "$out" "^skipped: mailto:a@b.example%0D%0ARCPT \(mailto: is not exactly one address" \
    "tlsrpt human: a mailto: with CR LF is never used"
like "$out" "^skipped: https:///x \(https: URI without a host\)$" "tlsrpt human: https: without a host skipped"
like "$out" "^field: rua=x% \(ignored: not a URI list, so an extension" "tlsrpt human: rua=x% is an ignored extension"
out=$(M parse-tlsrpt --json "v=TLSRPTv1; rua=ftp://x.example/r")
is "$(jget "$out" result)/$(jget "$out" rua)/$(jget "$out" skipped_count)" "found/[]/1" \
    "tlsrpt json: a valid record with no usable URI"

M parse-txt >/dev/null 2>&1
is "$?" 64 "parse-txt without a record: usage error"
M parse-tlsrpt >/dev/null 2>&1
is "$?" 64 "parse-tlsrpt without a record: usage error"

done_testing
