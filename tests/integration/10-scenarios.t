#!/bin/bash
# SPDX-License-Identifier: ISC
# 10-scenarios.t - the `mtasts` command against the test world: for every
# scenario domain, the mode, the allowed MX hosts, the route exit code and
# the TLS-RPT result type of discovery (RFC 8461 §3, §4.1; RFC 8460 §4.3);
# then the verdict on each MX's real certificate (§4.2).
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
world_up

# domain  mode  route-exit  result-type  allowed-hosts
while read -r d mode rc result allowed; do
	out=$(M --json route "$d.test"); got_rc=$?
	is "$(jget "$out" mode)" "$mode" "$d: mode"
	is "$got_rc" "$rc" "$d: route exit code"
	is "$(jget "$out" result)" "$result" "$d: discovery result type"
	is "$(jget "$out" allowed | tr -d '[]" ')" "$allowed" "$d: allowed MX hosts"
done <<'TABLE'
enforce       enforce   0 success                 mx.enforce.test
testing       testing   0 success                 mx.testing.test
none          none      2 success                 
nopolicy      no-policy 2 success                 
wildcard      enforce   0 success                 mx1.wildcard.test
implicit      enforce   0 success                 implicit.test
spoof         enforce   0 success                 mx.spoof-good.test
notallowed    enforce   3 success                 
multistring   enforce   0 success                 mx.multistring.test
cname         enforce   0 success                 mx.cname.test
duptxt        no-policy 2 success                 
badtxt        no-policy 2 success                 
redirect      no-policy 2 sts-policy-fetch-error  
notfound      no-policy 2 sts-policy-fetch-error  
error500      no-policy 2 sts-policy-fetch-error  
mediatype     no-policy 2 sts-policy-fetch-error  
oversized     no-policy 2 sts-policy-fetch-error  
slow          no-policy 2 sts-policy-fetch-error  
untrusted     no-policy 2 sts-webpki-invalid      
wrongname     no-policy 2 sts-webpki-invalid      
expired       no-policy 2 sts-webpki-invalid      
badpolicy     no-policy 2 sts-policy-invalid      
garbage       no-policy 2 sts-policy-invalid      
emptybody     no-policy 2 sts-policy-fetch-error  
nomx          no-policy 2 sts-policy-invalid      
blankline     no-policy 2 sts-policy-invalid      
crlf          enforce   0 success                 mx.crlf.test
dupmode       enforce   0 success                 mx.dupmode.test
TABLE

out=$(M --json policy multistring.test)
is "$(jget "$out" id)" "20160831085700Z" "B13 multi-string TXT concatenated without spaces"
out=$(M --json route spoof.test)
is "$(jget "$out" mx.0.host)" "mx.attacker.test" "spoof: the attacker's MX is listed first in DNS"
is "$(jget "$out" mx.0.result)" "validation-failure" "spoof: and rejected as mx-not-in-policy (DESIGN 9)"
like "$(jget "$out" mx.0.reason)" "mx-not-in-policy" "spoof: reason names mx-not-in-policy"
out=$(M --json policy redirect.test)
like "$(jget "$out" reason)" "301" "STS-35 (RFC 8461 §3.3) redirect not followed"
is "$(grep -c '^mta-sts.redirect.test /.well-known/mta-sts.txt 301$' "$W/nginx/access.log")" 1 \
    "STS-35 (RFC 8461 §3.3) one request to the redirecting host, answered 301"
is "$(jget "$(M --json cache show redirect.test)" mode)" "no-policy" "redirect: no policy cached"

# Verdicts on the certificates the receivers really present.
# domain  mx-host  action  result-type
while read -r d mx action result; do
	ip=$(dig @"$WORLD_DNS_IP" -p 5353 +short A "$mx" | head -1)
	if pem=$(/usr/bin/python3 "$WORLD_BIN/peerchain.py" "$ip" "$mx" 2>/dev/null) && [ -n "$pem" ]; then
		printf '%s\n' "$pem" >"$W/peer.pem"
		out=$(M --json check "$d.test" "$mx" --cert "$W/peer.pem")
	else
		out=$(M --json check "$d.test" "$mx" --tls-failed starttls-not-supported)
	fi
	is "$(jget "$out" action)/$(jget "$out" result)" "$action/$result" "$d: verdict on $mx"
done <<'TABLE'
enforce      mx.enforce.test      deliver success
wildcard     mx1.wildcard.test    deliver success
chain        mx.chain.test        deliver success
implicit     implicit.test        deliver success
mxwrongname  mx.mxwrongname.test  defer   certificate-host-mismatch
mxexpired    mx.mxexpired.test    defer   certificate-expired
mxuntrusted  mx.mxuntrusted.test  defer   certificate-not-trusted
mxnotls      mx.mxnotls.test      defer   starttls-not-supported
testing      mx.testing.test      deliver certificate-expired
nopolicy     mx.nopolicy.test     deliver success
TABLE

# The CA store policy fetches trust is parsed once per context and handed
# to every connection (net/trust.c): the trust decision must not change.
# fresh_conf NAME [LINE...]: the world's config without ca_file, with its
# own cache, plus the lines given.
fresh_conf() {
	local f=$W/$1.conf; shift
	grep -v '^ca_file\|^cache_file' "$CONF" >"$f"
	echo "cache_file = $W/$(basename "$f" .conf).tdb" >>"$f"
	printf '%s\n' "$@" >>"$f"
	echo "$f"
}
c=$(fresh_conf bundle "ca_file = $W/ca/bundle.pem" "refresh_concurrency = 2")
like "$("$MTASTS_BIN" -c "$c" refresh enforce.test testing.test wildcard.test implicit.test 2>&1)" \
    "refreshed 4, unchanged 0, failed 0" \
    "STS-31 (RFC 8461 §3.3) Debian's bundle + the test CA, one store shared by 2 refresh workers"
# refresh resolves through one persistent libunbound worker per refresh
# worker (dns_worker): none may outlive the command.
is "$(pgrep -c -f -- "-c $c refresh" || true)" 0 "refresh leaves no DNS worker process behind"
is "$(jget "$("$MTASTS_BIN" -c "$c" --json policy untrusted.test)" result)" \
    sts-webpki-invalid "STS-31 (RFC 8461 §3.3) the same store still refuses the untrusted CA"
c=$(fresh_conf system)
is "$(jget "$("$MTASTS_BIN" -c "$c" --json policy enforce.test)" result)" \
    sts-webpki-invalid "STS-31 (RFC 8461 §3.3) no ca_file: the system store, which lacks the test CA"
mkdir -p "$W/cadir" && cp "$W/ca/ca.pem" "$W/cadir/" && openssl rehash "$W/cadir" 2>/dev/null
c=$(fresh_conf cadir "ca_path = $W/cadir")
is "$(jget "$("$MTASTS_BIN" -c "$c" --json policy enforce.test)" mode)" enforce \
    "STS-31 (RFC 8461 §3.3) ca_path: the hashed directory's CA is trusted"
c=$(fresh_conf missing "ca_file = $W/ca/none.pem")
is "$(jget "$("$MTASTS_BIN" -c "$c" --json policy enforce.test)" result)" \
    sts-policy-fetch-error "an unreadable ca_file: fetch error, no policy trusted"

done_testing
