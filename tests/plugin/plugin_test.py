#!/usr/bin/env python3
"""Tests of the Wireshark plugin `iiss` with tshark, loading iiss.so from the
build tree without installing it.

The plugin is staged into a world-readable temporary folder
(plugins/<major.minor>/epan/iiss.so) named by WIRESHARK_PLUGIN_DIR, which
replaces Wireshark's global plugin folder: an iiss.so installed system-wide
(README's first command) is then never scanned, and the staged copy is the one
loaded, on 4.0, 4.4 and 4.6 alike. HOME is an empty temporary folder, so no
personal plugin interferes either. tshark as root ignores
WIRESHARK_PLUGIN_DIR (and personal plugins), so it runs as nobody (setpriv)
when we are root, plainly otherwise; the captures are staged beside it.

Subcommands (exit 0 pass, 1 fail, 77 skip):
  load            tshark -G plugins lists iiss, -G fields lists every field
  sample NAME     fields vs samples/NAME.expected.json, committed goldens
                  (-T fields and -V -O iiss), expected anomalies as expert infos
  srt             -z dcerpc,srt over the samples names the five methods
  sealed          NTLMSSP-sealed capture with and without the password
  kerberos        Kerberos-sealed capture with and without the keytab (Wireshark decrypts)
  fuzz            editcap -E corruption rounds, no crash nor dissector bug

Goldens live in tests/plugin/golden/, the same for every Wireshark version:
<name>.fields.txt holds every iiss.* field (and dcom.hresult) of every IISS
frame as tshark -T fields prints it (booleans as 1/0: 4.4 prints True/False);
<name>.V.txt holds -V -O iiss with only the lines Wireshark formats itself made
version-neutral (the frame line, bytes items' truncated hex). Regenerate them
with IISS_UPDATE_GOLDEN=1 (or --update-golden) and review the diff.
"""
import argparse
import difflib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
IID = "E8FB8620-588F-11D2-9D61-00C04F79C5FE"
METHODS = {7: "Stop", 8: "Start", 9: "Reboot", 10: "Status", 11: "Kill"}
SEALED_PASSWORD_DEFAULT = "Iis-Reset-2024!"

# The field names of the contract (issue 4).
CONTRACT_FIELDS = [
    "iiss.opnum", "iiss.timeout", "iiss.force", "iiss.force_apps_closed", "iiss.buffer_size", "iiss.buffer",
    "iiss.required_size", "iiss.num_services", "iiss.hresult", "iiss.service", "iiss.service.name",
    "iiss.service.display_name", "iiss.service.name_offset", "iiss.service.display_name_offset",
    "iiss.service.type", "iiss.service.state", "iiss.service.controls_accepted", "iiss.service.win32_exit_code",
    "iiss.service.specific_exit_code", "iiss.service.checkpoint", "iiss.service.wait_hint",
]

# Scalar fields printed by `-T fields`, in this order, and how each is found
# in a call of the expected-decode file.
SCALAR_FIELDS = [
    ("iiss.opnum", "both"),
    ("iiss.timeout", "req:timeout_ms"),
    ("iiss.force", "req:force"),
    ("iiss.force_apps_closed", "req:force_apps_closed"),
    ("iiss.buffer_size", "req:buffer_size"),
    ("iiss.required_size", "resp:required_size"),
    ("iiss.num_services", "resp:num_services"),
    ("iiss.hresult", "resp:hresult"),
]
SERVICE_FIELDS = [
    ("iiss.service.name_offset", "name_offset"),
    ("iiss.service.display_name_offset", "display_name_offset"),
    ("iiss.service.type", "service_type"),
    ("iiss.service.state", "current_state"),
    ("iiss.service.controls_accepted", "controls_accepted"),
    ("iiss.service.win32_exit_code", "win32_exit_code"),
    ("iiss.service.specific_exit_code", "service_specific_exit_code"),
    ("iiss.service.checkpoint", "check_point"),
    ("iiss.service.wait_hint", "wait_hint"),
]
SERVICE_STRINGS = [("iiss.service.name", "name"), ("iiss.service.display_name", "display_name")]
AGG = "\x1f"  # aggregator between occurrences: a byte no service name holds


class Failure(Exception):
    pass


