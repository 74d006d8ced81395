#!/bin/bash
# SPDX-License-Identifier: ISC
# 26-escape.t - bytes from a remote policy or TXT record (ESC, BEL,
# quotes, C1 controls) never reach stderr or a log line raw: quoted
# network text is \xNN-escaped (STYLE 13).
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
MTASTS_BIN=${MTASTS_BIN:-$(pwd)/build/mtasts}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
raw() { LC_ALL=C grep -c "$(printf '[\001-\010\013-\037\177\200-\377]')" "$1"; }

printf 'version: STSv1\nmode: enforce\nmx: mx.\033[31mevil"\a.test\nmax_age: 86400\n' >"$T/p1"
"$MTASTS_BIN" parse-policy "$T/p1" >/dev/null 2>"$T/e1"
is "$(raw "$T/e1")" 0 "bad mx line: no control byte on stderr"
like "$(cat "$T/e1")" 'mx\.\\x1b\[31mevil\\x22\\x07\.test' "... the bytes shown as \\xNN"

printf 'version: STSv1\nmode: \233enforce\nmx: a.test\nmax_age: 86400\n' >"$T/p2"
"$MTASTS_BIN" parse-policy "$T/p2" >/dev/null 2>"$T/e2"
is "$(raw "$T/e2")" 0 "C1 CSI (0x9b) in mode: escaped"

printf 'version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 86400\nx\033]0;pwned\a: 1\n' >"$T/p3"
"$MTASTS_BIN" parse-policy "$T/p3" >/dev/null 2>"$T/e3"
is "$(raw "$T/e3")" 0 "OSC sequence in a field name: escaped"

"$MTASTS_BIN" parse-txt "$(printf 'v=STSv1; id=ab\033[2J;')" >/dev/null 2>"$T/e4"
is "$(raw "$T/e4")" 0 "ESC in a TXT record: escaped"

done_testing
