#!/usr/bin/env python3
"""Stock tshark's view of a sealed (or signed) sample's stubs, PDU by PDU,
against the plaintext the generator sealed.

usage: check_tshark_decryption.py TSHARK EXPECTED_JSON

The expected file lists, for every protected request and response PDU, the
plaintext stub the generator handed to its NTLMSSP code ("plaintext_stub"),
and under "tshark_decrypt" the tshark options that decrypt the connections of
one user (file names relative to the samples folder). For each such run, on
each TCP stream whose AUTHENTICATE names that user:
  - PKT_PRIVACY: tshark's decrypted stub of every PDU where tshark 4.0 is
    right must equal the generator's plaintext (a last fragment: the whole
    reassembled stub); where tshark 4.0 is known to be wrong, the PDU is named
    and its decrypted bytes must differ (so a change in tshark is noticed):
      * SPNEGO-wrapped NTLMSSP (auth_type 9): every sealed PDU after the first
        of its direction (SPNEGO-wrapped Kerberos is right);
      * once one TCP segment has completed several sealed PDUs of a
        direction: the second of them and every later one of that direction;
  - PKT_INTEGRITY: the stub is in clear, tshark's stub must equal it.
With a tshark other than 4.0 the known-wrong PDUs are only reported.
"""
import json
import os
import subprocess
import sys

FIELDS = ["frame.number", "tcp.stream", "tcp.srcport", "dcerpc.pkt_type", "dcerpc.decrypted_stub_data",
          "dcerpc.stub_data", "ntlmssp.auth.domain", "ntlmssp.auth.username", "kerberos.CNameString",
          "kerberos.crealm"]
PFC_FIRST_FRAG, PFC_LAST_FRAG = 0x01, 0x02
SPNEGO = 9
PKT_PRIVACY, PKT_INTEGRITY = 6, 5


def tshark_version(tshark):
    out = subprocess.run([tshark, "--version"], capture_output=True, text=True).stdout
    first = out.splitlines()[0] if out else ""
    return first.split()[2] if len(first.split()) > 2 else "?"


def resolve(options, samples):
    """File-name arguments (-K KEYTAB) are relative to the samples folder."""
    out = list(options)
    for i, opt in enumerate(out[:-1]):
        if opt == "-K":
            out[i + 1] = os.path.join(samples, out[i + 1])
    return out


