#!/bin/sh
# Text-output golden test: run_golden.sh IISSDUMP GOLDEN ARGS...
# Compares `iissdump ARGS...` (stdout) with the committed GOLDEN file;
# with IISS_UPDATE_GOLDEN=1 rewrites GOLDEN instead.
set -u
iissdump=$1
golden=$2
shift 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$iissdump" "$@" >"$out"
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "iissdump exited $rc"
    exit 1
fi
if [ "${IISS_UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$out" "$golden"
    echo "updated $golden"
    exit 0
fi
if ! diff -u "$golden" "$out"; then
    echo "output differs from $golden (IISS_UPDATE_GOLDEN=1 regenerates it)"
    exit 1
fi
echo "matches $golden"
