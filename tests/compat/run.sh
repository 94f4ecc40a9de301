#!/usr/bin/env bash
# The Wireshark version matrix: builds this tree with -Werror, installs and
# removes its .deb packages, and runs the plugin tests (ctest -L plugin, tshark as the unprivileged user the tests
# use) inside Debian roots holding newer Wireshark releases:
#   trixie  Wireshark 4.4
#   sid     Wireshark 4.6
# (Debian 12 with 4.0 is the host the rest of the suite runs on.)
#
#   bash tests/compat/run.sh [SUITE...]          # default: trixie sid
#
# Needs root (mmdebstrap in root mode, chroot, mounting /proc) and network
# access to a Debian mirror the first time. The roots live outside the tree,
# in $IISS_COMPAT_ROOTS (default /var/tmp/iiss-compat/<suite>), and are
# reused when present: only the build and the tests run again. A root is
# made in a temporary folder and renamed when complete, so an interrupted
# run never leaves a half-made root to be reused. Delete a root to rebuild it.
# In each root the .deb packages are built, installed with dpkg, used and
# removed (deb_in_root.sh); then `cmake --install` (README's first command:
# the plugin in the system plugin folder) runs before the plugin tests, which
# must still load the build tree's copy.
# Packages come from .ci/install-deps (what the tree needs), minus the host's
# tool-only packages, plus wireshark-dev.
# Ends with "compat: N passed, N failed" (one per suite); exit 0 when all pass.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
roots=${IISS_COMPAT_ROOTS:-/var/tmp/iiss-compat}
mirror=${IISS_COMPAT_MIRROR:-http://deb.debian.org/debian}
jobs=${IISS_COMPAT_JOBS:-$(nproc 2>/dev/null || echo 2)}
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(trixie sid)

if [ "$(id -u)" -ne 0 ]; then
    echo "compat: needs root (mmdebstrap, chroot, mount); run it with sudo" >&2
    exit 2
fi
if ! command -v mmdebstrap >/dev/null 2>&1; then
    echo "compat: installing mmdebstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mmdebstrap >/dev/null || {
        echo "compat: mmdebstrap is missing and could not be installed" >&2; exit 2; }
fi

# The packages of .ci/install-deps that a chroot build needs: not the host's
# compilers for fuzzing, its GUI test tools (the GUI test skips there), the
# browser of the HTML report test (a cli test, not run there) or
# this script's own tools.
packages() {
    {
        sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$src/.ci/install-deps" | grep -E '^\s*apt-get install' |
            tr ' ' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' |
            grep -vxE 'apt-get|install|clang|libclang-rt-[0-9]+-dev|mmdebstrap|xvfb|xauth|xdotool|imagemagick|chromium|wireshark-qt|wireshark'
        echo wireshark-dev
    } | sort -u
}

mounted=()
cleanup() {
    local m
    for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null; done
    mounted=()
}
trap cleanup EXIT INT TERM

in_root() { # root command...
    local root=$1
    shift
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 TZ=UTC \
        DEBIAN_FRONTEND=noninteractive "$@"
}

make_root() { # suite root
    local suite=$1 root=$2 tmp="$2.partial"
    local pkgs
    pkgs=$(packages | paste -sd, -)
    rm -rf "$tmp"
    echo "compat[$suite]: creating $root (mmdebstrap, $(packages | wc -l) packages)"
    local opts=(--variant=apt --include="$pkgs" --aptopt='Acquire::Check-Valid-Until "false"'
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*'
        --dpkgopt='path-exclude=/usr/share/locale/*')
    if ! mmdebstrap "${opts[@]}" "$suite" "$tmp" "$mirror" >"$roots/$suite.mmdebstrap.log" 2>&1; then
        tail -n 30 "$roots/$suite.mmdebstrap.log"
        echo "compat[$suite]: mmdebstrap failed (log: $roots/$suite.mmdebstrap.log)"
        rm -rf "$tmp"
        return 1
    fi
    mv "$tmp" "$root"
}

