#!/usr/bin/env python3
"""Checks one sample capture against stock tshark (no plugin).

usage: check_tshark.py TSHARK EXPECTED_JSON   (the capture is the file its
"capture" key names, next to it)

Asserts, per the expected file written by iiss-samplegen:
  - tshark reports no malformed packet and no expert info of severity error;
  - TCP analysis flags appear exactly in the frames listed in
    "tcp_analysis_frames" (intended disorder), nowhere else;
  - per frame, the DCE/RPC PDUs tshark dissects carry exactly the packet
    types, call ids, context ids, opnums and flags of the "pdus" list, and
    the bind / bind_ack / request UUIDs (interfaces, transfer syntaxes,
    object UUID) listed there.
"""
import json
import os
import subprocess
import sys

FIELDS = [
    "frame.number",
    "dcerpc.pkt_type",
    "dcerpc.cn_call_id",
    "dcerpc.cn_ctx_id",
    "dcerpc.opnum",
    "dcerpc.cn_flags",
    "dcerpc.cn_bind_to_uuid",
    "dcerpc.cn_bind_trans_id",
    "dcerpc.cn_ack_trans_id",
    "dcerpc.obj_id",
    "_ws.malformed",
    "_ws.expert.severity",
    "tcp.analysis.flags",
]
PI_ERROR = 0x00800000
PKT_BIND, PKT_BIND_ACK, PKT_ALTER, PKT_ALTER_RESP = 11, 12, 14, 15


def run_tshark(tshark, capture, options):
    cmd = [tshark, "-n", "-r", capture, "-o", "dcerpc.desegment_dcerpc:TRUE", "-o", "dcerpc.reassemble_dcerpc:TRUE"] + options + ["-T", "fields"]
    for f in FIELDS:
        cmd += ["-e", f]
    cmd += ["-E", "occurrence=a", "-E", "aggregator=,"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    frames = {}
    for line in out.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(FIELDS) - len(cols))
        row = {name: ([v for v in cols[i].split(",")] if cols[i] else []) for i, name in enumerate(FIELDS)}
        frames[int(cols[0])] = row
    return frames


def expected_by_frame(pdus):
    by_frame = {}
    for p in pdus:
        e = by_frame.setdefault(p["frame"], {k: [] for k in FIELDS[1:10]})
        e["dcerpc.pkt_type"].append(p["pkt_type"])
        e["dcerpc.cn_call_id"].append(p["call_id"])
        if p["ctx_id"] is not None:
            e["dcerpc.cn_ctx_id"].append(p["ctx_id"])
        e["dcerpc.cn_ctx_id"].extend(p.get("ctx_items", []))
        if p["opnum"] is not None:
            e["dcerpc.opnum"].append(p["opnum"])
        e["dcerpc.cn_flags"].append(p["flags"])
        e["dcerpc.cn_bind_to_uuid"].extend(u.lower() for u in p.get("interfaces", []))
        syntaxes = [u.lower() for u in p.get("transfer_syntaxes", [])]
        if p["pkt_type"] in (PKT_BIND, PKT_ALTER):
            e["dcerpc.cn_bind_trans_id"].extend(syntaxes)
        elif p["pkt_type"] in (PKT_BIND_ACK, PKT_ALTER_RESP):
            e["dcerpc.cn_ack_trans_id"].extend(syntaxes)
        if "object" in p:
            e["dcerpc.obj_id"].append(p["object"].lower())
    return by_frame


def as_ints(values, base=10):
    return [int(v, base) for v in values]


def main():
    tshark, expected_path = sys.argv[1:3]
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    capture = os.path.join(os.path.dirname(expected_path), expected["capture"])
    frames = run_tshark(tshark, capture, expected.get("tshark_options", []))
    errors = []
    if not frames:
        errors.append("tshark dissected no frame")

    for number, row in sorted(frames.items()):
        if row["_ws.malformed"]:
            errors.append(f"frame {number}: malformed packet")
        if any(int(s) >= PI_ERROR for s in row["_ws.expert.severity"]):
            errors.append(f"frame {number}: expert info of severity error")

    flagged = sorted(n for n, row in frames.items() if row["tcp.analysis.flags"])
    if flagged != sorted(expected.get("tcp_analysis_frames", [])):
        errors.append(f"TCP analysis flags in frames {flagged}, expected {expected.get('tcp_analysis_frames')}")

    want = expected_by_frame(expected["pdus"])
    seen = {n for n, row in frames.items() if row["dcerpc.pkt_type"]}
    for number in sorted(seen | set(want)):
        row = frames.get(number)
        if row is None:
            errors.append(f"frame {number}: not in the capture")
            continue
        exp = want.get(number)
        if exp is None:
            errors.append(f"frame {number}: unexpected DCE/RPC {row['dcerpc.pkt_type']}")
            continue
        got = {
            "dcerpc.pkt_type": as_ints(row["dcerpc.pkt_type"]),
            "dcerpc.cn_call_id": as_ints(row["dcerpc.cn_call_id"]),
            "dcerpc.cn_ctx_id": as_ints(row["dcerpc.cn_ctx_id"]),
            "dcerpc.opnum": as_ints(row["dcerpc.opnum"]),
            "dcerpc.cn_flags": as_ints(row["dcerpc.cn_flags"], 16),
            "dcerpc.cn_bind_to_uuid": row["dcerpc.cn_bind_to_uuid"],
            "dcerpc.cn_bind_trans_id": row["dcerpc.cn_bind_trans_id"],
            "dcerpc.cn_ack_trans_id": row["dcerpc.cn_ack_trans_id"],
        }
        for field, value in got.items():
            if value != exp[field]:
                errors.append(f"frame {number}: {field} is {value}, expected {exp[field]}")
        # tshark repeats a request's object UUID on its response: check the
        # requests' ones are there.
        for obj in exp["dcerpc.obj_id"]:
            if obj not in row["dcerpc.obj_id"]:
                errors.append(f"frame {number}: object UUID {obj} missing ({row['dcerpc.obj_id']})")

    for e in errors:
        print(f"{capture}: {e}")
    if errors:
        return 1
    print(f"{capture}: {len(frames)} frames, {len(expected['pdus'])} PDUs as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
