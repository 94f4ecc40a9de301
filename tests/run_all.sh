#!/usr/bin/env bash
# The whole test suite, as README gives it:
#   1. normal build (-Werror): every ctest label (unit, cli, samples, plugin);
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build: the unit tests and
#      the iissdump command-line tests;
#   3. clang libFuzzer build: each fuzz target for a short run.
# Ends with one "N passed, N failed" line over all three.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
out=${IISS_BUILD_ROOT:-$root/build-tests}
total_pass=0
total_fail=0
failed_stages=()

run_stage() { # name builddir ctest-args -- cmake-args
    local name=$1 dir=$2 ctest_args=$3
    shift 3
    echo "=== $name ==="
    if ! cmake -S "$root" -B "$dir" "$@" >"$dir.configure.log" 2>&1; then
        cat "$dir.configure.log"
        echo "$name: configure failed"
        total_fail=$((total_fail + 1)); failed_stages+=("$name"); return
    fi
    if ! cmake --build "$dir" -j "$jobs" >"$dir.build.log" 2>&1; then
        tail -n 60 "$dir.build.log"
        echo "$name: build failed"
        total_fail=$((total_fail + 1)); failed_stages+=("$name"); return
    fi
    local log="$dir.ctest.log"
    # shellcheck disable=SC2086
    (cd "$dir" && ctest --output-on-failure -j "$jobs" $ctest_args) 2>&1 | tee "$log"
    local line
    line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        if grep -q 'No tests were found' "$log"; then return; fi
        echo "$name: ctest printed no summary"
        total_fail=$((total_fail + 1)); failed_stages+=("$name"); return
    fi
    local failed all
    failed=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
    all=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/')
    total_pass=$((total_pass + all - failed))
    total_fail=$((total_fail + failed))
    [ "$failed" -eq 0 ] || failed_stages+=("$name")
}

mkdir -p "$out"
run_stage "normal build: all tests" "$out/default" "" -DCMAKE_BUILD_TYPE=RelWithDebInfo
run_stage "sanitizer build: unit and cli tests" "$out/sanitize" "-L unit|cli" -DCMAKE_BUILD_TYPE=Debug -DIISS_SANITIZE=ON \
    -DIISS_BUILD_PLUGIN=OFF
if command -v clang >/dev/null 2>&1; then
    run_stage "libFuzzer smoke" "$out/fuzz" "-L fuzz" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
        -DIISS_FUZZ=ON -DIISS_BUILD_PLUGIN=OFF -DIISS_BUILD_SAMPLES=OFF
else
    echo "clang not found: fuzz smoke skipped"
fi

echo
[ ${#failed_stages[@]} -eq 0 ] || echo "failing stages: ${failed_stages[*]}"
echo "suite: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
