#!/usr/bin/env python3
"""Writes the seed corpora of the three libFuzzer harnesses.

usage: seeds.py OUT [--corpus DIR] [--resplint BIN]

OUT/capture_file  capture files from fixtures/ and the shared corpus (by
                  magic number); files over 256 KiB are cut to their first
                  64 KiB, which also seeds the "cut mid-record" paths; and
                  the small adversarial captures of tests/adversarial/gen.py.
OUT/http_streams  connections in fuzz_http_streams.c's operation format:
                  the repository's transcripts, every rule example, libhtp's
                  interleaved test streams (>>> client, <<< server), and
                  with --resplint the streams it reassembles from fixtures/.
OUT/rule_record   every rule record, its file name on the first line.
Every seed is named by the hash of its bytes, so reruns do not duplicate.
"""
import argparse
import hashlib
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAGICS = {b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1",
          b"\xa1\xb2\x3c\x4d", b"\x0a\x0d\x0d\x0a"}
BIG, CUT = 256 * 1024, 64 * 1024


def put(out, data):
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def walk(top):
    for base, dirs, files in os.walk(top):
        dirs.sort()
        for f in sorted(files):
            yield os.path.join(base, f)


def captures(out, tops):
    n = 0
    for top in tops:
        for p in walk(top):
            try:
                with open(p, "rb") as f:
                    head = f.read(4)
                    if head not in MAGICS:
                        continue
                    f.seek(0)
                    data = f.read(BIG + 1)
            except OSError:
                continue
            put(out, data if len(data) <= BIG else data[:CUT])
            n += 1
    return n


SMALL_ADVERSARIAL = ("retrans_overlap", "snaplen_64", "zero_length", "truncated_record",
                     "absurd_snaplen", "chunk_size_ffff", "cut_heads")


def adversarial(out):
    sys.path.insert(0, os.path.join(ROOT, "tests", "adversarial"))
    import gen
    n = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in SMALL_ADVERSARIAL:
            fn, kw = gen.CASES[name]
            cap = gen.Pcap(os.path.join(tmp, name), **kw)
            fn(cap)
            cap.close()
            put(out, open(os.path.join(tmp, name), "rb").read())
            n += 1
    return n


def ops(chunks, conf=1):
    """chunks: (dir, bytes) in order; dir 0 client, 1 server."""
    b = bytearray([conf])
    for d, data in chunks:
        for i in range(0, len(data), 0xffff):
            piece = data[i:i + 0xffff]
            b += bytes([d << 2]) + struct.pack("<H", len(piece)) + piece
    b += bytes([3 | (1 << 2)])  # the server closes (FIN)
    return bytes(b)


def libhtp(path):
    chunks, d, cur = [], None, bytearray()
    with open(path, "rb") as f:
        for line in f.read().splitlines(keepends=True):
            mark = line.rstrip(b"\r\n")
            if mark in (b">>>", b"<<<"):
                if d is not None:
                    chunks.append((d, bytes(cur)))
                d, cur = (0 if mark == b">>>" else 1), bytearray()
            elif d is not None:
                cur += line
    if d is not None:
        chunks.append((d, bytes(cur)))
    return chunks


def streams(out, corpus, resplint):
    n = 0
    tdir = os.path.join(ROOT, "tests", "http", "transcripts")
    for f in sorted(os.listdir(tdir)):
        if f.endswith(".server.http"):
            srv = open(os.path.join(tdir, f), "rb").read()
            cpath = os.path.join(tdir, f[:-len(".server.http")] + ".client.http")
            cli = open(cpath, "rb").read() if os.path.exists(cpath) else b""
            put(out, ops([(0, cli), (1, srv)] if cli else [(1, srv)], 1 if cli else 0))
            n += 1
    try:
        import yaml
        for p in walk(os.path.join(ROOT, "rules")):
            if not p.endswith(".yaml"):
                continue
            rec = yaml.safe_load(open(p, encoding="utf-8"))
            for x in rec.get("examples") or []:
                req = (x.get("request") or "").encode("latin-1", "replace")
                rsp = (x.get("response") or "").encode("latin-1", "replace")
                put(out, ops([(0, req), (1, rsp)] if req else [(1, rsp)]))
                n += 1
    except ImportError:
        print("seeds: python3-yaml missing, rule examples not seeded", file=sys.stderr)
    if corpus:
        for p in walk(os.path.join(corpus, "libhtp")):
            if p.endswith(".t"):
                ch = libhtp(p)
                if ch:
                    put(out, ops(ch))
                    n += 1
    if resplint:
        fx = os.path.join(ROOT, "fixtures")
        for p in walk(fx):
            with open(p, "rb") as f:
                if f.read(4) not in MAGICS:
                    continue
            with tempfile.TemporaryDirectory() as tmp:
                d = os.path.join(tmp, "s")
                subprocess.run([resplint, "--dump-streams", d, p],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if not os.path.isdir(d):
                    continue
                for f in sorted(os.listdir(d)):
                    if not f.endswith(".s2c"):
                        continue
                    srv = open(os.path.join(d, f), "rb").read()[:CUT]
                    cp = os.path.join(d, f[:-4] + ".c2s")
                    cli = open(cp, "rb").read()[:CUT] if os.path.exists(cp) else b""
                    put(out, ops([(0, cli), (1, srv)]))
                    n += 1
    return n


def records(out):
    n = 0
    for p in walk(os.path.join(ROOT, "rules")):
        if p.endswith(".yaml"):
            put(out, os.path.basename(p).encode() + b"\n" + open(p, "rb").read())
            n += 1
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--corpus")
    ap.add_argument("--resplint")
    a = ap.parse_args()
    dirs = {k: os.path.join(a.out, k) for k in ("capture_file", "http_streams", "rule_record")}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    tops = [os.path.join(ROOT, "fixtures")] + ([a.corpus] if a.corpus else [])
    print("capture_file:", captures(dirs["capture_file"], tops) +
          adversarial(dirs["capture_file"]))
    print("http_streams:", streams(dirs["http_streams"], a.corpus, a.resplint))
    print("rule_record:", records(dirs["rule_record"]))


if __name__ == "__main__":
    main()
