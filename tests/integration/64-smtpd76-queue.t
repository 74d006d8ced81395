#!/bin/bash
# SPDX-License-Identifier: ISC
# 64-smtpd76-queue.t - 63-smtpd-queue.t with Debian 13's OpenSMTPD 7.6.
SMTPD_SERIES=7.6 exec bash "$(dirname "$0")/63-smtpd-queue.t"