class Env:
    """A staged HOME holding the plugin and the captures, and a tshark runner."""

    def __init__(self, args):
        self.args = args
        self.tshark = shutil.which("tshark")
        self.editcap = shutil.which("editcap")
        if not self.tshark:
            print("SKIP: tshark not found")
            sys.exit(SKIP)
        self.root = tempfile.mkdtemp(prefix="iiss-plugin-test-")
        os.chmod(self.root, 0o755)
        self.home = os.path.join(self.root, "home")
        os.makedirs(self.home)
        # WIRESHARK_PLUGIN_DIR: Wireshark scans <dir>/<major.minor>/epan
        # instead of its global folder.
        self.plugin_dir = os.path.join(self.root, "plugins")
        plugdir = os.path.join(self.plugin_dir, args.ws_version, "epan")
        os.makedirs(plugdir)
        self.plugin_path = os.path.join(plugdir, "iiss.so")
        shutil.copy(args.plugin, self.plugin_path)
        self.caps = os.path.join(self.root, "caps")
        os.makedirs(self.caps)
        for dirpath, _dirs, _files in os.walk(self.root):
            os.chmod(dirpath, 0o755)
        os.chmod(self.plugin_path, 0o755)
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        if self.as_root and not shutil.which("setpriv"):
            print("SKIP: running as root and setpriv (util-linux) is missing")
            sys.exit(SKIP)

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def stage(self, path):
        dst = os.path.join(self.caps, os.path.basename(path))
        if not os.path.exists(dst):
            shutil.copy(path, dst)
            os.chmod(dst, 0o644)
        return dst

    def run(self, argv, extra_env=None, check=True, tool=None):
        env = {
            "HOME": self.home,
            "WIRESHARK_PLUGIN_DIR": self.plugin_dir,
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TZ": "UTC",
            "LC_ALL": "C.UTF-8",
        }
        if extra_env:
            env.update(extra_env)
        cmd = [tool or self.tshark] + argv
        if self.as_root:
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", "-i"] + \
                  ["%s=%s" % kv for kv in env.items()] + cmd
            proc = subprocess.run(cmd, capture_output=True, cwd=self.root)
        else:
            proc = subprocess.run(cmd, capture_output=True, env=env, cwd=self.root)
        out = proc.stdout.decode("utf-8", "replace")
        err = proc.stderr.decode("utf-8", "replace")
        if check and proc.returncode != 0:
            raise Failure("%s exited %d\n%s" % (" ".join(argv), proc.returncode, err))
        return proc.returncode, out, err


def find_sample(samples_dir, name):
    for ext in (".pcap", ".pcapng"):
        p = os.path.join(samples_dir, name + ext)
        if os.path.exists(p):
            return p
    return None


def load_expected(samples_dir, name):
    cap = find_sample(samples_dir, name)
    exp = os.path.join(samples_dir, name + ".expected.json")
    if cap is None or not os.path.exists(exp):
        return None, None
    with open(exp, encoding="utf-8") as f:
        return cap, json.load(f)


def list_samples(samples_dir):
    names = []
    if os.path.isdir(samples_dir):
        for fn in sorted(os.listdir(samples_dir)):
            if fn.endswith(".expected.json"):
                name = fn[: -len(".expected.json")]
                if find_sample(samples_dir, name):
                    names.append(name)
    return names


