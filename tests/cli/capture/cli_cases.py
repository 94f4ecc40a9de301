#!/usr/bin/env python3
"""Command-line cases of `iissdump CAPTURE...`: bad input, exit codes,
options. Each case is one ctest test: cli_cases.py IISSDUMP SAMPLES WORKDIR CASE.

The hostile case writes its own small capture (stdlib only): a bind to
IIsServiceControl, a Status whose request says alloc_hint 0xFFFFFFFF and
whose reply claims a conformance of 0xFFFFFFFF over 64 bytes, a PDU whose
auth_length exceeds its frag_length, a Kill that must still be found after
it, and a request announcing a 65535-byte fragment that never comes.

The flood cases write their captures with flood_capture.py (floods of
unfinished requests, then genuine calls) into WORKDIR at test time.

The merged and gzip cases need Wireshark's command-line tools (mergecap,
editcap, tshark: Debian's wireshark-common and tshark); without them they
exit 77, which ctest reports as skipped."""
import gzip
import json
import os
import random
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flood_capture  # noqa: E402  (the flood captures' genuine calls)

SKIPPED = 77

IID = bytes.fromhex("2086fbe88f58d2119d6100c04f79c5fe")  # E8FB8620-588F-11D2-9D61-00C04F79C5FE, LE fields
NDR20 = bytes.fromhex("045d888aeb1cc9119fe808002b104860")


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def run(iissdump, *args, stdin=None):
    p = subprocess.run([iissdump, *args], input=stdin, capture_output=True)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def json_records(stdout):
    return [json.loads(l) for l in stdout.splitlines() if l.strip()]


def json_calls(stdout):
    """The call lines (activation lines carry "record": "activation")."""
    return [r for r in json_records(stdout) if "record" not in r]


def json_activations(stdout):
    return [r for r in json_records(stdout) if r.get("record") == "activation"]


def expected_calls(samples, name):
    with open(os.path.join(samples, name + ".expected.json"), encoding="utf-8") as f:
        return json.load(f)["calls"]


def one_error_line(stderr, path):
    lines = [l for l in stderr.splitlines() if l.strip()]
    check(len(lines) == 1, f"expected one line on stderr, got {lines!r}")
    check(lines[0].startswith(f"iissdump: {path}: "), f"stderr line does not name {path}: {lines[0]!r}")
    return lines[0]


# ---- a tiny pcap writer for the hostile capture ----

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Conversation:
    CLIENT = (bytes([10, 9, 0, 5]), 50000)
    SERVER = (bytes([10, 9, 0, 20]), 49200)

    def __init__(self):
        self.frames = []
        self.seq = {0: 1000, 1: 5000}
        self.t = 1_700_000_000_000_000  # microseconds

    def packet(self, side, flags, payload=b""):
        src, dst = (self.CLIENT, self.SERVER) if side == 0 else (self.SERVER, self.CLIENT)
        ack = self.seq[1 - side]
        tcp = struct.pack("!HHIIBBHHH", src[1], dst[1], self.seq[side], ack, 5 << 4, flags, 65535, 0, 0)
        pseudo = src[0] + dst[0] + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
        tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp + payload)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0, 64, 6, 0, src[0], dst[0])
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        eth = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
        self.frames.append((self.t, eth + ip + tcp + payload))
        self.t += 1000
        self.seq[side] = (self.seq[side] + len(payload) + (1 if flags & 0x03 else 0)) & 0xFFFFFFFF

    def handshake(self):
        self.packet(0, 0x02)
        self.seq[0] -= 0  # SYN consumed one sequence number above
        self.packet(1, 0x12)
        self.packet(0, 0x10)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t, data in self.frames:
                f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(data), len(data)))
                f.write(data)


def pdu(ptype, flags, call_id, body, frag_length=None, auth_length=0):
    length = 16 + len(body) if frag_length is None else frag_length
    return struct.pack("<BBBB4sHHI", 5, 0, ptype, flags, b"\x10\0\0\0", length, auth_length, call_id) + body


ORPCTHIS = struct.pack("<HHII16sI", 5, 7, 0, 0, bytes(range(16)), 0)
ORPCTHAT = struct.pack("<II", 0, 0)
IPID = bytes.fromhex("01b000001c0affff6f3c4e21a9d7c5b3")


def request(call_id, opnum, stub, alloc_hint=None, frag_length=None):
    hint = len(stub) if alloc_hint is None else alloc_hint
    return pdu(0, 0x83, call_id, struct.pack("<IHH", hint, 0, opnum) + IPID + stub, frag_length)


def response(call_id, stub, alloc_hint=None):
    hint = len(stub) if alloc_hint is None else alloc_hint
    return pdu(2, 0x03, call_id, struct.pack("<IHBB", hint, 0, 0, 0) + stub)


def write_hostile(path):
    c = Conversation()
    c.handshake()
    bind = struct.pack("<HHIB3x", 4280, 4280, 0, 1) + struct.pack("<HBx", 0, 1) + IID + struct.pack("<HH", 0, 0)
    bind += NDR20 + struct.pack("<I", 2)
    c.packet(0, 0x18, pdu(11, 0x03, 1, bind))
    ack = struct.pack("<HHI", 4280, 4280, 0x1234) + struct.pack("<H6s", 6, b"49200\0") + struct.pack("<B3x", 1)
    ack += struct.pack("<HH", 0, 0) + NDR20 + struct.pack("<I", 2)
    c.packet(1, 0x18, pdu(12, 0x03, 1, ack))
    c.packet(0, 0x18, request(2, 10, ORPCTHIS + struct.pack("<I", 64), alloc_hint=0xFFFFFFFF))
    c.packet(1, 0x18, response(2, ORPCTHAT + struct.pack("<I", 0xFFFFFFFF) + bytes(64) + struct.pack("<III", 0, 0, 0),
                               alloc_hint=0xFFFFFFFF))
    # auth_length larger than the whole PDU: not a plausible header, skipped
    c.packet(0, 0x18, pdu(0, 0x03, 3, struct.pack("<IHH", 0, 0, 7) + bytes(16), auth_length=0xFFF0))
    c.packet(0, 0x18, request(4, 11, ORPCTHIS))
    c.packet(1, 0x18, response(4, ORPCTHAT + struct.pack("<I", 0)))
    # announces 65535 bytes, sends 60, then the connection ends
    c.packet(0, 0x18, request(5, 7, ORPCTHIS + struct.pack("<II", 1000, 1), frag_length=0xFFFF))
    c.packet(0, 0x11)
    c.packet(1, 0x11)
    c.packet(0, 0x10)
    c.write(path)


