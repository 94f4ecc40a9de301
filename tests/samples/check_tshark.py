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
    object UUID, the CLSID of a DCOM activation) listed there;
  - for every clean call (no anomaly, not sealed), the stub bytes tshark
    reassembles hold what the call's expected values say, rebuilt here by
    NDR rules from those values alone: COM version 5.7 first in the request
    then its DWORD parameters; the response's HRESULT last; for Status the
    conformance, the STATUS_BLOB (records and UTF-16LE strings rebuilt from
    the "services" list) and pdwMDRequiredBufferSize / pdwNumServices.
"""
import json
import os
import struct
import subprocess
import sys

# Per-PDU fields compared with the "pdus" list.
PDU_FIELDS = [
    "dcerpc.pkt_type",
    "dcerpc.cn_call_id",
    "dcerpc.cn_ctx_id",
    "dcerpc.opnum",
    "dcerpc.cn_flags",
    "dcerpc.cn_bind_to_uuid",
    "dcerpc.cn_bind_trans_id",
    "dcerpc.cn_ack_trans_id",
    "dcerpc.obj_id",
]
FIELDS = ["frame.number"] + PDU_FIELDS + [
    "dcerpc.stub_data",
    "dcerpc.drep.byteorder",
    "isystemactivator.properties.instninfo.clsid",
    "_ws.malformed",
    "_ws.expert.severity",
    "tcp.analysis.flags",
]
PI_ERROR = 0x00800000
PKT_BIND, PKT_BIND_ACK, PKT_ALTER, PKT_ALTER_RESP = 11, 12, 14, 15
RECORD_SIZE = 36
# The [in] DWORDs of each method, in IDL order (MS-IISS section 6).
PARAMS = {7: ["timeout_ms", "force"], 8: ["timeout_ms"], 9: ["timeout_ms", "force_apps_closed"],
          10: ["buffer_size"], 11: []}


def run_tshark(tshark, capture, options):
    # --disable-protocol iiss: stock tshark even where the plugin is installed system-wide.
    cmd = [tshark, "-n", "--disable-protocol", "iiss", "-r", capture, "-o", "dcerpc.desegment_dcerpc:TRUE", "-o", "dcerpc.reassemble_dcerpc:TRUE"]
    cmd += options + ["-T", "fields"]
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
        e = by_frame.setdefault(p["frame"], {k: [] for k in PDU_FIELDS})
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


def dword(value, big_endian):
    return struct.pack(">I" if big_endian else "<I", value)


def rebuild_blob(services, length):
    """A STATUS_BLOB from the expected services: records, then each string
    where its WCHAR offset says, zeros elsewhere (MS-IISS 2.2.1, 2.2.2)."""
    blob = bytearray(length)
    for i, svc in enumerate(services):
        fields = [svc["name_offset"], svc["display_name_offset"], svc["service_type"], svc["current_state"],
                  svc["controls_accepted"], svc["win32_exit_code"], svc["service_specific_exit_code"],
                  svc["check_point"], svc["wait_hint"]]
        blob[i * RECORD_SIZE:(i + 1) * RECORD_SIZE] = struct.pack("<9I", *fields)
        for text, offset in ((svc["name"], svc["name_offset"]), (svc["display_name"], svc["display_name_offset"])):
            encoded = text.encode("utf-16-le") + b"\0\0"
            blob[2 * offset:2 * offset + len(encoded)] = encoded
    return bytes(blob)


def stub_of(frames, number, index=-1):
    """The stub tshark reassembled in a frame (the last one when several)."""
    row = frames.get(number)
    if not row or not row["dcerpc.stub_data"]:
        return None, False
    return bytes.fromhex(row["dcerpc.stub_data"][index]), row["dcerpc.drep.byteorder"][index] == "0"


def check_call_stubs(call, frames):
    errors = []
    where = f"call {call['method']} (frames {call['frame_request']}/{call['frame_response']})"
    request, big = stub_of(frames, call["frame_request"])
    if request is None:
        return [f"{where}: tshark shows no request stub"]
    version = struct.pack(">HH" if big else "<HH", 5, 7)
    if request[:4] != version:
        errors.append(f"{where}: request stub starts {request[:4].hex()}, not COM version 5.7")
    params = b"".join(dword(call["params"][name], big) for name in PARAMS[call["opnum"]])
    if params and not request.endswith(params):
        errors.append(f"{where}: request stub ends {request[-len(params):].hex()}, expected {params.hex()}")
    if call["frame_response"] is None or call["hresult"] is None:
        return errors
    response, big = stub_of(frames, call["frame_response"])
    if response is None:
        return errors + [f"{where}: tshark shows no response stub"]
    if not response.endswith(dword(int(call["hresult"], 16), big)):
        errors.append(f"{where}: response stub does not end with HRESULT {call['hresult']}")
    if call["opnum"] == 10 and call["required_size"] is not None:
        tail = dword(call["required_size"], big) + dword(call["num_services"], big)
        if response[-12:-4] != tail:
            errors.append(f"{where}: required size / service count are {response[-12:-4].hex()}, "
                          f"expected {tail.hex()}")
        size = call["params"]["buffer_size"]
        ndr64 = call["ndr"] == "NDR64"
        that_len, conf_len = (16, 8) if ndr64 else (8, 4)
        conformance = response[that_len:that_len + conf_len]
        want = struct.pack((">" if big else "<") + ("Q" if ndr64 else "I"), size)
        if conformance != want:
            errors.append(f"{where}: conformance {conformance.hex()}, expected {want.hex()}")
        blob = response[that_len + conf_len:that_len + conf_len + size]
        rebuilt = rebuild_blob(call["services"], size)
        if blob != rebuilt:
            errors.append(f"{where}: STATUS_BLOB differs from the one rebuilt from the expected services")
    return errors


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
        clsids = [p["clsid"].lower() for p in expected["pdus"] if p["frame"] == number and "clsid" in p]
        if clsids and row["isystemactivator.properties.instninfo.clsid"] != clsids:
            errors.append(f"frame {number}: activation CLSID {row['isystemactivator.properties.instninfo.clsid']}, "
                          f"expected {clsids}")
        # tshark repeats a request's object UUID on its response: check the
        # requests' ones are there.
        for obj in exp["dcerpc.obj_id"]:
            if obj not in row["dcerpc.obj_id"]:
                errors.append(f"frame {number}: object UUID {obj} missing ({row['dcerpc.obj_id']})")

    checked = 0
    for call in expected["calls"]:
        if call["anomalies"] or call["sealed"]:
            continue
        errors.extend(check_call_stubs(call, frames))
        checked += 1

    for e in errors:
        print(f"{capture}: {e}")
    if errors:
        return 1
    print(f"{capture}: {len(frames)} frames, {len(expected['pdus'])} PDUs and {checked} call stubs as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