def golden_check(args, name, text):
    path = os.path.join(args.golden_dir, name)
    update = args.update_golden or os.environ.get("IISS_UPDATE_GOLDEN") == "1"
    if update:
        os.makedirs(args.golden_dir, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print("golden written: %s" % path)
        return
    if not os.path.exists(path):
        raise Failure("golden %s missing (regenerate with IISS_UPDATE_GOLDEN=1)" % path)
    with open(path, encoding="utf-8") as f:
        want = f.read()
    if want != text:
        diff = "".join(difflib.unified_diff(want.splitlines(True), text.splitlines(True), "golden", "tshark", n=2))
        raise Failure("output differs from golden %s:\n%s" % (name, diff[:6000]))


# ---- load ----

def cmd_load(env, args):
    _, out, _ = env.run(["-G", "folders"])
    global_plugins = [l.split("\t", 1)[-1].strip() for l in out.splitlines() if l.startswith("Global Plugins:")]
    if global_plugins != [os.path.join(env.plugin_dir, env.args.ws_version)]:
        raise Failure("WIRESHARK_PLUGIN_DIR did not replace the global plugin folder:\n" + out)
    _, out, err = env.run(["-G", "plugins"])
    lines = [l for l in out.splitlines() if l.startswith("iiss.so")]
    if len(lines) != 1 or lines[0].split("\t")[-1].strip() != env.plugin_path:
        raise Failure("tshark -G plugins does not list exactly the staged iiss.so:\n" + out + err)
    print("plugin listed: " + " ".join(lines[0].split()))
    _, out, _ = env.run(["-G", "fields"])
    fields = {}
    protocol = None
    for l in out.splitlines():
        parts = l.split("\t")
        if parts[0] == "P" and len(parts) > 2 and parts[2] == "iiss":
            protocol = parts[1]
        if parts[0] == "F" and len(parts) > 3 and parts[2].startswith("iiss"):
            fields[parts[2]] = parts[3]
    if protocol != "IIS ServiceControl":
        raise Failure("protocol iiss not registered as 'IIS ServiceControl' (got %r)" % protocol)
    missing = [f for f in CONTRACT_FIELDS if f not in fields]
    if missing:
        raise Failure("fields missing from tshark -G fields: %s" % ", ".join(missing))
    want_types = {"iiss.timeout": "FT_UINT32", "iiss.buffer": "FT_BYTES", "iiss.service": "FT_NONE",
                  "iiss.service.name": "FT_STRING", "iiss.hresult": "FT_UINT32"}
    for f, t in want_types.items():
        if fields[f] != t:
            raise Failure("%s is %s, want %s" % (f, fields[f], t))
    # One expert info per decoder anomaly kind (iiss.anomaly.<kind>).
    kinds = sorted(f for f in fields if f.startswith("iiss.anomaly."))
    for k in ("buffer_too_short", "string_out_of_bounds", "conformance_mismatch",
              "byte_offsets", "stub_truncated", "null_pointer"):
        if "iiss.anomaly." + k not in fields:
            raise Failure("expert info iiss.anomaly.%s not registered" % k)
    # None the plugin can never raise: only opnums 7-11 reach the decoder,
    # transport or authentication notes are iissdump's capture stages', and
    # activations are Wireshark's DCOM dissector's.
    never = [k for k in ("unknown_opnum", "tcp_gap", "stub_too_large", "fragments_incomplete", "pdu_malformed",
                         "response_not_awaited", "pdu_truncated", "signature_invalid", "not_decrypted",
                         "objref_invalid", "activation_properties_inconsistent", "dualstringarray_invalid")
             if "iiss.anomaly." + k in fields]
    if never:
        raise Failure("expert infos registered that the plugin never raises: %s" % ", ".join(never))
    # The bits of dwServiceType and dwControlsAccepted.
    for f in ("iiss.service.type.win32_share_process", "iiss.service.controls_accepted.stop"):
        if fields.get(f) != "FT_BOOLEAN":
            raise Failure("bit field %s missing" % f)
    print("%d iiss fields, %d anomaly expert infos registered" % (len(fields), len(kinds)))


# ---- sample ----

def server_ports(expected):
    """The server ports of the sample's IIS calls, and of its decoy calls
    (other interfaces the midstream inference must turn down)."""
    ports = set()
    for call in expected.get("calls", []) + expected.get("decoy_calls", []):
        server = call.get("server") or ""
        if ":" in server:
            port = server.rsplit(":", 1)[1]
            if port.isdigit():
                ports.add(int(port))
    return sorted(ports)


def tshark_options(expected, midstream=True):
    """The sample's own options, plus the plugin's midstream preference naming
    the server ports, so calls whose bind tshark cannot see are inferred (it
    leaves contexts with a bind alone)."""
    opts = [str(o) for o in (expected.get("tshark_options") or [])]
    ports = server_ports(expected)
    if midstream and ports:
        opts += ["-o", "iiss.midstream_ports:" + ",".join(str(p) for p in ports)]
        # An inferred request is decided once its response has been seen:
        # two passes show it (one pass shows the responses only).
        if any(c.get("interface") == "inferred" for c in expected.get("calls", [])) or expected.get("decoy_calls"):
            opts += ["-2"]
    return opts


def truncated_frames(env, cap, expected):
    """Frames cut by the capture's snaplen: tshark cannot dissect a stub
    there, whatever the plugin does."""
    _, out, _ = env.run(["-n", "-r", cap] + tshark_options(expected, midstream=False) +
                        ["-T", "fields", "-e", "frame.number", "-e", "frame.len", "-e", "frame.cap_len"])
    cut = set()
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[1] != parts[2]:
            cut.add(int(parts[0]))
    return cut


def anomaly_kinds(env):
    _, out, _ = env.run(["-G", "fields"])
    kinds = []
    for l in out.splitlines():
        parts = l.split("\t")
        if parts[0] == "F" and len(parts) > 2 and parts[2].startswith("iiss.anomaly."):
            kinds.append(parts[2][len("iiss.anomaly."):])
    return kinds


def split_occ(value):
    return [] if value == "" else value.split(AGG)


def as_int(text):
    return int(text, 0)


def visible_calls(expected, cut):
    """The calls tshark can show: none of their frames cut by the snaplen."""
    calls = []
    for call in expected.get("calls", []):
        frames = [call.get(k) for k in ("frame_request", "frame_response") if call.get(k)]
        if any(int(f) in cut for f in frames):
            continue
        calls.append(call)
    return calls


def expected_frames(calls):
    """frame number -> list of (role, call) in capture order."""
    frames = {}
    for call in calls:
        for role, key in (("req", "frame_request"), ("resp", "frame_response")):
            fn = call.get(key)
            if role == "resp" and call.get("fault_status"):
                continue  # a DCE/RPC fault: the DCE/RPC dissector shows it, not IISS
            if fn:
                frames.setdefault(int(fn), []).append((role, call))
    return frames


def param_value(role, call, spec):
    if spec == "both":
        return call.get("opnum")
    want_role, key = spec.split(":")
    if role != want_role:
        return None
    if want_role == "req":
        v = (call.get("params") or {}).get(key)
    else:
        v = call.get(key)
    if isinstance(v, str):
        v = int(v, 0)
    return v


def check_fields(env, cap, expected, name):
    kinds = anomaly_kinds(env)
    cols = [f for f, _ in SCALAR_FIELDS] + [f for f, _ in SERVICE_FIELDS] + [f for f, _ in SERVICE_STRINGS]
    argv = ["-n", "-r", cap] + tshark_options(expected) + ["-Y", "iiss", "-T", "fields", "-E", "aggregator=" + AGG,
                                                           "-e", "frame.number"]
    for c in cols:
        argv += ["-e", c]
    for k in kinds:
        argv += ["-e", "iiss.anomaly." + k]
    _, out, err = env.run(argv)
    if "Dissector bug" in out or "Dissector bug" in err:
        raise Failure("dissector bug reported")
    rows = {}
    for line in out.splitlines():
        parts = line.split("\t")
        rows[int(parts[0])] = parts[1:]

    cut = truncated_frames(env, cap, expected)
    calls = visible_calls(expected, cut)
    want = expected_frames(calls)
    errors = []
    if cut:
        print("%s: %d frames cut by the snaplen; %d of %d calls can be dissected"
              % (name, len(cut), len(calls), len(expected.get("calls", []))))
    extra = sorted(set(rows) - set(want))
    if extra:
        errors.append("frames dissected as IISS but absent from the expected decode: %s" % extra)
    for fn, entries in sorted(want.items()):
        row = rows.get(fn)
        if row is None:
            errors.append("frame %d: no IISS in tshark's dissection" % fn)
            continue
        values = dict(zip(cols, row[: len(cols)]))
        # Scalars: the occurrences in the frame, in call order.
        for field, spec in SCALAR_FIELDS:
            exp = [param_value(role, call, spec) for role, call in entries]
            exp = [v for v in exp if v is not None]
            got = [as_int(v) for v in split_occ(values[field])]
            if got != exp:
                errors.append("frame %d: %s = %s, expected %s" % (fn, field, got, exp))
        # Services (responses only).
        services = [s for role, call in entries if role == "resp" for s in (call.get("services") or [])]
        for field, key in SERVICE_FIELDS:
            exp = [s.get(key) for s in services]
            got = [as_int(v) for v in split_occ(values[field])]
            if got != exp:
                errors.append("frame %d: %s = %s, expected %s" % (fn, field, got, exp))
        for field, key in SERVICE_STRINGS:
            exp = [s.get(key) for s in services if s.get(key) is not None]
            got = split_occ(values[field])
            if got != exp:
                errors.append("frame %d: %s = %s, expected %s" % (fn, field, got, exp))
        # Anomalies: each expected kind is an expert info on the call's frames.
        for role, call in entries:
            if role != "resp" and call.get("frame_response"):
                continue  # checked once, with the response frame
            frames = [int(call[k]) for k in ("frame_request", "frame_response") if call.get(k)]
            got_kinds = set()
            for f in frames:
                r = rows.get(f)
                if r is not None:
                    got_kinds |= set(k for k, v in zip(kinds, r[len(cols):]) if v != "")
            exp_kinds = set(a["kind"] for a in (call.get("anomalies") or []))
            unknown = exp_kinds - set(kinds)
            if unknown:
                errors.append("call in frames %s: anomaly kinds %s have no expert info" % (frames, sorted(unknown)))
            # The expected decode lists the kinds each call was built to
            # carry; the decoder may find consequences of them too.
            if not exp_kinds <= got_kinds:
                errors.append("call in frames %s: expert anomalies %s, expected at least %s"
                              % (frames, sorted(got_kinds), sorted(exp_kinds)))
    if errors:
        raise Failure("\n".join(errors))
    golden_check(env.args, name + ".fields.txt", all_fields_text(env, cap, expected))
    print("%s: %d calls, %d frames match the expected decode" % (name, len(calls), len(want)))


# Fields of other protocols the plugin fills too (filters users know).
GOLDEN_OTHER_FIELDS = ["dcom.hresult"]
BOOLEAN_TEXT = {"True": "1", "False": "0"}  # 4.4+ print booleans as True/False, 4.0 as 1/0


def field_types(env, prefixes):
    """name -> FT_ type of every registered field whose name starts with one of prefixes."""
    _, out, _ = env.run(["-G", "fields"])
    types = {}
    for l in out.splitlines():
        parts = l.split("\t")
        if parts[0] == "F" and len(parts) > 3 and parts[2].startswith(prefixes):
            types[parts[2]] = parts[3]
    return types


def all_fields_text(env, cap, expected):
    """Every iiss.* field (and GOLDEN_OTHER_FIELDS) of every IISS frame, one
    "name=value" line per field present, occurrences joined by '|'."""
    types = field_types(env, ("iiss.",) + tuple(GOLDEN_OTHER_FIELDS))
    names = sorted(n for n in types if n.startswith("iiss.") or n in GOLDEN_OTHER_FIELDS)
    argv = ["-n", "-r", cap] + tshark_options(expected) + ["-Y", "iiss", "-T", "fields", "-E", "aggregator=" + AGG,
                                                           "-e", "frame.number"]
    for n in names:
        argv += ["-e", n]
    _, out, _ = env.run(argv)
    text = []
    for line in out.splitlines():
        parts = line.split("\t")
        text.append("frame %s\n" % parts[0])
        for n, value in zip(names, parts[1:]):
            if value == "":
                continue
            occ = value.split(AGG)
            if types[n] == "FT_BOOLEAN":
                occ = [BOOLEAN_TEXT.get(v, v) for v in occ]
            text.append("  %s=%s\n" % (n, "|".join(occ)))
    return "".join(text)


# Lines of -V that Wireshark formats itself and that differ between
# releases: "Frame N: Packet, ..." (4.6), and bytes items, whose hex 4.0 cuts
# after 36 bytes ("Label: <72 hex digits>…") and 4.4+ after about 120
# ("Label […]: <hex>"). Every bytes item of 36 bytes or more keeps its label
# and its first 16 bytes; the plugin's own lines stay as they are.
FRAME_LINE = re.compile(r"^Frame (\d+): Packet, ")
CUT_BYTES = re.compile(r"^(\s*)([^\s\[][^:\[]*?)(?: \[\u2026\])?: ([0-9a-f]{72,})\u2026?$")


def version_neutral(text):
    lines = []
    for line in text.splitlines(True):
        end = "\n" if line.endswith("\n") else ""
        body = line[: len(line) - len(end)]
        body = FRAME_LINE.sub(r"Frame \1: ", body)
        m = CUT_BYTES.match(body)
        if m:
            body = "%s%s: %s\u2026" % (m.group(1), m.group(2), m.group(3)[:32])
        lines.append(body + end)
    return "".join(lines)


def check_verbose_golden(env, cap, expected, name):
    argv = ["-n", "-r", cap] + tshark_options(expected) + ["-Y", "iiss", "-V", "-O", "iiss"]
    _, out, err = env.run(argv)
    if "Dissector bug" in out or "Dissector bug" in err:
        raise Failure("dissector bug reported")
    golden_check(env.args, name + ".V.txt", version_neutral(out))


def sealed_with_plaintext(args, expected):
    """The sealed capture's expected decode holds what a decoder without the
    password sees (null values). Its description says it carries the
    iisreset-remote calls: with the password, tshark must show those values,
    so they are taken from iisreset-remote's expected decode, call by call."""
    _, plain = load_expected(args.samples_dir, "iisreset-remote")
    if plain is None:
        raise Failure("sealed needs iisreset-remote's expected decode for the plaintext values")
    calls, plain_calls = expected.get("calls", []), plain.get("calls", [])
    if [c.get("opnum") for c in calls] != [c.get("opnum") for c in plain_calls]:
        raise Failure("sealed and iisreset-remote do not carry the same calls")
    merged = []
    for c, p in zip(calls, plain_calls):
        m = dict(c)
        for key in ("params", "hresult", "hresult_name", "required_size", "num_services", "services"):
            if c.get(key) is None or (key == "params" and all(v is None for v in (c.get(key) or {}).values())):
                m[key] = p.get(key)
        merged.append(m)
    out = dict(expected)
    out["calls"] = merged
    opts = tshark_options(expected)
    if not any(o.startswith("ntlmssp.nt_password:") for o in opts):
        opts += ["-o", "ntlmssp.nt_password:" + (expected.get("password") or SEALED_PASSWORD_DEFAULT)]
    out["tshark_options"] = opts
    return out


def cmd_sample(env, args):
    cap, expected = load_expected(args.samples_dir, args.name)
    if cap is None:
        print("SKIP: sample %s (capture or expected decode) not in %s yet" % (args.name, args.samples_dir))
        return SKIP
    staged = env.stage(cap)
    if args.name == "sealed":
        expected = sealed_with_plaintext(args, expected)
    check_fields(env, staged, expected, args.name)
    check_verbose_golden(env, staged, expected, args.name)
    inferred = [c for c in expected.get("calls", []) if c.get("interface") == "inferred"]
    if inferred:
        # Without the midstream preference Wireshark has no bind to go by.
        _, out, _ = env.run(["-n", "-r", staged] + tshark_options(expected, midstream=False) +
                            ["-Y", "iiss", "-T", "fields", "-e", "frame.number"])
        inferred_frames = {str(c.get(k)) for c in inferred for k in ("frame_request", "frame_response")
                           if c.get(k) is not None}
        shown = sorted(set(out.split()) & inferred_frames, key=int)
        if shown:
            raise Failure("without iiss.midstream_ports frames %s are IISS, but no bind was captured" % shown)
        # One pass: a request is dissected before its response is seen, so
        # only the responses (each deciding its call) are shown.
        # (Frames whose stub the snaplen cut are shown in neither run.)
        _, out, _ = env.run(["-n", "-r", staged] + tshark_options(expected) +
                            ["-Y", "iiss", "-T", "fields", "-e", "frame.number"])
        two_passes = set(out.split())
        one_pass = [o for o in tshark_options(expected) if o != "-2"]
        _, out, _ = env.run(["-n", "-r", staged] + one_pass + ["-Y", "iiss", "-T", "fields", "-e", "frame.number"])
        requests = {str(c["frame_request"]) for c in inferred}
        if set(out.split()) != two_passes - requests:
            raise Failure("one pass shows frames %s, expected %s (the two passes' without the inferred requests)"
                          % (sorted(set(out.split()), key=int), sorted(two_passes - requests, key=int)))
        print("%s: %d inferred calls shown only with the iiss.midstream_ports preference, their requests with "
              "two passes" % (args.name, len(inferred)))
    return 0


# ---- srt ----

def cmd_srt(env, args):
    names = list_samples(args.samples_dir)
    if not names:
        print("SKIP: no samples in %s yet" % args.samples_dir)
        return SKIP
    seen = set()
    for name in names:
        if name == "sealed":
            continue
        cap, expected = load_expected(args.samples_dir, name)
        staged = env.stage(cap)
        argv = ["-n", "-q", "-r", staged] + tshark_options(expected) + ["-z", "dcerpc,srt,%s,0.0" % IID]
        _, out, _ = env.run(argv)
        if "Filter: iiss.opnum" not in out:
            raise Failure("%s: SRT output is not the IIS ServiceControl interface's:\n%s" % (name, out))
        got = set()
        for line in out.splitlines():
            # "Index  Procedure  Calls  Min SRT ...": "   10  Status   3  0.0079 ..."
            parts = line.split()
            if len(parts) >= 3 and parts[0].isdigit() and parts[2].isdigit():
                if METHODS.get(int(parts[0])) != parts[1]:
                    raise Failure("%s: SRT line names opnum %s %r, expected %r"
                                  % (name, parts[0], parts[1], METHODS.get(int(parts[0]))))
                got.add(parts[1])
        want = set()
        for call in expected.get("calls", []):
            if call.get("frame_request") and call.get("frame_response") and call.get("interface", "bound") == "bound":
                want.add(METHODS.get(call.get("opnum"), "?"))
        if not want <= got:
            raise Failure("%s: SRT names %s, expected at least %s\n%s" % (name, sorted(got), sorted(want), out))
        seen |= got
        if name == "iisreset-remote":
            print(out)
    missing = set(METHODS.values()) - seen
    if missing:
        raise Failure("the SRT statistics over all samples never name %s" % sorted(missing))
    print("SRT statistics name %s" % ", ".join(m for m in METHODS.values()))
    return 0


# ---- sealed ----

def cmd_sealed(env, args):
    cap, expected = load_expected(args.samples_dir, "sealed")
    if cap is None:
        print("SKIP: sample sealed not in %s yet" % args.samples_dir)
        return SKIP
    staged = env.stage(cap)
    pw = expected.get("password") or SEALED_PASSWORD_DEFAULT
    opts = tshark_options(expected)
    clean = []
    i = 0
    while i < len(opts):  # the options without the password
        if opts[i] == "-o" and i + 1 < len(opts) and opts[i + 1].startswith("ntlmssp.nt_password:"):
            i += 2
            continue
        clean.append(opts[i])
        i += 1
    base = ["-n", "-r", staged] + clean
    # Without the password: encrypted stubs, no IISS fields, no error.
    rc, out, err = env.run(base + ["-T", "fields", "-e", "frame.number", "-e", "iiss.opnum", "-e", "iiss.hresult"],
                           check=False)
    if rc != 0 or "Dissector bug" in out + err:
        raise Failure("without the password tshark failed (%d): %s" % (rc, err))
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) > 2 and parts[2] != "":
            raise Failure("without the password an HRESULT was shown (misread): %s" % line)
    rc, out, err = env.run(base + ["-Y", "dcerpc.encrypted_stub_data"], check=False)
    if not out.strip():
        raise Failure("without the password no encrypted stub is shown")
    # With the password: every call dissected, its HRESULT the plaintext one.
    _, out, err = env.run(base + ["-o", "ntlmssp.nt_password:" + pw, "-Y", "iiss", "-T", "fields",
                                   "-e", "frame.number", "-e", "iiss.hresult"])
    got = {}
    for line in out.splitlines():
        parts = line.split("\t")
        got[int(parts[0])] = parts[1]
    calls = sealed_with_plaintext(args, expected)["calls"]
    for call in calls:
        fr = call.get("frame_response")
        if fr and call.get("hresult") is not None:
            if fr not in got or as_int(got[fr].split(",")[0]) != int(call["hresult"], 0):
                raise Failure("with the password, frame %s HRESULT %r, expected %s" % (fr, got.get(fr), call["hresult"]))
    print("sealed: %d calls decrypted and dissected; without the password only encrypted stubs" % len(calls))
    return 0


