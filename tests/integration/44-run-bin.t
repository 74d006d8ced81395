#!/bin/bash
# SPDX-License-Identifier: ISC
# 44-run-bin.t - mtasts-run, the ${run} route front end linked without
# the network (adapters/run, core/offline): it loads none of libcurl,
# libunbound, OpenSSL (nor hiredis, but for the filter); a cached domain is answered without the
# full mtasts; a miss execs the full mtasts beside it; and every answer
# (output and exit code) is the full `mtasts route --exim` one, against
# the real nsd and nginx of the test world.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
BUILD=${BUILD:-$(pwd)/build}
world_up
# The world's policies have max_age 86400, the default refresh_interval:
# always "due" for `mtasts refresh`. An hour leaves them not due; the
# due case is checked below with the default.
echo "refresh_interval = 3600" >>"$CONF"

for b in mtasts-run table-mtasts filter-mtasts; do
	libs=$(ldd "$BUILD/$b" 2>&1)
	is "$(echo "$libs" | grep -cE 'lib(curl|unbound|ssl|crypto)\.')" 0 \
	    "$b links none of libcurl, libunbound, OpenSSL"
done
# The filter keeps hiredis: its TLS-RPT counts go to the fleet's store.
for b in mtasts-run table-mtasts; do
	is "$(ldd "$BUILD/$b" 2>&1 | grep -c 'libhiredis')" 0 "$b links no hiredis"
done

# The full mtasts beside mtasts-run is a wrapper that leaves a mark, so
# the test can tell which of the two answered.
B=$W/bin
mkdir -p "$B"
install -m 755 "$BUILD/mtasts-run" "$B/mtasts-run"
cat >"$B/mtasts" <<EOS
#!/bin/sh
# SPDX-License-Identifier: ISC
echo "\$*" >>"$W/full-calls"
unset LD_DEBUG
exec "$MTASTS_BIN" "\$@"
EOS
chmod 755 "$B/mtasts"

run() { "$B/mtasts-run" -c "$CONF" route --exim "$1"; echo " rc=$?"; }
full() { M route --exim "$1"; echo " rc=$?"; }
calls() { if [ -f "$W/full-calls" ]; then wc -l <"$W/full-calls"; else echo 0; fi; }

domains="enforce.test testing.test nopolicy.test notallowed.test spoof.test nosuch.test"
want_enforce="mx.enforce.test rc=0"
for d in $domains; do
	rm -f "$W/full-calls"
	got=$(run "$d")
	is "$(calls)" 1 "$d not cached: mtasts-run execs the full mtasts"
	is "$got" "$(full "$d")" "$d: the miss answer is the full one ($got)"
done
is "$(run enforce.test)" "$want_enforce" "enforce: the allowed MX, exit 0"

for d in $domains; do
	rm -f "$W/full-calls"
	got=$(run "$d")
	is "$got" "$(full "$d")" "$d cached: the same answer as the full mtasts ($got)"
done
rm -f "$W/full-calls"
for d in enforce.test testing.test notallowed.test; do run "$d" >/dev/null; done
is "$(calls)" 0 "cached enforce, testing and no-MX-allowed domains: answered without the full mtasts"

# Due for a refresh (the default refresh_interval with max_age 86400):
# a route does not force a fetch, in the full mtasts either, so the
# small program answers it, with the full program's answer.
sed 's/^refresh_interval = 3600$/refresh_interval = 86400/' "$CONF" >"$W/due.conf"
rm -f "$W/full-calls"
got=$("$B/mtasts-run" -c "$W/due.conf" route --exim enforce.test; echo " rc=$?")
is "$got/$(calls)" "$want_enforce/0" "a domain due for refresh: answered without the full mtasts"
full_due=$("$MTASTS_BIN" -c "$W/due.conf" route --exim enforce.test; echo " rc=$?")
is "$full_due" "$want_enforce" "a domain due for refresh: the full mtasts gives the same answer"

# libidn2 is loaded only for a name with a non-ASCII byte
# (core/offline/idn2_load.c); the ASCII path needs no library.
idn() { LD_DEBUG=files "$B/mtasts-run" -c "$CONF" route --exim "$1" 2>&1 >/dev/null |
    grep -c 'file=libidn2\.so\.0 '; }
is "$(idn enforce.test)" 0 "an ASCII name: libidn2 not loaded"
is "$(idn ENFORCE.test)" 0 "upper case ASCII: libidn2 not loaded"
ok "$([ "$(idn bücher.test)" -ge 1 ]; echo $?)" "a U-label: libidn2 loaded on demand"
is "$(run bücher.test)" "$(full bücher.test)" "a U-label: the full mtasts' answer"
is "$(run ENFORCE.Test)" "$want_enforce" "mixed case: the cached enforce answer"

# Anything else is the full program's: another command, a bad option.
rm -f "$W/full-calls"
"$B/mtasts-run" -c "$CONF" policy enforce.test >/dev/null
is "$?/$(calls)" "0/1" "another command: handed to the full mtasts"
"$B/mtasts-run" -c "$CONF" route --bogus enforce.test >/dev/null 2>&1
is "$?" 64 "a bad option: the full mtasts' usage error (64)"

# A config the full mtasts refuses: the same refusal (exit 78), never
# an answer from a cache the config no longer names.
cp "$CONF" "$W/bad.conf"; echo "no_such_key = 1" >>"$W/bad.conf"
"$B/mtasts-run" -c "$W/bad.conf" route --exim enforce.test >/dev/null 2>&1
is "$?" 78 "config error: exit 78 as the full mtasts"

done_testing
