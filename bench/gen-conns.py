#!/usr/bin/env python3
"""Generates benchmark capture (d): many concurrent connections, each with
one exchange in flight.

First every connection opens (SYN, SYN/ACK, ACK) and sends its request,
which the server acknowledges; only then does each server answer (a 200 with
a 12-byte body) and each connection close (FIN both ways). So at the end of
the first phase N connections are open at once, each holding one unanswered
request: the peak memory of a reader over this capture, divided by N, is
what one idle connection costs it.

The capture is synthetic (real sockets would need N file descriptors and
ports on both ends) but every frame is a well-formed Ethernet/IPv4/TCP frame
with correct IP checksums and consistent sequence numbers.

Usage: gen-conns.py [OUT.pcap] [N]   (defaults: bench/data/d-conns.pcap, 100000)
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "data", "d-conns.pcap")
N = int(sys.argv[2]) if len(sys.argv) > 2 else 100000

SERVER_IP = bytes([10, 213, 9, 1])
SERVER_PORT = 8080
CLIENT_MAC = b"\x02\x00\x00\x00\x00\x02"
SERVER_MAC = b"\x02\x00\x00\x00\x00\x01"
SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
RESPONSE = (b"HTTP/1.1 200 OK\r\nServer: gen-conns\r\n"
            b"Date: Wed, 01 Jan 2020 00:00:00 GMT\r\nContent-Type: text/plain\r\n"
            b"Content-Length: 12\r\n\r\nhello world\n")


def checksum(hdr):
    s = sum(struct.unpack("!10H", hdr))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def client(i):
    """Client address and port of connection i: 60,000 ports per address."""
    a = i // 60000
    return bytes([10, 214, a >> 8 & 255, a & 255]), 1024 + i % 60000


class Writer:
    def __init__(self, f):
        self.f = f
        self.t = 1577836800 * 1000000  # 2020-01-01, microseconds
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))

    def frame(self, to_server, cip, cport, seq, ack, flags, payload=b""):
        src, dst = (cip, SERVER_IP) if to_server else (SERVER_IP, cip)
        sport, dport = (cport, SERVER_PORT) if to_server else (SERVER_PORT, cport)
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          5 << 4, flags, 65535, 0, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000,
                         64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        eth = (SERVER_MAC + CLIENT_MAC if to_server else CLIENT_MAC + SERVER_MAC) + b"\x08\x00"
        pkt = eth + ip + tcp + payload
        self.t += 10
        self.f.write(struct.pack("<IIII", self.t // 1000000, self.t % 1000000, len(pkt), len(pkt)))
        self.f.write(pkt)


def main():
    os.makedirs(os.path.dirname(os.path.abspath(OUT)), exist_ok=True)
    with open(OUT, "wb", buffering=1 << 20) as f:
        w = Writer(f)
        cisn, sisn = 1000, 500000
        reqs = []
        for i in range(N):  # phase 1: open, send the request, leave it in flight
            cip, cport = client(i)
            req = b"GET /item/%d HTTP/1.1\r\nHost: bench\r\nUser-Agent: gen-conns\r\n\r\n" % i
            reqs.append(len(req))
            w.frame(True, cip, cport, cisn, 0, SYN)
            w.frame(False, cip, cport, sisn, cisn + 1, SYN | ACK)
            w.frame(True, cip, cport, cisn + 1, sisn + 1, ACK)
            w.frame(True, cip, cport, cisn + 1, sisn + 1, PSH | ACK, req)
            w.frame(False, cip, cport, sisn + 1, cisn + 1 + len(req), ACK)
        for i in range(N):  # phase 2: answer and close
            cip, cport = client(i)
            c = cisn + 1 + reqs[i]
            s = sisn + 1
            w.frame(False, cip, cport, s, c, PSH | ACK, RESPONSE)
            w.frame(True, cip, cport, c, s + len(RESPONSE), FIN | ACK)
            w.frame(False, cip, cport, s + len(RESPONSE), c + 1, FIN | ACK)
            w.frame(True, cip, cport, c + 1, s + len(RESPONSE) + 1, ACK)


if __name__ == "__main__":
    main()
