#!/bin/bash
# SPDX-License-Identifier: ISC
# 22-store-links.t - the store directory belongs to the MTA user (here
# nobody); root runs mtasts there too (Exim's routing, cron). Whatever
# that user plants in the directory (a symbolic link or a hard link to a
# file of root's, a file of another user, a link above the directory),
# root never writes through it: the file is refused with a clear error,
# the lookup defers (exit 75) instead of failing open, and the target is
# untouched. refresh/report started as root become the directory's owner.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
world_up

U=nobody G=nogroup
S=$W/store
chmod 711 "$W"
mkdir -m 2770 "$S"; chown $U:$G "$S"
as_user() { setpriv --reuid=$U --regid=$G --clear-groups "$@"; }

# A stand-in for /etc/shadow: root's, mode 0600.
printf 'root:$6$secret:19000:0:99999:7:::\n' >"$W/shadow"
chmod 600 "$W/shadow"
want_sha=$(sha256sum <"$W/shadow")
want_shadow=$(stat -c '%s %a %U' "$W/shadow")-$want_sha
shadow_intact() {
	is "$(stat -c '%s %a %U' "$W/shadow")-$(sha256sum <"$W/shadow")" \
	    "$want_shadow" "$1: root's file untouched"
}

conf_for() { # conf_for CACHEFILE [RESULTSFILE]
	{ grep -v '^cache_file\|^results_file' "$CONF"
	  echo "cache_file = $1"; echo "results_file = ${2:-$S/results.tdb}"; } \
	    >"$W/s.conf"
	chmod 644 "$W/s.conf"
}
root_policy() { # root_policy NAME: as root (Exim's routing), enforce.test
	local out rc
	out=$("$MTASTS_BIN" -c "$W/s.conf" --json policy enforce.test \
	    2>"$W/stderr"); rc=$?
	is "$rc" 75 "$1: the lookup defers (exit 75), never answers without the cache"
	like "$(cat "$W/stderr")" "refused" "$1: the error says the file was refused"
}
clean() { rm -rf "${S:?}"/* "${S:?}"/.[!.]*; }

# 1. symlink planted by the MTA user to root's file
as_user ln -s "$W/shadow" "$S/cache.tdb"
conf_for "$S/cache.tdb"
root_policy "symlink cache.tdb -> root's file"
shadow_intact "symlink cache.tdb"
is "$(stat -c %F "$S/cache.tdb")" "symbolic link" "symlink cache.tdb: not replaced"
clean

# 2. the lock file as the link
as_user ln -s "$W/shadow" "$S/cache.tdb.lock"
root_policy "symlink cache.tdb.lock -> root's file"
shadow_intact "symlink cache.tdb.lock"
clean

# 3. a hard link (systems without fs.protected_hardlinks let the user
# make it; here root stands in for that user)
ln "$W/shadow" "$S/cache.tdb"
root_policy "hard link cache.tdb = root's file"
rm -f "$S/cache.tdb"
shadow_intact "hard link cache.tdb"
clean

# 4. a file of a third user
touch "$S/cache.tdb"; chown daemon "$S/cache.tdb"
root_policy "cache.tdb owned by another user"
is "$(stat -c %s "$S/cache.tdb")" 0 "foreign cache.tdb: not rebuilt"
clean

# 5. the directory reached through a link the MTA user controls
mkdir "$W/etc"; cp -p "$W/shadow" "$W/etc/cache.tdb"
as_user ln -s "$W/etc" "$S/sub"
conf_for "$S/sub/cache.tdb"
root_policy "a directory link above the store file"
is "$(sha256sum <"$W/etc/cache.tdb")" "$want_sha" \
    "directory link: the file behind it untouched"
clean

# 6. the results store: root's record (Exim's event hook runs as root)
conf_for "$S/cache.tdb" "$S/results.tdb"
as_user ln -s "$W/shadow" "$S/results.tdb"
"$MTASTS_BIN" -c "$W/s.conf" record enforce.test success mx1.enforce.test \
    2>"$W/stderr"
is "$?" 75 "symlink results.tdb: record fails as temporary (75)"
like "$(cat "$W/stderr")" "refused" "symlink results.tdb: refused"
shadow_intact "symlink results.tdb"
clean

# 7. a file root did not create keeps its mode (no fix_mode on it)
conf_for "$S/cache.tdb"
"$MTASTS_BIN" -c "$W/s.conf" policy enforce.test >/dev/null 2>&1
chmod 640 "$S/cache.tdb"
"$MTASTS_BIN" -c "$W/s.conf" policy enforce.test >/dev/null 2>&1
is "$(stat -c %a "$S/cache.tdb")" 640 "an existing cache file keeps its mode"
clean

# 8. refresh and report started as root become the directory's owner
"$MTASTS_BIN" -c "$W/s.conf" refresh enforce.test >/dev/null 2>"$W/stderr"
is "$(stat -c %U "$S/cache.tdb" 2>/dev/null)" "$U" \
    "root's refresh: the cache it creates is the MTA user's"
"$MTASTS_BIN" -c "$W/s.conf" report --dry-run >/dev/null 2>&1
is "$(stat -c %U "$S/results.tdb" 2>/dev/null)" "$U" \
    "root's report: the results store it creates is the MTA user's"
clean
as_user ln -s "$W/shadow" "$S/cache.tdb"
"$MTASTS_BIN" -c "$W/s.conf" refresh --all >/dev/null 2>"$W/stderr"
isnt_zero=$?
is "$([ $isnt_zero -ne 0 ] && echo failed)" failed \
    "root's refresh with a planted link: fails"
shadow_intact "root's refresh with a planted link"
clean

done_testing
