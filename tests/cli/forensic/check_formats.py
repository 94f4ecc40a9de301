#!/usr/bin/env python3
"""--format timesketch, ecs and csv, parsed back and held against jsonl.

    check_formats.py IISSDUMP SAMPLES_DIR

For every sample capture (with the credential options its expected file
names), iissdump runs once per format. Each output is parsed with Python's
own json and csv modules, and must carry the same calls, in the same order,
as --format jsonl:
  - timesketch: Timesketch's JSONL import needs message, datetime (ISO 8601)
    and timestamp_desc; timestamp is microseconds since the epoch and must
    equal datetime; the jsonl keys follow unchanged;
  - ecs: @timestamp, message, event.action/outcome, source/destination
    ip and port split from jsonl's "client"/"server", user.name/domain when
    jsonl's auth names a user, threat.technique ids equal to tags, and the
    jsonl object whole under "iiss";
  - csv: RFC 4180 (the csv module reads it back), a header row, one row per
    call whose cells equal the jsonl values.
Tags follow the mapping README explains: T1021.003 on every call, T1489 on
Stop and Kill, T1529 on Reboot, nothing else. Usage errors exit 2.
"""
import csv
import datetime
import io
import json
import os
import subprocess
import sys

CSV_COLUMNS = [
    "time", "frame_request", "frame_response", "client", "server", "server_name", "domain", "user", "workstation",
    "opnum", "method", "timeout_ms", "force", "force_apps_closed", "buffer_size", "result", "hresult",
    "outcome", "required_size", "num_services", "services", "interface", "inference", "sealed", "decrypted",
    "verified", "auth_type", "auth_level", "tags", "anomalies", "rtt_ms", "call_id",
]
# MITRE ATT&CK: Remote Services: Distributed Component Object Model; Service
# Stop; System Shutdown/Reboot.
TAGS = {"Stop": ["T1021.003", "T1489"], "Kill": ["T1021.003", "T1489"], "Reboot": ["T1021.003", "T1529"]}


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def run(iissdump, args, cwd):
    proc = subprocess.run([iissdump, "--no-progress"] + args, cwd=cwd, capture_output=True)
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8", "replace")


def samples(samples_dir):
    """(capture, options) for every sample with an expected file."""
    out = []
    for name in sorted(os.listdir(samples_dir)):
        if not name.endswith(".expected.json"):
            continue
        with open(os.path.join(samples_dir, name), encoding="utf-8") as f:
            expected = json.load(f)
        capture = expected.get("capture")
        if capture and capture.endswith((".pcap", ".pcapng")):
            out.append((capture, expected.get("iissdump_options", [])))
    if not out:
        raise Failure("no sample with an expected file in %s" % samples_dir)
    return out


def lines_of(text, what):
    try:
        return [json.loads(l) for l in text.splitlines()]
    except ValueError as e:
        raise Failure("%s is not JSON Lines: %s" % (what, e))


