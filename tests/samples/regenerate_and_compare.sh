#!/usr/bin/env bash
# Regenerates every sample into a temporary folder and compares it byte for
# byte with the committed one; also fails when a committed sample is no
# longer generated. usage: regenerate_and_compare.sh GENERATOR SAMPLES_DIR
set -u
generator=$1
samples=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! "$generator" "$tmp"; then
    echo "generator failed"
    exit 1
fi
status=0
count=0
for generated in "$tmp"/*; do
    name=$(basename "$generated")
    count=$((count + 1))
    if [ ! -f "$samples/$name" ]; then
        echo "$name: generated but not committed"
        status=1
    elif ! cmp "$generated" "$samples/$name"; then
        echo "$name: differs from the committed file"
        status=1
    fi
done
for committed in "$samples"/*.pcap "$samples"/*.pcapng "$samples"/*.expected.json "$samples"/*.bin "$samples"/*.hex \
        "$samples"/*.password "$samples"/*.passwords "$samples"/*.nthashes "$samples"/*.keytab; do
    [ -e "$committed" ] || continue
    name=$(basename "$committed")
    if [ ! -f "$tmp/$name" ]; then
        echo "$name: committed but no longer generated"
        status=1
    fi
done
# A second run must give the same bytes as the first (no clock, no randomness).
mkdir "$tmp/again"
"$generator" "$tmp/again" >/dev/null 2>&1
for generated in "$tmp/again"/*; do
    cmp "$generated" "$tmp/$(basename "$generated")" || status=1
done
[ "$status" -eq 0 ] && echo "$count generated files identical to the committed samples"
exit "$status"
