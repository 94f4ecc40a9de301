#!/usr/bin/env python3
"""README's "Many captures" recipes, run as written on the samples.

    many_captures.py IISSDUMP SAMPLES_DIR README.md

Every ```sh block of README's "## Many captures" section runs with `sh -eu`
in a fresh folder holding captures/ (a copy of every sample capture, and a
gzip'd copy of iisreset-remote.pcap, which must be found too), with
IISSDUMP first on PATH. The --sshlogin block runs with its `hosts=` line set to
one stand-in "remote" machine and this one (`:`): the stand-in (PARALLEL_SSH)
is a script that plays ssh by running the command in another folder, so the
captures really travel there and back through rsync (--transferfile,
--return) and are removed there (--cleanup).

What "equal to a single iissdump run" means here. The reference is
`iissdump --json` over every capture at once, in the byte order of their
paths (LC_ALL=C, as the recipes' `sort -z`). Frame numbers count within each
capture (iissdump numbers frames per file, as tshark does), in the per-file
runs and in the single run alike, so each call's JSON line is the same bytes
both ways; the lines name no file, so two captures may give lines that differ
only in content, or not at all, and are compared as lines, duplicates kept.
  - one JSON Lines file per capture: their concatenation in path order is the
    reference, byte for byte (iissdump keeps no state across files, and no
    call is lost or duplicated by decoding the files apart);
  - one merged timeline: its `time` values never go back, and it is the
    reference sorted by `time` alone with a stable sort (calls of the same
    microsecond keep file order, then iissdump's own order), line for line.
    The sort key is the request's UTC time with microseconds, fixed width, so
    comparing the strings compares the times.
Blocks needing GNU parallel (or rsync, for --transferfile) are reported
skipped when it is missing; the xargs block always runs.
"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile

# Plays ssh for GNU parallel: skips ssh's options and the host name, then runs
# the command, as a remote shell would, in the stand-in machine's home.
FAKE_SSH = r"""#!/bin/sh
printf '%s\n' "$*" >>"$FAKE_REMOTE_LOG"
while [ $# -gt 0 ]; do
    case $1 in
        -l|-p|-o|-i|-F|-S|-e) shift 2 ;;
        -*) shift ;;
        *) break ;;
    esac