# ---- cases ----

def case_empty(iissdump, samples, work):
    path = os.path.join(work, "empty.pcap")
    open(path, "wb").close()
    rc, out, err = run(iissdump, path)
    check(rc == 1, f"exit {rc}, expected 1")
    check(out == "", f"unexpected output {out!r}")
    one_error_line(err, path)


def case_random(iissdump, samples, work):
    path = os.path.join(work, "random.bin")
    rnd = random.Random(5)
    with open(path, "wb") as f:
        f.write(bytes(rnd.randrange(256) for _ in range(4096)))
    rc, out, err = run(iissdump, path)
    check(rc == 1, f"exit {rc}, expected 1")
    check(out == "", f"unexpected output {out!r}")
    one_error_line(err, path)


def case_directory(iissdump, samples, work):
    rc, out, err = run(iissdump, work)
    check(rc == 1, f"exit {rc}, expected 1")
    one_error_line(err, work)


def case_missing_then_good(iissdump, samples, work):
    missing = os.path.join(work, "no-such-file.pcap")
    good = os.path.join(samples, "iisreset-remote.pcap")
    rc, out, err = run(iissdump, missing, good, "--json")
    check(rc == 1, f"exit {rc}, expected 1")
    line = one_error_line(err, missing)
    check("No such file" in line or "not found" in line.lower(), f"reason missing: {line!r}")
    got = json_calls(out)
    want = expected_calls(samples, "iisreset-remote")
    check([c["frame_request"] for c in got] == [c["frame_request"] for c in want], "the good file's calls differ")


def case_truncated(iissdump, samples, work):
    src = os.path.join(samples, "iisreset-remote.pcap")
    data = open(src, "rb").read()
    path = os.path.join(work, "truncated.pcap")
    with open(path, "wb") as f:
        f.write(data[: len(data) - 40])  # cuts the last record (a FIN/ACK)
    rc, out, err = run(iissdump, path, "--json")
    check(rc == 1, f"exit {rc}, expected 1")
    line = one_error_line(err, path)
    check("truncat" in line.lower(), f"no truncation warning: {line!r}")
    got = json_calls(out)
    want = expected_calls(samples, "iisreset-remote")
    check(len(got) == len(want), f"{len(got)} calls before the cut, expected {len(want)}")
    for g, w in zip(got, want):
        for k in ("frame_request", "frame_response", "method", "hresult", "params"):
            check(g[k] == w[k], f"{k}: {g[k]!r} != {w[k]!r}")
    # cut just after the Stop request: that call is there, without response
    ends = record_ends(data)
    stop = next(i for i, c in enumerate(want) if c["method"] == "Stop")
    cut_at = ends[want[stop]["frame_request"] - 1] + 20  # and 20 bytes of the next record
    half = os.path.join(work, "half.pcap")
    with open(half, "wb") as f:
        f.write(data[:cut_at])
    rc, out, err = run(iissdump, half, "--json")
    check(rc == 1, f"half: exit {rc}, expected 1")
    one_error_line(err, half)
    got = json_calls(out)
    check(len(got) == stop + 1, f"half: {len(got)} calls, expected {stop + 1}")
    for g, w in zip(got[:stop], want[:stop]):
        check(g["frame_response"] == w["frame_response"] and g["hresult"] == w["hresult"], f"half: {g} vs {w}")
    last = got[stop]
    check(last["method"] == "Stop" and last["params"] == want[stop]["params"], f"half: {last}")
    for k in ("frame_response", "hresult", "hresult_name", "rtt_ms", "fault_status"):
        check(last[k] is None, f"half: {k} of the unanswered Stop is {last[k]!r}")


def record_ends(data):
    """Byte offset after each record of a classic pcap file."""
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    at, ends = 24, []
    while at + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[at + 8:at + 12])[0]
        at += 16 + caplen
        ends.append(at)
    return ends


def case_usage(iissdump, samples, work):
    for args in ([], ["--bogus-option", "x.pcap"], ["-f", "tcp port", "x.pcap"], ["--max-flow-bytes", "lots", "x"]):
        rc, out, err = run(iissdump, *args)
        check(rc == 2, f"{args}: exit {rc}, expected 2")
        check(err.startswith("iissdump: "), f"{args}: stderr {err!r}")
    rc, out, err = run(iissdump, "--version")
    check(rc == 0 and out.startswith("iissdump "), f"--version: {rc} {out!r}")
    rc, out, err = run(iissdump, "--help")
    check(rc == 0 and "--no-infer" in out and "--json" in out, f"--help: {rc}")


def case_help(iissdump, samples, work):
    """The usage line names the CAPTURE operands once."""
    rc, out, err = run(iissdump, "--help")
    usage = [l for l in out.splitlines() if "iissdump [OPTION" in l]
    check(rc == 0 and len(usage) == 1, f"--help: exit {rc}, usage lines {usage!r}")
    check(usage[0].count("CAPTURE...") == 1, f"usage line {usage[0]!r}")