# ---- kerberos ----

KERBEROS_SAMPLES = ("sealed-kerberos", "sealed-kerberos-rc4", "sealed-kerberos-spnego")


def cmd_kerberos(env, args):
    """The Kerberos-sealed samples (AES256 CFX tokens, RC4-HMAC RFC 4757
    tokens, Kerberos inside SPNEGO) through Wireshark's own keytab decryption (-K,
    kerberos.decrypt): the plugin dissects every call with the plaintext
    values of the expected file; without the keytab no value is shown (the
    stubs stay encrypted) and nothing fails."""
    checked = 0
    for name in KERBEROS_SAMPLES:
        cap, expected = load_expected(args.samples_dir, name)
        if cap is None:
            print("SKIP: sample %s not in %s yet" % (name, args.samples_dir))
            return SKIP
        kerberos_sample(env, args, name, cap, expected)
        checked += 1
    return 0


def kerberos_sample(env, args, name, cap, expected):
    staged = env.stage(cap)
    keytab = env.stage(os.path.join(args.samples_dir, name + ".keytab"))
    base = ["-n", "-r", staged] + tshark_options(expected)
    fields = ["-T", "fields", "-e", "frame.number", "-e", "iiss.opnum", "-e", "iiss.hresult",
              "-e", "iiss.buffer_size", "-e", "iiss.num_services"]
    rc, out, err = env.run(base + fields, check=False)
    if rc != 0 or "Dissector bug" in out + err:
        raise Failure("without the keytab tshark failed (%d): %s" % (rc, err))
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) > 2 and parts[2] != "":
            raise Failure("without the keytab an HRESULT was shown (misread): %s" % line)
    rc, out, err = env.run(base + ["-K", keytab, "-o", "kerberos.decrypt:TRUE", "-Y", "iiss"] + fields, check=False)
    if rc != 0 or "Dissector bug" in out + err:
        raise Failure("with the keytab tshark failed (%d): %s" % (rc, err))
    rows = {}
    for line in out.splitlines():
        parts = line.split("\t")
        rows[int(parts[0])] = parts[1:]
    checked = 0
    for call in expected["calls"]:
        req, resp = call.get("frame_request"), call.get("frame_response")
        if req not in rows or rows[req][0].split(",")[0] != str(call["opnum"]):
            raise Failure("with the keytab, request frame %s not dissected as opnum %s: %r"
                          % (req, call["opnum"], rows.get(req)))
        want_size = (call.get("params") or {}).get("buffer_size")
        if want_size is not None and rows[req][2].split(",")[0] != str(want_size):
            raise Failure("with the keytab, frame %s buffer_size %r, expected %s" % (req, rows[req][2], want_size))
        if resp and call.get("hresult") is not None:
            got = rows.get(resp, ["", "", "", ""])[1].split(",")[0]
            if got == "" or as_int(got) != int(call["hresult"], 0):
                raise Failure("with the keytab, frame %s HRESULT %r, expected %s" % (resp, got, call["hresult"]))
            if call.get("num_services") is not None and rows[resp][3].split(",")[0] != str(call["num_services"]):
                raise Failure("with the keytab, frame %s num_services %r, expected %s"
                              % (resp, rows[resp][3], call["num_services"]))
        checked += 1
    print("%s: %d calls decrypted by Wireshark's keytab decryption and dissected; without the keytab "
          "no value shown" % (name, checked))


