#!/usr/bin/env python3
"""Compares resplint --dump-streams with tshark's "follow tcp" stream by stream.

Usage: test_streams_vs_tshark.py RESPLINT FIXTURE_DIR

For every capture in FIXTURE_DIR (recognised by magic number), resplint
writes each reassembled direction to OUT/N.c2s and OUT/N.s2c, its gaps to
OUT/N.gaps and the endpoints to OUT/streams.txt. tshark is asked for
`-z follow,tcp,raw,N` for every stream N; its hex lines are one direction
each (a leading tab marks node 1), and a gap appears as the text
"[LEN bytes missing in capture file]" followed by a NUL. Both sides are
reduced to (bytes, gaps) per direction and compared exactly.

Where resplint and tshark legitimately differ, FIXTURE_DIR/expect.txt says
what resplint must produce instead (and README.md says why); nothing is
skipped silently. Lines of expect.txt:

  FILE exit CODE                    resplint's exit status (default 0)
  FILE stderr TEXT...               its standard error contains TEXT
  FILE tshark ARGS...               extra tshark options for this file (for
                                    a known tshark behaviour, see README)
  FILE differs N DIR LEN SHA256     direction DIR (c2s/s2c) of stream N
                                    differs from tshark; ours must be LEN
                                    bytes with this SHA-256 and the gaps
                                    in the next line
  FILE gaps N DIR OFF:LEN,...       our gaps for that direction ("-": none)

Exit status: 0 all equal (or as expected), 1 a difference, 77 no tshark.
"""
import hashlib
import ipaddress
import os
import re
import shutil
import subprocess
import sys
import tempfile

GAP_RE = re.compile(rb"^\[(\d+) bytes missing in capture file\]\x00?$")
MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1",
          b"\xa1\xb2\x3c\x4d", b"\x0a\x0d\x0d\x0a")


def is_capture(path):
    with open(path, "rb") as f:
        return f.read(4) in MAGICS


def norm_endpoint(text):
    """"1.2.3.4:80" or "[::1]:80" -> (ip_address, port), for comparing."""
    text = text.strip()
    if text.startswith("["):
        addr, _, port = text[1:].partition("]:")
    else:
        addr, _, port = text.rpartition(":")
    try:
        return (ipaddress.ip_address(addr), int(port))
    except ValueError:
        return (text, None)


class Direction:
    def __init__(self):
        self.data = bytearray()
        self.gaps = []  # (stream offset, length)
        self.offset = 0  # stream offset of the next byte, gaps included

    def add(self, chunk):
        m = GAP_RE.match(chunk)
        if m:
            n = int(m.group(1))
            self.gaps.append((self.offset, n))
            self.offset += n
        else:
            self.data += chunk
            self.offset += len(chunk)


def tshark_streams(capture, extra):
    """Returns {stream: (node0, node1, [Direction node0, Direction node1])}."""
    out = subprocess.run(["tshark", "-r", capture] + extra + ["-T", "fields", "-e", "tcp.stream"],
                         capture_output=True, check=False).stdout.decode()
    ids = sorted({int(x) for x in out.split() if x.strip().isdigit()})
    if not ids:
        return {}
    args = ["tshark", "-r", capture, "-q"] + extra
    for i in ids:
        args += ["-z", "follow,tcp,raw,%d" % i]
    text = subprocess.run(args, capture_output=True, check=False).stdout.decode()
    streams = {}
    cur = None
    for line in text.split("\n"):
        if line.startswith("Filter: tcp.stream eq "):
            cur = int(line.split()[-1])
            streams[cur] = [None, None, [Direction(), Direction()]]
        elif cur is None or line.startswith("===="):
            continue
        elif line.startswith("Node 0: "):
            streams[cur][0] = norm_endpoint(line[8:])
        elif line.startswith("Node 1: "):
            streams[cur][1] = norm_endpoint(line[8:])
        elif re.fullmatch(r"\t?[0-9a-f]+", line):
            node = 1 if line.startswith("\t") else 0
            streams[cur][2][node].add(bytes.fromhex(line.strip()))
    return streams


def ours(outdir):
    """Returns {stream: (client, server, {"c2s": Direction, "s2c": Direction})}."""
    streams = {}
    index = os.path.join(outdir, "streams.txt")
    if not os.path.exists(index):
        return streams
    with open(index) as f:
        for line in f:
            n, client, server = line.split()
            dirs = {"c2s": Direction(), "s2c": Direction()}
            for d in dirs:
                p = os.path.join(outdir, "%s.%s" % (n, d))
                if os.path.exists(p):
                    with open(p, "rb") as g:
                        dirs[d].data = bytearray(g.read())
            gp = os.path.join(outdir, "%s.gaps" % n)
            if os.path.exists(gp):
                with open(gp) as g:
                    for gl in g:
                        d, off, ln = gl.split()
                        dirs[d].gaps.append((int(off), int(ln)))
            streams[int(n)] = (norm_endpoint(client), norm_endpoint(server), dirs)
    return streams


def new_expectation():
    return {"exit": 0, "stderr": [], "tshark": [], "differs": {}, "gaps": {}}


