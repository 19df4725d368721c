#!/usr/bin/env python3
"""Generates the adversarial captures of issue #8.

usage: gen.py OUTDIR [CASE...]      (every case when none is named)
       gen.py --list

Each case writes OUTDIR/CASE.pcap (Ethernet, IPv4, TCP; checksums are not
filled in, resplint does not verify them). tests/adversarial/adversarial.c
and tests/scripts/test_adversarial.sh run resplint on them; the expected
outcome of each case is documented there and in tests/adversarial/README.md.
"""
import struct
import sys

SERVER = bytes([192, 0, 2, 80])
MSS = 1400
T0 = 1700000000


class Pcap:
    """A classic microsecond pcap, written in big batches."""

    def __init__(self, path, snaplen=262144, linktype=1):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
        self.buf = []
        self.n = 0
        self.snaplen = snaplen

    def add(self, pkt, usec=None, caplen=None, wirelen=None):
        usec = self.n if usec is None else usec
        cap = min(len(pkt), self.snaplen) if caplen is None else caplen
        wire = len(pkt) if wirelen is None else wirelen
        self.buf.append(struct.pack("<IIII", T0 + usec // 1000000, usec % 1000000, cap, wire))
        self.buf.append(pkt[:cap])
        self.n += 1
        if len(self.buf) >= 8192:
            self.flush()

    def flush(self):
        self.f.write(b"".join(self.buf))
        self.buf = []

    def raw(self, data):
        self.flush()
        self.f.write(data)

    def close(self):
        self.flush()
        self.f.close()


def ip4(src, dst, payload, ident=0, frag=0, proto=6):
    """IPv4 header + payload; frag is the 16-bit flags/offset field."""
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64,
                       proto, 0, src, dst) + payload


def tcp(sport, dport, seq, ack, flags, data=b""):
    return struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                       5 << 4, flags, 65535, 0, 0) + data


ETH = b"\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x01\x08\x00"
FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16


def eth(ippkt):
    return ETH + ippkt