# ---- mixed: NDR20-layout ORPC in an NDR64 context ----

def cmd_mixed(env, args):
    """craft_mixed_layout.py's capture: MS-DCOM 2.2.13 marshals ORPCTHIS and
    ORPCTHAT with NDR20 even in an NDR64 context; the parameters follow NDR64."""
    cap = os.path.join(env.caps, "mixed-layout.pcap")
    subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "craft_mixed_layout.py"),
                    cap], check=True)
    os.chmod(cap, 0o644)
    fields = ["frame.number", "iiss.opnum", "iiss.orpc.layout", "iiss.timeout", "iiss.force", "iiss.buffer_size",
              "iiss.buffer.max_count", "iiss.required_size", "iiss.num_services", "iiss.hresult",
              "iiss.service.name", "iiss.service.display_name", "iiss.service.name_offset",
              "iiss.service.display_name_offset", "iiss.service.type", "iiss.service.state",
              "iiss.service.controls_accepted", "iiss.insufficient_buffer",
              "iiss.terminates_processes", "dcerpc.cn_bind_to_uuid"]
    argv = ["-n", "-r", cap, "-Y", "iiss", "-T", "fields", "-E", "aggregator=|"]
    for f in fields:
        argv += ["-e", f]
    _, out, _ = env.run(argv)
    got = {int(l.split("\t")[0]): dict(zip(fields, l.split("\t"))) for l in out.splitlines()}
    # frame -> expected values (the capture's construction)
    want = {
        3: {"iiss.opnum": "7", "iiss.orpc.layout": "0", "iiss.timeout": "20000", "iiss.force": "1",
            "iiss.terminates_processes": "1"},
        4: {"iiss.opnum": "7", "iiss.orpc.layout": "0", "iiss.hresult": "0x00000000"},
        5: {"iiss.opnum": "10", "iiss.buffer_size": "16"},
        6: {"iiss.buffer.max_count": "16", "iiss.required_size": "230", "iiss.num_services": "0",
            "iiss.hresult": "0x8007007a", "iiss.insufficient_buffer": "1"},
        7: {"iiss.buffer_size": "238"},
        8: {"iiss.buffer.max_count": "238", "iiss.required_size": "230", "iiss.num_services": "2",
            "iiss.hresult": "0x00000000", "iiss.service.name": "W3SVC|WAS",
            "iiss.service.display_name": "World Wide Web Publishing Service|Windows Process Activation Service",
            "iiss.service.name_offset": "36|76", "iiss.service.display_name_offset": "42|80",
            "iiss.service.type": "0x00000020|0x00000020", "iiss.service.state": "4|4",
            "iiss.service.controls_accepted": "0x00000085|0x00000081"},
        9: {"iiss.opnum": "11", "iiss.terminates_processes": "1"},
        10: {"iiss.opnum": "11", "iiss.hresult": "0x00000000"},
    }
    errors = []
    if sorted(got) != sorted(want):
        errors.append("IISS frames %s, expected %s" % (sorted(got), sorted(want)))
    for fn, values in want.items():
        for field, value in values.items():
            if got.get(fn, {}).get(field) != value:
                errors.append("frame %d: %s = %r, expected %r" % (fn, field, got.get(fn, {}).get(field), value))
    _, out, _ = env.run(["-n", "-r", cap, "-Y", "frame.number == 1", "-V"])
    if "IIsServiceControl" not in out:
        errors.append("the bind does not name the interface IIsServiceControl")
    if errors:
        raise Failure("\n".join(errors))
    print("mixed layout: NDR20 ORPCTHIS/ORPCTHAT in an NDR64 context read, layout shown, parameters by NDR64 rules")
    return 0


