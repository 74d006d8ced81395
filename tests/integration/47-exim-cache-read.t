#!/bin/bash
# SPDX-License-Identifier: ISC
# 47-exim-cache-read.t - a fresh Exim process (one per delivery) that
# the cache answers reads the tdb file itself (base/tdb_peek.c) and
# never loads libtdb; whatever the reads cannot answer (a miss, a
# damaged record) goes through libtdb as before, with the same safe
# outcomes. Each `exim -be` below is a fresh process: the dlfunc, then
# its own /proc/self/maps read by Exim in that same process.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
. tests/lib/exim.sh
need_mta exim4
world_up
exim_setup
# The world's TXT records live 1 s: a second boundary between two runs
# would send the second to DNS (and to libtdb, to store the answer).
sed -i 's/^dns_min_ttl = .*/dns_min_ttl = 3600/' "$X/mtasts.conf"
grep -q '^dns_min_ttl = 3600' "$X/mtasts.conf" || echo 'dns_min_ttl = 3600' >>"$X/mtasts.conf"

CACHE=$X/cache/cache.tdb
# be FN DOMAIN: the dlfunc's answer, then "|", then the mappings; what
# Exim logs in -be mode (its stderr) in $W/be.err
be() {
	exim -be "\${dlfunc{$EXIM_SO}{$1}{$2}{$X/mtasts.conf}}|\${readfile{/proc/self/maps}}" 2>"$W/be.err"
}
answer() { printf '%s\n' "${1%%|*}"; }
has() { printf '%s\n' "$1" | grep -q -- "$2"; }   # has TEXT REGEX

# A miss: the policy is fetched and stored (through libtdb).
out=$(be mtasts_exim_route enforce.test)
is "$(answer "$out")" "mx.enforce.test" "a miss: fetched, the policy's MX"
has "$out" 'libtdb\.so'; ok $? "a miss loads libtdb (to store)"

# Cached: answered without libtdb.
out=$(be mtasts_exim_route enforce.test)
is "$(answer "$out")" "mx.enforce.test" "cached route: the policy's MX"
has "$out" 'mtasts_exim\.so'; ok $? "the dlfunc object is mapped (the maps are this process's)"
has "$out" 'libtdb\.so'; is $? 1 "cached route: libtdb not loaded"
out=$(be mtasts_exim_mode enforce.test)
is "$(answer "$out")" "enforce" "cached mode: enforce"
has "$out" 'libtdb\.so'; is $? 1 "cached mode: libtdb not loaded"
is "$(grep -c 'mta-sts.enforce.test' "$WORLD_ACCESS_LOG")" 1 \
    "one policy fetch in all"

# Record offsets in the file: the entry's value starts "MTSC1"; the
# record's magic is 16 bytes before it (key "enforce.test", 12 bytes,
# after the 24-byte record header whose last word is the magic).
val=$(grep -boa 'MTSC1' "$CACHE" | head -1 | cut -d: -f1)
[ -n "$val" ]; ok $? "the entry's value located in the file"
poke() { # OFFSET BYTES: overwrite in place, as a damaged disk or a writer might
	printf "$2" | dd of="$CACHE" bs=1 seek="$1" conv=notrunc status=none
}

# A value byte changed: its tag fails, tdb reads it, it does not
# decode, so it is dropped and fetched again: still enforced.
poke $((val + 2)) 's'
out=$(be mtasts_exim_route enforce.test)
is "$(answer "$out")" "mx.enforce.test" "damaged value: refetched, still the policy's MX"
has "$out" 'libtdb\.so'; ok $? "damaged value: read through libtdb"
out=$(be mtasts_exim_route enforce.test)
has "$out" 'libtdb\.so'; is $? 1 "the refetched entry is answered without libtdb again"

# The record's magic destroyed: not a record for the reads, a corrupt
# database for tdb: Exim's log says so, and the domain is still routed
# under its policy (fetched again), never passed on to normal routing.
val=$(grep -boa 'MTSC1' "$CACHE" | tail -1 | cut -d: -f1)
poke $((val - 16)) '\0\0\0\0'
out=$(be mtasts_exim_route enforce.test)
is "$(answer "$out")" "mx.enforce.test" "corrupt record: still the policy's MX"
like "$(cat "$W/be.err")" "domain=enforce.test cache=read-failed error=.*Corrupt" \
    "and the log names the corrupt cache"

# A header that is not tdb's: left to tdb_open, which rebuilds the
# MTA user's own file (30-cache-faults.t): the policy is fetched again.
rm -f "$CACHE"
head -c 4096 /dev/urandom >"$CACHE"
chown Debian-exim:Debian-exim "$CACHE"
out=$(be mtasts_exim_route enforce.test)
is "$(answer "$out")" "mx.enforce.test" "garbage file: rebuilt by tdb, refetched"
has "$out" 'libtdb\.so'; ok $? "through libtdb"

done_testing