def case_stats_no_calls(iissdump, samples, work):
    """--stats is set apart by a blank line only from call lines above it."""
    midstream = os.path.join(samples, "midstream.pcap")
    rc, out, err = run(iissdump, "--stats", "--no-infer", midstream)
    check(rc == 0 and out.startswith("0 calls\n"), f"--stats without calls: exit {rc}, {out[:80]!r}")
    rc, out, err = run(iissdump, "-q", "--stats", os.path.join(samples, "iisreset-remote.pcap"))
    check(rc == 0 and out.startswith("7 calls\n"), f"-q --stats: exit {rc}, {out[:80]!r}")
    rc, out, err = run(iissdump, "--stats", os.path.join(samples, "iisreset-remote.pcap"))
    check(rc == 0 and "\n\n7 calls\n" in out and not out.startswith("\n"), f"--stats after calls: {out[-300:]!r}")


def case_orpc_layout(iissdump, samples, work):
    """The layout of ORPCTHIS/ORPCTHAT is data, never an anomaly: NDR20 in
    an NDR20 call; in an NDR64 call NDR20 (what MS-DCOM 2.2.13 prescribes,
    craft_mixed_layout.py's capture) or NDR64 (the ndr64 sample's)."""
    crafted = os.path.join(work, "mixed-layout.pcap")
    os.makedirs(work, exist_ok=True)
    craft = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "plugin", "craft_mixed_layout.py")
    subprocess.run([sys.executable, craft, crafted], check=True)
    for path, ndr, layout, count in ((os.path.join(samples, "iisreset-remote.pcap"), "NDR20", "NDR20", 7),
                                     (os.path.join(samples, "ndr64.pcap"), "NDR64", "NDR64", None),
                                     (crafted, "NDR64", "NDR20", 4)):
        rc, out, err = run(iissdump, "--json", path)
        calls = json_calls(out)
        check(rc == 0 and calls, f"{path}: exit {rc}, {len(calls)} calls")
        if count is not None:
            check(len(calls) == count, f"{path}: {len(calls)} calls, expected {count}")
        for c in calls:
            where = f"{path} frame {c['frame_request']}"
            check(c["ndr"] == ndr and c["orpc_layout"] == layout,
                  f"{where}: ndr {c['ndr']}, orpc_layout {c['orpc_layout']}; expected {ndr}, {layout}")
            kinds = [a["kind"] for a in c["anomalies"]]
            check(not any("ndr20" in k for k in kinds), f"{where}: layout reported as an anomaly: {kinds}")
            if path == crafted:
                check(kinds == [], f"{where}: anomalies {kinds}")
    rc, out, err = run(iissdump, "--json", os.path.join(samples, "sealed.pcap"))
    calls = json_calls(out)
    check(rc == 0 and calls and all(c["orpc_layout"] is None for c in calls), "sealed: orpc_layout not null")


def case_stats_json(iissdump, samples, work):
    rc, out, err = run(iissdump, os.path.join(samples, "iisreset-remote.pcap"), "--json", "--stats")
    check(rc == 0, f"exit {rc}")
    lines = json_calls(out)
    stats = lines[-1]["stats"]
    check(stats["calls"] == 7, f"calls {stats['calls']}")
    check(stats["by_method"] == {"Status": 3, "Stop": 1, "Start": 1, "Reboot": 1, "Kill": 1}, f"{stats['by_method']}")
    check(stats["by_result"] == {"E_ERROR_INSUFFICIENT_BUFFER": 1, "S_OK": 5, "E_NOTIMPL": 1},
          f"{stats['by_result']}")
    check(stats["by_server"] == {"10.0.0.20:49155": 7}, f"{stats['by_server']}")


def case_quiet(iissdump, samples, work):
    path = os.path.join(samples, "iisreset-remote.pcap")
    rc, out, err = run(iissdump, "-q", path)
    check(rc == 0 and out == "", f"-q: exit {rc}, output {out[:200]!r}")
    rc, out, err = run(iissdump, "--quiet", "--stats", "--json", path)
    lines = json_calls(out)
    check(rc == 0 and len(lines) == 1 and lines[0]["stats"]["calls"] == 7, f"-q --stats --json: {out[:300]!r}")
    rc, out, err = run(iissdump, "-q", "--stats", path)
    check(rc == 0 and "7 calls" in out and "Status  3" in out and "→" not in out, f"-q --stats: {out!r}")


def case_progress(iissdump, samples, work):
    """Progress goes to a terminal only: run under script(1) for a pty."""
    import shutil
    path = os.path.join(samples, "iisreset-remote.pcap")
    out_file = os.path.join(work, "calls.txt")
    typescript = os.path.join(work, "typescript")
    check(shutil.which("script") is not None, "script(1) is needed for a terminal")

    import shlex

    def on_tty(*args):
        cmd = " ".join(shlex.quote(a) for a in [iissdump, *args, path]) + " > " + shlex.quote(out_file)
        subprocess.run(["script", "-qec", cmd, typescript], capture_output=True)
        with open(typescript, encoding="utf-8", errors="replace") as f:
            return f.read()

    seen = on_tty("--progress")
    check("iissdump: " + path in seen and "7 calls" in seen, f"no progress on a terminal: {seen!r}")
    with open(out_file, encoding="utf-8") as f:
        lines = f.read().splitlines()
        check(sum("→ S_OK" in l for l in lines if "[activation]" not in l) == 5, "calls missing with --progress")
        check(sum("[activation]" in l for l in lines) == 1, "the activation missing with --progress")
    seen = on_tty()
    check("MiB" not in seen, f"progress for a small input: {seen!r}")
    seen = on_tty("--progress", "--no-progress")
    check("exclude each other" in seen, f"--progress --no-progress accepted: {seen!r}")
    rc, out, err = run(iissdump, "--progress", path)
    check(rc == 0 and err == "", f"progress without a terminal: {err!r}")


