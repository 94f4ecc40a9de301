#!/usr/bin/env python3
"""Writes a capture of a flood followed by genuine IIS ServiceControl calls
(stdlib only; generated at test or benchmark time, never kept in git):

  flood_capture.py OUT.pcap CONNECTIONS [--sent BYTES] [--genuine before|after]

CONNECTIONS flood connections each complete a handshake, then send the
start of a DCE/RPC request announcing frag_length 65535 (BYTES of it, 6000
by default, in full-size segments) and never finish it nor close. The
genuine connection (10.77.0.5 -> 10.77.0.20:49155) binds IIsServiceControl
and makes two calls, Stop(timeout 30000 ms, force 1) -> S_OK and Status(512)
-> S_OK with two services, its request and reply split over several
segments so that both need buffering:
  --genuine after   (default) the whole connection comes after the flood;
  --genuine before  it binds before the flood and calls after it.

GENUINE, below, is what iissdump must decode from it, exactly."""
import argparse
import struct
import sys

IID = bytes.fromhex("2086fbe88f58d2119d6100c04f79c5fe")  # E8FB8620-588F-11D2-9D61-00C04F79C5FE
NDR20 = bytes.fromhex("045d888aeb1cc9119fe808002b104860")
IPID = bytes.fromhex("01b000001c0affff6f3c4e21a9d7c5b3")
ORPCTHIS = struct.pack("<HHII16sI", 5, 7, 0, 0, bytes(range(16)), 0)
ORPCTHAT = struct.pack("<II", 0, 0)
MSS = 1460

SERVICES = [("W3SVC", "World Wide Web Publishing Service", 0x20, 4, 0x7),
            ("IISADMIN", "IIS Admin Service", 0x20, 1, 0x1)]
STATUS_BUFFER = 512

GENUINE_CLIENT = "10.77.0.5:50001"
GENUINE_SERVER = "10.77.0.20:49155"
# What the genuine calls decode to, field by field (iissdump --json).
GENUINE = [
    {"method": "Stop", "params": {"timeout_ms": 30000, "force": 1}, "hresult": "0x00000000",
     "interface": "bound", "anomalies": []},
    {"method": "Status", "params": {"buffer_size": STATUS_BUFFER}, "hresult": "0x00000000",
     "num_services": 2, "services": [s[0] for s in SERVICES], "interface": "bound", "anomalies": []},
]


def ip4(text):
    return bytes(int(x) for x in text.split("."))


