#!/bin/sh
# One golden test of `iissdump blob`:
#   check_golden.sh IISSDUMP FIXTURES GOLDEN NAME EXPECTED_EXIT [--stdin FILE] -- ARGS...
# Runs IISSDUMP blob ARGS... inside FIXTURES (so messages carry relative file
# names), checks the exit status, compares standard output with GOLDEN/NAME.out
# and standard error with GOLDEN/NAME.err (which must be empty when absent).
# IISS_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
set -u
iissdump=$1 fixtures=$2 golden=$3 name=$4 expected_exit=$5
shift 5
stdin_file=/dev/null
if [ "${1:-}" = "--stdin" ]; then
    stdin_file=$2
    shift 2
fi
[ "${1:-}" = "--" ] && shift

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$fixtures" && "$iissdump" blob "$@" <"$stdin_file" >"$work/out" 2>"$work/err")
status=$?

if [ "$status" -ne "$expected_exit" ]; then
    echo "FAIL $name: exit status $status, expected $expected_exit"
    cat "$work/err"
    exit 1
fi

if [ "${IISS_UPDATE_GOLDEN:-0}" = "1" ]; then
    cp "$work/out" "$golden/$name.out"
    if [ -s "$work/err" ]; then cp "$work/err" "$golden/$name.err"; else rm -f "$golden/$name.err"; fi
    echo "updated $name"
    exit 0
fi

rc=0
if ! diff -u "$golden/$name.out" "$work/out"; then
    echo "FAIL $name: standard output differs from $golden/$name.out"
    rc=1
fi
if [ -f "$golden/$name.err" ]; then
    if ! diff -u "$golden/$name.err" "$work/err"; then
        echo "FAIL $name: standard error differs from $golden/$name.err"
        rc=1
    fi
elif [ -s "$work/err" ]; then
    echo "FAIL $name: unexpected standard error:"
    cat "$work/err"
    rc=1
fi
[ "$rc" -eq 0 ] && echo "ok $name"
exit "$rc"