def case_filter(iissdump, samples, work):
    path = os.path.join(samples, "iisreset-remote.pcap")
    want = expected_calls(samples, "iisreset-remote")
    rc, out, err = run(iissdump, "-f", "tcp port 49155", path, "--json")
    got = json_calls(out)
    check(rc == 0 and len(got) == len(want), f"matching filter: exit {rc}, {len(got)} calls")
    # frame numbers count every record, filtered or not
    check([c["frame_request"] for c in got] == [c["frame_request"] for c in want], "frame numbers moved")
    rc, out, err = run(iissdump, "--filter", "tcp port 1", path, "--json")
    check(rc == 0 and json_calls(out) == [], f"non-matching filter: exit {rc}, output {out!r}")
    # only the server's packets: requests are never seen, so no call
    rc, out, err = run(iissdump, "-f", "src host 10.0.0.20", path, "--json")
    check(rc == 0 and json_calls(out) == [], f"one-way filter: exit {rc}, output {out[:200]!r}")


def case_no_infer(iissdump, samples, work):
    path = os.path.join(samples, "midstream.pcap")
    want = expected_calls(samples, "midstream")
    rc, out, err = run(iissdump, path, "--json")
    got = json_calls(out)
    check(rc == 0 and len(got) == len(want), f"infer: exit {rc}, {len(got)} calls")
    check(all(c["interface"] == "inferred" for c in got), "not all inferred")
    rc, out, err = run(iissdump, path, "--json", "--no-infer")
    check(rc == 0 and json_calls(out) == [], f"--no-infer: exit {rc}, {out[:200]!r}")


def case_stdin_and_several(iissdump, samples, work):
    a = os.path.join(samples, "iisreset-remote.pcap")
    b = os.path.join(samples, "midstream.pcap")
    with open(a, "rb") as f:
        rc, out, err = run(iissdump, "-", "--json", stdin=f.read())
    check(rc == 0 and len(json_calls(out)) == 7, f"stdin: exit {rc}, {len(json_calls(out))} calls")
    rc, out, err = run(iissdump, a, b, "--json")
    got = json_calls(out)
    want = expected_calls(samples, "iisreset-remote") + expected_calls(samples, "midstream")
    check(rc == 0, f"two files: exit {rc}")
    check([(c["frame_request"], c["method"]) for c in got] == [(c["frame_request"], c["method"]) for c in want],
          "two files: calls or order differ")


def case_hostile(iissdump, samples, work):
    path = os.path.join(work, "hostile.pcap")
    write_hostile(path)
    rc, out, err = run(iissdump, path, "--json")
    check(rc == 0, f"exit {rc}: {err}")
    got = json_calls(out)
    check([c["method"] for c in got] == ["Status", "Kill"], f"calls {[c['method'] for c in got]}")
    status, kill = got
    check(status["params"] == {"buffer_size": 64}, f"Status params {status['params']}")
    kinds = {a["kind"] for a in status["anomalies"]}
    check("conformance_mismatch" in kinds, f"Status anomalies {status['anomalies']}")
    check(kill["hresult"] == "0x00000000" and kill["frame_response"] is not None, f"Kill {kill}")


# ---- credentials (issue 10) ----

SEALED_PASSWORD = "Iis-Reset-2024!"  # samples/README.md


def case_credentials_plaintext(iissdump, samples, work):
    """sealed.pcap with its password reads as iisreset-remote.pcap in clear."""
    rc, out, err = run(iissdump, "--json", "--password", SEALED_PASSWORD, os.path.join(samples, "sealed.pcap"))
    check(rc == 0, f"exit {rc}: {err}")
    got = json_calls(out)
    want = expected_calls(samples, "iisreset-remote")
    check(len(got) == len(want), f"{len(got)} calls, expected {len(want)}")
    for g, w in zip(got, want):
        for key in ("method", "params", "hresult", "hresult_name", "required_size", "num_services"):
            check(g[key] == w[key], f"frame {g['frame_request']} {key}: {g[key]!r}, expected {w[key]!r}")
        check([s["name"] for s in g["services"] or []] == [s["name"] for s in w["services"] or []],
              f"frame {g['frame_request']}: services differ")
        check(g["sealed"] is True and g["decrypted"] is True, f"frame {g['frame_request']}: sealed/decrypted")
        check(g["auth"]["verified"] is True, f"frame {g['frame_request']}: not verified")
        check(g["auth"]["credential"] == "password #1", f"credential {g['auth']['credential']!r}")
        check(g["anomalies"] == [], f"frame {g['frame_request']}: anomalies {g['anomalies']!r}")
    rc, out, err = run(iissdump, "--password", SEALED_PASSWORD, os.path.join(samples, "sealed.pcap"))
    lines = [l for l in out.splitlines() if "[NTLMSSP PKT_PRIVACY]" in l]
    check(len(lines) == 7 and all(l.endswith("[decrypted]") for l in lines), f"text timeline: {lines!r}")
    check(SEALED_PASSWORD not in out + err, "the password was printed")


def case_credentials_wrong(iissdump, samples, work):
    """A credential that fits nobody: one note on the connection's first
    call, the calls stay sealed, the secret is never printed."""
    secret = "Not-The-Password-1"
    rc, out, err = run(iissdump, "--json", "--password", secret, os.path.join(samples, "sealed.pcap"))
    check(rc == 0, f"exit {rc}: {err}")
    got = json_calls(out)
    check(len(got) == 7, f"{len(got)} calls")
    first = got[0]["anomalies"]
    check(len(first) == 1 and first[0]["kind"] == "not_decrypted" and
          first[0]["message"] == "no credential fits CONTOSO\\webadmin" and first[0]["frame"] == 6,
          f"first call's anomalies: {first!r}")
    for g in got:
        check(g["params"] is None and g["hresult"] is None, f"frame {g['frame_request']}: values shown")
        check(g["sealed"] is True and g["decrypted"] is False, f"frame {g['frame_request']}: sealed/decrypted")
        check(g["auth"]["verified"] is None and g["auth"]["credential"] is None, f"auth {g['auth']!r}")
    for g in got[1:]:
        check(g["anomalies"] == [], f"frame {g['frame_request']}: {g['anomalies']!r} (one note per connection)")
    check(secret not in out + err, "the secret was printed")


