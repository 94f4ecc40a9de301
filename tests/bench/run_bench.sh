#!/bin/sh
# Throughput benchmark of iissdump (not a test): builds a large capture from
# the iisreset-remote sample (bench_gen: COPIES connections, CONCURRENCY open
# at once, 7 calls each), then measures in the same run
#   - a bare libpcap read loop (bare_read), the floor for any reader;
#   - iissdump, text timeline and --json, output to /dev/null, and --quiet
#     (every call decoded, STATUS_BLOBs included, nothing formatted);
#   - tshark with the iiss plugin (stock tshark when the plugin is not built),
#     filtering on the protocol so every packet is dissected, printing the
#     summary lines, then the full decode (-V, what the timeline compares to);
# and prints seconds (best of RUNS), packets/s, MB/s, peak RSS and ratios.
#
#   run_bench.sh IISSDUMP BENCH_GEN BARE_READ SAMPLES_DIR WORK_DIR [PLUGIN_SO WS_MAJOR_MINOR]
# Environment: COPIES (14300), CONCURRENCY (400), RUNS (3), TSHARK=0 skips tshark.
set -eu
iissdump=$1 bench_gen=$2 bare_read=$3 samples=$4 work=$5
plugin=${6:-} ws_version=${7:-}
copies=${COPIES:-14300}
concurrency=${CONCURRENCY:-400}
runs=${RUNS:-3}

mkdir -p "$work"
capture=$work/bench.pcap
if [ ! -s "$capture" ] || [ "$capture" -ot "$samples/iisreset-remote.pcap" ] || [ -n "${COPIES:-}" ]; then
    "$bench_gen" "$samples/iisreset-remote.pcap" "$capture" "$copies" "$concurrency"
fi
size=$(stat -c %s "$capture")
frames=$("$bare_read" "$capture" | sed 's/ frames.*//')

# best_of NAME CMD...: runs CMD (stdout discarded) RUNS times; records the
# best wall time with its user/system time and the largest peak RSS.
results=$work/results.txt
: >"$results"
best_of() {
    name=$1
    shift
    best=""
    for i in $(seq "$runs"); do
        /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || {
            echo "$name failed:"; cat "$work/stderr.txt"; return 1; }
        line=$(cat "$work/time.txt")
        if [ -z "$best" ] || awk -v a="$line" -v b="$best" 'BEGIN { split(a, x, " "); split(b, y, " "); exit !(x[1] < y[1]) }'; then
            best=$line
        fi
    done
    echo "$name $best" >>"$results"
}

echo "capture: $capture, $frames frames, $((size / 1048576)) MiB, $copies connections ($concurrency at once), $((copies * 7)) calls"
best_of "bare-libpcap-loop" "$bare_read" "$capture"
best_of "iissdump" "$iissdump" --no-progress "$capture"
best_of "iissdump--json" "$iissdump" --no-progress --json "$capture"
best_of "iissdump-q" "$iissdump" --no-progress --quiet "$capture"
calls=$("$iissdump" --no-progress --json "$capture" | wc -l)
echo "iissdump found $calls calls"

if [ "${TSHARK:-1}" != 0 ] && command -v tshark >/dev/null 2>&1; then
    # tshark run as root ignores personal plugins: stage the plugin and the
    # capture in a world-readable folder and run as nobody (as tests/plugin).
    stage=$(mktemp -d)
    chmod 755 "$stage"
    cp "$capture" "$stage/bench.pcap"
    chmod 644 "$stage/bench.pcap"
    filter=dcerpc
    name=tshark
    if [ -n "$plugin" ] && [ -f "$plugin" ]; then
        mkdir -p "$stage/.local/lib/wireshark/plugins/$ws_version/epan"
        cp "$plugin" "$stage/.local/lib/wireshark/plugins/$ws_version/epan/iiss.so"
        chmod -R a+rX "$stage/.local"
        filter=iiss
        name=tshark-with-plugin
    fi
    as_user=""
    if [ "$(id -u)" = 0 ]; then
        as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
    fi
    runs_saved=$runs
    runs=1
    # summary lines of the matching packets (every packet dissected), and the
    # full decode (-V), the closest to iissdump's timeline
    # shellcheck disable=SC2086
    best_of "$name" $as_user env HOME="$stage" tshark -n -r "$stage/bench.pcap" -Y "$filter"
    # shellcheck disable=SC2086
    best_of "$name-V" $as_user env HOME="$stage" tshark -n -r "$stage/bench.pcap" -V -Y "$filter"
    runs=$runs_saved
    rm -rf "$stage"
fi

echo
awk -v frames="$frames" -v size="$size" '
    function verdict(ok) { return ok ? "met" : "not met" }
    { name[NR] = $1; wall[NR] = $2; user[NR] = $3; sys[NR] = $4; rss[NR] = $5; idx[$1] = NR }
    END {
        printf "%-20s %9s %9s %12s %9s %10s\n", "reader", "wall s", "cpu s", "packets/s", "MB/s", "peak RSS"
        for (i = 1; i <= NR; i++)
            printf "%-20s %9.2f %9.2f %12.0f %9.1f %7.1f MiB\n", name[i], wall[i], user[i] + sys[i],
                   frames / wall[i], size / 1e6 / wall[i], rss[i] / 1024
        d = idx["iissdump"]; j = idx["iissdump--json"]; q = idx["iissdump-q"]; b = idx["bare-libpcap-loop"]
        print ""
        printf "iissdump vs bare loop: %.1fx the time (target: within 3x, %s); --json: %.1fx (%s); --quiet: %.1fx (%s)\n",
               wall[d] / wall[b], verdict(wall[d] / wall[b] <= 3), wall[j] / wall[b], verdict(wall[j] / wall[b] <= 3),
               wall[q] / wall[b], verdict(wall[q] / wall[b] <= 3)
        for (i = 1; i <= NR; i++)
            if (name[i] ~ /^tshark/)
                printf "iissdump vs %s: %.1fx the throughput (target: >= 50x, %s); --json: %.1fx (%s); --quiet: %.1fx (%s)\n",
                       name[i], wall[i] / wall[d], verdict(wall[i] / wall[d] >= 50), wall[i] / wall[j],
                       verdict(wall[i] / wall[j] >= 50), wall[i] / wall[q], verdict(wall[i] / wall[q] >= 50)
        printf "iissdump peak RSS: %.1f MiB, --json %.1f MiB, --quiet %.1f MiB (target: < 64 MiB, %s)\n", rss[d] / 1024,
               rss[j] / 1024, rss[q] / 1024, verdict(rss[d] < 65536 && rss[j] < 65536 && rss[q] < 65536)
    }' "$results"
