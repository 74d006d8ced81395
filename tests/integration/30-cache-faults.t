#!/bin/bash
# SPDX-License-Identifier: ISC
# 30-cache-faults.t - a damaged or unusable cache file never crashes and
# never leaves an enforce domain unprotected while its policy can be
# fetched: the core rebuilds the file, or runs uncached and says so once.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
world_up

# with_cache FILE ARGS...: mtasts with cache_file = FILE
with_cache() {
	local f=$1; shift
	{ grep -v '^cache_file' "$CONF"; echo "cache_file = $f"; } >"$W/fault.conf"
	chmod 644 "$W/fault.conf"
	"$MTASTS_BIN" -c "$W/fault.conf" "$@"
}
enforced() { # NAME CACHEFILE: enforce.test still gets its enforce policy
	local out rc
	out=$(with_cache "$2" --json policy enforce.test 2>"$W/stderr"); rc=$?
	is "$rc/$(jget "$out" mode)" "0/enforce" "$1: enforce policy applied, exit 0"
}

: >"$W/zero.tdb"
enforced "zero-length file" "$W/zero.tdb"
with_cache "$W/zero.tdb" cache show enforce.test >/dev/null
is $? 0 "zero-length file: rebuilt as a cache (the policy is now cached)"

head -c 65536 /dev/urandom >"$W/garbage.tdb"
enforced "garbage-filled file" "$W/garbage.tdb"
with_cache "$W/garbage.tdb" cache show enforce.test >/dev/null
is $? 0 "garbage file: rebuilt"

for d in enforce testing wildcard chain cname multistring; do
	with_cache "$W/trunc.tdb" policy "$d.test" >/dev/null
done
size=$(stat -c %s "$W/trunc.tdb")
truncate -s $((size / 3)) "$W/trunc.tdb"
enforced "truncated tdb" "$W/trunc.tdb"
with_cache "$W/trunc.tdb" --json route wildcard.test >"$W/out" 2>&1; rc=$?
is "$rc" 0 "truncated tdb: route still answers"

mkdir "$W/dir.tdb"
enforced "cache path is a directory" "$W/dir.tdb"
with_cache "$W/dir.tdb" -v policy enforce.test >/dev/null 2>"$W/stderr"
like "$(cat "$W/stderr")" "cache=unavailable mode=uncached" "and it says it runs uncached"
is "$(grep -c 'cache=unavailable' "$W/stderr")" 1 "once"

# Unwritable for the MTA user: root's file, mode 0600, read by nobody.
with_cache "$W/root.tdb" policy enforce.test >/dev/null
chmod 600 "$W/root.tdb" "$W/root.tdb.lock"
chmod 755 "$W" "$W/ca"
chmod 644 "$W/fault.conf"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$MTASTS_BIN" -c "$W/fault.conf" --json policy enforce.test 2>"$W/stderr"); rc=$?
is "$rc/$(jget "$out" mode)" "0/enforce" "cache not readable by this user: still enforced (uncached)"

# Exim runs with umask 0: the files still get cache_mode (0660), no more.
(umask 000; with_cache "$W/umask0.tdb" policy enforce.test >/dev/null)
is "$(stat -c %a "$W/umask0.tdb") $(stat -c %a "$W/umask0.tdb.lock")" "660 660" \
    "umask 0: cache and lock file created with mode 0660"

# The policy host down and no usable cache: no policy, not a crash.
"$WORLD_BIN/world.sh" https stop "$W"
out=$(with_cache "$W/dir.tdb" --json policy enforce.test 2>/dev/null); rc=$?
is "$rc/$(jget "$out" mode)/$(jget "$out" result)" "0/no-policy/sts-policy-fetch-error" \
    "no cache and no policy host: no policy (STS-40, RFC 8461 §3.3), the fetch error reported"
"$WORLD_BIN/world.sh" https start "$W"

done_testing