def run_tshark(tshark, capture, options):
    # --disable-protocol iiss: stock tshark even where the plugin is installed system-wide.
    cmd = [tshark, "-n", "--disable-protocol", "iiss", "-r", capture, *options, "-T", "fields",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    frames = {}
    for line in out.splitlines():
        cols = line.split("\t") + [""] * len(FIELDS)
        frames[int(cols[0])] = {name: (cols[i].split(",") if cols[i] else []) for i, name in enumerate(FIELDS)}
    return frames


def stream_users(frames, users=None):
    """Who authenticates on each TCP stream, and with what: ("DOMAIN\\user",
    "ntlmssp") from the NTLMSSP AUTHENTICATE, or ("user@REALM", "kerberos")
    from a Kerberos ticket tshark decrypted."""
    users = dict(users or {})
    for row in frames.values():
        if row["ntlmssp.auth.username"] and row["tcp.stream"]:
            domain = row["ntlmssp.auth.domain"][0] if row["ntlmssp.auth.domain"] else ""
            users[row["tcp.stream"][0]] = (f"{domain}\\{row['ntlmssp.auth.username'][0]}", "ntlmssp")
        elif row["kerberos.CNameString"] and row["kerberos.crealm"] and row["tcp.stream"]:
            users.setdefault(row["tcp.stream"][0],
                             (f"{row['kerberos.CNameString'][0]}@{row['kerberos.crealm'][0]}", "kerberos"))
    return users


def expected_views(expected):
    """Per protected PDU: what tshark must show for it (its own plaintext, or
    for a last fragment the whole reassembled stub)."""
    views = []
    pending = {}
    for p in expected["pdus"]:
        if "plaintext_stub" not in p:
            continue
        call = (p["pkt_type"], p["call_id"])
        if p["flags"] & PFC_FIRST_FRAG:
            pending[call] = ""
        pending[call] = pending.get(call, "") + p["plaintext_stub"]
        whole = (p["flags"] & (PFC_FIRST_FRAG | PFC_LAST_FRAG)) == (PFC_FIRST_FRAG | PFC_LAST_FRAG)
        last = bool(p["flags"] & PFC_LAST_FRAG)
        views.append((p, p["plaintext_stub"] if whole or not last else pending[call]))
    return views


def main():
    tshark, expected_path = sys.argv[1:3]
    samples = os.path.dirname(os.path.abspath(expected_path))
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    capture = os.path.join(samples, expected["capture"])
    version = tshark_version(tshark)
    strict = version.startswith("4.0.")
    views = expected_views(expected)
    if not views:
        print(f"{capture}: no protected PDU listed")
        return 1
    plain = run_tshark(tshark, capture, expected.get("tshark_options", []))
    users = stream_users(plain)
    runs = expected.get("tshark_decrypt")
    if not runs:
        print(f"{capture}: the expected file names no tshark_decrypt run")
        return 1
    errors, right, known_wrong = [], 0, []
    for run in runs:
        frames = run_tshark(tshark, capture, resolve(run["options"], samples))
        run_users = stream_users(frames, users)
        used = {}          # frame -> PDUs of it already matched
        seen = {}          # (stream, port) -> sealed PDUs so far
        packed_at = {}     # (stream, port) -> first frame that completed several
        for p, want in views:
            row = frames.get(p["frame"])
            if row is None or not row["tcp.stream"]:
                errors.append(f"frame {p['frame']}: tshark shows no such frame")
                continue
            stream = row["tcp.stream"][0]
            user, mech = run_users.get(stream, (None, None))
            if user != run["user"]:
                continue
            direction = (stream, row["tcp.srcport"][0])
            index = used.get(p["frame"], 0)
            used[p["frame"]] = index + 1
            where = f"frame {p['frame']} (pkt_type {p['pkt_type']}, call_id {p['call_id']}, flags {p['flags']:#x})"
            if p["auth_level"] == PKT_INTEGRITY:
                got = row["dcerpc.stub_data"]
                if index >= len(got) or got[index] != want:
                    errors.append(f"{where}: tshark's stub differs from the signed plaintext")
                else:
                    right += 1
                continue
            count = seen.get(direction, 0)
            seen[direction] = count + 1
            if index == 1 and direction not in packed_at:
                packed_at[direction] = p["frame"]
            reason = None
            if p["auth_type"] == SPNEGO and mech == "ntlmssp" and count > 0:
                reason = "SPNEGO-wrapped NTLMSSP after the first sealed PDU of the direction"
            elif direction in packed_at:
                reason = f"after TCP segment {packed_at[direction]} completed several sealed PDUs of the direction"
            got = row["dcerpc.decrypted_stub_data"]
            value = got[index] if index < len(got) else None
            if reason is None:
                if value != want:
                    errors.append(f"{where}: tshark's decryption differs from the generator's plaintext")
                else:
                    right += 1
            else:
                known_wrong.append(f"{where}: {reason}")
                if value == want:
                    msg = f"{where}: tshark {version} decrypts it right, although 4.0 is known wrong there ({reason})"
                    (errors if strict else known_wrong).append(msg)
    for w in known_wrong:
        print(f"{capture}: tshark {version} is wrong at {w}")
    for e in errors:
        print(f"{capture}: {e}")
    if errors or right == 0:
        return 1
    print(f"{capture}: {right} protected PDUs as the generator wrote them, {len(known_wrong)} where tshark "
          f"{version} is wrong")
    return 0


if __name__ == "__main__":
    sys.exit(main())
