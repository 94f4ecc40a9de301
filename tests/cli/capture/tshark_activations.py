#!/usr/bin/env python3
"""Compares the DCOM activations `iissdump CAPTURE --json` reports with stock
tshark's ISystemActivator dissection of the same capture (no plugin), and
the calls' activation_frame with a join made from tshark's fields alone.

  - every RemoteCreateInstance request tshark sees is one activation line,
    at the same request and response frames;
  - per activation: the CLSID (InstantiatedObjectClsId), the first IID asked
    for (InterfaceIds), the server name (ServerInfo), the returned
    interfaces' IIDs, results and IPIDs, the OXID, the OXID binding
    addresses (the last DUALSTRINGARRAY of the reply) and their port, the
    method's HRESULT (the reply's last dcom.hresult) are tshark's;
  - every IIS call with an object UUID names as activation_frame the latest
    activation response before its request, to the same server address,
    whose IPIDs (dcom.ipid) hold that object UUID, and null when there is
    none.

Usage: tshark_activations.py IISSDUMP CAPTURE EXPECTED.json
(the expected file supplies the tshark options and iissdump options)."""
import json
import os
import subprocess
import sys

FIELDS = [
    "frame.number",
    "ip.src", "ipv6.src", "ip.dst", "ipv6.dst",
    "dcerpc.pkt_type",
    "dcerpc.obj_id",
    "isystemactivator.opnum",
    "isystemactivator.properties.instninfo.clsid",
    "isystemactivator.properties.instninfo.iid",
    "isystemactivator.properties.si.ci.name",
    "isystemactivator.properties.iid",
    "isystemactivator.properties.retval",
    "isystemactivator.properties.scmresp.oxid",
    "dcom.ipid",
    "dcom.dualstringarray.network_addr",
    "dcom.hresult",
    "dcerpc.request_in",
]


def tshark_rows(capture, options):
    cmd = ["tshark", "-n", "--disable-protocol", "iiss", "-r", capture, *options, "-T", "fields",
           "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=|", "-Y", "dcerpc"]
    for f in FIELDS:
        cmd += ["-e", f]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"tshark failed: {run.stderr}")
    rows = {}
    for line in run.stdout.splitlines():
        cols = line.split("\t") + [""] * len(FIELDS)
        row = {f: (cols[i].split("|") if cols[i] else []) for i, f in enumerate(FIELDS)}
        rows[int(cols[0])] = row
    return rows


def address(row, key):
    values = row[f"ip.{key}"] or row[f"ipv6.{key}"]
    return values[0] if values else None


def host_of(endpoint):
    """"10.0.0.20:135" -> "10.0.0.20", "[2001:db8::20]:135" -> "2001:db8::20"."""
    host = endpoint.rsplit(":", 1)[0]
    return host[1:-1] if host.startswith("[") else host


def hresult_text(value):
    return f"0x{int(value, 0) & 0xFFFFFFFF:08X}"


def lower(values):
    return [v.lower() for v in values]


