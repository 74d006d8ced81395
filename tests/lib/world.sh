# SPDX-License-Identifier: ISC
# world.sh - for integration tests (sourced after tap.sh): bring a private
# test world up for this test file and down again however the test ends.
# Sets W (the world dir), CONF, and M (the mtasts command with CONF).
WORLD_BIN="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/../world" && pwd)"

. "$(dirname "${BASH_SOURCE[0]:-$0}")/netns.sh"
MTASTS_BIN=${MTASTS_BIN:-$(pwd)/build/mtasts}

world_up() {
	W=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-it.XXXXXX")
	trap 'world_down' EXIT
	trap 'exit 130' INT TERM
	if ! "$WORLD_BIN/world.sh" up "$W" >"$W.log" 2>&1; then
		echo "Bail out! test world did not come up: $(tail -3 "$W.log")"
		exit 1
	fi
	rm -f "$W.log"
	CONF=$W/mtasts.conf
	. "$W/env"
}

world_down() {
	[ -n "${W:-}" ] || return 0
	"$WORLD_BIN/world.sh" down "$W" >/dev/null 2>&1 || true
	rm -rf "$W" "$W.log"
}

M() { "$MTASTS_BIN" -c "$CONF" "$@"; }

# fetches DOMAIN: how many times its policy host was asked for the policy.
fetches() {
	grep -c "^mta-sts.$1 /.well-known/mta-sts.txt " "$W/nginx/access.log" 2>/dev/null || true
}

# rx RECEIVER: how many messages that receiver has saved.
rx() { ls "$W/mail/$1" 2>/dev/null | grep -vc '^\.' || true; }
