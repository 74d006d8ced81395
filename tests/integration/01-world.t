#!/bin/bash
# SPDX-License-Identifier: ISC
# 01-world.t - the test world checks itself first (tests/world/selftest.sh):
# if DNS, the policy hosts or the receivers misbehave, every later
# failure would be misleading.
cd "$(dirname "$0")/../.." || exit 1
exec tests/world/selftest.sh
