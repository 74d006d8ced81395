#!/bin/bash
# SPDX-License-Identifier: ISC
# world.sh - bring the test world up or down, and change it during a test.
#   world.sh up DIR | down DIR | set-txt DIR DOMAIN 'v=STSv1; id=N'|- |
#            set-policy DIR DOMAIN FILE | https stop|start DIR |
#            smtp stop|start|fix DIR RECEIVER | domains DIR
# The work is done by world.py (see its header and README.md); this
# wrapper picks Debian's python3, which has the aiosmtpd and cryptography
# modules the world needs (a pyenv python3 on PATH may not).
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/world.py" "$@"
