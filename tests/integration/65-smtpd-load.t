#!/bin/bash
# SPDX-License-Identifier: ISC
# 65-smtpd-load.t - OpenSMTPD under load (issue 14), once, with the 6.8
# smtpd (SMTPD_SERIES=7.6 runs it with 7.6): 1,000 messages to 104 mixed
# domains (39 enforce, 13 enforce whose MX has no STARTTLS, 26 testing,
# 13 none, 13 without a policy; world WORLD_LOAD), 24 connections at
# once, the first 24 messages to 24 cold enforce domains; then the
# policies of the 13 queued domains relax while their mail waits.
# Checked: delivered + queued == sent, no bounce, no enforce mail in
# clear or by the opportunistic action, every queued message delivered
# once its domain allows it.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
. tests/lib/smtpd.sh
. tests/lib/smtpd-mtasts.sh
B=${BUILD:-$(pwd)/build}
need_mta
if ! smtpd_install; then
	[ -n "$SMTPD_SKIP" ] && skip_all "$SMTPD_SKIP"
	echo "Bail out! smtpd_install failed"; exit 1
fi
export WORLD_LOAD=104
world_up
WB=$WORLD_BIN/world.sh
# every MX is on one or two receivers: smtpd's 5 s between connections to
# one address would only measure that throttle
smtpd_mtasts_up "" "mta limit conn-delay-route 0 conn-delay-relay 0 max-conn-per-host 30 max-conn-per-route 30"
diag "opensmtpd $SMTPD_VERSION with $EXAMPLE"
smtpd_wrappers "$W/bin"

kind() {     # as tests/world/world.py load_domains()
	case $(( 10#${1#l} % 8 )) in
	0|2|6) echo enforce ;; 4) echo enforce-notls ;; 1|5) echo testing ;;
	3) echo none ;; 7) echo nopolicy ;;
	esac
}
doms=$(for i in $(seq 0 103); do printf 'l%03d\n' "$i"; done)
first=$(for d in $doms; do case $(kind "$d") in enforce*) echo "$d" ;; esac; done)
rest=$(for d in $doms; do case $(kind "$d") in enforce*) ;; *) echo "$d" ;; esac; done)
order=($first $rest)
for i in $(seq 0 999); do echo "u$i@${order[$((i % 104))]}.load.test"; done >"$W/rcpts"
notls_rcpts=$(grep -c -E "@($(for d in $doms; do [ "$(kind "$d")" = enforce-notls ] && printf '%s|' "$d"; done)x)\.load\.test" "$W/rcpts")

start=$SECONDS
/usr/bin/python3 tests/lib/smtpload.py "$SMTPD_IP" "$SMTPD_PORT" 24 150 "$W/rcpts" "$W/load.out"
ok $? "1,000 messages accepted by smtpd (a 451 'not yet' retried, as a client does)"
sent=$(grep -c '^ok ' "$W/load.out")
diag "$(tail -1 "$W/load.out") in $((SECONDS - start)) s; $notls_rcpts for the domains without STARTTLS"
is "$sent" 1000 "sent: 1000"

# delivered: messages the receivers saved for our recipients
delivered() { cat "$W"/mail/*/* 2>/dev/null | grep -c '^X-Rcpt-To: u[0-9]*@l[0-9]*\.load\.test'; }
settled() { [ "$(delivered)" -ge $((sent - notls_rcpts)) ] && [ "$(smtpd_queued)" -le "$notls_rcpts" ]; }
within 420 settled
ok $? "everything but the mail for the 13 domains without STARTTLS delivered"
q=$(smtpd_queued); d=$(delivered)
diag "delivered $d, queued $q after $((SECONDS - start)) s"
is "$((d + q))" "$sent" "delivered + queued == sent"
is "$q" "$notls_rcpts" "queued: exactly the mail for the enforce domains without STARTTLS"
is "$(ls "$W/mail/notls" 2>/dev/null | grep -c .)" 0 "none of it went out in clear"
enf=$(for dd in $doms; do [ "$(kind "$dd")" = enforce ] && printf '%s|' "$dd"; done)
is "$(smtpd_log | grep -E "check domain=(${enf}x)\.load\.test .*-> not-enforce" | grep -c .)" 0 \
    "no enforce domain routed by the opportunistic action (cold ones included)"
is "$(grep -l -E "^X-Rcpt-To: u[0-9]*@(${enf}x)\.load\.test" "$W"/mail/good/* | xargs -r grep -L '^X-TLS: yes' | grep -c .)" 0 \
    "every enforce message arrived over TLS"
is "$(smtpd_log | grep 'relayhost domain=' | grep -E "domain=(${enf}x)\.load\.test" | grep -vc 'smtp+tls://')" 0 \
    "... each relayed through smtp+tls:// to its policy's MX"

# --- the queued domains relax (enforce -> testing, id bumped) while
# their mail waits: it leaves the queue, nothing bounces
for dd in $doms; do
	[ "$(kind "$dd")" = enforce-notls ] || continue
	printf 'version: STSv1\nmode: testing\nmx: mx.%s.load.test\nmax_age: 86400\n' "$dd" >"$W/p"
	"$WB" set-policy "$W" "$dd.load.test" "$W/p"
	"$WB" set-txt "$W" "$dd.load.test" 'v=STSv1; id=2' >/dev/null
	MS refresh "$dd.load.test" >/dev/null 2>&1
done
if [ "$SMTPD_SERIES" = 7.6 ]; then
	MTASTS=$MTASTS_BIN MTASTS_CONF=$MCONF SMTPCTL=$W/bin/smtpctl SENDMAIL=$W/bin/sendmail \
	    conf-examples/opensmtpd/mtasts-requeue >"$W/requeue.log" 2>&1
fi
drained() { smtpd_flush; [ "$(smtpd_queued)" = 0 ] || { sleep 3; false; }; }
within 300 drained
ok $? "the queued mail left the queue once its domains relaxed"
is "$(delivered)" "$sent" "all 1000 delivered"
ok "$(no_bounce; echo $?)" "no bounce"
diag "done after $((SECONDS - start)) s"
smtpd_stop
done_testing
