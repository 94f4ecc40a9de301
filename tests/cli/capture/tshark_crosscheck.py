#!/usr/bin/env python3
"""Cross-checks `iissdump CAPTURE --json` with stock tshark's DCE/RPC view of
the same capture (no plugin): every call iissdump reports must sit where
tshark sees it, i.e. the request frame holds a request PDU with that opnum,
the response frame a response or fault PDU whose request_in is the request
frame, both on the same TCP stream and call_id. And every complete request
tshark sees with an IIsServiceControl opnum (7-11) on a port iissdump reports
must be among iissdump's calls.

Usage: tshark_crosscheck.py IISSDUMP CAPTURE EXPECTED.json
(the expected file only supplies the tshark options the capture needs)."""
import json
import subprocess
import sys
from collections import defaultdict


def split(v):
    return [x for x in v.split(",")] if v else []


def main():
    iissdump, capture, expected_path = sys.argv[1:4]
    with open(expected_path, encoding="utf-8") as f:
        options = json.load(f).get("tshark_options") or []
    fields = ["frame.number", "tcp.stream", "dcerpc.pkt_type", "dcerpc.cn_call_id", "dcerpc.opnum",
              "dcerpc.request_in", "tcp.srcport", "tcp.dstport"]
    # --disable-protocol iiss: stock tshark even where the plugin is installed system-wide.
    cmd = ["tshark", "-n", "--disable-protocol", "iiss", "-r", capture, *options, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
           "-Y", "dcerpc"]
    for fld in fields:
        cmd += ["-e", fld]
    ts = subprocess.run(cmd, capture_output=True, text=True)
    if ts.returncode != 0:
        print(f"tshark failed: {ts.stderr}")
        return 1
    frames = {}
    for line in ts.stdout.splitlines():
        cols = line.split("\t") + [""] * len(fields)
        frame = int(cols[0])
        frames[frame] = {
            "stream": cols[1],
            "pdus": list(zip(split(cols[2]), split(cols[3]))),
            "opnums": split(cols[4]),
            "request_in": split(cols[5]),
            "ports": {cols[6], cols[7]},
        }
    run = subprocess.run([iissdump, capture, "--json"], capture_output=True, text=True)
    # Call lines only: the activation lines ("record": "activation") are
    # tshark_activations.py's.
    calls = [c for c in (json.loads(l) for l in run.stdout.splitlines() if l.strip()) if "record" not in c]
    errors = []
    seen = set()
    ports = set()
    for c in calls:
        where = f"call at frame {c['frame_request']} ({c['method']})"
        ports.add(c["server"].rsplit(":", 1)[1])
        req = frames.get(c["frame_request"])
        if not req:
            errors.append(f"{where}: tshark sees no DCE/RPC in frame {c['frame_request']}")
            continue
        requests = [cid for t, cid in req["pdus"] if t == "0"]
        if not requests:
            errors.append(f"{where}: tshark sees no request PDU there ({req['pdus']})")
            continue
        if req["opnums"] and str(c["opnum"]) not in req["opnums"]:
            errors.append(f"{where}: tshark's opnum {req['opnums']}, iissdump's {c['opnum']}")
        if "call_id" in c and str(c["call_id"]) not in requests:
            errors.append(f"{where}: tshark's call_id {requests}, iissdump's {c['call_id']}")
        seen.add((req["stream"], str(c.get("call_id"))))
        if c["frame_response"] is None:
            continue
        resp = frames.get(c["frame_response"])
        if not resp:
            errors.append(f"{where}: tshark sees no DCE/RPC in response frame {c['frame_response']}")
            continue
        answers = [cid for t, cid in resp["pdus"] if t in ("2", "3")]
        if str(c.get("call_id")) not in answers:
            errors.append(f"{where}: response frame {c['frame_response']} holds {resp['pdus']}")
        if resp["stream"] != req["stream"]:
            errors.append(f"{where}: request and response on different TCP streams")
        if resp["request_in"] and str(c["frame_request"]) not in resp["request_in"]:
            errors.append(f"{where}: tshark says the response answers frame {resp['request_in']}")
    # the other way: tshark's complete IIS-opnum requests on those ports
    wanted = defaultdict(list)
    for frame, info in frames.items():
        if not (info["ports"] & ports):
            continue
        for (t, cid), op in zip(info["pdus"], info["opnums"] or [""] * len(info["pdus"])):
            if t == "0" and op and 7 <= int(op) <= 11:
                wanted[(info["stream"], cid)].append(frame)
    for key, fr in wanted.items():
        if key not in seen:
            errors.append(f"tshark sees an IIS request (stream {key[0]}, call_id {key[1]}, frames {fr}) "
                          "iissdump does not report")
    for e in errors:
        print(e)
    if errors:
        return 1
    checked = sum(1 for c in calls if c["frame_response"] is not None and frames.get(c["frame_response"], {}).get("request_in"))
    print(f"{capture}: {len(calls)} calls agree with tshark ({len(wanted)} IIS requests seen by tshark, "
          f"{checked} responses matched through its request_in)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
