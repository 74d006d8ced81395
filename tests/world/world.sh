#!/bin/sh
# world.sh - bring the test world up or down, and change it during a test.
# See world.py for the commands; this wrapper picks Debian's python3,
# which has the aiosmtpd and cryptography modules the world needs.
exec /usr/bin/python3 "$(dirname "$0")/world.py" "$@"
