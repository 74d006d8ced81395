#!/bin/bash
# valgrind-exim.sh - `make check-valgrind`: the Exim end-to-end tests with
# every Exim process (and so mtasts_exim.so) under valgrind; then report
# each error or definite leak whose stack passes through mtasts code.
# Exim's own pool allocator leaks by design at exit; those are not ours.
cd "$(dirname "$0")/.." || exit 1
logs=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-vg.XXXXXX")
chmod 777 "$logs"   # the transport runs as Debian-exim
export EXIM_WRAP="valgrind --trace-children=yes --leak-check=full \
  --show-leak-kinds=definite --errors-for-leak-kinds=definite \
  --num-callers=30 --log-file=$logs/vg.%p"
prove -v tests/integration/40-exim.t tests/integration/42-exim-debian.t
rc=$?
n=$(ls "$logs" | wc -l)
# One report block per blank-line-separated paragraph; keep ours.
ours=$(awk -v RS= '/mtasts|mts_/ && /(Invalid|uninitialised|definitely lost|Mismatched|overlap)/' "$logs"/vg.* | head -200)
echo "# valgrind: $n Exim processes traced, logs in $logs"
if [ -n "$ours" ]; then
	echo "# errors or definite leaks in mtasts code:"
	printf '%s\n' "$ours" | sed 's/^/# /'
	exit 1
fi
echo "# no invalid access, uninitialised use or definite leak in mtasts code"
[ "$rc" = 0 ] && rm -rf "$logs"
exit $rc