def case_credentials_several(iissdump, samples, work):
    """Several credentials of every kind, several captures: each connection
    names the credential that fitted."""
    rc, out, err = run(iissdump, "--json", "--password", "wrong", "--password", SEALED_PASSWORD,
                       "--password-file", os.path.join(samples, "sealed-spnego.password"),
                       "--nt-hashes", os.path.join(samples, "sealed-nthash.nthashes"),
                       "-K", os.path.join(samples, "sealed-nthash.keytab"),
                       os.path.join(samples, "sealed.pcap"), os.path.join(samples, "sealed-spnego.pcap"),
                       os.path.join(samples, "sealed-nthash.pcap"))
    check(rc == 0, f"exit {rc}: {err}")
    labels = sorted({g["auth"]["credential"] for g in json_calls(out)})
    check(labels == ["nt-hash CONTOSO\\iisops", "password #2", "password #3"], f"credentials: {labels!r}")
    check(all(g["decrypted"] for g in json_calls(out)), "a call not decrypted")


def case_credential_errors(iissdump, samples, work):
    """Unusable credential options: exit 2, a message naming the option or
    file and the reason, never the secret."""
    sealed = os.path.join(samples, "sealed.pcap")
    bad_hex = "0123456789abcdef0123456789abcdeZ"
    rc, out, err = run(iissdump, "--nt-hash", bad_hex, sealed)
    check(rc == 2 and "--nt-hash #1" in err and "32 hexadecimal digits" in err, f"{rc} {err!r}")
    check(bad_hex not in err + out, "the bad hash was echoed")
    missing = os.path.join(work, "no-such-passwords")
    rc, out, err = run(iissdump, "--password-file", missing, sealed)
    check(rc == 2 and missing in err and "No such file" in err, f"{rc} {err!r}")
    not_keytab = os.path.join(work, "not-a-keytab")
    with open(not_keytab, "wb") as f:
        f.write(b"hello, world\n")
    rc, out, err = run(iissdump, "--keytab", not_keytab, sealed)
    check(rc == 2 and not_keytab in err, f"{rc} {err!r}")
    bad_file = os.path.join(work, "bad-passwords")
    with open(bad_file, "wb") as f:
        f.write(b"good one\nsecr\xff\xfet\n")
    rc, out, err = run(iissdump, "--password-file", bad_file, sealed)
    check(rc == 2 and "line 2" in err and "secr" not in err, f"{rc} {err!r}")
    no_hashes = os.path.join(work, "no-hashes")
    with open(no_hashes, "w") as f:
        f.write("[*] nothing here\n")
    rc, out, err = run(iissdump, "--nt-hashes", no_hashes, sealed)
    check(rc == 2 and "no NT hash" in err, f"{rc} {err!r}")


def case_cut_first_record(iissdump, samples, work):
    data = open(os.path.join(samples, "iisreset-remote.pcap"), "rb").read()
    path = os.path.join(work, "cut0.pcap")
    with open(path, "wb") as f:
        f.write(data[:24 + 10])  # the file header and part of the first record header
    rc, out, err = run(iissdump, path)
    check(rc == 1 and out == "", f"exit {rc}, output {out!r}")
    line = one_error_line(err, path)
    check("calls before that point" not in line and "record 0" not in line, f"misleading message: {line!r}")
    check("nothing was decoded" in line and "first record" in line, f"message does not say it plainly: {line!r}")


def case_inference_evidence(iissdump, samples, work):
    """midstream-bound-port.pcap: the second client's Kill, whose reply is not
    in the capture, is kept only because the port was bound earlier in the
    same capture; cut away the first client's connection, or read it as a
    file of its own before, and the Kill is no IIS call (evidence is not
    carried from one file to the next)."""
    src = os.path.join(samples, "midstream-bound-port.pcap")
    rc, out, err = run(iissdump, src, "--json")
    got = json_calls(out)
    check(rc == 0 and [c["method"] for c in got] == ["Status", "Stop", "Kill"], f"whole: exit {rc}, {got}")
    check([c["inference"] for c in got] == [None, ["request_shape", "response_shape", "port_bound_earlier"],
                                            ["request_shape", "port_bound_earlier"]], f"whole: {got}")
    stop_frame = got[1]["frame_request"]
    data = open(src, "rb").read()
    ends = record_ends(data)
    second = os.path.join(work, "second-client.pcap")
    with open(second, "wb") as f:  # the file header, then the records from the Stop request on
        f.write(data[:24] + data[ends[stop_frame - 2]:])
    for files in ([second], [os.path.join(samples, "iisreset-remote.pcap"), second]):
        rc, out, err = run(iissdump, *files, "--json")
        got = [c for c in json_calls(out) if c["interface"] == "inferred"]
        check(rc == 0 and [(c["method"], c["inference"]) for c in got] ==
              [("Stop", ["request_shape", "response_shape"])], f"{len(files)} file(s): exit {rc}, {got}")
    rc, out, err = run(iissdump, src, "--json", "--no-infer")
    check(rc == 0 and [c["method"] for c in json_calls(out)] == ["Status"], f"--no-infer: {out[:200]!r}")
    for name in ("decoys", "decoys-bound"):
        rc, out, err = run(iissdump, os.path.join(samples, name + ".pcap"), "--json")
        check(rc == 0 and json_calls(out) == [], f"{name}: exit {rc}, {out[:300]!r}")


