#!/bin/sh
# What tshark says about a capture, to compare with the capture pipeline:
#   tshark_stream_bytes.sh CAPTURE
# prints
#   frames N                 records in the file
#   cut N                    TCP payload bytes the snapshot length removed
#   stream K B0 B1 H0 H1     per tcp.stream: bytes of node 0 and node 1 as
#                            tshark reassembles them (out-of-order reassembly
#                            on) and their FNV-1a 64 hashes
# Node 0 is the side tshark saw first (the client when the SYN is captured).
# Two tshark runs: one for the per-frame fields, one for every stream's follow.
set -eu
cap=$1
fields=$(tshark -r "$cap" -T fields -E occurrence=f -e frame.number -e frame.len -e frame.cap_len \
    -e tcp.stream -e tcp.len 2>/dev/null)
echo "$fields" | awk -F '\t' '
    { frames++; if ($4 != "") { m = $2 - $3; if (m > $5) m = $5; cut += m; streams[$4] = 1 } }
    END { print "frames", frames + 0; print "cut", cut + 0 }'
follows=$(echo "$fields" | awk -F '\t' '$4 != "" && !seen[$4]++ { printf " -z follow,tcp,raw,%s", $4 }')
[ -n "$follows" ] || exit 0
# shellcheck disable=SC2086
tshark -r "$cap" -o tcp.reassemble_out_of_order:TRUE -q $follows 2>/dev/null | python3 -c '
import re, sys
streams = {}
current = None
for line in sys.stdin:
    m = re.match(r"Filter: tcp\.stream eq (\d+)", line)
    if m:
        current = int(m.group(1))
        streams[current] = [bytearray(), bytearray()]
        continue
    m = re.fullmatch(r"(\t?)([0-9a-f]+)\n?", line)
    if m and current is not None:
        streams[current][1 if m.group(1) else 0] += bytes.fromhex(m.group(2))
def fnv(b):
    h = 0xcbf29ce484222325
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h
for s in sorted(streams):
    d = streams[s]
    print("stream %d %d %d 0x%016x 0x%016x" % (s, len(d[0]), len(d[1]), fnv(d[0]), fnv(d[1])))
'
