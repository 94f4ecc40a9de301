#!/usr/bin/env python3
"""iissdump --html FILE: the report, loaded in headless Chromium.

    check_html.py IISSDUMP SAMPLES_DIR WORK_DIR SCREENSHOT

Writes the report of samples/iisreset-actions.pcap (and of iisreset-remote
with it, two captures in one report) and checks:
  - it is self-contained: no script, no link, no src, no url(), no
    @import, nothing with http(s):// (it opens without a network);
  - Chromium (--headless --dump-dom) loads it, and the DOM it renders holds,
    per server, a section headed by its address, a timeline with one mark per
    action, and the actions as expandable <details>, one per action of
    `iissdump --actions --format jsonl`, in order, each naming the action,
    its client, outcome text and calls (a row per call with its request
    frame and result), and its services' states; failed actions carry the
    class "failure" and are open, the others closed.
With IISS_UPDATE_SCREENSHOT=1, Chromium also writes a PNG of the report of
iisreset-actions.pcap alone to SCREENSHOT (README's picture:
IISS_UPDATE_SCREENSHOT=1 ctest -R cli.html_report).
Exits 77 (skipped) when chromium is not installed.
"""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


class Dom(html.parser.HTMLParser):
    """Elements with their attributes, text and children."""

    VOID = {"meta", "br", "img", "input", "link", "hr"}

    def __init__(self):
        super().__init__()
        self.root = {"tag": "#root", "attrs": {}, "children": [], "text": []}
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = {"tag": tag, "attrs": dict(attrs), "children": [], "text": []}
        self.stack[-1]["children"].append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        for node in self.stack:
            node["text"].append(data)


def text_of(node):
    return re.sub(r"\s+", " ", "".join(node["text"])).strip()


def find_all(node, pred):
    out = []
    for child in node["children"]:
        if pred(child):
            out.append(child)
        out.extend(find_all(child, pred))
    return out


def classes(node):
    return node["attrs"].get("class", "").split()