class Skip(Exception):
    pass


def need_tools(*names):
    missing = [n for n in names if not shutil.which(n)]
    if missing:
        raise Skip("needs " + ", ".join(missing))


def tool(*args):
    p = subprocess.run(list(args), capture_output=True)
    check(p.returncode == 0, f"{args[0]} failed: {p.stderr.decode(errors='replace')}")
    return p.stdout.decode()


def merged_inputs(samples, work):
    """Three samples of different link types (Linux cooked, Ethernet, raw IP:
    the IPv6 sample with its Ethernet and VLAN headers cut off) and their
    mergecap'd pcapng, as Wireshark writes a capture on several interfaces."""
    raw = os.path.join(work, "raw-ipv6.pcapng")
    tool("editcap", "-L", "-C", "18", "-T", "rawip", os.path.join(samples, "ipv6-vlan.pcapng"), raw)
    inputs = [os.path.join(samples, "sll.pcap"), os.path.join(samples, "iisreset-remote.pcap"), raw]
    merged = os.path.join(work, "merged.pcapng")
    tool("mergecap", "-F", "pcapng", "-w", merged, *inputs)
    return inputs, merged


def renumber(value, frame_map):
    """The call with every frame number (keys naming a frame) mapped."""
    if isinstance(value, dict):
        return {k: (frame_map[v] if "frame" in k and isinstance(v, int) else renumber(v, frame_map))
                for k, v in value.items()}
    if isinstance(value, list):
        return [renumber(v, frame_map) for v in value]
    return value


def by_frames(calls):
    return sorted(calls, key=lambda c: (c["frame_request"] or 0, c["frame_response"] or 0))


def case_merged(iissdump, samples, work):
    need_tools("mergecap", "editcap", "tshark")
    inputs, merged = merged_inputs(samples, work)
    # tshark's numbering of the merged file: mergecap gives input i interface i
    # and keeps each input's order, so the k-th frame of interface i is frame
    # k of input i.
    rows = [l.split("\t") for l in tool("tshark", "-r", merged, "-T", "fields", "-e", "frame.number",
                                         "-e", "frame.interface_id").splitlines() if l.strip()]
    per_iface = {}
    for number, iface in rows:
        per_iface.setdefault(int(iface), []).append(int(number))
    check(sorted(per_iface) == [0, 1, 2], f"interfaces {sorted(per_iface)}")
    want = []
    want_activations = []
    for i, path in enumerate(inputs):
        rc, out, err = run(iissdump, path, "--json")
        check(rc == 0 and err == "", f"{path}: exit {rc}, {err!r}")
        calls = json_calls(out)
        check(calls, f"{path}: no call")
        frame_map = {k + 1: n for k, n in enumerate(per_iface[i])}
        want += [renumber(c, frame_map) for c in calls]
        want_activations += [renumber(a, frame_map) for a in json_activations(out)]
    rc, out, err = run(iissdump, merged, "--json")
    check(rc == 0 and err == "", f"merged: exit {rc}, {err!r}")
    got = json_calls(out)
    check(len(got) == len(want), f"merged: {len(got)} calls, the inputs have {len(want)}")
    merged_activations = {a["frame_response"]: a for a in json_activations(out)}
    check(sorted(merged_activations) == sorted(a["frame_response"] for a in want_activations),
          f"merged: activations at {sorted(merged_activations)}, the inputs' at "
          f"{[a['frame_response'] for a in want_activations]}")
    for g, w in zip(by_frames(got), by_frames(want)):
        # The inputs share IPIDs: a call of one input to the same server may
        # rightly name another input's earlier activation of that IPID.
        g_frame, w_frame = g.pop("activation_frame"), w.pop("activation_frame")
        check(g == w, f"merged: call differs from its input's:\n{g}\n{w}")
        if w_frame is not None:
            check(g_frame == w_frame, f"merged: activation_frame {g_frame}, its input's {w_frame}")
        elif g_frame is not None:
            act = merged_activations.get(g_frame)
            check(act and act["ipid"] == g["ipid"] and act["server"].rsplit(":", 1)[0] ==
                  g["server"].rsplit(":", 1)[0] and g_frame < g["frame_request"],
                  f"merged: activation_frame {g_frame} is no earlier activation of {g['ipid']} on its server")
    # every request and response frame is a DCE/RPC PDU where tshark sees one
    pdus = {int(l) for l in tool("tshark", "-r", merged, "-Y", "dcerpc", "-T", "fields",
                                 "-e", "frame.number").split()}
    for c in got:
        for k in ("frame_request", "frame_response"):
            check(c[k] is None or c[k] in pdus, f"merged: {k} {c[k]} is no DCE/RPC frame to tshark")
    # and the text timeline has the merged order: by request time across interfaces
    rc, text, err = run(iissdump, merged)
    check(rc == 0 and text.count("[frame ") == len(got) + len(merged_activations), f"merged text: exit {rc}")

    # an interface of a link type iissdump does not decode (the SLL sample
    # relabelled 802.11): the other interface's calls, and its packets named
    wlan = os.path.join(work, "wlan.pcap")
    tool("editcap", "-T", "ieee-802-11", inputs[0], wlan)
    for order in ((inputs[1], wlan), (wlan, inputs[1])):
        mixed = os.path.join(work, "mixed.pcapng")
        tool("mergecap", "-F", "pcapng", "-w", mixed, *order)
        rc, out, err = run(iissdump, mixed, "--json")
        check(rc == 0, f"mixed {order}: exit {rc}, {err!r}")
        line = one_error_line(err, mixed)
        check("15 packet(s) skipped" in line and "105 (IEEE802_11)" in line, f"mixed: {line!r}")
        check([c["method"] for c in json_calls(out)] ==
              [c["method"] for c in expected_calls(samples, "iisreset-remote")], f"mixed {order}: calls differ")
    only = os.path.join(work, "wlan.pcapng")
    tool("editcap", "-F", "pcapng", wlan, only)
    rc, out, err = run(iissdump, only)
    check(rc == 1 and out == "", f"802.11 only: exit {rc}")
    check("unsupported link type 105" in one_error_line(err, only), f"802.11 only: {err!r}")