done
shift
[ "${1:-}" = "--" ] && shift
# sshd gives the remote command the login shell in SHELL, and parallel's
# remote worker execs $SHELL: without it (CI runs with no SHELL) jobs die.
export SHELL="${SHELL:-/bin/sh}"
cd "$FAKE_REMOTE_HOME" && exec sh -c "$*"
"""
STAND_IN_HOSTS = "hosts=2/remote-stand-in,1/:"


class Failure(Exception):
    pass


def recipe_blocks(readme):
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    start = text.find("\n## Many captures")
    if start < 0:
        raise Failure("README has no '## Many captures' section")
    end = text.find("\n## ", start + 1)
    section = text[start:end if end > 0 else len(text)]
    blocks, inside, current = [], False, []
    for line in section.splitlines():
        if line.strip() == "```sh":
            inside, current = True, []
        elif line.strip() == "```" and inside:
            inside = False
            blocks.append("\n".join(current) + "\n")
        elif inside:
            current.append(line)
    if not blocks:
        raise Failure("README's '## Many captures' section holds no ```sh block")
    return blocks


# iissdump reads gzip'd captures too; the recipes must find them
GZIPPED_COPY = "iisreset-remote.pcap"


def sample_captures(samples_dir):
    names = sorted(n for n in os.listdir(samples_dir) if n.endswith((".pcap", ".pcapng")))
    if len(names) < 2 or GZIPPED_COPY not in names:
        raise Failure("fewer than two sample captures, or no %s, in %s" % (GZIPPED_COPY, samples_dir))
    return names + [GZIPPED_COPY + ".gz"]


def reference(iissdump, workdir, names):
    """The single run over every capture, in path byte order."""
    paths = sorted(os.path.join("captures", n) for n in names)
    proc = subprocess.run([iissdump, "--json", "--no-progress"] + paths, cwd=workdir, capture_output=True)
    if proc.returncode != 0:
        raise Failure("iissdump over all samples exited %d:\n%s" % (proc.returncode, proc.stderr.decode()))
    lines = proc.stdout.decode("utf-8").splitlines(True)
    if not lines:
        raise Failure("iissdump found no call in the samples")
    return paths, proc.stdout.decode("utf-8"), lines


def time_of(line):
    return json.loads(line)["time"]


def check_block(number, block, iissdump, samples_dir, names):
    needs_parallel = "parallel" in block
    needs_rsync = "--transferfile" in block
    for tool, needed in (("parallel", needs_parallel), ("rsync", needs_rsync)):
        if needed and not shutil.which(tool):
            print("block %d SKIPPED: %s is not installed" % (number, tool))
            return False
    work = tempfile.mkdtemp(prefix="iiss-many-")
    try:
        os.makedirs(os.path.join(work, "captures"))
        for n in names:
            if n == GZIPPED_COPY + ".gz":
                with open(os.path.join(samples_dir, GZIPPED_COPY), "rb") as f:
                    with gzip.open(os.path.join(work, "captures", n), "wb") as g:
                        g.write(f.read())
            else:
                shutil.copy(os.path.join(samples_dir, n), os.path.join(work, "captures", n))
        script = block
        remote_home = os.path.join(work, "remote-home")
        remote_log = os.path.join(work, "remote.log")
        if "--sshlogin" in block:
            host_lines = [l for l in block.splitlines() if l.startswith("hosts=")]
            if len(host_lines) != 1:
                raise Failure("block %d: expected one 'hosts=' line to point at the stand-in" % number)
            script = block.replace(host_lines[0], STAND_IN_HOSTS)
        os.makedirs(remote_home)
        fake_ssh = os.path.join(work, "fake-ssh")
        with open(fake_ssh, "w") as f:
            f.write(FAKE_SSH)
        os.chmod(fake_ssh, 0o755)
        env = dict(os.environ)
        env.update({
            "PATH": os.path.dirname(os.path.abspath(iissdump)) + os.pathsep + env.get("PATH", "/usr/bin:/bin"),
            "HOME": work,  # GNU parallel's ~/.parallel
            "LC_ALL": "C",
            "PARALLEL_SSH": fake_ssh,
            "FAKE_REMOTE_HOME": remote_home,
            "FAKE_REMOTE_LOG": remote_log,
        })
        proc = subprocess.run(["sh", "-eu", "-c", script], cwd=work, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True)
        if proc.returncode != 0:
            raise Failure("block %d exited %d:\n%s\n%s" % (number, proc.returncode, script,
                                                          proc.stderr.decode(errors="replace")))
        paths, ref_text, ref_lines = reference(iissdump, work, names)
        checked = []
        per_capture = [p + ".jsonl" for p in paths]
        present = [p for p in per_capture if os.path.exists(os.path.join(work, p))]
        if present:
            if len(present) != len(per_capture):
                raise Failure("block %d: per-capture files missing: %s" % (
                    number, ", ".join(sorted(set(per_capture) - set(present)))))
            joined = ""
            for p in per_capture:
                with open(os.path.join(work, p), encoding="utf-8") as f:
                    joined += f.read()
            if joined != ref_text:
                raise Failure("block %d: the per-capture files, joined in path order, differ from one iissdump "
                              "run over the same files" % number)
            checked.append("%d per-capture files = the single run" % len(per_capture))
        timeline = os.path.join(work, "timeline.jsonl")
        if os.path.exists(timeline):
            with open(timeline, encoding="utf-8") as f:
                merged = f.read().splitlines(True)
            times = [time_of(l) for l in merged]
            if any(b < a for a, b in zip(times, times[1:])):
                raise Failure("block %d: timeline.jsonl goes back in time" % number)
            want = sorted(ref_lines, key=time_of)  # stable: ties keep file order
            if merged != want:
                missing = len(set(want) - set(merged))
                raise Failure("block %d: timeline.jsonl (%d lines) is not the single run sorted by time (%d lines; "
                              "%d lines of it absent)" % (number, len(merged), len(want), missing))
            checked.append("timeline.jsonl = the single run sorted by time (%d calls)" % len(merged))
        if not checked:
            raise Failure("block %d wrote neither per-capture .jsonl files nor timeline.jsonl" % number)
        if "--sshlogin" in block:
            log = open(remote_log).read() if os.path.exists(remote_log) else ""
            # a job run there (parallel's worker), a capture sent, a .jsonl fetched back
            if "GNU_Parallel_worker" not in log or "rsync --server" not in log or ".jsonl" not in log:
                raise Failure("block %d: no capture went through the ssh stand-in:\n%s" % (number, log[:2000]))
            left = [os.path.join(d, f) for d, _, fs in os.walk(remote_home) for f in fs]
            if left:
                raise Failure("block %d: --cleanup left files on the stand-in: %s" % (number, left))
            checked.append("captures decoded through the ssh stand-in and cleaned up there")
        print("block %d: %s" % (number, "; ".join(checked)))
        return True
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    if len(sys.argv) != 4:
        print("usage: many_captures.py IISSDUMP SAMPLES_DIR README.md")
        return 2
    iissdump, samples_dir, readme = (os.path.abspath(a) for a in sys.argv[1:])
    try:
        blocks = recipe_blocks(readme)
        names = sample_captures(samples_dir)
        ran = [check_block(i + 1, b, iissdump, samples_dir, names) for i, b in enumerate(blocks)]
        if not any(ran):
            raise Failure("no block could run")
        if not any("xargs -0 -n 1 -P" in b for b in blocks):
            raise Failure("README's recipes lost the xargs -P one")
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    print("%d of %d recipe blocks checked" % (sum(ran), len(blocks)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
