#!/usr/bin/env python3
"""Throughput benchmark of iissdump (not a test; `cmake --build BUILD --target bench`).

Builds three captures with bench_gen:
  short         from iisreset-remote: 14,300 connections of 7 calls, 400 open at once (100,100 calls);
  short-sealed  the same from sealed-spnego (the same calls, SPNEGO NTLMSSP at PKT_PRIVACY), read with
                its --password-file; its figures are set beside short's (decryption at most twice the plain
                decode, issue 10);
  long-lived    from iisreset-remote: 200 connections of 500 calls each, nine in ten a Status (100,000 calls);
and measures on each, in one run, output to /dev/null, page cache warm:
  - the floors (bench_floor): libpcap's offline loop touching each record once,
    the floor of any libpcap reader, against which every ratio is given; the
    file read at memory speed (read(2) and a vectorised sum), printed beside
    it; the old serial fold, labelled as what it is;
  - iissdump --quiet (every call decoded, nothing printed), text, --json;
  - with the plugin from the build tree: tshark -Y iiss (the text a user reads
    instead of iissdump's), tshark -T ek -J iiss -Y iiss (the JSON), and
    tshark -q -Y frame with the iiss protocol disabled and enabled (the
    plugin's cost over stock tshark; the display filter makes -q dissect every
    packet, and -z io,stat,0,iiss counts the IISS frames, proving it did);
and prints seconds (best of RUNS; tshark best of TSHARK_RUNS), CPU seconds,
MB/s, packets/s, peak RSS (largest of the runs), every figure as a multiple of
the floor, the comparisons, and each target of issue 13 as met or not met.

Two more shapes measure memory under a flood (issue 9), written by
tests/cli/capture/flood_capture.py: 6,000 and 100,000 connections that each
leave a 65535-byte request unfinished a few KB in, then a genuine connection's
two calls; the floors and iissdump only (no tshark), with the default limits,
against the target of a peak RSS under 64 MiB, the genuine calls decoded.

tshark loads the plugin through tests/plugin/plugin_test.py's Env (a staged
world-readable folder, tshark run as nobody when we are root): one place for
that logic. Every reader reads the same staged copy of the capture.

Environment: RUNS (3), TSHARK_RUNS (1), TSHARK=0 skips tshark, SHAPES
(short,short-sealed,long-lived,flood-6000,flood-100000), BENCH_UPDATE_README=1 rewrites
README's block between <!-- bench:begin --> and <!-- bench:end --> with this run's figures.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "plugin"))
import plugin_test  # noqa: E402  (its Env stages the plugin and runs tshark)

MIB = 1024 * 1024
# Issue 10's target: decrypting costs at most this multiple of the plain decode.
TARGET_SEALED_RATIO = 2.0
# Issue 13's targets, as multiples of the libpcap floor.
TARGET_FLOOR_RATIO = {"iissdump-q": 3.0, "iissdump-text": 5.0, "iissdump-json": 10.0}
TARGET_RSS_KIB = 16 * 1024
TARGET_PLUGIN_OVERHEAD = 0.10

SHAPES = {
    "short": {
        "file": "bench-short.pcap",
        "gen": ["short", "14300", "400"],
        "what": "14,300 connections of 7 calls, 400 open at once",
    },
    # The short shape's calls sealed (SPNEGO-wrapped NTLMSSP, PKT_PRIVACY),
    # read with the sample's password: what decryption costs over "short".
    # (long-lived has no sealed twin: bench_gen repeats PDUs, and a sealed
    # PDU cannot be repeated, its RC4 keystream and sequence number move on.)
    "short-sealed": {
        "file": "bench-short-sealed.pcap",
        "gen": ["short", "14300", "400"],
        "sample": "sealed-spnego.pcap",
        "credentials": ["--password-file", "sealed-spnego.password"],
        "plain": "short",
        "what": "the short shape's calls sealed (SPNEGO NTLMSSP, PKT_PRIVACY), decrypted with --password-file",
    },
    "long-lived": {
        "file": "bench-long-lived.pcap",
        "gen": ["long-lived", "200", "500"],
        "what": "200 long-lived connections of 500 calls, nine in ten a Status",
    },
    "flood-6000": {
        "file": "bench-flood-6000.pcap",
        "flood": ["6000", "--sent", "6000"],
        "what": "6,000 connections each leaving a 65535-byte request unfinished 6,000 bytes in, then 2 genuine calls",
    },
    "flood-100000": {
        "file": "bench-flood-100000.pcap",
        "flood": ["100000", "--sent", "3000", "--genuine", "before"],
        "what": "100,000 connections each leaving a 65535-byte request unfinished 3,000 bytes in, between a "
                "genuine bind and its 2 calls",
    },
}
FLOOD_GEN = os.path.join(HERE, "..", "cli", "capture", "flood_capture.py")
TARGET_FLOOD_RSS_KIB = 64 * 1024

# name, label, what it runs ("floor", "iissdump", "tshark"), arguments before the capture, after it
READERS = [
    ("floor-pcap", "libpcap loop, each record touched once: the floor", "floor", ["pcap"], []),
    ("floor-read", "read(2) + vectorised sum: memory speed", "floor", ["read"], []),
    ("serial-fold", "libpcap loop + serial fold of every byte (old 'bare loop', not a floor)", "floor", ["fold"], []),
    ("iissdump-q", "iissdump --quiet (all decoded, nothing printed)", "iissdump", ["--no-progress", "--quiet"], []),
    ("iissdump-text", "iissdump (text)", "iissdump", ["--no-progress"], []),
    ("iissdump-json", "iissdump --json", "iissdump", ["--no-progress", "--json"], []),
    ("tshark-text", "tshark + plugin -Y iiss", "tshark", ["-n", "-r"], ["-Y", "iiss"]),
    ("tshark-ek", "tshark + plugin -T ek -J iiss -Y iiss", "tshark", ["-n", "-r"],
     ["-T", "ek", "-J", "iiss", "-Y", "iiss"]),
    ("tshark-stock-q", "tshark -q -Y frame, iiss disabled (stock)", "tshark", ["-n", "-q", "-r"],
     ["-Y", "frame", "--disable-protocol", "iiss", "-z", "io,stat,0,iiss"]),
    ("tshark-plugin-q", "tshark -q -Y frame, iiss enabled (plugin)", "tshark", ["-n", "-q", "-r"],
     ["-Y", "frame", "-z", "io,stat,0,iiss"]),
]
LABEL = {r[0]: r[1] for r in READERS}


class BenchError(Exception):
    pass


def parse_measure(err):
    """bench_measure's line on standard error -> (wall, cpu, maxrss_kib)."""
    lines = [l for l in err.splitlines() if l.startswith("bench_measure: wall=")]
    if not lines:
        raise BenchError("no measurement in:\n" + err[-2000:])
    f = dict(kv.split("=", 1) for kv in lines[-1].split()[1:])
    if f["status"] != "0":
        raise BenchError("exit status %s:\n%s" % (f["status"], err[-2000:]))
    return float(f["wall"]), float(f["user"]) + float(f["sys"]), int(f["maxrss_kib"])


