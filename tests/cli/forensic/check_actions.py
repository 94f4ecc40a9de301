#!/usr/bin/env python3
"""iissdump --actions on every sample, in every format, parsed back.

    check_actions.py IISSDUMP SAMPLES_DIR

For every sample capture (with the credential options its expected file
names):
  - jsonl: one object per action; together the actions hold every call of
    --format jsonl exactly once (by frame_request), each action's calls share
    its client and server addresses, tags are the union of its calls' tags
    (T1021.003, T1489 with a Stop or Kill, T1529 with a Reboot);
  - every expected file lists "actions" (what the sample's script
    performed); iissdump names the same actions in order, with their
    outcome, first failure, calls (the expected calls' frames) and W3SVC's
    states;
  - timesketch (message, datetime, timestamp, timestamp_desc, then the jsonl
    keys), ecs (@timestamp, event.action iisreset-NAME, event.outcome,
    source.ip, destination.ip, threat.technique.id, the jsonl object under
    "iiss") and csv (csv module, header row, one row per action) carry the
    same actions as jsonl;
  - text: one line per action, naming it and its outcome.
"""
import csv
import datetime
import io
import json
import os
import subprocess
import sys

CSV_COLUMNS = [
    "time", "end_time", "duration_ms", "action", "client", "server", "server_name", "caller", "domain", "user",
    "workstation", "outcome", "failure", "call_count", "calls", "frames", "services", "tags", "ipid",
    "activation_frame",
]
TAGS = {"Stop": "T1489", "Kill": "T1489", "Reboot": "T1529"}


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def run(iissdump, args, cwd):
    proc = subprocess.run([iissdump, "--no-progress"] + args, cwd=cwd, capture_output=True)
    check(proc.returncode == 0, f"iissdump {' '.join(args)} exited {proc.returncode}: {proc.stderr.decode()}")
    return proc.stdout.decode("utf-8")


def ip_of(endpoint):
    host = endpoint.rsplit(":", 1)[0]
    return host.strip("[]")


