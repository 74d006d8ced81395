#!/bin/bash
# SPDX-License-Identifier: ISC
# 68-smtpd76-tlsrpt-join.t - 67-smtpd-tlsrpt-join.t with Debian 13's OpenSMTPD 7.6.
SMTPD_SERIES=7.6 exec bash "$(dirname "$0")/67-smtpd-tlsrpt-join.t"