def io_stat_frames(out):
    """The frame count of -z io,stat,0,FILTER's single interval row."""
    rows = [l for l in out.splitlines() if "<>" in l]
    if not rows:
        raise BenchError("no io,stat row in tshark's output:\n" + out[-2000:])
    cells = [c.strip() for c in rows[-1].strip().strip("|").split("|")]
    return int(cells[1])


class Bench:
    def __init__(self, args):
        self.args = args
        self.runs = int(os.environ.get("RUNS", "3"))
        self.tshark_runs = int(os.environ.get("TSHARK_RUNS", "1"))
        self.env = None
        self.skipped_tshark = None
        self.tshark_version = ""
        self.stage_dir = None
        self.credentials = []  # the shape's credential options for iissdump
        if os.environ.get("TSHARK", "1") == "0":
            self.skipped_tshark = "TSHARK=0"
        elif not shutil.which("tshark"):
            self.skipped_tshark = "tshark not found"
        elif not args.plugin or not os.path.exists(args.plugin):
            self.skipped_tshark = "the plugin is not built"
        if self.skipped_tshark is None:
            self.env = plugin_test.Env(args)
            # bench_measure must be runnable by the unprivileged tshark user too
            self.measure_tool = os.path.join(self.env.root, "bench_measure")
            shutil.copy(args.measure, self.measure_tool)
            os.chmod(self.measure_tool, 0o755)
            self.tshark_version = subprocess.run(["tshark", "--version"], capture_output=True,
                                                 text=True).stdout.splitlines()[0]
        else:
            self.stage_dir = tempfile.mkdtemp(prefix="iiss-bench-")

    def close(self):
        if self.env:
            self.env.close()
        if self.stage_dir:
            shutil.rmtree(self.stage_dir, ignore_errors=True)

    def stage(self, path):
        if self.env:
            return self.env.stage(path)
        dst = os.path.join(self.stage_dir, os.path.basename(path))
        shutil.copy(path, dst)
        return dst

    def check_plugin_loaded(self):
        _, out, _ = self.env.run(["-G", "plugins"])
        lines = [l for l in out.splitlines() if l.startswith("iiss.so")]
        if not lines or self.env.plugin_path not in lines[0]:
            raise BenchError("tshark does not load the staged plugin %s:\n%s" % (self.env.plugin_path, out))

    def measure(self, kind, pre, capture, post):
        """One timed run -> (wall, cpu, maxrss_kib, stdout when kept)."""
        if kind == "tshark":
            keep = "io,stat,0,iiss" in post
            argv = (["--keep-stdout"] if keep else []) + ["tshark"] + pre + [capture] + post
            _, out, err = self.env.run(argv, check=False, tool=self.measure_tool)
            return parse_measure(err) + (out,)
        tool = self.args.floor if kind == "floor" else self.args.iissdump
        if kind == "iissdump":
            pre = pre + self.credentials
        proc = subprocess.run([self.args.measure, tool] + pre + [capture] + post, capture_output=True, text=True)
        return parse_measure(proc.stderr) + ("",)

    def generate(self, shape):
        spec = SHAPES[shape]
        os.makedirs(self.args.work_dir, exist_ok=True)
        path = os.path.join(self.args.work_dir, spec["file"])
        if "flood" in spec:
            if not os.path.exists(path) or os.path.getmtime(path) < os.path.getmtime(FLOOD_GEN):
                subprocess.run([sys.executable, FLOOD_GEN, path] + spec["flood"], check=True)
            return path
        sample = os.path.join(self.args.samples_dir, spec.get("sample", "iisreset-remote.pcap"))
        newest_input = max(os.path.getmtime(sample), os.path.getmtime(self.args.bench_gen))
        if not os.path.exists(path) or os.path.getmtime(path) < newest_input:
            subprocess.run([self.args.bench_gen, spec["gen"][0], sample, path] + spec["gen"][1:], check=True)
        return path

    def count_calls(self, capture):
        """IIS calls decoded, from --stats (JSON Lines also hold activation records)."""
        out = subprocess.run([self.args.iissdump, "--no-progress", "--quiet", "--stats", "--json"] + self.credentials +
                             [capture], capture_output=True, text=True).stdout
        return json.loads(out.splitlines()[-1])["stats"]["calls"]

    def count_output(self, argv):
        """Bytes and lines a reader writes (untimed)."""
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        size = lines = 0
        while True:
            chunk = proc.stdout.read(1 << 20)
            if not chunk:
                break
            size += len(chunk)
            lines += chunk.count(b"\n")
        proc.wait()
        return size, lines

    def run_shape(self, shape):
        spec = SHAPES[shape]
        self.credentials = []
        for i, a in enumerate(spec.get("credentials", [])):
            # option values are sample files: name them by path (read from a file, never on the command line)
            self.credentials.append(os.path.join(self.args.samples_dir, a) if i % 2 else a)
        capture = self.stage(self.generate(shape))
        size = os.path.getsize(capture)
        floor_out = subprocess.run([self.args.floor, "pcap", capture], capture_output=True, text=True,
                                   check=True).stdout
        frames = int(floor_out.split()[0])
        json_bytes, _ = self.count_output([self.args.iissdump, "--no-progress", "--json"] + self.credentials +
                                          [capture])
        calls = self.count_calls(capture)
        text_bytes, _ = self.count_output([self.args.iissdump, "--no-progress"] + self.credentials + [capture])
        info = {"shape": shape, "what": SHAPES[shape]["what"], "frames": frames, "size": size, "calls": calls,
                "json_bytes": json_bytes, "text_bytes": text_bytes, "flood": "flood" in SHAPES[shape]}
        print("\n== %s: %s\n   %s, %d frames, %.1f MiB, %d calls decoded (text %.0f MB, JSON %.0f MB)"
              % (shape, info["what"], capture, frames, size / MIB, calls, text_bytes / 1e6, json_bytes / 1e6),
              flush=True)
        results = {}
        fast = [r for r in READERS if r[2] != "tshark"]
        # rounds over every reader, so drifting load hits them alike
        for _ in range(self.runs):
            for name, _label, kind, pre, post in fast:
                self.record(results, name, self.measure(kind, pre, capture, post))
        if self.env and not spec.get("credentials") and not info["flood"]:
            for _ in range(self.tshark_runs):
                for name, _label, kind, pre, post in READERS:
                    if kind == "tshark":
                        print("   %s ..." % LABEL[name], flush=True)
                        self.record(results, name, self.measure(kind, pre, capture, post))
        info["results"] = results
        return info

    @staticmethod
    def record(results, name, m):
        wall, cpu, rss, out = m
        best = results.get(name)
        if best is None or wall < best["wall"]:
            results[name] = {"wall": wall, "cpu": cpu, "rss": max(rss, best["rss"] if best else 0)}
        else:
            best["rss"] = max(best["rss"], rss)
        if out:
            results[name]["iiss_frames"] = io_stat_frames(out)