def check_sample(iissdump, samples_dir, capture, expected):
    opts = expected.get("iissdump_options", [])
    # The call lines (activation lines carry "record": "activation").
    calls = [c for c in (json.loads(l) for l in run(iissdump, ["--format", "jsonl"] + opts + [capture],
                                                      samples_dir).splitlines()) if "record" not in c]
    by_frame = {c["frame_request"]: c for c in calls}
    actions = [json.loads(l) for l in
               run(iissdump, ["--actions", "--format", "jsonl"] + opts + [capture], samples_dir).splitlines()]
    seen = []
    for a in actions:
        check(a["call_count"] == len(a["calls"]), f"{capture}: call_count {a['call_count']} vs {len(a['calls'])}")
        want_tags = ["T1021.003"] if a["calls"] else []
        for c in a["calls"]:
            call = by_frame.get(c["frame_request"])
            check(call is not None, f"{capture}: action call at frame {c['frame_request']} is no call")
            check(call["method"] == c["method"], f"{capture}: frame {c['frame_request']} method")
            check(ip_of(call["client"]) == a["client"] and ip_of(call["server"]) == a["server"],
                  f"{capture}: frame {c['frame_request']} is not {a['client']} -> {a['server']}")
            tag = TAGS.get(c["method"])
            if tag and tag not in want_tags:
                want_tags.append(tag)
            seen.append(c["frame_request"])
        check(sorted(a["tags"]) == sorted(want_tags), f"{capture}: tags {a['tags']} want {want_tags}")
        check(a["outcome"] in ("success", "failure", "unknown"), f"{capture}: outcome {a['outcome']}")
        check((a["failure"] is None) == (a["outcome"] != "failure"), f"{capture}: failure vs outcome")
    check(sorted(seen) == sorted(by_frame), f"{capture}: the actions hold {len(seen)} calls of {len(calls)}")

    check("actions" in expected, f"{capture}: the expected file does not say which actions the script made")
    want = expected["actions"]
    check(len(actions) == len(want), f"{capture}: {len(actions)} actions, the script made {len(want)}")
    for got, exp in zip(actions, want):
        where = f"{capture}: {exp['action']} at call {exp['calls'][0] if exp['calls'] else '-'}"
        check(got["action"] == exp["action"], f"{where}: named {got['action']}")
        check(got["outcome"] == exp["outcome"], f"{where}: outcome {got['outcome']}")
        if exp["failure"]:
            f = got["failure"]
            check(f and f"{f['method']} {f['result']}" == exp["failure"], f"{where}: failure {f}")
        frames = [expected["calls"][i]["frame_request"] for i in exp["calls"]]
        check([c["frame_request"] for c in got["calls"]] == frames, f"{where}: calls {got['calls']}")
        w3svc = [s for s in got["services"] if s["name"] == "W3SVC"]
        states = w3svc[0]["states"] if w3svc else []
        check(states == exp["w3svc_states"], f"{where}: W3SVC {states} want {exp['w3svc_states']}")
        if states:
            check(w3svc[0]["before"] == states[0] and w3svc[0]["after"] == states[-1], f"{where}: before/after")
            check(w3svc[0]["text"] == "W3SVC " + " → ".join(states), f"{where}: text {w3svc[0]['text']}")

    ts = [json.loads(l) for l in
          run(iissdump, ["--actions", "--format", "timesketch"] + opts + [capture], samples_dir).splitlines()]
    check(len(ts) == len(actions), f"{capture}: timesketch {len(ts)} actions")
    for t, a in zip(ts, actions):
        for key in ("message", "datetime", "timestamp_desc", "timestamp"):
            check(key in t, f"{capture}: timesketch lacks {key}")
        when = datetime.datetime.strptime(t["datetime"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
        check(int(when.timestamp()) * 1000000 + when.microsecond == t["timestamp"], f"{capture}: timestamp")
        check(t["datetime"] == a["time"], f"{capture}: datetime")
        check({k: v for k, v in t.items() if k not in ("message", "datetime", "timestamp", "timestamp_desc")} == a,
              f"{capture}: timesketch keys differ from jsonl")
        check(a["action"] in t["message"], f"{capture}: message names no action")

    ecs = [json.loads(l) for l in
           run(iissdump, ["--actions", "--format", "ecs"] + opts + [capture], samples_dir).splitlines()]
    check(len(ecs) == len(actions), f"{capture}: ecs {len(ecs)} actions")
    for e, a in zip(ecs, actions):
        check(e["@timestamp"] == a["time"], f"{capture}: @timestamp")
        name = a["action"].lstrip("/")
        check(e["event"]["action"] == "iisreset-" + name, f"{capture}: event.action {e['event']['action']}")
        check(e["event"]["outcome"] == a["outcome"], f"{capture}: event.outcome")
        check(e["event"]["dataset"] == "iiss.action", f"{capture}: event.dataset")
        check(e["source"]["ip"] == a["client"] and e["destination"]["ip"] == a["server"], f"{capture}: ips")
        check(e["threat"]["technique"]["id"] == a["tags"] and e["tags"] == a["tags"], f"{capture}: threat")
        check(e["iiss"] == a, f"{capture}: iiss differs from jsonl")
        if a["user"]:
            check(e["user"]["name"] == a["user"], f"{capture}: user.name")

    text = run(iissdump, ["--actions", "--format", "csv"] + opts + [capture], samples_dir)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    check(rows and rows[0] == CSV_COLUMNS, f"{capture}: csv header {rows[:1]}")
    check(len(rows) - 1 == len(actions), f"{capture}: csv {len(rows) - 1} rows")
    for row, a in zip(rows[1:], actions):
        r = dict(zip(CSV_COLUMNS, row))
        check(r["action"] == a["action"] and r["outcome"] == a["outcome"], f"{capture}: csv action/outcome")
        check(r["time"] == a["time"] and r["client"] == a["client"] and r["server"] == a["server"], f"{capture}: csv")
        check(int(r["call_count"]) == a["call_count"], f"{capture}: csv call_count")
        frames = [str(c["frame_request"]) for c in a["calls"]]
        check(r["frames"] == ";".join(frames), f"{capture}: csv frames {r['frames']}")
        check(r["tags"] == ";".join(a["tags"]), f"{capture}: csv tags")
        check(r["services"] == ";".join(s["name"] + " " + ">".join(s["states"]) for s in a["services"]),
              f"{capture}: csv services {r['services']}")
        if a["failure"]:
            check(r["failure"].startswith(f"{a['failure']['method']} {a['failure']['result']}"), f"{capture}: csv failure")

    lines = run(iissdump, ["--actions"] + opts + [capture], samples_dir).splitlines()
    check(len(lines) == len(actions), f"{capture}: text {len(lines)} lines for {len(actions)} actions")
    for line, a in zip(lines, actions):
        check(line.startswith(a["time"] + "  " + a["action"] + "  "), f"{capture}: text line {line!r}")
    return len(actions)


def main():
    if len(sys.argv) != 3:
        print("usage: check_actions.py IISSDUMP SAMPLES_DIR", file=sys.stderr)
        return 2
    iissdump, samples_dir = os.path.abspath(sys.argv[1]), sys.argv[2]
    failures = 0
    named = 0
    for name in sorted(os.listdir(samples_dir)):
        if not name.endswith(".expected.json"):
            continue
        stem = name[: -len(".expected.json")]
        capture = next((stem + ext for ext in (".pcap", ".pcapng") if os.path.exists(os.path.join(samples_dir, stem + ext))), None)
        if not capture:
            continue
        with open(os.path.join(samples_dir, name)) as f:
            expected = json.load(f)
        try:
            n = check_sample(iissdump, samples_dir, capture, expected)
            named += 1
            print(f"ok {capture}: {n} action(s)")
        except Failure as e:
            failures += 1
            print(f"FAIL {e}")
    if named == 0:
        print("FAIL no sample")
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