def split_endpoint(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def micros(iso):
    when = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    delta = when - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds


def expected_tags(call):
    return TAGS.get(call["method"], ["T1021.003"])


def cell(value):
    """A jsonl value as its CSV cell."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def check_timesketch(ref, lines, where):
    check(len(lines) == len(ref), "%s: %d timesketch lines, %d jsonl calls" % (where, len(lines), len(ref)))
    for i, (r, t) in enumerate(zip(ref, lines)):
        for key in ("message", "datetime", "timestamp_desc"):
            check(isinstance(t.get(key), str) and t[key], "%s call %d: timesketch lacks %s" % (where, i, key))
        check(t["datetime"] == r["time"], "%s call %d: datetime %s, jsonl time %s" % (where, i, t["datetime"], r["time"]))
        check(t["timestamp"] == micros(t["datetime"]), "%s call %d: timestamp %s is not datetime in µs" % (
            where, i, t["timestamp"]))
        check(str(r["frame_request"]) in t["message"] and (r["method"] or "") in t["message"],
              "%s call %d: message %r does not name the call" % (where, i, t["message"]))
        rest = {k: v for k, v in t.items() if k not in ("message", "datetime", "timestamp", "timestamp_desc")}
        check(rest == r, "%s call %d: the timesketch line's call keys differ from jsonl" % (where, i))


def check_ecs(ref, lines, where):
    check(len(lines) == len(ref), "%s: %d ecs lines, %d jsonl calls" % (where, len(lines), len(ref)))
    for i, (r, e) in enumerate(zip(ref, lines)):
        check(e["@timestamp"] == r["time"], "%s call %d: @timestamp" % (where, i))
        check(e["iiss"] == r, "%s call %d: iiss differs from the jsonl call" % (where, i))
        ev = e["event"]
        check(ev["action"] == "iis-" + (r["method"] or "opnum-%d" % r["opnum"]).lower(),
              "%s call %d: event.action %s" % (where, i, ev["action"]))
        hresult = r["hresult"]
        if r["fault_status"] is not None:
            outcome = "failure"
        elif hresult is None or r["sealed"] and not r["decrypted"]:
            outcome = "unknown"
        else:
            outcome = "failure" if int(hresult, 16) & 0x80000000 else "success"
        check(ev["outcome"] == outcome, "%s call %d: event.outcome %s, want %s" % (where, i, ev["outcome"], outcome))
        check((e["source"]["ip"], e["source"]["port"]) == split_endpoint(r["client"]),
              "%s call %d: source" % (where, i))
        check((e["destination"]["ip"], e["destination"]["port"]) == split_endpoint(r["server"]),
              "%s call %d: destination" % (where, i))
        auth = r["auth"] or {}
        if auth.get("user"):
            check(e["user"]["name"] == auth["user"], "%s call %d: user.name" % (where, i))
            check(e["user"].get("domain") == auth.get("domain"), "%s call %d: user.domain" % (where, i))
        else:
            check("user" not in e, "%s call %d: user without a user in jsonl" % (where, i))
        check(e["threat"]["technique"]["id"] == r["tags"] == e["tags"], "%s call %d: threat ids" % (where, i))
        check(e["threat"]["framework"] == "MITRE ATT&CK", "%s call %d: threat.framework" % (where, i))


def check_csv(ref, text, where):
    check(text.endswith("\r\n"), "%s: CSV lines must end with CRLF (RFC 4180)" % where)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    check(rows and rows[0] == CSV_COLUMNS, "%s: CSV header %s" % (where, rows[0] if rows else None))
    check(len(rows) - 1 == len(ref), "%s: %d CSV rows, %d jsonl calls" % (where, len(rows) - 1, len(ref)))
    for i, (r, values) in enumerate(zip(ref, rows[1:])):
        row = dict(zip(CSV_COLUMNS, values))
        check(len(values) == len(CSV_COLUMNS), "%s row %d: %d cells" % (where, i, len(values)))
        params = r["params"] or {}
        auth = r["auth"] or {}
        want = {
            "time": r["time"], "frame_request": r["frame_request"], "frame_response": r["frame_response"],
            "client": r["client"], "server": r["server"], "opnum": r["opnum"], "method": r["method"],
            "timeout_ms": params.get("timeout_ms"), "force": params.get("force"),
            "force_apps_closed": params.get("force_apps_closed"), "buffer_size": params.get("buffer_size"),
            "hresult": r["hresult"], "required_size": r["required_size"], "num_services": r["num_services"],
            "interface": r["interface"], "inference": ";".join(r["inference"] or []), "sealed": r["sealed"],
            "decrypted": r["decrypted"], "verified": auth.get("verified"), "domain": auth.get("domain"),
            "user": auth.get("user"), "workstation": auth.get("workstation"), "tags": ";".join(r["tags"]),
            "rtt_ms": "%.3f" % r["rtt_ms"] if r["rtt_ms"] is not None else None, "call_id": r["call_id"],
            "anomalies": ";".join(a["kind"] for a in r["anomalies"]),
            "services": ";".join("%s=%s" % (s["name"] or "", s["current_state_name"]) for s in r["services"] or []),
        }
        for key, value in want.items():
            check(row[key] == cell(value), "%s row %d: %s is %r, jsonl gives %r" % (where, i, key, row[key], cell(value)))


def main():
    iissdump, samples_dir = sys.argv[1], sys.argv[2]
    checked = calls = 0
    tagged = set()
    try:
        for capture, options in samples(samples_dir):
            where = capture
            rc, jsonl, err = run(iissdump, options + ["--format", "jsonl", capture], samples_dir)
            # The call lines: the activation lines ("record": "activation")
            # have no event in the other formats.
            ref = [r for r in lines_of(jsonl, where + " jsonl") if "record" not in r]
            _, legacy, _ = run(iissdump, options + ["--json", capture], samples_dir)
            check(legacy == jsonl, "%s: --json and --format jsonl differ" % where)
            for r in ref:
                check(r["tags"] == expected_tags(r), "%s frame %s: tags %s for %s" % (
                    where, r["frame_request"], r["tags"], r["method"]))
                tagged.update(r["tags"])
            outputs = {}
            for fmt in ("timesketch", "ecs", "csv"):
                frc, out, ferr = run(iissdump, options + ["--format", fmt, capture], samples_dir)
                check(frc == rc, "%s: --format %s exited %d, jsonl %d (%s)" % (where, fmt, frc, rc, ferr))
                outputs[fmt] = out
            check_timesketch(ref, lines_of(outputs["timesketch"], where + " timesketch"), where)
            check_ecs(ref, lines_of(outputs["ecs"], where + " ecs"), where)
            check_csv(ref, outputs["csv"], where)
            checked += 1
            calls += len(ref)
        check({"T1021.003", "T1489", "T1529"} <= tagged, "the samples never showed every tag: %s" % sorted(tagged))
        # --stats keeps CSV parseable: the counts go to standard error
        rc, out, err = run(iissdump, ["--format", "csv", "--stats", "iisreset-remote.pcap"], samples_dir)
        check(rc == 0 and list(csv.reader(io.StringIO(out, newline="")))[0] == CSV_COLUMNS and "Status" in err,
              "--format csv --stats: the table must go to stderr (rc %d, stderr %r)" % (rc, err[:200]))
        for bad in (["--format", "xml"], ["--json", "--format", "csv"]):
            rc, _, err = run(iissdump, bad + ["iisreset-remote.pcap"], samples_dir)
            check(rc == 2 and "format" in err, "%s: exit %d, want a usage error (2): %s" % (" ".join(bad), rc, err))
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    print("%d samples, %d calls: timesketch, ecs and csv carry the jsonl calls; tags as mapped" % (checked, calls))
    return 0


if __name__ == "__main__":
    sys.exit(main())
