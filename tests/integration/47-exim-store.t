#!/bin/bash
# SPDX-License-Identifier: ISC
# 47-exim-store.t - the real Exim routes as root with the dlfunc: a
# symbolic link that the MTA user (Debian-exim, owner of the cache
# directory) planted as cache.tdb, pointing at a file of root's, is
# refused: root's file is untouched and the enforce domain's message
# stays queued (defer), never delivered without MTA-STS.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
. tests/lib/exim.sh
need_mta exim4
world_up
exim_setup

printf 'root:$6$secret:19000:0:99999:7:::\n' >"$W/shadow"
chmod 600 "$W/shadow"
want=$(sha256sum <"$W/shadow")
setpriv --reuid=Debian-exim --regid=Debian-exim --clear-groups \
    ln -s "$W/shadow" "$X/cache/cache.tdb"

send a@enforce.test
exim_run
is "$(queued_for a@enforce.test)" 1 "enforce domain, planted cache link: still queued (defer)"
is "$(ls "$W/mail/good" 2>/dev/null | grep -c .)" 0 "nothing delivered"
is "$(sha256sum <"$W/shadow")" "$want" "root's file untouched"
is "$(stat -c '%a %U' "$W/shadow")" "600 root" "its mode and owner unchanged"
like "$(mainlog | grep -F a@enforce.test)" "refused" "Exim's log says the cache file was refused"

# The link removed: the same message goes out under its policy.
rm -f "$X/cache/cache.tdb"
exim_run
is "$(queued_for a@enforce.test)" 0 "link removed: delivered on the next run"

done_testing
