#!/bin/bash
# SPDX-License-Identifier: ISC
# 05-cli-vectors.t - the `mtasts` pure commands on the shared vectors
# (VECTORS A, C, F): parse-txt, parse-policy and match give the RFC answer
# and the documented exit codes (docs/CLI-CONTRACT.md). No network.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
MT=${MTASTS_BIN:-build/mtasts}
M() { "$MT" -c /dev/null "$@"; }

# TXT: record -> id, or "!" for no usable record (more in 06-cli-records.t)
while IFS='|' read -r name rec want; do
	out=$(M parse-txt --json "$rec" 2>/dev/null); rc=$?
	err=$(M parse-txt "$rec" 2>&1 >/dev/null)
	if [ "$want" = "!" ]; then
		is "$rc" 1 "$name: exit 1"
		like "$err" "^mtasts: (invalid TXT record|no MTA-STS record): " "$name: reason given"
	else
		is "$rc/$(jget "$out" id)" "0/$want" "$name"
	fi
done <<'TABLE'
A01|v=STSv1; id=20160831085700Z;|20160831085700Z
A03|v=STSv1; id=a|a
A05|v=STSv1;id=20160831085700Z|20160831085700Z
A07|v=STSv0|!
A09|v=STSv12;id=20180907T090909;|!
A11|v=STSv1|!
A13|v=STSv1; ext=1|!
A15|v=STSv1; id=012345678901234567890123456789012|!
A17|v=STSv1; id=a; more=|!
A19|v=STSv1; id=a; 1%=a|!
A21|v=STSv1; id=a;;|!
A23|azazaza;asdasdasdasd|!
A25|v=STSv1  ;    id=foo|foo
A27||!
TABLE

# Policies: printf-escaped body -> mode/max_age/mx-list, or "!"
while IFS='|' read -r name body want; do
	printf "$body" >"${TMPDIR:-/tmp}/mtasts-vec.$$"
	out=$(M parse-policy "${TMPDIR:-/tmp}/mtasts-vec.$$" 2>&1); rc=$?
	if [ "$want" = "!" ]; then
		is "$rc" 1 "$name: exit 1"
		like "$out" "invalid policy: " "$name: reason given"
	else
		got="$(jget "$out" mode)/$(jget "$out" max_age)/$(jget "$out" mx | tr -d '[]" ')"
		is "$rc/$got" "0/$want" "$name"
	fi
done <<'TABLE'
C01|version: STSv1\nmode: testing\nmx: mx1.example.com\nmx: mx2.example.com\nmx: mx.backup-example.com\nmax_age: 1296000\n|testing/1296000/mx1.example.com,mx2.example.com,mx.backup-example.com
C03|version:STSv1\r\nmode:\tenforce\r\nmx:  \t\t *.example.com\nmax_age: 1\nmore:ext e  ns ion|enforce/1/*.example.com
C05|version: STSv1\nmode: testing\nmax_age: 86400\nmx: mail.loc\n|testing/86400/mail.loc
C07||!
C09|version:STSv1\nmax_age:0\nmx:example.com|!
C11|version:STSv1\nmax_age:0\nmode:enforce|!
C13|max_age:0\nmode:none|!
C15|version: STSv1\nmode: none\nmax_age: 31557601\n|!
C17|version:STSv1\nmode:none\nmax_age:a|!
C19|version:STSv1\nmode:bad\nmax_age:1|!
C21|version: STSv1\n: 8600|!
C23|version:STSv1\nmode:enforce\nmax_age:1\nmx:*.*.example|!
C25|version:STSv1\nmode:enforce\nmax_age:1\nmx:test.example-|!
C27|version:STSv1\nmode:enforce\nmax_age:1\nmx: m\xc3\xb8x.example|!
C29|version:STSv1\nmode:none\nmax_age:0\na12345678901234567890123456789012:123|!
C31|garbage|!
C33|version: STSv1\r\nmode: enforce\r\nmode: testing\r\nmode: none\r\nmx: gmail-smtp-in.l.google.com\r\nmx: *.gmail-smtp-in.l.google.com\r\nmax_age: 604800\r\n|enforce/604800/gmail-smtp-in.l.google.com,*.gmail-smtp-in.l.google.com
C35|version: STSv1\r\nmode: none\r\nmode: testing\r\nmode: enforced\r\nmax_age: 1\r\n|none/1/
C37|version:STSv1\nmode:testing\nmx:a.example\nmax_age:0|testing/0/a.example
C39|version:STSv1\nmode:enforce\nmax_age:1\nmx: a.example.com, b.example.com|!
DESIGN-5 leading space| version: STSv1\nmode: none\nmax_age: 1\n|!
TABLE
rm -f "${TMPDIR:-/tmp}/mtasts-vec.$$"
out=$(printf 'version: STSv1\nmode: none\nmax_age: 1\n\nx: y\n' | M parse-policy - 2>&1)
like "$out" "line 4" "DESIGN 5: the error names the line that broke the grammar"

# Matching: pattern host -> match/no match
while read -r name pattern host want; do
	M match "$pattern" "$host" >/dev/null 2>&1; rc=$?
	is "$rc" "$want" "$name: $pattern vs $host"
done <<'TABLE'
F01 a.example a.example 0
F03 *.b.example b.example 1
F05 a.example other 1
F09 *.com abc.com 0
F11 x.abc.com abc.com 1
F13 ñaca.com Ñaca.com 0
F15 .aa.b.cc.com zz.aa.b.cc.com 1
F19 *.example.org mx0.example.org 0
F21 *.example.org mx0.special.example.org 1
F23 *.example.org unrelated.org 1
F25 *.mimecast.com service-alpha-inbound-a.mimecast.com 0
F25b *.mimecast.com mimecast.net 1
TABLE

"$MT" -c conf-examples/mtasts.conf parse-txt "v=STSv1; id=1" >/dev/null
is "$?" 0 "conf-examples/mtasts.conf is a valid config"

done_testing
