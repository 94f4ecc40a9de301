#!/usr/bin/env python3
"""Runs `iissdump CAPTURE --json` and compares every call, field by field,
with the "calls" of the sample's expected-decode file (written by the samples
generator from the specs, independently of the decoder), and every
activation line ("record": "activation") with its "activations".

Usage: compare_expected.py IISSDUMP CAPTURE EXPECTED.json
The expected file's "iissdump_options" (credentials of sealed samples, file
names relative to the expected file's folder) are passed on; each of its
"iissdump_alternative_options" (e.g. a keytab instead of NT hashes) must give
the same decode. Exit 0 when every expected field matches, 1 otherwise (each difference is
printed)."""
import json
import os
import subprocess
import sys


def as_int(v):
    """Numbers, or "0x..." strings as the generator writes some codes."""
    if isinstance(v, str):
        return int(v, 16) if v.lower().startswith("0x") else int(v)
    return v


def same_hex(a, b):
    if a is None or b is None:
        return a is b
    return as_int(a) == as_int(b)


class Comparer:
    def __init__(self):
        self.errors = []

    def fail(self, where, msg):
        self.errors.append(f"{where}: {msg}")

    def eq(self, where, want, got):
        if want != got:
            self.fail(where, f"expected {want!r}, got {got!r}")

    def subset(self, where, want, got):
        """Every key of `want` must be in `got` with an equal value."""
        if want is None:
            self.eq(where, None, got)
            return
        if not isinstance(got, dict):
            self.fail(where, f"expected an object {want!r}, got {got!r}")
            return
        for k, v in want.items():
            if k not in got:
                self.fail(f"{where}.{k}", "missing")
            else:
                self.eq(f"{where}.{k}", v, got[k])

    def params(self, where, want, got):
        # A call whose parameters cannot be read may be written as null or as
        # an object of nulls: both say "unknown".
        if got is None and (want is None or all(v is None for v in want.values())):
            return
        self.subset(where, want, got)

    def services(self, where, want, got):
        if want is None or got is None:
            self.eq(where, want, got)
            return
        if len(want) != len(got):
            self.fail(where, f"expected {len(want)} services, got {len(got)}")
        for i, (w, g) in enumerate(zip(want, got)):
            self.subset(f"{where}[{i}]", w, g)

    def anomalies(self, where, want, got):
        got_left = list(got or [])
        for w in want or []:
            match = None
            for g in got_left:
                if g.get("kind") != w.get("kind"):
                    continue
                if "offset" in w and w["offset"] is not None and g.get("offset") != w["offset"]:
                    continue
                match = g
                break
            if match is None:
                self.fail(where, f"expected anomaly {w!r} not reported (got {got!r})")
            else:
                got_left.remove(match)
        # An expected file lists the kinds each call was built to carry; a
        # corruption may bring others along (an out-of-bounds offset also
        # leaves a gap), so extras fail only where none were expected.
        if not want:
            for g in got_left:
                self.fail(where, f"unexpected anomaly {g!r}")

    def call(self, i, want, got):
        where = f"call {i + 1} (frame {want.get('frame_request')})"
        for key, w in want.items():
            if key not in got:
                self.fail(f"{where}.{key}", "missing")
                continue
            g = got[key]
            if key == "params":
                self.params(f"{where}.params", w, g)
            elif key == "services":
                self.services(f"{where}.services", w, g)
            elif key == "anomalies":
                self.anomalies(f"{where}.anomalies", w, g)
            elif key == "hresult":
                if not same_hex(w, g):
                    self.fail(f"{where}.hresult", f"expected {w!r}, got {g!r}")
            elif key == "fault_status":
                if w is None or g is None:
                    self.eq(f"{where}.fault_status", w, g)
                else:
                    if as_int(w.get("code")) != as_int(g.get("code")):
                        self.fail(f"{where}.fault_status.code", f"expected {w.get('code')!r}, got {g.get('code')!r}")
                    if "name" in w:
                        self.eq(f"{where}.fault_status.name", w["name"], g.get("name"))
            elif key == "auth":
                self.subset(f"{where}.auth", w, g)
            elif key == "rtt_ms":
                if w is None or g is None:
                    self.eq(f"{where}.rtt_ms", w, g)
                elif abs(float(w) - float(g)) > 0.0015:
                    self.fail(f"{where}.rtt_ms", f"expected {w}, got {g}")
            else:
                self.eq(f"{where}.{key}", w, g)

    def activation(self, i, want, got):
        where = f"activation {i + 1} (frame {want.get('frame_request')})"
        for key, w in want.items():
            if key not in got:
                self.fail(f"{where}.{key}", "missing")
                continue
            g = got[key]
            if key in ("interfaces", "oxid_bindings") and w is not None and g is not None:
                if len(w) != len(g):
                    self.fail(f"{where}.{key}", f"expected {len(w)}, got {len(g)}")
                for k, (wi, gi) in enumerate(zip(w, g)):
                    self.subset(f"{where}.{key}[{k}]", wi, gi)
            elif key == "anomalies":
                self.anomalies(f"{where}.anomalies", w, g)
            elif key == "auth":
                self.subset(f"{where}.auth", w, g)
            elif key == "rtt_ms":
                if w is None or g is None:
                    self.eq(f"{where}.rtt_ms", w, g)
                elif abs(float(w) - float(g)) > 0.0015:
                    self.fail(f"{where}.rtt_ms", f"expected {w}, got {g}")
            else:
                self.eq(f"{where}.{key}", w, g)


def compare(iissdump, capture, expected_path, expected, options):
    """One run of iissdump with `options`; returns the differences."""
    run = subprocess.run([iissdump, capture, "--json", *options], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.abspath(expected_path)))
    if run.returncode != 0:
        return [f"iissdump {' '.join(options)} exited {run.returncode}: {run.stderr}"]
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    got = [l for l in lines if "record" not in l]
    want = expected["calls"]
    c = Comparer()
    if len(want) != len(got):
        c.fail("calls", f"expected {len(want)}, got {len(got)}")
    for i, (w, g) in enumerate(zip(want, got)):
        c.call(i, w, g)
    got_activations = [l for l in lines if l.get("record") == "activation"]
    want_activations = expected.get("activations", [])
    if len(want_activations) != len(got_activations):
        c.fail("activations", f"expected {len(want_activations)}, got {len(got_activations)}")
    for i, (w, g) in enumerate(zip(want_activations, got_activations)):
        c.activation(i, w, g)
    # Every line in request order: each activation before the calls
    # requested after it.
    times = [(l["time"], l["frame_request"]) for l in lines]
    if times != sorted(times):
        c.fail("order", "lines are not in request order")
    return [f"[{' '.join(options)}] {e}" if options else e for e in c.errors]


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    iissdump, capture, expected_path = sys.argv[1:]
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    runs = [expected.get("iissdump_options", [])] + expected.get("iissdump_alternative_options", [])
    errors = []
    for options in runs:
        errors += compare(iissdump, capture, expected_path, expected, options)
    for e in errors:
        print(e)
    if errors:
        print(f"{capture}: {len(errors)} difference(s)")
        return 1
    print(f"{capture}: {len(expected['calls'])} calls and {len(expected.get('activations', []))} activations match" +
          (f" ({len(runs)} sets of options)" if len(runs) > 1 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
