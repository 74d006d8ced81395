#!/bin/bash
# SPDX-License-Identifier: ISC
# 47-exim-attacks.t - issue 13 against the real Exim 4.96 with the dlfunc
# config (conf-examples/exim/exim4-mtasts.conf): an attacker who spoofs
# DNS answers never gets enforce mail, enforce mail is never sent in
# clear or unverified, null MX and non-host MX names are no mail hosts,
# spoofed loopback/private addresses defer (never freeze), SNI is the MX
# name. Cases in tests/lib/exim_attacks.sh. Runs in its own network
# namespace.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/world.sh
. tests/lib/exim.sh
. tests/lib/exim_attacks.sh
need_mta exim4
own_netns "$@"
world_up
exim_setup
# The sender's own addresses: 127.0.0.1 only, as Debian's default
# (dc_local_interfaces), so that the private MX address this test puts
# on lo is a remote host to Exim, not itself.
sed -i '1i local_interfaces = <; 127.0.0.1' "$X/exim.conf"

attack_continued
attack_cn_only
attack_null_mx
like "$(mainlog | grep 'n2@nullmx.test' | tail -1)" "null MX \(RFC 7505\)" "null MX: the log says why"
attack_loopback
attack_private
attack_sni
attack_not_hostname
is "$(mainlog | grep -c '\*\* ')" 0 "nothing bounced"

done_testing