def ip_checksum(header):
    s = sum(struct.unpack("!10H", header))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Writer:
    """Ethernet + IPv4 + TCP frames into a classic pcap, microseconds.
    TCP checksums are left zero (offloading makes them meaningless too)."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.t = 1_700_000_000_000_000

    def frame(self, src, dst, seq, ack, flags, payload=b""):
        self.t += 100
        tcp = struct.pack("!HHIIBBHHH", src[1], dst[1], seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0,
                          0)
        total = 20 + len(tcp) + len(payload)
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, src[0], dst[0]))
        ip[10:12] = struct.pack("!H", ip_checksum(bytes(ip)))
        data = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + bytes(ip) + tcp + payload
        self.f.write(struct.pack("<IIII", self.t // 1_000_000, self.t % 1_000_000, len(data), len(data)))
        self.f.write(data)

    def close(self):
        self.f.close()


class Connection:
    def __init__(self, w, client, server):
        self.w = w
        self.ends = (client, server)
        self.seq = [1000, 5000]

    def send(self, side, flags, payload=b""):
        src, dst = self.ends[side], self.ends[1 - side]
        self.w.frame(src, dst, self.seq[side], self.seq[1 - side], flags, payload)
        self.seq[side] += len(payload) + (1 if flags & 0x03 else 0)

    def handshake(self):
        self.send(0, 0x02)
        self.send(1, 0x12)
        self.send(0, 0x10)

    def data(self, side, payload, pieces=None):
        """payload in full-size segments, or cut at the given offsets."""
        cuts = pieces if pieces else list(range(MSS, len(payload), MSS))
        start = 0
        for end in cuts + [len(payload)]:
            if end > start:
                self.send(side, 0x18, payload[start:end])
            start = end


def pdu(ptype, flags, call_id, body, frag_length=None):
    length = 16 + len(body) if frag_length is None else frag_length
    return struct.pack("<BBBB4sHHI", 5, 0, ptype, flags, b"\x10\0\0\0", length, 0, call_id) + body


def request(call_id, opnum, stub, frag_length=None):
    return pdu(0, 0x83, call_id, struct.pack("<IHH", len(stub), 0, opnum) + IPID + stub, frag_length)


def response(call_id, stub):
    return pdu(2, 0x03, call_id, struct.pack("<IHBB", len(stub), 0, 0, 0) + stub)


def status_blob():
    records, strings = b"", b""
    base = 36 * len(SERVICES)
    for name, display, stype, state, controls in SERVICES:
        name_at = (base + len(strings)) // 2
        strings += (name + "\0").encode("utf-16-le")
        display_at = (base + len(strings)) // 2
        strings += (display + "\0").encode("utf-16-le")
        records += struct.pack("<II7I", name_at, display_at, stype, state, controls, 0, 0, 0, 0)
    blob = records + strings
    return blob + bytes(STATUS_BUFFER - len(blob))


def bind(c):
    body = struct.pack("<HHIB3x", 4280, 4280, 0, 1) + struct.pack("<HBx", 0, 1) + IID + struct.pack("<HH", 0, 0)
    body += NDR20 + struct.pack("<I", 2)
    c.data(0, pdu(11, 0x03, 1, body))
    ack = struct.pack("<HHI", 4280, 4280, 0x1234) + struct.pack("<H6s", 6, b"49155\0") + struct.pack("<B3x", 1)
    ack += struct.pack("<HH", 0, 0) + NDR20 + struct.pack("<I", 2)
    c.data(1, pdu(12, 0x03, 1, ack))


def calls(c):
    stop = request(2, 7, ORPCTHIS + struct.pack("<II", 30000, 1))
    c.data(0, stop, pieces=[20, 50])
    c.data(1, response(2, ORPCTHAT + struct.pack("<I", 0)))
    c.data(0, request(3, 10, ORPCTHIS + struct.pack("<I", STATUS_BUFFER)), pieces=[10])
    reply = ORPCTHAT + struct.pack("<I", STATUS_BUFFER) + status_blob() + struct.pack("<III", 0, len(SERVICES), 0)
    c.data(1, response(3, reply), pieces=[100, 300, 500])
    c.send(0, 0x11)
    c.send(1, 0x11)
    c.send(0, 0x10)


def flood(w, count, sent):
    head = request(9, 7, ORPCTHIS + bytes(8), frag_length=0xFFFF)
    payload = (head + bytes(range(256)) * (sent // 256 + 1))[:sent]
    server = (ip4("10.66.0.20"), 49155)
    for i in range(count):
        client = (ip4("10.%d.%d.%d" % (100 + (i >> 16), (i >> 8) & 0xFF, i & 0xFF)), 40000 + i % 20000)
        c = Connection(w, client, server)
        c.handshake()
        c.data(0, payload)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("connections", type=int)
    ap.add_argument("--sent", type=int, default=6000)
    ap.add_argument("--genuine", choices=("before", "after"), default="after")
    a = ap.parse_args()
    w = Writer(a.out)
    genuine = Connection(w, (ip4("10.77.0.5"), 50001), (ip4("10.77.0.20"), 49155))
    if a.genuine == "before":
        genuine.handshake()
        bind(genuine)
    flood(w, a.connections, a.sent)
    if a.genuine == "after":
        genuine.handshake()
        bind(genuine)
    calls(genuine)
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
