#!/bin/sh
# Each TCP stream of a capture as tshark reassembles it (out-of-order
# reassembly on), to compare with the capture pipeline:
#   tshark_stream_bytes.sh CAPTURE
# prints "stream N node0_bytes node1_bytes node0_fnv1a64 node1_fnv1a64" per
# tcp.stream, node 0 being the side tshark saw first (the client when the SYN
# is captured); the hashes are FNV-1a 64 of the bytes of each direction.
set -eu
cap=$1
streams=$(tshark -r "$cap" -T fields -e tcp.stream 2>/dev/null | sort -n | uniq)
for s in $streams; do
    tshark -r "$cap" -o tcp.reassemble_out_of_order:TRUE -q -z "follow,tcp,raw,$s" 2>/dev/null |
        python3 -c '
import re, sys
data = [bytearray(), bytearray()]
for line in sys.stdin:
    m = re.fullmatch(r"(\t?)([0-9a-f]+)\n?", line)
    if m:
        data[1 if m.group(1) else 0] += bytes.fromhex(m.group(2))
def fnv(b):
    h = 0xcbf29ce484222325
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h
print("stream %s %d %d 0x%016x 0x%016x" % (sys.argv[1], len(data[0]), len(data[1]), fnv(data[0]), fnv(data[1])))
' "$s"
done