# ---- fuzz ----

def cmd_fuzz(env, args):
    if not env.editcap:
        print("SKIP: editcap not found")
        return SKIP
    names = list_samples(args.samples_dir)
    if not names:
        print("SKIP: no samples in %s yet" % args.samples_dir)
        return SKIP
    rng = random.Random(args.seed)
    fuzz_env = {"WIRESHARK_ABORT_ON_DISSECTOR_BUG": "1", "WIRESHARK_DEBUG_WMEM_OVERRIDE": "strict"}
    if args.asan_preload:
        fuzz_env["LD_PRELOAD"] = args.asan_preload
        fuzz_env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=1:symbolize=1"
    runs = 0
    dissected = 0
    for rnd in range(args.rounds):
        for name in names:
            cap, expected = load_expected(args.samples_dir, name)
            src = env.stage(cap)
            seed = rng.randrange(1, 2 ** 31)
            out_cap = os.path.join(env.caps, "fuzz-%s-%d%s" % (name, rnd, os.path.splitext(cap)[1]))
            subprocess.run([env.editcap, "-E", str(args.probability), "--seed", str(seed), src, out_cap],
                           check=True, capture_output=True)
            os.chmod(out_cap, 0o644)
            opts = tshark_options(expected)
            if name == "sealed":
                opts += ["-o", "ntlmssp.nt_password:" + (expected.get("password") or SEALED_PASSWORD_DEFAULT)]
            rc, out, err = env.run(["-nVxr", out_cap] + opts, extra_env=fuzz_env, check=False)
            runs += 1
            if rc < 0 or rc >= 128 or "Dissector bug" in out or "dissector bug" in err.lower() or \
                    "AddressSanitizer" in err:
                keep = os.path.join(tempfile.gettempdir(), os.path.basename(out_cap))
                shutil.copy(out_cap, keep)
                raise Failure("fuzz round %d on %s (editcap -E %s --seed %d) failed, rc %d, kept %s\n%s"
                              % (rnd, name, args.probability, seed, rc, keep, err[-3000:]))
            if "iiss" in err.lower() and ("load" in err.lower() or "plugin" in err.lower()):
                raise Failure("the plugin did not load: %s" % err[-2000:])
            if "IIS ServiceControl" in out:
                dissected += 1
            os.unlink(out_cap)
    if dissected == 0:
        raise Failure("no fuzz run showed IIS ServiceControl: the plugin is not working under these conditions")
    print("fuzz: %d tshark runs over %d samples (%d showing IISS), no crash, no dissector bug%s"
          % (runs, len(names), dissected, " (plugin under AddressSanitizer)" if args.asan_preload else ""))
    return 0


