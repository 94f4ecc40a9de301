#!/usr/bin/env python3
"""Writes a small capture for the plugin test that the samples do not cover:
an NDR64 context whose ORPCTHIS/ORPCTHAT are marshaled with the NDR20 layout
(as MS-DCOM 2.2.13 prescribes), the parameters by NDR64 rules.

Calls (frames): bind 1, bind_ack 2, Stop(20000, force) 3/4 -> S_OK,
Status(16) 5/6 -> E_ERROR_INSUFFICIENT_BUFFER (required 230),
Status(238) 7/8 -> S_OK with W3SVC and WAS, Kill 9/10 -> S_OK.
The values are asserted by plugin_test.py (subcommand `mixed`).

Usage: craft_mixed_layout.py OUT.pcap
"""
import struct
import sys
import uuid

IID = uuid.UUID("E8FB8620-588F-11D2-9D61-00C04F79C5FE").bytes_le
NDR64 = uuid.UUID("71710533-beba-4937-8319-b5dbef9ccc36").bytes_le
CID = uuid.UUID("3d6a2b7e-91c4-4f0a-b5e2-7c19d84a6f03").bytes_le
CLIENT, SERVER = b"\x0a\x00\x00\x05", b"\x0a\x00\x00\x14"
CPORT, SPORT = 49712, 49155


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


class Stream:
    def __init__(self):
        self.seq = {0: 1000, 1: 5000}
        self.frames = []

    def send(self, direction, payload):
        src, dst = (CLIENT, SERVER) if direction == 0 else (SERVER, CLIENT)
        sport, dport = (CPORT, SPORT) if direction == 0 else (SPORT, CPORT)
        tcp = struct.pack("!HHIIBBHHH", sport, dport, self.seq[direction], self.seq[1 - direction],
                          0x50, 0x18, 65535, 0, 0) + payload
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
        self.seq[direction] += len(payload)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), len(self.frames) + 1, 0, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        eth = b"\x00\x15\x5d\x01\x02\x14" + b"\x00\x15\x5d\x01\x02\x05" + b"\x08\x00"
        self.frames.append(eth + ip + tcp)


def pdu(ptype, body, call_id):
    return struct.pack("<BBBB4sHHI", 5, 0, ptype, 3, b"\x10\0\0\0", 16 + len(body), 0, call_id) + body


def request(call_id, opnum, stub):
    return pdu(0, struct.pack("<IHH", len(stub), 0, opnum) + stub, call_id)


def response(call_id, stub):
    return pdu(2, struct.pack("<IHBB", len(stub), 0, 0, 0) + stub, call_id)


def status_blob(services):
    records, strings = b"", b""
    base = 36 * len(services)
    for name, display, stype, state, controls in services:
        name_at = (base + len(strings)) // 2
        strings += (name + "\0").encode("utf-16le")
        display_at = (base + len(strings)) // 2
        strings += (display + "\0").encode("utf-16le")
        records += struct.pack("<9I", name_at, display_at, stype, state, controls, 0, 0, 0, 0)
    return records + strings


def main(out):
    # NDR20 layouts (MS-DCOM 2.2.13): ORPCTHIS 32 bytes, ORPCTHAT 8 bytes.
    orpcthis = struct.pack("<HHII", 5, 7, 0, 0) + CID + struct.pack("<I", 0)
    orpcthat = struct.pack("<II", 0, 0)
    s = Stream()
    bind = struct.pack("<HHIBBH", 5840, 5840, 0, 1, 0, 0) + struct.pack("<HBB", 0, 1, 0) + IID + \
        struct.pack("<HH", 0, 0) + NDR64 + struct.pack("<I", 1)
    s.send(0, pdu(11, bind, 1))
    ack = struct.pack("<HHI", 5840, 5840, 0x1234) + struct.pack("<H", 6) + b"49155\0" + \
        struct.pack("<BBH", 1, 0, 0) + struct.pack("<HH", 0, 0) + NDR64 + struct.pack("<I", 1)
    s.send(1, pdu(12, ack, 1))
    s.send(0, request(2, 7, orpcthis + struct.pack("<II", 20000, 1)))
    s.send(1, response(2, orpcthat + struct.pack("<I", 0)))
    s.send(0, request(3, 10, orpcthis + struct.pack("<I", 16)))
    s.send(1, response(3, orpcthat + struct.pack("<Q", 16) + b"\0" * 16 + struct.pack("<III", 230, 0, 0x8007007A)))
    blob = status_blob([("W3SVC", "World Wide Web Publishing Service", 0x20, 4, 0x85),
                        ("WAS", "Windows Process Activation Service", 0x20, 4, 0x81)])
    size = len(blob) + 8  # 238: room to spare, zero-filled
    buf = blob + b"\0" * 8
    pad = b"\0" * (-(8 + 8 + size) % 4)
    s.send(0, request(4, 10, orpcthis + struct.pack("<I", size)))
    s.send(1, response(4, orpcthat + struct.pack("<Q", size) + buf + pad + struct.pack("<III", len(blob), 2, 0)))
    s.send(0, request(5, 11, orpcthis))
    s.send(1, response(5, orpcthat + struct.pack("<I", 0)))
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, frame in enumerate(s.frames):
            f.write(struct.pack("<IIII", 1715679000 + i, 0, len(frame), len(frame)))
            f.write(frame)


if __name__ == "__main__":
    main(sys.argv[1])