# A reused root made before .ci/install-deps gained a package gets it now.
complete_root() { # suite root
    local suite=$1 root=$2 missing=() p
    for p in $(packages); do
        in_root "$root" dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "compat[$suite]: installing into the existing root: ${missing[*]}"
    cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
    in_root "$root" apt-get -o 'Acquire::Check-Valid-Until=false' update >/dev/null &&
        in_root "$root" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
}

run_suite() { # suite
    local suite=$1 root="$roots/$1"
    if [ ! -d "$root" ]; then
        make_root "$suite" "$root" || return 1
    else
        echo "compat[$suite]: reusing $root"
        complete_root "$suite" "$root" || { echo "compat[$suite]: could not complete the root"; return 1; }
    fi
    local ws
    ws=$(in_root "$root" pkg-config --modversion wireshark 2>/dev/null)
    echo "compat[$suite]: Wireshark ${ws:-?}, $(in_root "$root" gcc -dumpfullversion 2>/dev/null | sed 's/^/gcc /')"

    # The tree as it is (tracked and new files, not ignored ones), fresh each run.
    rm -rf "$root/srv/iiss"
    mkdir -p "$root/srv/iiss/src"
    (cd "$src" && git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
        tar --null -T - -cf -) | tar -xf - -C "$root/srv/iiss/src"

    mountpoint -q "$root/proc" || { mount -t proc proc "$root/proc" && mounted+=("$root/proc"); }
    [ -c "$root/dev/null" ] || { mount --bind /dev "$root/dev" && mounted+=("$root/dev"); }

    local log="$roots/$suite.build.log"
    # The plugin's ASan copy is a host-only extra; the fuzz test runs the plain plugin here.
    if ! in_root "$root" cmake -S /srv/iiss/src -B /srv/iiss/build -DIISS_WERROR=ON -DIISS_BUILD_SAMPLES=OFF \
            -DIISS_PLUGIN_ASAN=OFF >"$log" 2>&1 ||
       ! in_root "$root" cmake --build /srv/iiss/build -j "$jobs" >>"$log" 2>&1; then
        tail -n 40 "$log"
        echo "compat[$suite]: build failed (log: $log)"
        cleanup
        return 1
    fi
    if grep -q 'warning:' "$log"; then
        grep 'warning:' "$log" | head -n 20
        echo "compat[$suite]: the build printed warnings"
        cleanup
        return 1
    fi
    # The .deb packages, installed, used and removed with dpkg.
    if ! in_root "$root" bash /srv/iiss/src/tests/compat/deb_in_root.sh >>"$log" 2>&1; then
        tail -n 20 "$log"
        echo "compat[$suite]: the .deb packages failed (log: $log)"
        cleanup
        return 1
    fi
    echo "compat[$suite]: $(grep '^deb: installed' "$log" | tail -n 1)"
    # README's first command installs the plugin system-wide; the plugin
    # tests must load the staged build-tree copy all the same.
    if ! in_root "$root" cmake --install /srv/iiss/build >>"$log" 2>&1; then
        tail -n 20 "$log"
        echo "compat[$suite]: cmake --install failed (log: $log)"
        cleanup
        return 1
    fi
    echo "compat[$suite]: installed system-wide in the root: $(grep -o '/usr/lib/[^ ]*/iiss.so' "$log" | tail -n 1)"
    local rc=0
    in_root "$root" ctest --test-dir /srv/iiss/build -L plugin --output-on-failure -j "$jobs" || rc=1
    cleanup
    return $rc
}

mkdir -p "$roots"
pass=0
fail=0
failed=()
for suite in "${suites[@]}"; do
    start=$(date +%s)
    if run_suite "$suite"; then
        pass=$((pass + 1))
        echo "compat[$suite]: passed ($(($(date +%s) - start)) s)"
    else
        fail=$((fail + 1))
        failed+=("$suite")
        echo "compat[$suite]: FAILED ($(($(date +%s) - start)) s)"
    fi
done
[ ${#failed[@]} -eq 0 ] || echo "compat: failing suites: ${failed[*]}"
echo "compat: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