def case_activation_evidence(iissdump, samples, work):
    """activation-interleaved with both binds to 49155 cut away (frames 24,
    25, 34, 35) and 10.0.0.6's Kill left unanswered (frame 54): every call is
    inferred, names its own client's activation, and the Kill is kept only
    because its object UUID is an IPID an IIS activation returned. Without
    10.0.0.6's activation (frames 14-17 too) that Kill is not kept, and its
    Status has no activation_frame."""
    need_tools("editcap")
    source = os.path.join(samples, "activation-interleaved.pcap")
    cut = os.path.join(work, "activation-no-bind.pcap")
    tool("editcap", source, cut, "24", "25", "34", "35", "54")
    rc, out, err = run(iissdump, cut, "--json")
    check(rc == 0, f"exit {rc}: {err!r}")
    calls = json_calls(out)
    acts = json_activations(out)
    check(len(acts) == 3, f"{len(acts)} activations")
    by_client = {a["client"].rsplit(":", 1)[0]: a for a in acts}
    want = [("10.0.0.5", "Status"), ("10.0.0.5", "Stop"), ("10.0.0.6", "Status"), ("10.0.0.5", "Start"),
            ("10.0.0.6", "Kill")]
    check([(c["client"].rsplit(":", 1)[0], c["method"]) for c in calls] == want,
          f"calls {[(c['client'], c['method']) for c in calls]}")
    for c in calls:
        host = c["client"].rsplit(":", 1)[0]
        check(c["interface"] == "inferred" and "activation_ipid" in c["inference"] and
              "port_bound_earlier" not in c["inference"], f"{c['method']} from {host}: {c['inference']}")
        check(c["activation_frame"] == by_client[host]["frame_response"] and c["ipid"] == by_client[host]["ipid"],
              f"{c['method']} from {host}: activation_frame {c['activation_frame']}")
    kill = calls[-1]
    check(kill["frame_response"] is None and kill["inference"] == ["request_shape", "activation_ipid"],
          f"Kill: {kill['frame_response']}, {kill['inference']}")
    rc, text, err = run(iissdump, cut)
    check("Kill() → no response" in text and "[inferred: request_shape, activation_ipid]" in text,
          f"text: {text!r}")

    no_activation = os.path.join(work, "activation-none.pcap")
    tool("editcap", source, no_activation, "14-17", "24", "25", "34", "35", "54")
    rc, out, err = run(iissdump, no_activation, "--json")
    check(rc == 0, f"exit {rc}: {err!r}")
    calls = json_calls(out)
    second = [c for c in calls if c["client"].startswith("10.0.0.6:")]
    check([c["method"] for c in second] == ["Status"], f"10.0.0.6 without its activation: {second}")
    check(second[0]["activation_frame"] is None and "activation_ipid" not in second[0]["inference"],
          f"10.0.0.6's Status: {second[0]}")
    check(len(json_activations(out)) == 2, "activations left")


