# SPDX-License-Identifier: ISC
# exim_attacks.sh - issue 13's attacks on the real Exim's enforcement, an
# attacker spoofing DNS answers (the world's scenario domains victim,
# evil, nullmx, loopmx, privmx, cnsni, badname, badutf8, cnonly, see
# tests/world/README.md), run against whichever config exim_setup built
# (sourced after exim.sh, once exim_setup has run). Each case asserts
# what must hold for an enforce domain; every one failed on the configs
# and core before the fixes.

# own_netns: run this test file in a network namespace of its own (it
# adds a private address to lo and must not collide with anyone's world).
own_netns() {
	[ -n "${MTASTS_OWN_NETNS:-}" ] && return 0
	exec unshare -n env MTASTS_OWN_NETNS=1 /bin/sh -c \
	    'ip link set lo up && exec "$0" "$@"' "$0" "$@"
}

got() { grep -l "^X-Rcpt-To: $2" "$W/mail/$1"/* 2>/dev/null | wc -l; }
frozen() { exim -bp | grep -c '\*\*\* frozen' || true; }

# 1. An allowed MX name that is a CNAME to the attacker's host, the
# attacker's own enforce domain delivered over a verified session to it:
# Exim must not pass that connection to the waiting victim message.
attack_continued() {
	send v@victim.test
	exim_run
	is "$(queued_for v@victim.test)" 1 "CNAME to the attacker: refused at the handshake, waiting"
	for i in 1 2 3; do send "e$i@evil.test"; done
	exim_run
	is "$(got attacker "e[123]@evil.test")" 3 "the attacker's own enforce domain: delivered to its verified MX"
	is "$(got attacker v@victim.test)" 0 "victim never rides the attacker's verified connection (continued connection)"
	is "$(queued_for v@victim.test)" 1 "victim still queued"
	is "$(mainlog | grep 'v@victim.test' | grep -c 'CV=no')" 0 "no CV=no delivery for the victim"
}

# 3. RFC 8461 §4.2: a DNS-ID in the subjectAltName; CN alone is refused.
attack_cn_only() {
	send c@cnonly.test
	exim_run
	is "$(queued_for c@cnonly.test)" 1 "certificate naming the MX only in the subject CN: deferred (RFC 8461 §4.2)"
	is "$(got cnonly c@cnonly.test)" 0 "nothing delivered to it"
}

# 4. RFC 7505 null MX: no mail host, the first time and from the cache.
attack_null_mx() {
	send n1@nullmx.test
	exim_run
	send n2@nullmx.test
	exim_run
	is "$(queued_for nullmx.test)" 2 "null MX: both messages deferred (the second routed from the cached MX answer)"
	is "$(got good "n[12]@nullmx.test")" 0 "null MX: nothing delivered to the domain's A record"
}

# 5. An allowed MX spoofed to 127.0.0.1 (the sender itself): deferred,
# not frozen (Exim's self = freeze would never retry it).
attack_loopback() {
	send l@loopmx.test
	exim_run
	is "$(queued_for l@loopmx.test)" 1 "allowed MX spoofed to 127.0.0.1: still queued"
	is "$(frozen)" 0 "and not frozen"
	like "$(mainlog | grep 'l@loopmx.test' | tail -1)" "defer" "the log says deferred"
}

# 6. An allowed MX spoofed to a private address (a receiver with a valid
# certificate is really there): ignored like Debian's dnslookup router.
attack_private() {
	ip addr add "$WORLD_PRIVATE_MX/32" dev lo
	/usr/bin/python3 "$WORLD_BIN/smtpd.py" "$WORLD_PRIVATE_MX" 25 "$W/mail/private" \
	    "$W/ca/smtp-good.pem" "$W/ca/smtp-good.key" >"$W/logs/private.log" 2>&1 &
	PRIVATE_PID=$!
	for _ in $(seq 50); do
		/usr/bin/python3 -c "import socket; socket.create_connection(('$WORLD_PRIVATE_MX', 25), 1)" 2>/dev/null && break
		sleep 0.1
	done
	send p@privmx.test
	exim_run
	is "$(got private p@privmx.test)" 0 "allowed MX spoofed to a private address: nothing delivered there"
	is "$(queued_for p@privmx.test)" 1 "deferred, still queued"
	is "$(frozen)" 0 "nothing frozen"
	kill "$PRIVATE_PID" 2>/dev/null; wait "$PRIVATE_PID" 2>/dev/null
}

# 7. A legitimate CNAME: delivered, SNI is the policy-checked MX name.
attack_sni() {
	send s@cnsni.test
	exim_run
	is "$(got good s@cnsni.test)" 1 "allowed MX behind a CNAME: delivered over verified TLS"
	is "$(grep -h '^X-TLS-SNI:' $(grep -l '^X-Rcpt-To: s@cnsni.test' "$W/mail/good"/*) | tr -d '\r')" \
	    "X-TLS-SNI: mx.cnsni.test" "SNI is the MX host name, not the CNAME target"
}

# 8. MX names that are not host names are no candidates.
attack_not_hostname() {
	send b@badname.test
	send u@badutf8.test
	exim_run
	is "$(got good b@badname.test)/$(got good u@badutf8.test)" "0/0" \
	    "MX with a dot inside a label / raw UTF-8: never rewritten into a routable name"
	is "$(queued_for badname.test)/$(queued_for badutf8.test)" "1/1" "both deferred"
	# Records none of which names a host are still MX records: no
	# implicit MX (RFC 5321 §5.1), the first time or from the cache.
	send i1@badimplicit.test
	exim_run
	send i2@badimplicit.test
	exim_run
	is "$(got good "i[12]@badimplicit.test")" 0 "MX records but no host name among them: never the domain's own A record"
	is "$(queued_for badimplicit.test)" 2 "both deferred"
}