def verdict(ok):
    return "met" if ok else "NOT met"


def sealed_targets(info, plain):
    """Each iissdump reader on the sealed shape against the same reader on its plain twin."""
    if plain is None:
        return ["the sealed variant within twice its plain figure: not measured (run the %s shape too)"
                % SHAPES[info["shape"]]["plain"]]
    if plain["calls"] != info["calls"]:
        return ["WARNING: the sealed capture gave %d calls, its plain twin %d: not the same calls, no comparison"
                % (info["calls"], plain["calls"])]
    out = []
    for name in TARGET_FLOOR_RATIO:
        s, p = info["results"][name], plain["results"][name]
        cpu_ratio = s["cpu"] / max(p["cpu"], 1e-6)
        out.append("%s, sealed and decrypted, within %.0fx its plain figure (CPU, steadier than wall): %.2fx "
                   "(CPU %.3f s vs %.3f s; wall %.2fx), %s" % (
                       LABEL[name].split(" (")[0], TARGET_SEALED_RATIO, cpu_ratio, s["cpu"], p["cpu"],
                       s["wall"] / max(p["wall"], 1e-6), verdict(cpu_ratio <= TARGET_SEALED_RATIO)))
    return out


def report(info, markdown, plain=None):
    """This shape's table, comparisons and targets, as text lines (or Markdown); plain: the
    results of the plain twin of a sealed shape."""
    r = info["results"]
    floor = r["floor-pcap"]["wall"]
    floor_cpu = max(r["floor-pcap"]["cpu"], 1e-6)
    lines = []
    if markdown:
        lines += ["**%s** (%s; %s frames, %.0f MiB, %s calls):" % (info["shape"], info["what"],
                  format(info["frames"], ","), info["size"] / MIB, format(info["calls"], ",")), "",
                  "| reader | wall s | CPU s | × floor | CPU × floor | MB/s | packets/s | peak RSS |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
    else:
        lines.append("%-72s %8s %8s %8s %8s %8s %10s %10s" % ("reader", "wall s", "CPU s", "x floor", "x CPU",
                                                                 "MB/s", "packets/s", "peak RSS"))
    for name, label, _kind, _pre, _post in READERS:
        if name not in r:
            continue
        m = r[name]
        cells = (m["wall"], m["cpu"], m["wall"] / floor, m["cpu"] / floor_cpu, info["size"] / 1e6 / m["wall"],
                 info["frames"] / m["wall"], m["rss"] / 1024)
        if markdown:
            lines.append("| %s | %.3f | %.3f | %.1f | %.1f | %.0f | %s | %.1f MiB |" % (
                label.replace("|", "\\|"), cells[0], cells[1], cells[2], cells[3], cells[4],
                format(round(cells[5]), ","), cells[6]))
        else:
            lines.append("%-72s %8.3f %8.3f %8.1f %8.1f %8.0f %10.0f %6.1f MiB" % ((label,) + cells))
    if markdown:
        lines.append("")
    bullet = "- " if markdown else "  "
    mem = r["floor-read"]["wall"]
    lines.append("%sfloor %.3f s (libpcap, %.0f MB/s); the same bytes at memory speed %.3f s: libpcap's loop "
                 "costs %.1fx reading the file" % (bullet, floor, info["size"] / 1e6 / floor, mem, floor / mem))
    if "tshark-text" in r:
        lines.append("%siissdump text vs tshark -Y iiss with the plugin: %.1fx faster (%.2f s vs %.2f s)" % (
            bullet, r["tshark-text"]["wall"] / r["iissdump-text"]["wall"], r["iissdump-text"]["wall"],
            r["tshark-text"]["wall"]))
        lines.append("%siissdump --json vs tshark -T ek -J iiss -Y iiss with the plugin: %.1fx faster "
                     "(%.2f s vs %.2f s)" % (bullet, r["tshark-ek"]["wall"] / r["iissdump-json"]["wall"],
                                             r["iissdump-json"]["wall"], r["tshark-ek"]["wall"]))
    targets = []
    if info.get("flood"):
        rss = {n: r[n]["rss"] for n in TARGET_FLOOR_RATIO}
        targets.append("iissdump peak RSS under 64 MiB under the flood, default limits: %s, %s" % (
            ", ".join("%s %.1f MiB" % (n.replace("iissdump-", ""), v / 1024) for n, v in rss.items()),
            verdict(max(rss.values()) < TARGET_FLOOD_RSS_KIB)))
        targets.append("the genuine calls decoded: %d of 2, %s" % (info["calls"], verdict(info["calls"] == 2)))
        lines += ["%starget: %s" % (bullet, t) for t in targets]
        return lines
    for name, limit in TARGET_FLOOR_RATIO.items():
        ratio = r[name]["wall"] / floor
        targets.append("%s within %.0fx the floor: %.1fx, %s" % (LABEL[name].split(" (")[0], limit, ratio,
                                                               verdict(ratio <= limit)))
    rss = {n: r[n]["rss"] for n in TARGET_FLOOR_RATIO}
    targets.append("iissdump peak RSS under 16 MiB: %s, %s" % (
        ", ".join("%s %.1f MiB" % (n.replace("iissdump-", ""), v / 1024) for n, v in rss.items()),
        verdict(max(rss.values()) < TARGET_RSS_KIB)))
    if "tshark-plugin-q" in r:
        stock, plugin = r["tshark-stock-q"], r["tshark-plugin-q"]
        overhead = plugin["wall"] / stock["wall"] - 1
        targets.append("the plugin's cost over stock tshark (-q -Y frame, %d IISS frames dissected, %d with iiss "
                       "disabled) under 10 %%: %+.0f %% (%.2f s vs %.2f s), %s" % (
                           plugin["iiss_frames"], stock["iiss_frames"], overhead * 100, plugin["wall"], stock["wall"],
                           verdict(overhead < TARGET_PLUGIN_OVERHEAD)))
        if plugin["iiss_frames"] == 0 or stock["iiss_frames"] != 0:
            targets.append("WARNING: the -q -Y frame runs did not dissect as intended (IISS frames counted: "
                           "%d with the plugin, %d without)" % (plugin["iiss_frames"], stock["iiss_frames"]))
    if SHAPES[info["shape"]].get("plain"):
        targets += sealed_targets(info, plain)
    lines += ["%starget: %s" % (bullet, t) for t in targets]
    return lines


def machine():
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for l in f:
                if l.startswith("model name"):
                    model = l.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return "%s, %d cores (load average %.1f at the start)" % (model, os.cpu_count() or 0, load)


def update_readme(path, block):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    if begin not in text or end not in text:
        raise BenchError("%s has no %s ... %s block" % (path, begin, end))
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + begin + "\n" + block + "\n" + end + tail)
    print("\nREADME block rewritten: %s (review with git diff)" % path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for opt in ("--iissdump", "--bench-gen", "--floor", "--measure", "--samples-dir", "--work-dir"):
        ap.add_argument(opt, required=True)
    ap.add_argument("--plugin", default="")
    ap.add_argument("--ws-version", default="")
    ap.add_argument("--readme", default="")
    args = ap.parse_args()
    shapes = [s for s in os.environ.get("SHAPES", "short,short-sealed,long-lived,flood-6000,flood-100000").split(",")
              if s]
    for s in shapes:
        if s not in SHAPES:
            print("unknown shape %s (known: %s)" % (s, ", ".join(SHAPES)))
            return 2
    started = datetime.datetime.now(datetime.timezone.utc)
    where = machine()
    started_load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    bench = Bench(args)
    try:
        print("iiss benchmark, %s UTC, %s" % (started.strftime("%Y-%m-%d %H:%M"), where))
        print("best of %d runs (tshark: %s)" % (bench.runs, bench.skipped_tshark and "skipped, " + bench.skipped_tshark
                                               or "best of %d, %s" % (bench.tshark_runs, bench.tshark_version)))
        if bench.env:
            bench.check_plugin_loaded()
        infos = [bench.run_shape(s) for s in shapes]
    except (BenchError, plugin_test.Failure, subprocess.CalledProcessError) as e:
        print("bench failed: %s" % e)
        return 1
    finally:
        bench.close()
    by_shape = {info["shape"]: info for info in infos}

    def twin(info):
        return by_shape.get(SHAPES[info["shape"]].get("plain", ""))
    for info in infos:
        print("\n== %s" % info["shape"])
        print("\n".join(report(info, markdown=False, plain=twin(info))))
    if args.readme and os.environ.get("BENCH_UPDATE_README") == "1":
        version = re.search(r"\d+\.\d+\.\d+", bench.tshark_version or "")
        tshark = bench.skipped_tshark and "tshark skipped" or "tshark " + (version.group(0) if version else "?")
        block = ["Measured %s UTC on %s; best of %d runs (tshark %d), output to /dev/null, page cache warm; %s." % (
            started.strftime("%Y-%m-%d"), where, bench.runs, bench.tshark_runs, tshark), ""]
        if started_load > 0.5 * (os.cpu_count() or 1):
            block += ["**To be re-measured:** the machine was busy with other work during this run (load average "
                      "%.1f on %d cores at the start; wall times well above CPU times), so these figures are "
                      "noisy; the CPU columns are steadier." % (started_load, os.cpu_count() or 0), ""]
        for info in infos:
            block += report(info, markdown=True, plain=twin(info)) + [""]
        # prose and list items wrapped like the rest of README; tables stay whole
        block = [l if l.startswith("|") or not l else
                 textwrap.fill(l, 105, subsequent_indent="  " if l.startswith("- ") else "") for l in block]
        update_readme(args.readme, "\n".join(block).rstrip() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