def cmd_activation(env, args):
    """The activation as evidence: iisreset-remote with the bind to
    IIsServiceControl cut away (frames 14-15) and the Kill's reply too
    (frame 32). Its RemoteCreateInstance of the IIS CLSID (frames 6-7, port
    135) returned the IPID the calls carry, so the unanswered Kill is kept,
    naming activation_ipid; cut the activation away as well and it is not."""
    src = os.path.join(args.samples_dir, "iisreset-remote.pcap")
    if not os.path.exists(src):
        print("SKIP: iisreset-remote.pcap not in %s" % args.samples_dir)
        return SKIP
    editcap = shutil.which("editcap") or os.path.join(os.path.dirname(env.tshark), "editcap")
    cases = [("activated.pcap", ["14-15", "32"], True), ("not-activated.pcap", ["6-7", "14-15", "32"], False)]
    for name, cut, kill_kept in cases:
        cap = os.path.join(env.caps, name)
        subprocess.run([editcap, src, cap] + cut, check=True, capture_output=True)
        os.chmod(cap, 0o644)
        _, out, _ = env.run(["-2", "-n", "-r", cap, "-o", "iiss.midstream_ports:49155", "-Y", "iiss.opnum == 11",
                             "-V", "-O", "iiss"])
        kill = [l.strip() for l in out.splitlines() if l.startswith("IIS ServiceControl, Kill")]
        if kill_kept and kill != ["IIS ServiceControl, Kill (interface inferred: request_shape, activation_ipid)"]:
            raise Failure("%s: the unanswered Kill shows as %r" % (name, kill))
        if not kill_kept and kill:
            raise Failure("%s: the unanswered Kill is shown without the activation: %r" % (name, kill))
        # the answered calls are inferred either way, with the activation named where it is there
        _, out, _ = env.run(["-2", "-n", "-r", cap, "-o", "iiss.midstream_ports:49155", "-Y", "iiss", "-V", "-O",
                             "iiss"])
        lines = [l for l in out.splitlines() if l.startswith("IIS ServiceControl, ")]
        want = "request_shape, response_shape, activation_ipid)" if kill_kept else "request_shape, response_shape)"
        if len(lines) != 12 + (1 if kill_kept else 0) or \
                any(not l.endswith(want) for l in lines if "Kill" not in l):
            raise Failure("%s: the inferred calls show as %r" % (name, lines))
    print("activation: the unanswered Kill kept by the activation's IPID, and only with it")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plugin", required=True, help="the built iiss.so")
    ap.add_argument("--ws-version", required=True, help="Wireshark major.minor, e.g. 4.0")
    ap.add_argument("--samples-dir", required=True)
    ap.add_argument("--golden-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden"))
    ap.add_argument("--update-golden", action="store_true")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("load")
    sp = sub.add_parser("sample")
    sp.add_argument("name")
    sub.add_parser("srt")
    sub.add_parser("sealed")
    sub.add_parser("kerberos")
    sub.add_parser("mixed")
    sub.add_parser("activation")
    fp = sub.add_parser("fuzz")
    fp.add_argument("--rounds", type=int, default=4)
    fp.add_argument("--probability", type=float, default=0.02)
    fp.add_argument("--seed", type=int, default=20241122)
    fp.add_argument("--asan-preload", default="", help="libasan.so to preload when the plugin is built with ASan")
    args = ap.parse_args()
    if not os.path.exists(args.plugin):
        print("FAIL: plugin %s not built" % args.plugin)
        return 1
    env = Env(args)
    try:
        rc = {"load": cmd_load, "sample": cmd_sample, "srt": cmd_srt, "sealed": cmd_sealed, "kerberos": cmd_kerberos,
              "mixed": cmd_mixed, "activation": cmd_activation,
              "fuzz": cmd_fuzz}[args.cmd](env, args)
        return rc or 0
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        env.close()


if __name__ == "__main__":
    sys.exit(main())
