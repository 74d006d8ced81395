#!/bin/bash
# SPDX-License-Identifier: ISC
# 24-ssrf.t - the policy fetch and the TLS-RPT POST connect only to
# public addresses unless allow_networks lists the network (DESIGN 17).
# The test world lives on 127.0.10.0/24 (loopback): without its
# allow_networks line every policy host and the rua endpoint is refused,
# at connect time, and a refused policy host is a fetch error
# (sts-policy-fetch-error), never a silent "no policy".
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
world_up
T0=$(( $(date -u +%s) / 86400 * 86400 - 86400 ))

conf() { { grep -v '^allow_networks' "$CONF"; [ -n "$1" ] && echo "allow_networks = $1"; } >"$W/n.conf"; }
N() { "$MTASTS_BIN" -c "$W/n.conf" "$@"; }

conf ""
out=$(N --json policy enforce.test 2>"$W/stderr"); rc=$?
is "$rc/$(jget "$out" mode)/$(jget "$out" result)" "0/no-policy/sts-policy-fetch-error" \
    "no allow_networks: the loopback policy host is refused, reported as sts-policy-fetch-error"
like "$(jget "$out" reason)" "refused to connect to $WORLD_HTTPS_IP, a loopback address" \
    "and the reason names the address and why"
is "$(fetches enforce.test)" 0 "the policy host never saw the request"

conf "${WORLD_NET}.250/32 10.0.0.0/8"
N cache drop enforce.test >/dev/null 2>&1
out=$(N --json policy enforce.test 2>/dev/null)
is "$(jget "$out" result)" "sts-policy-fetch-error" "a list without the host's address: still refused"

conf "${WORLD_NET}.0/24"
N cache drop enforce.test >/dev/null 2>&1
out=$(N --json policy enforce.test 2>/dev/null)
is "$(jget "$out" mode)" "enforce" "allow_networks = ${WORLD_NET}.0/24: fetched"

conf "::1 ${WORLD_NET}.0/25"
N cache drop enforce.test >/dev/null 2>&1
out=$(N --json policy enforce.test 2>/dev/null)
is "$(jget "$out" mode)" "enforce" "IPv6 and IPv4 networks in one list"

conf "300.1.2.3/8"
err=$(N policy enforce.test 2>&1 >/dev/null); rc=$?
is "$rc $err" \
    "78 mtasts: $W/n.conf:$(grep -c '' "$W/n.conf"): allow_networks: \"300.1.2.3/8\": not a network (address[/length])" \
    "a bad network is a config error with file:line"

# The report POST to the world's https rua (mta-sts.reports.test, loopback).
conf "${WORLD_NET}.0/24"
N --now $((T0 + 3600)) record enforce.test success mx.enforce.test 127.0.10.11 127.0.0.1
{ grep -v '^sendmail' "$W/n.conf"; echo "sendmail = /bin/true"; } >"$W/r.conf"
sed -i '/^allow_networks/d' "$W/r.conf"
"$MTASTS_BIN" -c "$W/r.conf" --now $((T0 + 86400 + 60)) report >"$W/run" 2>&1
like "$(grep 'https://' "$W/run")" "(failed|retry-later).*refused to connect to [0-9.]+, a loopback address" \
    "report POST to a loopback rua without allow_networks: refused (a failed send, retried by later runs)"
is "$(ls "$W/mail/https-rua" 2>/dev/null | grep -c body)" 0 "and nothing was posted"

# A rua mailto: at a local name (postmaster@localhost, root@mailhub)
# would deliver root's report to a local mailbox: refused, sendmail
# never called.
printf '#!/bin/sh\ncat >/dev/null; echo "$*" >>"%s/sm.calls"\n' "$W" >"$W/sm"
chmod 755 "$W/sm"
{ grep -v '^sendmail' "$CONF"; echo "sendmail = $W/sm"; } >"$W/l.conf"
"$MTASTS_BIN" -c "$W/l.conf" --now $((T0 + 3600)) record rualocal.test success mx.rualocal.test
"$MTASTS_BIN" -c "$W/l.conf" --now $((T0 + 86400 + 60)) report --domain rualocal.test >"$W/lrun" 2>&1
like "$(grep 'postmaster@localhost' "$W/lrun")" "localhost is a (special-use|single-label) name, not a public mail domain: refused" \
    "rua mailto:postmaster@localhost refused"
like "$(grep 'root@' "$W/lrun")" "refused" "rua mailto:root@mailhub (a single-label name) refused"
is "$(cat "$W/sm.calls" 2>/dev/null | wc -l)" 0 "sendmail never called"

done_testing
