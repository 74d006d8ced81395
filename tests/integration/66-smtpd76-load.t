#!/bin/bash
# SPDX-License-Identifier: ISC
# 66-smtpd76-load.t - 65-smtpd-load.t with Debian 13's OpenSMTPD 7.6
# (the 7.6+ table and filter protocols, the requeue step of 7.x).
SMTPD_SERIES=7.6 exec bash "$(dirname "$0")/65-smtpd-load.t"