def client_ip(i):
    return bytes([10, (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF])


class Conn:
    """One TCP connection with a captured handshake; send() cuts data into
    segments of MSS bytes."""

    def __init__(self, cap, i=1, sport=40000, dport=80):
        self.cap, self.cip, self.sport, self.dport = cap, client_ip(i), sport, dport
        self.seq = [1000, 500000]  # client, server ISN
        self.cap.add(eth(ip4(self.cip, SERVER, tcp(sport, dport, self.seq[0], 0, SYN))))
        self.cap.add(eth(ip4(SERVER, self.cip, tcp(dport, sport, self.seq[1], self.seq[0] + 1, SYN | ACK))))
        self.seq = [self.seq[0] + 1, self.seq[1] + 1]
        self.cap.add(eth(ip4(self.cip, SERVER, tcp(sport, dport, self.seq[0], self.seq[1], ACK))))

    def seg(self, d, data, flags=PSH | ACK, seq=None):
        s = self.seq[d] if seq is None else seq
        if d == 0:
            p = ip4(self.cip, SERVER, tcp(self.sport, self.dport, s, self.seq[1], flags, data))
        else:
            p = ip4(SERVER, self.cip, tcp(self.dport, self.sport, s, self.seq[0], flags, data))
        return eth(p)

    def send(self, d, data, mss=MSS):
        for i in range(0, len(data), mss):
            piece = data[i:i + mss]
            self.cap.add(self.seg(d, piece))
            self.seq[d] += len(piece)

    def fin(self, d):
        self.cap.add(self.seg(d, b"", FIN | ACK))
        self.seq[d] += 1


REQ = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"


def syn_flood(cap):
    """1,000,000 SYNs, each from its own address and port: a million flows
    that never carry a byte."""
    base = bytearray(eth(ip4(b"\0\0\0\0", SERVER, tcp(0, 80, 1, 0, SYN))))
    for i in range(1000000):
        struct.pack_into(">4s", base, 14 + 12, client_ip(i))
        struct.pack_into(">HI", base, 34, 1024 + i % 60000, i)
        cap.add(bytes(base))


def open_100k(cap):
    """100,000 connections open at once: every handshake and request first,
    then each response's header section and the first 10 of its 1000
    content bytes; the capture ends with all of them open."""
    n = 100000
    conns = []
    for i in range(n):
        c = Conn(cap, i + 1, 1024 + i % 60000)
        c.send(0, REQ)
        conns.append(c)
    for c in conns:
        c.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")


def header_line_10mb(cap):
    """One response whose single header line is 10 MB long."""
    c = Conn(cap)
    c.send(0, REQ)
    c.send(1, b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * (10 << 20) +
           b"\r\nContent-Length: 2\r\n\r\nok")
    c.fin(1)


def fields_100k(cap):
    """One response with 100,000 header fields."""
    c = Conn(cap)
    c.send(0, REQ)
    body = b"".join(b"X-F%d: v\r\n" % i for i in range(100000))
    c.send(1, b"HTTP/1.1 200 OK\r\n" + body + b"Content-Length: 2\r\n\r\nok")
    c.fin(1)


def endless_headers(cap):
    """A header section that never ends: 20 MB of field lines, no empty
    line, and the capture stops with the connection open."""
    c = Conn(cap)
    c.send(0, REQ)
    c.send(1, b"HTTP/1.1 200 OK\r\n")
    line = b"X-More: yes\r\n" * (MSS // 13)
    for _ in range((20 << 20) // len(line)):
        c.send(1, line)


def cut_heads(cap):
    """Three header sections that never end: the capture stops after a
    fragment ("Content-Len"), the capture stops after a whole field line but
    before the empty line, the server closes after a fragment ("Serv")."""
    a, b, c = Conn(cap, 1), Conn(cap, 2), Conn(cap, 3)
    for x in (a, b, c):
        x.send(0, REQ)
    a.send(1, b"HTTP/1.1 200 OK\r\nContent-Len")
    b.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n")
    c.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServ")
    c.fin(1)


def many_heads(cap):
    """200 connections, each stopping inside a 60 KB header section: 12 MB
    of header copies held at once at the end of the capture."""
    conns = [Conn(cap, i + 1, 1024 + i) for i in range(200)]
    for c in conns:
        c.send(0, REQ)
    for c in conns:
        c.send(1, b"HTTP/1.1 200 OK\r\nX-Pad: " + b"p" * 60000 + b"\r\n")


def pipeline_1m(cap):
    """1,000,000 pipelined requests on one connection, never answered."""
    c = Conn(cap)
    batch = b"".join(b"GET /%d HTTP/1.1\r\nHost: a\r\n\r\n" % i for i in range(1000000))
    c.send(0, batch)
    c.fin(0)


def big_requests(cap):
    """400 pipelined requests of 60 KB each, never answered: fewer than the
    queue's 1,024 requests, but 24 MB of header sections to hold."""
    c = Conn(cap)
    req = b"GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + b"p" * 60000 + b"\r\n\r\n"
    for _ in range(400):
        c.send(0, req)
    c.fin(0)


def chunk_size_ffff(cap):
    """A chunk size of FFFFFFFFFFFFFFFF (2^64 - 1)."""
    c = Conn(cap)
    c.send(0, REQ)
    c.send(1, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
              b"FFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n")
    c.fin(1)


def chunk_line_1mb(cap):
    """A chunk-size line of 1 MB: a million leading zeros before the 5."""
    c = Conn(cap)
    c.send(0, REQ)
    c.send(1, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
           b"0" * (1 << 20) + b"5\r\nhello\r\n0\r\n\r\n")
    c.fin(1)


def chunk_ext_endless(cap):
    """A chunk extension that never ends: a 20 MB value and no CRLF, the
    capture stopping with the connection open. (One extension: llhttp 8.1.0
    rejects a second ";name=value" on a chunk line, see
    tests/fuzz/README.md.)"""
    c = Conn(cap)
    c.send(0, REQ)
    c.send(1, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;e=")
    ext = b"v" * MSS
    for _ in range((20 << 20) // len(ext)):
        c.send(1, ext)


def retrans_overlap(cap):
    """Retransmissions that overlap the original with different bytes: a
    whole segment resent with other content, and a resend straddling two
    segments."""
    c = Conn(cap)
    c.send(0, REQ)
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n" + b"A" * 30
    s0 = c.seq[1]
    c.send(1, resp, mss=20)
    c.cap.add(c.seg(1, b"X" * 20, seq=s0 + 20))           # same range, new bytes
    c.cap.add(c.seg(1, b"Y" * 30, seq=s0 + 30))           # straddles two segments
    c.fin(1)


def ooo_hole(cap):
    """Eight connections whose response loses its first segment and then
    sends 2 MB behind the hole: more than the out-of-order buffer may hold
    for one stream (1 MiB by default)."""
    conns = [Conn(cap, i + 1, 40000 + i) for i in range(8)]
    for c in conns:
        c.send(0, REQ)
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (2 << 20)
    for c in conns:
        c.seq[1] += len(head)  # the segment carrying the head is lost
    for i in range(0, 2 << 20, MSS):
        for c in conns:
            c.send(1, b"x" * min(MSS, (2 << 20) - i))
    for c in conns:
        c.fin(1)


def frag_overlap(cap):
    """IPv4 fragments that overlap with different bytes, then datagrams
    whose last fragment never comes (2,000 of them, beyond the fragment
    table's default of 1,024)."""
    cip = client_ip(1)
    Conn(cap)  # a handshake so the capture also carries ordinary TCP
    seg = tcp(80, 40000, 500001, 1001, PSH | ACK,
              b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    # Fragment 1: bytes 0..23; fragment 2 claims bytes 16..end with other
    # bytes in the overlap.
    cap.add(eth(ip4(SERVER, cip, seg[:24], ident=7, frag=0x2000)))
    tail = b"Z" * 8 + seg[24:]
    cap.add(eth(ip4(SERVER, cip, tail, ident=7, frag=16 // 8)))
    for i in range(2000):
        cap.add(eth(ip4(SERVER, cip, seg[:24], ident=1000 + i, frag=0x2000)))


def snaplen_64(cap):
    """Every packet cut to 64 bytes by the snapshot length."""
    c = Conn(cap)
    c.send(0, REQ)
    c.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"b" * 5000)
    c.fin(1)


def zero_length(cap):
    """Records of zero captured bytes: one also zero on the wire, one that
    claims 60 wire bytes, between the packets of an ordinary exchange."""
    c = Conn(cap)
    cap.add(b"", caplen=0, wirelen=0)
    c.send(0, REQ)
    cap.add(b"", caplen=0, wirelen=60)
    c.send(1, b"HTTP/1.1 204 No Content\r\n\r\n")
    c.fin(1)


def truncated_record(cap):
    """An ordinary exchange whose last record is cut in the middle."""
    c = Conn(cap)
    c.send(0, REQ)
    c.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    pkt = c.seg(1, b"", FIN | ACK)
    cap.raw(struct.pack("<IIII", T0 + 10, 0, len(pkt), len(pkt)) + pkt[:20])


def absurd_snaplen(cap):
    """A file header claiming a snapshot length of 4 GiB - 1, then an
    ordinary exchange."""
    c = Conn(cap)
    c.send(0, REQ)
    c.send(1, b"HTTP/1.1 204 No Content\r\n\r\n")
    c.fin(1)


CASES = {
    "syn_flood": (syn_flood, {}),
    "open_100k": (open_100k, {}),
    "header_line_10mb": (header_line_10mb, {}),
    "fields_100k": (fields_100k, {}),
    "endless_headers": (endless_headers, {}),
    "cut_heads": (cut_heads, {}),
    "many_heads": (many_heads, {}),
    "pipeline_1m": (pipeline_1m, {}),
    "big_requests": (big_requests, {}),
    "chunk_size_ffff": (chunk_size_ffff, {}),
    "chunk_line_1mb": (chunk_line_1mb, {}),
    "chunk_ext_endless": (chunk_ext_endless, {}),
    "retrans_overlap": (retrans_overlap, {}),
    "ooo_hole": (ooo_hole, {}),
    "frag_overlap": (frag_overlap, {}),
    "snaplen_64": (snaplen_64, {"snaplen": 64}),
    "zero_length": (zero_length, {}),
    "truncated_record": (truncated_record, {}),
    "absurd_snaplen": (absurd_snaplen, {"snaplen": 0xFFFFFFFF}),
}


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        print("\n".join(CASES))
        return 0
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out, names = argv[1], argv[2:] or list(CASES)
    for name in names:
        if name not in CASES:
            print("gen.py: unknown case %s" % name, file=sys.stderr)
            return 2
        fn, kw = CASES[name]
        cap = Pcap("%s/%s.pcap" % (out, name), **kw)
        fn(cap)
        cap.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
