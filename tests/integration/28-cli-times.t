#!/bin/bash
# SPDX-License-Identifier: ISC
# 28-cli-times.t - human output shows times as ISO 8601 UTC (issue 18);
# --json keeps the seconds since the epoch, and the two agree.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
world_up
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

j=$(M --json policy enforce.test)
f=$(jget "$j" fetched_at) e=$(jget "$j" expires_at)
like "$f/$e" "^[0-9]+/[0-9]+$" "--json: fetched_at and expires_at stay epoch seconds"
h=$(M policy enforce.test)
is "$(printf '%s\n' "$h" | grep '^fetched_at:')" "fetched_at: $(iso "$f")" "policy: fetched_at in ISO 8601 UTC"
is "$(printf '%s\n' "$h" | grep '^expires_at:')" "expires_at: $(iso "$e")" "policy: expires_at in ISO 8601 UTC"
is "$(M cache show enforce.test | grep '^expires_at:')" "expires_at: $(iso "$e")" "cache show: the same"
is "$(M cache list | grep '^enforce.test ')" "enforce.test enforce 1 $(iso "$e")" "cache list: domain mode id expires_at (ISO 8601 UTC)"
done_testing