def check_activation(a, rows, errors):
    where = f"activation at frames {a['frame_request']}/{a['frame_response']}"
    req = rows.get(a["frame_request"])
    if not req or "4" not in req["isystemactivator.opnum"]:
        errors.append(f"{where}: tshark sees no RemoteCreateInstance request in frame {a['frame_request']}")
        return
    clsids = lower(req["isystemactivator.properties.instninfo.clsid"])
    if [str(a["clsid"]).lower()] != clsids[:1]:
        errors.append(f"{where}: CLSID {a['clsid']}, tshark's {clsids}")
    iids = lower(req["isystemactivator.properties.instninfo.iid"])
    if [str(a["iid"]).lower()] != iids[:1]:
        errors.append(f"{where}: IID {a['iid']}, tshark's {iids}")
    names = req["isystemactivator.properties.si.ci.name"]
    if (names[:1] or [None])[0] != a["server_name"]:
        errors.append(f"{where}: server name {a['server_name']!r}, tshark's {names}")
    if a["frame_response"] is None:
        return
    resp = rows.get(a["frame_response"])
    if not resp or str(a["frame_request"]) not in resp["dcerpc.request_in"]:
        errors.append(f"{where}: tshark's response frame {a['frame_response']} answers no request "
                      f"{a['frame_request']}")
        return
    hresults = resp["dcom.hresult"]
    if not hresults or hresult_text(hresults[-1]) != a["hresult"]:
        errors.append(f"{where}: HRESULT {a['hresult']}, tshark's {hresults}")
    interfaces = a["interfaces"] or []
    got_iids = [i["iid"].lower() for i in interfaces]
    if got_iids != lower(resp["isystemactivator.properties.iid"]):
        errors.append(f"{where}: returned IIDs {got_iids}, tshark's {resp['isystemactivator.properties.iid']}")
    got_results = [i["hresult"] for i in interfaces]
    ts_results = [hresult_text(v) for v in resp["isystemactivator.properties.retval"]]
    if got_results != ts_results:
        errors.append(f"{where}: interface results {got_results}, tshark's {ts_results}")
    got_ipids = [i["ipid"].lower() for i in interfaces if i["ipid"]]
    if got_ipids != lower(resp["dcom.ipid"]):
        errors.append(f"{where}: IPIDs {got_ipids}, tshark's {resp['dcom.ipid']}")
    if a["ipid"] and (a["ipid"].lower() not in got_ipids):
        errors.append(f"{where}: ipid {a['ipid']} is none of the returned interfaces'")
    oxids = [int(v, 0) for v in resp["isystemactivator.properties.scmresp.oxid"]]
    got_oxid = int(a["oxid"], 16) if a["oxid"] else None
    if [got_oxid] != oxids[:1] if oxids else got_oxid is not None:
        errors.append(f"{where}: OXID {a['oxid']}, tshark's {oxids}")
    # The reply's DUALSTRINGARRAYs in wire order: the OBJREFs' resolver
    # addresses first, the OXID bindings last.
    bindings = [b["address"] for b in a["oxid_bindings"] or []]
    ts_addresses = resp["dcom.dualstringarray.network_addr"]
    if bindings and ts_addresses[-len(bindings):] != bindings:
        errors.append(f"{where}: OXID bindings {bindings}, tshark's addresses {ts_addresses}")
    ports = [b["port"] for b in a["oxid_bindings"] or [] if b["port"] is not None]
    want_port = None
    for text in bindings:
        if text.endswith("]") and "[" in text and text[text.index("[") + 1:-1].isdigit():
            want_port = int(text[text.index("[") + 1:-1])
            break
    if a["port"] != want_port or (ports and ports[0] != want_port):
        errors.append(f"{where}: port {a['port']}, tshark's bindings say {want_port}")


def tshark_activation_ipids(rows):
    """(response frame, server address, IPIDs) of each reply tshark decodes."""
    out = []
    for number, row in sorted(rows.items()):
        if "2" in row["dcerpc.pkt_type"] and "4" in row["isystemactivator.opnum"] and row["dcom.ipid"]:
            out.append((number, address(row, "src"), set(lower(row["dcom.ipid"]))))
    return out


def main():
    iissdump, capture, expected_path = sys.argv[1:4]
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    rows = tshark_rows(capture, expected.get("tshark_options") or [])
    run = subprocess.run([iissdump, os.path.abspath(capture), "--json", *expected.get("iissdump_options", [])],
                         capture_output=True,
                         text=True, cwd=os.path.dirname(os.path.abspath(expected_path)))
    if run.returncode != 0:
        print(f"iissdump exited {run.returncode}: {run.stderr}")
        return 1
    lines = [json.loads(l) for l in run.stdout.splitlines() if l.strip()]
    activations = [l for l in lines if l.get("record") == "activation"]
    calls = [l for l in lines if "record" not in l]
    errors = []

    ts_requests = sorted(n for n, r in rows.items() if "0" in r["dcerpc.pkt_type"] and "4" in r["isystemactivator.opnum"])
    got_requests = sorted(a["frame_request"] for a in activations if a["method"] == "RemoteCreateInstance")
    if ts_requests != got_requests:
        errors.append(f"RemoteCreateInstance requests at frames {got_requests}, tshark's at {ts_requests}")
    for a in activations:
        if a["method"] == "RemoteCreateInstance" and not a["sealed"]:
            check_activation(a, rows, errors)

    replies = tshark_activation_ipids(rows)
    joined = 0
    for c in calls:
        req = rows.get(c["frame_request"])
        objects = lower(req["dcerpc.obj_id"]) if req else []
        want = None
        if objects:
            server = address(req, "dst")
            for frame, reply_server, ipids in replies:
                if frame < c["frame_request"] and reply_server == server and objects[0] in ipids:
                    want = frame
        if c["activation_frame"] != want:
            errors.append(f"call at frame {c['frame_request']} ({c['method']}): activation_frame "
                          f"{c['activation_frame']}, tshark's activations say {want}")
        joined += want is not None

    for e in errors:
        print(f"{capture}: {e}")
    if errors:
        return 1
    print(f"{capture}: {len(activations)} activation(s) and {joined} call(s) naming one as tshark decodes them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