def load_expectations(fixtures):
    exp = {}
    path = os.path.join(fixtures, "expect.txt")
    if not os.path.exists(path):
        return exp
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            words = line.split()
            e = exp.setdefault(words[0], new_expectation())
            if words[1] == "exit":
                e["exit"] = int(words[2])
            elif words[1] == "tshark":
                e["tshark"] += words[2:]
            elif words[1] == "stderr":
                e["stderr"].append(" ".join(words[2:]))
            elif words[1] == "differs":
                e["differs"][(int(words[2]), words[3])] = (int(words[4]), words[5])
            elif words[1] == "gaps":
                g = [] if words[4] == "-" else [tuple(int(x) for x in p.split(":"))
                                                 for p in words[4].split(",")]
                e["gaps"][(int(words[2]), words[3])] = g
            else:
                raise SystemExit("expect.txt: unknown line: " + line)
    return exp


def fmt_gaps(gaps):
    return ",".join("%d:%d" % g for g in gaps) or "-"


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def compare(name, theirs, mine, exp):
    """Returns (problems, directions compared) for one capture."""
    problems = []
    # tshark numbers every conversation; resplint lists those that reached
    # its sink. Numbers must agree; a conversation without payload may be
    # missing from ours.
    for n in sorted(set(mine) - set(theirs)):
        problems.append("stream %d: resplint has it, tshark does not" % n)
    for n in sorted(set(theirs) - set(mine)):
        if any(d.data or d.gaps for d in theirs[n][2]):
            problems.append("stream %d: tshark has payload, resplint has no stream" % n)
    compared = 0
    for n in sorted(set(theirs) & set(mine)):
        node0, node1, tdirs = theirs[n]
        client, server, odirs = mine[n]
        if {node0, node1} != {client, server}:
            problems.append("stream %d: endpoints %s/%s vs %s/%s" % (n, node0, node1, client, server))
            continue
        # tshark names the side it saw first node 0; map by endpoint.
        by_dir = {"c2s": tdirs[0] if node0 == client else tdirs[1],
                  "s2c": tdirs[1] if node0 == client else tdirs[0]}
        if client == server:
            problems.append("stream %d: both endpoints are %s" % (n, client))
            continue
        for d in ("c2s", "s2c"):
            t, o = by_dir[d], odirs[d]
            compared += 1
            key = (n, d)
            if key in exp["differs"]:
                length, digest = exp["differs"][key]
                got = (len(o.data), hashlib.sha256(o.data).hexdigest())
                if got != (length, digest):
                    problems.append("stream %d %s: expected our %d bytes sha256 %s, got %d %s" %
                                    (n, d, length, digest, got[0], got[1]))
                if (bytes(t.data), t.gaps) == (bytes(o.data), o.gaps):
                    problems.append("stream %d %s: listed as differing but now equals tshark; "
                                    "remove it from expect.txt" % key)
                want_gaps = exp["gaps"].get(key, [])
                if o.gaps != want_gaps:
                    problems.append("stream %d %s: gaps %s, expected %s" %
                                    (n, d, fmt_gaps(o.gaps), fmt_gaps(want_gaps)))
                continue
            if bytes(t.data) != bytes(o.data):
                i = first_difference(t.data, o.data)
                problems.append("stream %d %s: tshark %d bytes, resplint %d, first difference "
                                "at %d (tshark %r / resplint %r); to accept ours: "
                                "'%s differs %d %s %d %s'" %
                                (n, d, len(t.data), len(o.data), i, bytes(t.data[i:i + 16]),
                                 bytes(o.data[i:i + 16]), name, n, d, len(o.data),
                                 hashlib.sha256(o.data).hexdigest()))
            if t.gaps != o.gaps:
                problems.append("stream %d %s: gaps tshark %s, resplint %s" %
                                (n, d, fmt_gaps(t.gaps), fmt_gaps(o.gaps)))
    return problems, compared


def check_capture(resplint, capture, exp, work):
    name = os.path.basename(capture)
    problems = []
    outdir = os.path.join(work, name)
    run = subprocess.run([resplint, "--dump-streams", outdir, capture],
                         capture_output=True, check=False)
    stderr = run.stderr.decode(errors="replace")
    if run.returncode != exp["exit"]:
        problems.append("exit %d, expected %d: %s" % (run.returncode, exp["exit"], stderr.strip()))
    for text in exp["stderr"]:
        if text not in stderr:
            problems.append("stderr lacks %r: %s" % (text, stderr.strip()))
    theirs = tshark_streams(capture, exp["tshark"])
    mine = ours(outdir)
    found, compared = compare(name, theirs, mine, exp)
    problems += found
    if exp["tshark"] and not compare(name, tshark_streams(capture, []), mine, exp)[0]:
        problems.append("plain tshark now agrees: drop the 'tshark' line from expect.txt")
    return problems, compared


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    resplint, fixtures = sys.argv[1], sys.argv[2]
    if shutil.which("tshark") is None:
        print("tshark is not installed: skipped")
        return 77
    exp = load_expectations(fixtures)
    captures = sorted(os.path.join(fixtures, f) for f in os.listdir(fixtures)
                      if os.path.isfile(os.path.join(fixtures, f))
                      and is_capture(os.path.join(fixtures, f)))
    unknown = set(exp) - {os.path.basename(c) for c in captures}
    failed = 0
    if unknown:
        print("expect.txt names files that are not here: %s" % sorted(unknown))
        failed += 1
    with tempfile.TemporaryDirectory() as work:
        for c in captures:
            e = exp.get(os.path.basename(c), new_expectation())
            problems, compared = check_capture(resplint, c, e, work)
            status = "ok" if not problems else "FAIL"
            print("%-4s %s (%d directions compared)" % (status, os.path.basename(c), compared))
            for p in problems:
                print("     " + p)
            failed += bool(problems)
    print("%d of %d captures differ" % (failed, len(captures)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
