#!/usr/bin/env python3
"""Checks a decoy sample (other DCOM interfaces with IIS-like opnums and
shapes) against stock tshark (no plugin).

usage: check_decoys.py TSHARK EXPECTED_JSON   (the capture is the file its
"capture" key names, next to it)

For a capture with its binds ("binds_captured": true) every call of
"decoy_calls" must be decoded by tshark as the interface it is: the request
frame holds a DCE/RPC request of that opnum whose protocol (typeinfo,
dispatch, remunk) names the operation, and the response frame its response
(request_in the request frame); an interface tshark has no dissector for
(IMSAdminBaseW) must be the one its context was bound to. For the capture
without binds, tshark must see the same requests at the frames listed, and
no bind.
"""
import json
import os
import subprocess
import sys

FIELDS = ["frame.number", "dcerpc.pkt_type", "dcerpc.opnum", "dcerpc.request_in", "dcerpc.cn_bind_to_uuid",
          "dcerpc.cn_ctx_id", "_ws.col.Info", "_ws.malformed", "typeinfo.opnum", "dispatch.opnum", "remunk.opnum"]


def tshark_frames(tshark, capture):
    cmd = [tshark, "-n", "--disable-protocol", "iiss", "-r", capture, "-T", "fields", "-E", "occurrence=a",
           "-E", "aggregator=,", "-E", "separator=/t"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    frames = {}
    for line in out.splitlines():
        cols = line.split("\t") + [""] * len(FIELDS)
        frames[int(cols[0])] = {f: cols[i] for i, f in enumerate(FIELDS)}
    return frames


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    tshark, expected_path = sys.argv[1:]
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    capture = os.path.join(os.path.dirname(os.path.abspath(expected_path)), expected["capture"])
    frames = tshark_frames(tshark, capture)
    errors = []
    bound = expected["binds_captured"]
    decoys = expected["decoy_calls"]
    if not decoys:
        errors.append("no decoy calls listed")
    if expected["calls"]:
        errors.append(f"the expected file lists {len(expected['calls'])} IIS calls; a decoy sample has none")
    binds = [n for n, r in frames.items() if r["dcerpc.cn_bind_to_uuid"]]
    if bound and not binds:
        errors.append("no bind in a capture said to hold its binds")
    if not bound and binds:
        errors.append(f"binds at frames {binds} in a capture said to have none")
    bound_uuids = {u.lower() for n in binds for u in frames[n]["dcerpc.cn_bind_to_uuid"].split(",")}
    for d in decoys:
        where = f"{d['interface']}::{d['method']} (frame {d['frame_request']})"
        rq = frames.get(d["frame_request"])
        if rq is None or "0" not in rq["dcerpc.pkt_type"].split(","):
            errors.append(f"{where}: tshark sees no request there")
            continue
        if rq["_ws.malformed"]:
            errors.append(f"{where}: tshark calls the request malformed")
        if str(d["opnum"]) not in rq["dcerpc.opnum"].split(","):
            errors.append(f"{where}: tshark's opnum is {rq['dcerpc.opnum']!r}, not {d['opnum']}")
        if bound:
            proto = d["tshark_protocol"]
            if proto:
                if rq[f"{proto}.opnum"] != str(d["opnum"]):
                    errors.append(f"{where}: tshark's {proto} does not decode the request")
                if d["method"] not in rq["_ws.col.Info"]:
                    errors.append(f"{where}: tshark names the request {rq['_ws.col.Info']!r}")
            else:
                if d["iid"].lower() not in bound_uuids or d["iid"].lower() not in rq["_ws.col.Info"].lower():
                    errors.append(f"{where}: the request's context is not bound to {d['iid']}")
        if d["frame_response"] is not None:
            rs = frames.get(d["frame_response"])
            if rs is None or "2" not in rs["dcerpc.pkt_type"].split(","):
                errors.append(f"{where}: tshark sees no response at frame {d['frame_response']}")
            elif rs["_ws.malformed"]:
                errors.append(f"{where}: tshark calls the response malformed")
            elif bound and set(rs["dcerpc.request_in"].split(",")) != {str(d["frame_request"])}:
                errors.append(f"{where}: the response answers frame {rs['dcerpc.request_in']!r}")
            elif bound and d["tshark_protocol"] and d["method"] not in rs["_ws.col.Info"]:
                errors.append(f"{where}: tshark names the response {rs['_ws.col.Info']!r}")
    for e in errors:
        print(e)
    if errors:
        print(f"{capture}: {len(errors)} problem(s)")
        return 1
    print(f"{capture}: {len(decoys)} decoy calls decoded as their interfaces" if bound else
          f"{capture}: {len(decoys)} decoy requests where listed, no bind")
    return 0


if __name__ == "__main__":
    sys.exit(main())
