# SPDX-License-Identifier: ISC
# tap.sh - TAP helpers for shell tests (sourced). prove reads the output.
# Each test file: . tests/lib/tap.sh; ok/is/like ...; done_testing.
TAP_N=0
TAP_FAILED=0

ok() { # ok STATUS NAME...
	local st=$1; shift
	TAP_N=$((TAP_N + 1))
	if [ "$st" = 0 ]; then
		echo "ok $TAP_N - $*"
	else
		echo "not ok $TAP_N - $*"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

is() { # is GOT WANT NAME...
	local got=$1 want=$2; shift 2
	if [ "$got" = "$want" ]; then
		ok 0 "$@"
	else
		ok 1 "$@"
		printf '#   got: %s\n#  want: %s\n' "$got" "$want"
	fi
}

like() { # like GOT REGEX NAME...
	local got=$1 re=$2; shift 2
	if printf '%s' "$got" | grep -Eq -- "$re"; then
		ok 0 "$@"
	else
		ok 1 "$@"
		printf '#   got: %s\n#  want match: %s\n' "$got" "$re"
	fi
}

diag() { printf '# %s\n' "$*"; }

done_testing() {
	# The helper libraries' last checks (exim.sh, smtpd.sh: ASan reports).
	local _h
	for _h in ${TAP_BEFORE_DONE:-}; do "$_h"; done
	echo "1..$TAP_N"
	[ "$TAP_FAILED" = 0 ]
}

# jget JSON KEY: a top-level field of a one-line JSON object (python3).
jget() {
	/usr/bin/python3 -c 'import json,sys
v=json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    v=v[int(k)] if isinstance(v,list) else v.get(k)
print("" if v is None else (json.dumps(v) if isinstance(v,(list,dict)) else str(v).lower() if isinstance(v,bool) else v))' "$1" "$2" 2>/dev/null
}

# skip_all WHY: skip the whole file, WHY naming what is missing. Under
# CI=true an end-to-end file must run: a skip is a failure there (a
# machine without Exim or mount namespaces proves nothing).
skip_all() {
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - would skip under CI=true: $*"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 0
}

# need_mta TOOL...: skip_all unless this machine can run the real MTA
# tests: root, `unshare -m` that works, and each TOOL on PATH. The reason
# names the first thing missing (and unshare's own error).
need_mta() {
	local t err
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
		    skip_all "$t not installed (.ci/deps.sh installs it)"
	done
	[ "$(id -u)" = 0 ] || skip_all "needs root (private mounts and Exim's users), running as uid $(id -u)"
	err=$(unshare -m true 2>&1) ||
	    skip_all "needs a working 'unshare -m' (mount namespaces): ${err:-exit status $?}"
}

# before_done FN: FN runs just before the plan is printed (once, however
# often it is asked for).
before_done() {
	case " ${TAP_BEFORE_DONE:-} " in *" $1 "*) ;;
	*) TAP_BEFORE_DONE="${TAP_BEFORE_DONE:-} $1" ;; esac
}

# sanitizer_reports DIR WHO: a failed check for each ASan/UBSan report
# file in DIR (log_path), written by a process WHO ran.
sanitizer_reports() {
	local f
	for f in "$1"/*; do
		[ -e "$f" ] || continue
		ok 1 "ASan/UBSan report from a process $2 ran: $f"
		sed 's/^/# /' "$f" | head -40
	done
}
