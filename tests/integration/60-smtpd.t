#!/bin/bash
# SPDX-License-Identifier: ISC
# 60-smtpd.t - the OpenSMTPD harness (tests/lib/smtpd.sh) with a plain
# smtpd.conf, no mtasts yet: Debian 12's real smtpd 6.8, unpacked under
# $BUILD and run in a private mount namespace, relays into the test world
# with `relay tls` trusting the world's CA. A valid certificate is
# delivered; expired and wrong-name ones stay queued until fixed and
# flushed; nothing is left running or mounted afterwards.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
. tests/lib/smtpd.sh
need_mta
if ! smtpd_install; then
	[ -n "$SMTPD_SKIP" ] && skip_all "$SMTPD_SKIP"
	echo "Bail out! smtpd_install failed"; exit 1
fi
diag "opensmtpd $SMTPD_VERSION, users: $(echo $SMTPD_USERS)"
world_up

# got RECEIVER RCPT: messages RECEIVER saved for RCPT
got() { grep -l "^X-Rcpt-To: $2" "$W/mail/$1"/* 2>/dev/null | wc -l; }
arrived() { [ "$(got "$1" "$2")" -gt 0 ]; }
logged() { smtpd_log | grep -q -- "$1"; }
# outcome RCPT: smtpd's result for the last delivery attempt to RCPT
outcome() { smtpd_log | grep "mta delivery .* to=<$1>" | tail -1 | sed -n 's/.* result="\([^"]*\)".*/\1/p'; }
tried() { [ -n "$(outcome "$1")" ]; }
host_paths() { ls -d /run/smtpd.sock /var/spool/smtpd /var/lib/opensmtpd /usr/libexec/opensmtpd 2>/dev/null; }
# mounts: what is mounted on the paths smtpd's namespace binds over, as
# this (the machine's) mount namespace sees it
mounts() {
	awk '$5 ~ /^\/(run|var\/spool|var\/lib|usr\/libexec|etc\/resolv\.conf|etc\/mailname)(\/|$)/ { print $4, $5 }' \
	    /proc/self/mountinfo | sort
}
no_procs() { [ "$(smtpd_procs)" = 0 ]; }

before=$(host_paths)
mounts_before=$(mounts)
cat >"$W/plain.conf" <<'EOF'
# smtpd.conf 6.8: `ca NAME cert FILE` + the relay option `ca NAME` add the
# world's test CA to the system store when checking relay certificates.
ca testca cert "@CA@"
listen on @IP@ port @PORT@
action "out" relay tls ca testca helo sender.test
match for any action "out"
EOF
smtpd_setup "$W/plain.conf"
if ! smtpd_start; then
	echo "Bail out! smtpd did not start: $(tail -5 "$SMTPD_LOG")"; exit 1
fi
ok 0 "smtpd 6.8 starts in its private namespace, listening on $SMTPD_IP:$SMTPD_PORT"
like "$(smtpctl show status)" "MTA running" "smtpctl reaches it through the private control socket"
is "$(mounts)" "$mounts_before" "its bind mounts are not visible outside the namespace"

# --- valid certificate: delivered over verified TLS
smtpd_send a@enforce.test "plain, good MX"
ok $? "message for a@enforce.test accepted"
smtpd_until 20 arrived good a@enforce.test
ok $? "a@enforce.test delivered to the good receiver"
is "$(outcome a@enforce.test)" Ok "logged as delivered"
is "$(grep -h '^X-TLS:' "$W"/mail/good/* | tr -d '\r')" "X-TLS: yes" "over TLS"
like "$(smtpd_log | grep 'server-cert-check')" 'result="success"' "certificate checked against the world's CA"

# --- expired and wrong-name certificates under `relay tls`: kept queued
smtpd_send q@mxexpired.test "plain, expired"
smtpd_send q@mxwrongname.test "plain, wrong name"
for r in q@mxexpired.test q@mxwrongname.test; do
	smtpd_until 40 tried "$r"
done
is "$(outcome q@mxexpired.test)/$(outcome q@mxwrongname.test)" "TempFail/TempFail" "both attempts ended in a temporary failure"
is "$(smtpd_queued)" 2 "both still queued"
is "$(got expired q@mxexpired.test)/$(got wrongname q@mxwrongname.test)" "0/0" "nothing reached the bad receivers"
like "$(smtpd_log | grep 'X509 verify')" "certificate has expired" "expired: chain verification failed"
like "$(smtpd_log | grep 'ssl_check_name')" "no match for 'mx.mxwrongname.test'" "wrong name: name check failed"

# --- fixed receiver + smtpd_flush (smtpctl schedule all): retried now, not
# at the next retry time (400 s after one failure). A failed MX
# address is disabled for 15 s ("Disabling route"): a retry before
# "Enabling route" just fails again, so wait for that first.
"$WORLD_BIN/world.sh" smtp fix "$W" expired
smtpd_until 30 logged "Enabling route .*$WORLD_SMTP_EXPIRED"
smtpd_flush
smtpd_until 20 arrived expired q@mxexpired.test
ok $? "receiver fixed, smtpd_flush: q@mxexpired.test retried and delivered"
is "$(smtpd_queued)" 1 "the wrong-name one still queued"

# --- stop, restart on the same spool, stop: nothing left behind
smtpd_stop
is "$(smtpd_procs)" 0 "smtpd_stop: no smtpd process left"
is "$(mounts)" "$mounts_before" "no bind mount left"
smtpd_start
ok $? "restarts on the same private spool"
is "$(smtpd_queued)" 1 "the queued message survived the restart"
smtpd_stop
is "$(smtpd_procs)" 0 "stopped again: no smtpd process left"
is "$(host_paths)" "$before" "the machine's /run, /var and /usr/libexec are untouched"

# --- a test that ends without smtpd_stop: world_down, which the EXIT trap
# runs, stops smtpd too (`world.sh down` kills every pidfile's group).
smtpd_start
ok $? "started once more"
world_down
smtpd_until 5 no_procs
ok $? "world_down alone stopped smtpd and all its processes"
is "$(mounts)" "$mounts_before" "and no bind mount is left"

done_testing