def chromium_run(args, home):
    env = dict(os.environ, HOME=home)
    proc = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-extensions", "--proxy-server=127.0.0.1:9"] + args,
                          capture_output=True, env=env, timeout=180)
    check(proc.returncode == 0, f"chromium {args[0]} exited {proc.returncode}: {proc.stderr.decode()[-600:]}")
    return proc.stdout.decode("utf-8")


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    iissdump, samples, work = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    screenshot = sys.argv[4] if os.environ.get("IISS_UPDATE_SCREENSHOT") == "1" else None
    if not shutil.which("chromium"):
        print("chromium not installed: skipped")
        return 77
    os.makedirs(work, exist_ok=True)
    report = os.path.join(work, "actions-report.html")
    captures = ["iisreset-actions.pcap", "iisreset-remote.pcap"]
    if screenshot:
        captures = captures[:1]  # README's picture: one capture's runs
    try:
        proc = subprocess.run([iissdump, "--no-progress", "--html", report] + captures, cwd=samples,
                              capture_output=True)
        check(proc.returncode == 0, f"iissdump --html exited {proc.returncode}: {proc.stderr.decode()}")
        check(proc.stdout.decode().count("\n") > 0, "iissdump --html printed no timeline beside the report")
        actions = [json.loads(l) for l in subprocess.run(
            [iissdump, "--no-progress", "--actions", "--format", "jsonl"] + captures, cwd=samples,
            capture_output=True, check=True).stdout.decode().splitlines()]
        check(len(actions) >= 8, f"{len(actions)} actions")

        bad = subprocess.run([iissdump, "--no-progress", "--html", os.path.join(work, "no-such-dir", "r.html"),
                              captures[0]], cwd=samples, capture_output=True)
        check(bad.returncode == 2 and b"cannot write the report" in bad.stderr,
              f"an unwritable report: exit {bad.returncode}, {bad.stderr!r}")

        page = open(report, encoding="utf-8").read()
        for pattern in (r"<script", r"<link", r"\bsrc\s*=", r"url\(", r"@import", r"https?://"):
            check(not re.search(pattern, page, re.I), f"the report is not self-contained: {pattern}")

        home = os.path.join(work, "chromium-home")
        os.makedirs(home, exist_ok=True)
        dom_text = chromium_run(["--dump-dom", "file://" + report], home)
        dom = Dom()
        dom.feed(dom_text)
        body = text_of(dom.root)
        check("IIS ServiceControl actions" in body, "no heading in the rendered page")

        sections = find_all(dom.root, lambda n: n["tag"] == "section" and "server" in classes(n))
        check(len(sections) == 1, f"{len(sections)} server sections (one server, 10.0.0.20)")
        section = sections[0]
        h2 = find_all(section, lambda n: n["tag"] == "h2")
        check(h2 and text_of(h2[0]).startswith("10.0.0.20"), f"server heading {h2 and text_of(h2[0])}")
        marks = find_all(section, lambda n: n["tag"] == "a" and n["attrs"].get("href", "").startswith("#action-"))
        check(len(marks) == len(actions), f"{len(marks)} timeline marks for {len(actions)} actions")
        items = find_all(section, lambda n: n["tag"] == "li" and "action" in classes(n))
        check(len(items) == len(actions), f"{len(items)} actions listed for {len(actions)}")
        for item, mark, a in zip(items, marks, actions):
            where = f"{a['action']} at {a['time']}"
            check(a["outcome"] in classes(item) and a["outcome"] in classes(mark), f"{where}: class {classes(item)}")
            details = find_all(item, lambda n: n["tag"] == "details")
            check(len(details) == 1, f"{where}: not expandable")
            is_open = "open" in details[0]["attrs"]
            check(is_open == (a["outcome"] == "failure"), f"{where}: open {is_open}")
            summary = text_of(find_all(item, lambda n: n["tag"] == "summary")[0])
            check(summary.startswith(a["time"] + " " + a["action"] + " from " + a["client"]), f"{where}: {summary!r}")
            if a["failure"]:
                f = a["failure"]
                check(f"{f['method']} {f['result']} (frame {f['frame_request']})" in summary,
                      f"{where}: failure not in {summary!r}")
            else:
                check(("S_OK" if a["outcome"] == "success" else "unknown") in summary, f"{where}: {summary!r}")
            tables = find_all(item, lambda n: n["tag"] == "table")
            calls_table = [t for t in tables if "calls" in classes(t)]
            check(len(calls_table) == 1, f"{where}: no calls table")
            call_rows = find_all(calls_table[0], lambda n: n["tag"] == "tr")[1:]
            check(len(call_rows) == len(a["calls"]), f"{where}: {len(call_rows)} call rows")
            for row, c in zip(call_rows, a["calls"]):
                cells = [text_of(td) for td in find_all(row, lambda n: n["tag"] == "td")]
                check(cells[1].split(" ")[0] == str(c["frame_request"]) and cells[2] == c["method"]
                      and cells[3] == c["result"], f"{where}: call row {cells}")
                # red: the calls that failed the action; the answer to the
                # Status size probe (E_ERROR_INSUFFICIENT_BUFFER) is none
                probe = c["method"] == "Status" and c["hresult"] == "0x8007007A"
                failed = c["outcome"] == "failure" and not probe
                marked = "failure" in classes(find_all(row, lambda n: n["tag"] == "td")[3])
                check(marked == failed, f"{where}: frame {c['frame_request']} marked {marked}")
            services_table = [t for t in tables if "services" in classes(t)]
            check(bool(services_table) == bool(a["services"]), f"{where}: services table")
            if a["services"]:
                srows = find_all(services_table[0], lambda n: n["tag"] == "tr")[1:]
                got = [[text_of(td) for td in find_all(r, lambda n: n["tag"] == "td")] for r in srows]
                want = [[s["name"], s["before"], s["after"], " → ".join(s["states"])] for s in a["services"]]
                check(got == want, f"{where}: services {got} want {want}")
        if screenshot:
            chromium_run(["--window-size=1280,1000", "--hide-scrollbars", "--screenshot=" + os.path.abspath(screenshot),
                          "file://" + report], home)
            check(os.path.getsize(screenshot) > 10000, "screenshot too small")
    except Failure as e:
        print(f"FAIL {e}")
        return 1
    print(f"ok: {len(actions)} actions rendered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
