#!/bin/bash
# SPDX-License-Identifier: ISC
# 62-smtpd76-mtasts.t - 61-smtpd-mtasts.t with Debian 13's real OpenSMTPD
# 7.6 (the 7.6+ table and filter protocols) running
# conf-examples/opensmtpd/smtpd-7.6.conf, chrooted in the trixie root
# that tests/lib/trixie-root.sh makes (tests/lib/smtpd.sh, SMTPD_SERIES).
SMTPD_SERIES=7.6 exec bash "$(dirname "$0")/61-smtpd-mtasts.t"