def case_gzip(iissdump, samples, work):
    need_tools("mergecap", "editcap")
    _, merged = merged_inputs(samples, work)
    classic = os.path.join(samples, "iisreset-remote.pcap")
    for plain in (classic, merged):
        data = open(plain, "rb").read()
        rc, want, err = run(iissdump, plain, "--json")
        check(rc == 0 and want, f"{plain}: exit {rc}")
        # by magic, whatever the name; as a file and on standard input
        named = os.path.join(work, os.path.basename(plain) + ".gz")
        unnamed = os.path.join(work, os.path.basename(plain) + ".capture")
        for path in (named, unnamed):
            with open(path, "wb") as f:
                f.write(gzip.compress(data))
            rc, out, err = run(iissdump, path, "--json")
            check(rc == 0 and err == "" and out == want, f"{path}: exit {rc}, {err!r}, same output: {out == want}")
        rc, out, err = run(iissdump, "-", "--json", stdin=open(named, "rb").read())
        check(rc == 0 and out == want, f"stdin {named}: exit {rc}, {err!r}")
        # cut: the calls before the cut, and a warning
        cut = os.path.join(work, "cut.gz")
        z = open(named, "rb").read()
        with open(cut, "wb") as f:
            f.write(z[: len(z) * 2 // 3])
        rc, out, err = run(iissdump, cut, "--json")
        check(rc == 1, f"cut gzip: exit {rc}")
        line = one_error_line(err, cut)
        check("gzip data stops early" in line and "calls before that point" in line, f"cut gzip: {line!r}")
        got = json_calls(out)
        full = json_calls(want)
        check(0 < len(got) < len(full), f"cut gzip: {len(got)} of {len(full)} calls")
        for g, w in zip(got, full):
            check(g["frame_request"] == w["frame_request"] and g["method"] == w["method"], f"cut gzip: {g} vs {w}")
    # the expected calls of the classic sample, from the generator, through gzip
    rc, out, err = run(iissdump, os.path.join(work, "iisreset-remote.pcap.gz"), "--json")
    check([c["frame_request"] for c in json_calls(out)] ==
          [c["frame_request"] for c in expected_calls(samples, "iisreset-remote")], "gzip: frames differ")


# ---- floods (flood_capture.py writes them here, at test time) ----

def flood(work, name, connections, *args):
    path = os.path.join(work, name)
    gen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "flood_capture.py")
    subprocess.run([sys.executable, gen, path, str(connections), *args], check=True)
    return path


def check_genuine(calls, where):
    """The genuine connection's calls, exactly as flood_capture.GENUINE says."""
    genuine = [c for c in calls if c["client"] == flood_capture.GENUINE_CLIENT]
    check(len(genuine) == len(flood_capture.GENUINE), f"{where}: genuine calls {genuine!r}")
    for got, want in zip(genuine, flood_capture.GENUINE):
        check_call(got, want, where)


def check_call(got, want, where):
    check(got["server"] == flood_capture.GENUINE_SERVER, f"{where}: server {got['server']}")
    for key, value in want.items():
        have = got[key]
        if key == "services":
            have = [s["name"] for s in have]
        check(have == value, f"{where}: {want['method']} {key} is {have!r}, expected {value!r}")


def limit_lines(stderr):
    return [l for l in stderr.splitlines() if " reached " in l and "limit" in l]


def case_flood(iissdump, samples, work):
    """6,000 connections each leave a 65535-byte request unfinished, a few KB
    in, then a genuine connection binds and calls: it decodes exactly with
    the default limits; the memory limit is told once on stderr, with the
    option that raises it, and in --stats."""
    path = flood(work, "flood-after.pcap", 6000)
    rc, out, err = run(iissdump, "--json", "--stats", path)
    check(rc == 0, f"exit {rc}: {err}")
    lines = json_calls(out)
    check_genuine(lines[:-1], "flood, default limits")
    hits = limit_lines(err)
    check(len(hits) == 1 and hits[0].startswith("iissdump: memory limit (32M) reached ") and "--max-memory" in hits[0],
          f"stderr: {err!r}")
    memory = lines[-1]["stats"]["limits_reached"].get("memory")
    check(memory and memory["times"] > 0 and memory["option"] == "--max-memory" and memory["limit"] == 32 << 20,
          f"--stats limits_reached: {lines[-1]['stats']['limits_reached']!r}")
    rc, out, err = run(iissdump, "--stats", "-q", path)
    check(rc == 0 and "limits reached:\n  memory limit (--max-memory 32M)  " in out, f"--stats text: {out!r}")
    # raised far enough, nothing is reached and nothing said
    rc, out, err = run(iissdump, "--json", "--stats", "--max-memory", "1G", path)
    lines = json_calls(out)
    check(rc == 0 and limit_lines(err) == [] and lines[-1]["stats"]["limits_reached"] == {},
          f"--max-memory 1G: exit {rc}, {err!r}, {lines[-1]!r}")
    check_genuine(lines[:-1], "flood, --max-memory 1G")


def case_flood_before(iissdump, samples, work):
    """The genuine connection binds before the flood and calls after it: the
    budget takes the flood's stalled data (16M), then ends flood connections
    that carry no bound context, never the genuine one (its calls stay
    bound): 2M puts the flow table itself under pressure."""
    path = flood(work, "flood-before.pcap", 3000, "--genuine", "before")
    for args in (["--max-memory", "16M"], ["--max-memory", "2M"]):
        rc, out, err = run(iissdump, "--json", "--stats", *args, path)
        check(rc == 0, f"{args}: exit {rc}: {err}")
        lines = json_calls(out)
        check_genuine(lines[:-1], f"flood before, {args}")
        check(len(limit_lines(err)) == 1, f"{args}: stderr {err!r}")
    memory = lines[-1]["stats"]["limits_reached"]["memory"]
    check(memory["limit"] == 2 << 20 and memory["times"] > 3000, f"2M: {memory!r}")
    check("were ended early" in err and " 0 were ended early" not in err, f"2M: no connection ended: {err!r}")


def case_flood_flow_memory(iissdump, samples, work):
    """One connection's share of buffered data: the Status reply (624 bytes
    over four segments) does not fit in 600, so that call loses the rest of
    its stub and says so (limit_reached) while the Stop before it is exact;
    stderr names --max-flow-memory."""
    path = flood(work, "flood-small.pcap", 10)
    rc, out, err = run(iissdump, "--json", "--max-flow-memory", "600", path)
    calls = [c for c in json_calls(out) if c["client"] == flood_capture.GENUINE_CLIENT]
    check(rc == 0 and len(calls) == 2, f"exit {rc}, {len(calls)} calls")
    check_call(calls[0], flood_capture.GENUINE[0], "--max-flow-memory 600")
    kinds = [a["kind"] for a in calls[1]["anomalies"]]
    check(calls[1]["method"] == "Status" and "limit_reached" in kinds, f"Status: anomalies {kinds}")
    hits = limit_lines(err)
    check(len(hits) == 1 and "memory limit of one connection (600)" in hits[0] and "--max-flow-memory" in hits[0],
          f"stderr {err!r}")
    rc, out, err = run(iissdump, "--json", path)
    check(rc == 0, f"exit {rc}")
    check_genuine(json_calls(out), "10 flood connections")
    for bad in (["--max-memory", "0"], ["--max-flows", "12K"], ["--max-pending-calls", "-1"],
                ["--max-flow-memory", "lots"]):
        rc, out, err = run(iissdump, *bad, path)
        check(rc == 2 and bad[0] in err, f"{bad}: exit {rc}, {err!r}")


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    if len(sys.argv) != 5 or sys.argv[4] not in CASES:
        print(f"usage: {sys.argv[0]} IISSDUMP SAMPLES WORKDIR CASE ({', '.join(CASES)})", file=sys.stderr)
        return 2
    iissdump, samples, work, case = sys.argv[1:]
    work = os.path.join(work, case)
    os.makedirs(work, exist_ok=True)
    try:
        CASES[case](iissdump, samples, work)
    except Skip as e:
        print(f"{case}: skipped: {e}")
        return SKIPPED
    except Failure as e:
        print(f"{case}: FAILED: {e}")
        return 1
    print(f"{case}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
