"""Frames for the network-layer-and-up printer tests, built with dpkt.

Each family gives a list of Ethernet frames: the everyday messages first, then
malformed and truncated ones. Checksums are filled in unless a frame is about
a bad one, so that tcpdump's -v checksum verdicts are exercised both ways.
"""

from __future__ import annotations

import struct
from pathlib import Path

import dpkt

from .read_corpus import IP6_A, IP6_B, IP_A, IP_B, MAC_B, eth, ip4, ip6, ipv4, ipv6, tcp, write_pcap

MAC_C = bytes.fromhex("000c291f7406")


def _cksum_l4(raw: bytes, src: bytes, dst: bytes, proto: int, at: int) -> bytes:
    """``raw`` with its pseudo-header checksum written at offset ``at``."""
    raw = raw[:at] + b"\0\0" + raw[at + 2:]
    if len(src) == 4:
        pseudo = src + dst + struct.pack("!xBH", proto, len(raw))
    else:
        pseudo = src + dst + struct.pack("!IxxxB", len(raw), proto)
    ck = dpkt.dpkt.in_cksum(pseudo + raw)
    return raw[:at] + struct.pack("!H", ck) + raw[at + 2:]


def udp_raw(sport: int, dport: int, payload: bytes) -> bytes:
    """A UDP header and payload, checksum left zero."""
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def udp4(sport: int, dport: int, payload: bytes, src: str = IP_A, dst: str = IP_B,
         **ipkw: int) -> bytes:
    """An Ethernet frame carrying UDP over IPv4 with a correct checksum."""
    seg = _cksum_l4(udp_raw(sport, dport, payload), ip4(src), ip4(dst), 17, 6)
    return eth(ipv4(seg, 17, src, dst, **ipkw))


def udp6(sport: int, dport: int, payload: bytes, src: str = IP6_A, dst: str = IP6_B,
         hlim: int = 64) -> bytes:
    """An Ethernet frame carrying UDP over IPv6 with a correct checksum."""
    seg = _cksum_l4(udp_raw(sport, dport, payload), ip6(src), ip6(dst), 17, 6)
    return eth(ipv6(seg, 17, src, dst, hlim), 0x86DD)


def tcp4(sport: int, dport: int, seq: int, ack: int, flags: int, data: bytes = b"",
         opts: bytes = b"", src: str = IP_A, dst: str = IP_B, win: int = 64240) -> bytes:
    """An Ethernet frame carrying TCP over IPv4 with a correct checksum."""
    seg = _cksum_l4(bytes(tcp(sport, dport, seq, ack, flags, data, opts, win)), ip4(src),
                    ip4(dst), 6, 16)
    return eth(ipv4(seg, 6, src, dst))


def tcp6(sport: int, dport: int, seq: int, ack: int, flags: int, data: bytes = b"",
         opts: bytes = b"", src: str = IP6_A, dst: str = IP6_B) -> bytes:
    """An Ethernet frame carrying TCP over IPv6 with a correct checksum."""
    seg = _cksum_l4(bytes(tcp(sport, dport, seq, ack, flags, data, opts)), ip6(src),
                    ip6(dst), 6, 16)
    return eth(ipv6(seg, 6, src, dst), 0x86DD)


def proto4(proto: int, payload: bytes, src: str = IP_A, dst: str = IP_B, **ipkw: int) -> bytes:
    """Any IPv4 payload in an Ethernet frame."""
    return eth(ipv4(payload, proto, src, dst, **ipkw))


def opts4(payload: bytes, proto: int, opts: bytes) -> bytes:
    """An IPv4 packet with header options (padded to 32 bits) in an Ethernet frame."""
    opts += bytes(-len(opts) % 4)
    pkt = ipv4(payload, proto, opts=opts)
    pkt.hl = 5 + len(opts) // 4
    return eth(pkt)


def proto6(nxt: int, payload: bytes, src: str = IP6_A, dst: str = IP6_B,
           hlim: int = 64) -> bytes:
    """Any IPv6 payload in an Ethernet frame."""
    return eth(ipv6(payload, nxt, src, dst, hlim), 0x86DD)


def icmp4(typ: int, code: int, body: bytes, **kw: int) -> bytes:
    """An ICMP message with its checksum filled in, over IPv4."""
    raw = struct.pack("!BBH", typ, code, 0) + body
    raw = raw[:2] + struct.pack("!H", dpkt.dpkt.in_cksum(raw)) + raw[4:]
    return proto4(1, raw, **kw)


def icmp6m(typ: int, code: int, body: bytes, src: str = IP6_A, dst: str = IP6_B,
           hlim: int = 255) -> bytes:
    """An ICMPv6 message with its checksum filled in."""
    raw = struct.pack("!BBH", typ, code, 0) + body
    raw = _cksum_l4(raw, ip6(src), ip6(dst), 58, 2)
    return proto6(58, raw, src, dst, hlim)


def write_families(directory: Path, families: list[str]) -> dict[str, Path]:
    """One pcap file per family (``<family>_frames()`` below) in ``directory``."""
    files = {}
    for fam in families:
        files[fam] = directory / f"{fam}.pcap"
        write_pcap(str(files[fam]), globals()[f"{fam}_frames"]())
    return files


def write_snapped(path: Path, families: list[str], snaplen: int) -> Path:
    """Every frame of ``families`` in one file, cut to ``snaplen`` bytes as a
    capture with that snapshot length keeps them (wire lengths unchanged)."""
    frames = [f for fam in families for f in globals()[f"{fam}_frames"]()]
    write_pcap(str(path), [f[:snaplen] for f in frames], snaplen=snaplen,
               wirelens=[len(f) for f in frames])
    return path


def truncate(frame: bytes, keep: int) -> bytes:
    """The first ``keep`` bytes of a frame, as a short snaplen would leave it."""
    return frame[:keep]


# ---- IPv4, IPv6, TCP, UDP ----

SYN_OPTS = (b"\x02\x04\x05\xb4\x04\x02\x08\x0a\x00\x00\x10\x00\x00\x00\x00\x00"
            b"\x01\x03\x03\x07")
TS_OPTS = b"\x01\x01\x08\x0a\x00\x00\x10\x05\x00\x00\x20\x00"


def mptcp_options() -> list[tuple[int, bytes]]:
    """(TCP flags, an MPTCP option): each subtype, well-formed and not."""
    S, SA, A_ = 0x02, 0x12, 0x10
    key = bytes.fromhex("0011223344556677")

    def mp(sub: int, body: bytes) -> bytes:
        return bytes([30, 3 + len(body), sub]) + body
    v4, v6 = bytes([198, 18, 0, 9]), bytes(15) + b"\x01"
    return [
        (S, mp(0x00, b"\x81" + key)), (A_, mp(0x01, b"\x01" + key + key[::-1])),
        (A_, mp(0x01, b"\x01" + key + key[::-1] + b"\x00\x05")), (S, mp(0x05, b"\x01")),
        (A_, mp(0x00, b"\x81" + key)),                                    # capable on a non-SYN
        (S, mp(0x11, b"\x07" + bytes(8))), (SA, mp(0x10, b"\x02" + key + b"\x00\x00\x00\x09")),
        (A_, mp(0x10, b"\x00" + bytes(range(20)))), (A_, mp(0x10, b"\x00")),
        (A_, mp(0x20, b"\x01" + struct.pack("!I", 77))),
        (A_, mp(0x20, b"\x1f" + key + key + struct.pack("!IHH", 5, 41, 0xBEEF))),
        (A_, mp(0x20, b"\x05" + struct.pack("!IIIH", 1, 2, 3, 4))),
        (A_, mp(0x20, b"\x05" + struct.pack("!II", 1, 2))),                # length cut short
        (A_, mp(0x20, b"\x00\x00")), (S, mp(0x20, b"\x00")),
        (A_, mp(0x34, b"\x01" + v4)), (A_, mp(0x30, b"\x02" + v4 + b"\x1f\x90")),
        (A_, mp(0x30, b"\x03" + v4 + key)), (A_, mp(0x31, b"\x04" + v4 + b"\x1f\x90" + key)),
        (A_, mp(0x36, b"\x05" + v6)), (A_, mp(0x30, b"\x06" + v6 + b"\x00\x50" + key)),
        (A_, mp(0x39, b"\x07" + v4)), (A_, mp(0x30, b"\x07" + v4[:3])),
        (A_, mp(0x40, b"\x01\x02\x03")), (A_, mp(0x40, b"")),
        (A_, mp(0x51, b"\x04")), (A_, mp(0x50, b"")), (A_, mp(0x51, b"\x04\x05")),
        (A_, mp(0x60, b"\x00" + key)), (A_, mp(0x70, b"\x00" + key)), (A_, mp(0x70, b"\x00")),
        (A_, mp(0x80, b"\x00")), (A_, mp(0xF0, b"abc")), (A_, b"\x1e\x02"),
    ]


def tcp_frames() -> list[bytes]:
    """Two TCP conversations (v4 and v6) with options, data, SACK, FIN, RST, oddities."""
    A, B = IP_A, IP_B
    S, SA, A_, PA, FA, R, RA = 0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14
    sack = b"\x01\x01\x05\x0a" + struct.pack("!II", 2001001, 2001401)
    f = [
        tcp4(51000, 443, 1000, 0, S, opts=SYN_OPTS),
        tcp4(443, 51000, 2000000, 1001, SA, opts=SYN_OPTS, src=B, dst=A),
        tcp4(51000, 443, 1001, 2000001, A_, opts=TS_OPTS),
        tcp4(51000, 443, 1001, 2000001, PA, b"\x16\x03\x01\x00\x05hello", TS_OPTS),
        tcp4(443, 51000, 2000001, 1011, PA, b"\x17\x03\x03\x00\x03abc" * 3, src=B, dst=A),
        tcp4(51000, 443, 1011, 2000001, A_, opts=sack),
        tcp4(51000, 443, 1011, 2000031, FA),
        tcp4(443, 51000, 2000031, 1012, FA, src=B, dst=A),
        tcp4(51000, 443, 1012, 2000032, A_),
        tcp4(51001, 80, 5, 0, S, win=1024),
        tcp4(80, 51001, 0, 6, RA, src=B, dst=A),
        tcp4(51002, 80, 7, 9, R),
        tcp4(51002, 80, 7, 9, R, b"connection reset\x00\x01"),
        tcp4(51002, 80, 7, 9, RA, b"a much longer reason for the reset, over 30 bytes"),
        tcp4(51003, 22, 10, 20, 0x38, b"x", win=0),   # PSH ACK URG
        tcp4(51004, 23, 10, 20, 0xC2),                # SYN ECE CWR
        tcp4(51005, 25, 10, 20, 0x00),                # no flags
        tcp4(51006, 8080, 10, 20, PA, b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"),
        tcp4(8080, 51006, 20, 48, PA, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
             src=B, dst=A),
        tcp4(51007, 80, 10, 20, PA, b"POST /form HTTP/1.0\r\n\r\nbody"),
        tcp4(51008, 80, 10, 20, PA, b"not http at all"),
        tcp4(51009, 179, 10, 20, A_, opts=b"\x13\x12" + b"\xaa" * 16 + b"\x01\x01"),   # md5
        tcp4(51010, 5000, 10, 20, S, opts=b"\x22\x02\x01\x01"),          # tfo, nop
        tcp4(51011, 5001, 10, 20, S, opts=b"\x1e\x04\x00\x81\x01\x01"),  # mptcp
        *[tcp4(51020 + i, 5010, 10, 20, fl, opts=mp + b"\x01" * (-len(mp) % 4))
          for i, (fl, mp) in enumerate(mptcp_options())],
        # OpenFlow message headers: several in a segment, 1.3, unknown version and type,
        # a header cut by the segment's end, a length below the header's own
        *[tcp4(6653, 40000 + i, 10, 20, 0x18, data=b"".join(
            struct.pack("!BBHI", v, t, 8 + len(body), xid) + body for v, t, body, xid in msgs))
          for i, msgs in enumerate((
              [(1, 0, b"", 1)], [(1, 5, b"", 2), (1, 18, b"", 3), (1, 19, b"", 3)],
              [(4, 0, b"", 7), (4, 20, b"", 8)], [(9, 3, b"abc", 9)], [(1, 77, b"", 10)]))],
        tcp4(40010, 6633, 10, 20, 0x18, data=struct.pack("!BBHI", 1, 0, 8, 1) + b"\x01\x00\x00"),
        tcp4(40011, 6633, 10, 20, 0x18, data=struct.pack("!BBHI", 1, 0, 4, 1) + bytes(8)),
        tcp4(51012, 5002, 10, 20, S, opts=b"\x1c\x04\x80\x3c"),          # uto
        tcp4(51013, 5003, 10, 20, S, opts=b"\x4e\x04\xab\xcd"),          # unknown kind
        tcp4(51014, 5004, 10, 20, S, opts=b"\x02\x04\x05"),              # cut option
        tcp4(51015, 5005, 10, 20, S, opts=b"\x00\x00\x00\x00"),          # eol padding
        tcp6(51100, 443, 77, 0, S, opts=SYN_OPTS),
        tcp6(443, 51100, 99, 78, SA, opts=SYN_OPTS, src=IP6_B, dst=IP6_A),
        tcp6(51100, 443, 78, 100, PA, b"hello world"),
        tcp6(51100, 53, 78, 100, PA, b"\x00\x1d" + bytes(dns_q(0x55, "example.com", 1))),
        tcp4(51016, 53, 10, 20, PA, b"\x00\x1d" + bytes(dns_q(0x56, "example.com", 1))),
    ]
    odd = bytes([0xf9, 0x89, 3, 4, 5, 6, 7, 8]) + b"\x01\x00"
    for kind in (4, 13, 20, 27, 29, 30, 34, 254):   # option kinds with odd lengths
        f.append(tcp4(1000, 2000, 1, 0, S, opts=bytes([kind, 10]) + odd))
    f.append(truncate(tcp4(51000, 443, 1, 0, S, opts=SYN_OPTS), 14 + 20 + 20 + 9))
    f.append(truncate(tcp4(51000, 443, 1, 0, S, opts=b"\x4e\x0a" + bytes(8)), 14 + 20 + 20 + 5))
    bad_ck = bytearray(tcp4(51017, 443, 10, 20, A_))
    bad_ck[14 + 20 + 16] ^= 0xFF
    f.append(bytes(bad_ck))
    short_off = bytearray(tcp4(51018, 443, 10, 20, A_))
    short_off[14 + 20 + 12] = 0x30   # data offset 3 words
    f.append(bytes(short_off))
    long_off = bytearray(tcp4(51019, 443, 10, 20, A_))
    long_off[14 + 20 + 12] = 0xF0    # data offset past the end
    f.append(bytes(long_off))
    f.append(truncate(tcp4(51020, 443, 10, 20, A_), 14 + 20 + 10))
    # options end at EOL, but the header runs on past the capture
    f.append(truncate(tcp4(51030, 443, 10, 20, PA, b"data" * 4, opts=bytes(8)), 14 + 20 + 24))
    f.append(truncate(tcp4(51021, 443, 10, 20, A_, opts=SYN_OPTS), 14 + 20 + 24))
    return f


def dns_q(qid: int, name: str, qtype: int) -> dpkt.dns.DNS:
    d = dpkt.dns.DNS(id=qid, qd=[dpkt.dns.DNS.Q(name=name, type=qtype, cls=1)])
    d.op = dpkt.dns.DNS_RD
    return d


def udp_frames() -> list[bytes]:
    """Plain UDP, bad lengths and checksums, zero checksum, v6."""
    f = [
        udp4(40000, 9999, b"x" * 20),
        udp4(40000, 9999, b""),
        udp6(40000, 9999, b"y" * 33),
        eth(ipv4(udp_raw(40001, 9999, b"abc"), 17)),   # no checksum
    ]
    bad = bytearray(udp4(40002, 9999, b"z" * 10))
    bad[14 + 20 + 6] ^= 0x55
    f.append(bytes(bad))
    long_ulen = bytearray(udp4(40003, 9999, b"q" * 10))
    long_ulen[14 + 20 + 4:14 + 20 + 6] = struct.pack("!H", 200)
    f.append(bytes(long_ulen))
    short_ulen = bytearray(udp4(40004, 9999, b"q" * 10))
    short_ulen[14 + 20 + 4:14 + 20 + 6] = struct.pack("!H", 4)
    f.append(bytes(short_ulen))
    f.append(truncate(udp4(40005, 9999, b"q" * 10), 14 + 20 + 5))
    # a known port at each end: tcpdump's order decides, some by one side only
    syslog = b"<13>Nov 30 12:00:00 host zcap: hello"
    for sport, dport, payload in ((514, 546, b"\x0d\x00" + bytes(32)), (5060, 514, syslog),
                                  (1985, 514, syslog), (514, 6343, bytes(28)),
                                  (49152, 514, syslog), (6081, 40000, bytes(16)),
                                  (4789, 6081, bytes(16)), (514, 319, bytes(44))):
        f.append(udp4(sport, dport, payload))
    return f


def ip_frames() -> list[bytes]:
    """IPv4 options, fragments, bad headers, truncation; IPv6 extension headers."""
    f = [
        proto4(17, udp_raw(1, 2, b"a" * 16), off=0x2000),          # MF, first fragment
        proto4(17, b"b" * 24, off=0x0003),                          # last fragment, off 24
        proto4(17, b"b" * 24, off=0x2005),                          # middle fragment
        proto4(17, udp_raw(1, 2, b"c" * 4), off=0x4000, tos=0xB8),  # DF, DSCP EF
        proto4(17, udp_raw(1, 2, b"c" * 4), tos=0x03),              # CE
        proto4(99, b"payload!"),                                    # unknown protocol
        proto4(4, bytes(ipv4(udp_raw(5, 6, b"inner"), 17, "10.9.9.9", "10.8.8.8"))),  # IPIP
        proto4(41, bytes(ipv6(udp_raw(5, 6, b"inner6"), 17))),     # 6in4
    ]
    opt = opts4(udp_raw(1, 2, b"opt"), 17, b"\x94\x04\x00\x00")   # router alert
    f.append(opt)
    f.append(opts4(udp_raw(1, 2, b"opt"), 17, b"\x01\x01\x01\x00"))  # nops, eol
    f.append(opts4(udp_raw(1, 2, b"rr"), 17,
                   b"\x07\x0b\x08" + ip4("1.2.3.4") + ip4("0.0.0.0") + b"\0"))
    f.append(opts4(udp_raw(1, 2, b"ts"), 17, b"\x44\x0c\x05\x00" + b"\0" * 8))
    f.append(opts4(udp_raw(1, 2, b"ts"), 17, b"\x44\x0c\x0d\x01" + ip4("1.1.1.1") + b"\0\0\1\0"))
    f.append(opts4(udp_raw(1, 2, b"bad"), 17, b"\x07\x01\x00\x00"))
    # a timestamp option whose last entry runs past its length: tcpdump reads on
    # into the packet, and where the capture ends there, cuts the option list
    ts_over = b"\x44\x0e\x05\x01" + ip4("1.1.1.1") + b"\0\0\1\0" + b"\0\0\0\0"
    f.append(truncate(opts4(udp_raw(1, 2, b"ts"), 17, ts_over), 14 + 36))
    f.append(opts4(udp_raw(1, 2, b"ts"), 17, ts_over))
    f.append(opts4(udp_raw(1, 2, b"lsrr"), 17, b"\x83\x07\x04" + ip4("9.9.9.9") + b"\0"))
    f.append(opts4(udp_raw(1, 2, b"sec"), 17, b"\x82\x0b" + bytes(9) + b"\0"))
    f.append(opts4(udp_raw(1, 2, b"unk"), 17, b"\x19\x04\x00\x00"))
    bad_sum = bytearray(proto4(17, udp_raw(1, 2, b"bs")))
    bad_sum[14 + 10] ^= 0xFF
    f.append(bytes(bad_sum))
    big = bytearray(proto4(17, udp_raw(1, 2, b"x" * 100)))
    f.append(truncate(bytes(big), 14 + 20 + 8 + 51))               # 49 bytes missing
    f.append(truncate(proto4(6, bytes(tcp(1, 2, 3, 4, 0x18, b"d" * 80))), 14 + 20 + 30))
    badlen = bytearray(proto4(17, udp_raw(1, 2, b"x" * 10)))
    badlen[14 + 2:14 + 4] = struct.pack("!H", 12)
    f.append(bytes(badlen))
    badhl = bytearray(proto4(17, udp_raw(1, 2, b"x" * 10)))
    badhl[14] = 0x43
    f.append(bytes(badhl))
    longlen = bytearray(proto4(17, udp_raw(1, 2, b"x" * 10)))
    longlen[14 + 2:14 + 4] = struct.pack("!H", 300)
    f.append(bytes(longlen))
    # IPv6: hop-by-hop, destination options, routing, fragments
    u = udp_raw(7, 8, b"six" * 4)
    hbh = bytes([17, 0]) + b"\x05\x02\x00\x00\x01\x00"               # router alert + padn
    f.append(proto6(0, hbh + u))
    # padding first, then the router alert; unknown options; pad1s (spacing as tcpdump's)
    f.append(proto6(0, bytes([17, 0]) + b"\x01\x00\x05\x02\x00\x00" + u))
    f.append(proto6(0, bytes([17, 0]) + b"\x3e\x02ab\x00\x00" + u))
    f.append(proto6(60, bytes([17, 0]) + b"\x05\x02\x00\x01\x00\x00" + u))
    dst = bytes([17, 0]) + b"\x01\x04\x00\x00\x00\x00"
    f.append(proto6(60, dst + u))
    rt = bytes([17, 2, 0, 1]) + b"\0\0\0\0" + ip6("2001:db8::99")
    f.append(proto6(43, rt + u))
    # segment routing (type 4): segments in reverse, the first the final destination
    srh = bytes([17, 4, 4, 1, 1, 0, 0, 0x1F]) + ip6("2001:db8::99") + ip6("2001:db8::98")
    f.append(proto6(43, srh + u))
    f.append(proto6(43, srh[:5] + b"\x80" + srh[6:] + u))
    f.append(proto6(43, bytes([17, 2, 0, 1]) + b"\0\0\0\x07" + ip6("2001:db8::99") + u))
    frag0 = bytes([17, 0]) + struct.pack("!HI", 0x0001, 0xABCD) + u
    f.append(proto6(44, frag0))
    frag1 = bytes([17, 0]) + struct.pack("!HI", 0x0010, 0xABCD) + b"z" * 16
    f.append(proto6(44, frag1))
    f.append(proto6(59, b""))                                       # no next header
    f.append(proto6(99, b"unknown!"))
    f.append(proto6(4, bytes(ipv4(udp_raw(5, 6, b"inner"), 17))))
    f.append(proto6(41, bytes(ipv6(udp_raw(5, 6, b"inner6"), 17))))
    f.append(truncate(proto6(17, udp_raw(1, 2, b"x" * 100)), 14 + 40 + 20))
    tc = eth(ipv6(udp_raw(1, 2, b"x"), 17), 0x86DD)
    tc = tc[:14] + bytes([0x6B, 0x81, 0x23, 0x45]) + tc[18:]        # class, flow label
    f.append(tc)
    return f


# ---- DNS ----

def _name(n: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in n.split(".") if p) + b"\0"


def dns_msg(qid: int, flags: int, qd: list[bytes], an: list[bytes] = (), ns: list[bytes] = (),
            ar: list[bytes] = ()) -> bytes:
    """A DNS message from already-encoded sections."""
    return struct.pack("!HHHHHH", qid, flags, len(qd), len(an), len(ns), len(ar)) + \
        b"".join(qd) + b"".join(an) + b"".join(ns) + b"".join(ar)


def question(name: str, qtype: int, qcls: int = 1) -> bytes:
    return _name(name) + struct.pack("!HH", qtype, qcls)


def rr(name: str | bytes, rtype: int, rdata: bytes, cls: int = 1, ttl: int = 300) -> bytes:
    """A resource record; ``name`` may be raw bytes (e.g. a compression pointer)."""
    raw = name if isinstance(name, bytes) else _name(name)
    return raw + struct.pack("!HHIH", rtype, cls, ttl, len(rdata)) + rdata


PTR0 = b"\xc0\x0c"   # the name of the first question


def dns_frames() -> list[bytes]:
    """Queries and responses of every common type, EDNS, mDNS, TCP, damaged ones."""
    q = question("www.example.com", 1)
    f = [
        udp4(40000, 53, dns_msg(0x1234, 0x0100, [q])),
        udp4(53, 40000, dns_msg(0x1234, 0x8180, [q], [rr(PTR0, 1, ip4("93.184.216.34")),
                                                        rr(PTR0, 1, ip4("93.184.216.35"))]),
             src=IP_B, dst=IP_A),
        udp4(40001, 53, dns_msg(7, 0x0120, [question("example.com", 28)],
                                ar=[b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0)])),
        udp4(53, 40001, dns_msg(7, 0x81a0, [question("example.com", 28)],
                                [rr(PTR0, 28, ip6("2606:2800:220:1::1"))],
                                ar=[b"\0" + struct.pack("!HHIH", 41, 1232, 0x8000, 0)]),
             src=IP_B, dst=IP_A),
        udp4(53, 40002, dns_msg(8, 0x8183, [question("nope.example", 1)], [],
                                [rr("example", 6, _name("ns.example") + _name("h.example") +
                                    struct.pack("!IIIII", 1, 2, 3, 4, 5))]),
             src=IP_B, dst=IP_A),
        udp4(53, 40003, dns_msg(9, 0x8180, [question("a.example.com", 5)],
                                [rr(PTR0, 5, _name("b.example.com")),
                                 rr("b.example.com", 1, ip4("1.2.3.4"))]), src=IP_B, dst=IP_A),
        udp4(53, 40004, dns_msg(10, 0x8180, [question("example.com", 15)],
                                [rr(PTR0, 15, b"\0\x0a" + _name("mx.example.com"))]),
             src=IP_B, dst=IP_A),
        udp4(53, 40005, dns_msg(11, 0x8180, [question("example.com", 16)],
                                [rr(PTR0, 16, b"\x05hello\x03a b")]), src=IP_B, dst=IP_A),
        udp4(53, 40006, dns_msg(12, 0x8180, [question("_sip._udp.example.com", 33)],
                                [rr(PTR0, 33, struct.pack("!HHH", 10, 60, 5060) +
                                    _name("sip.example.com"))]), src=IP_B, dst=IP_A),
        udp4(53, 40007, dns_msg(13, 0x8180, [question("4.3.2.1.in-addr.arpa", 12)],
                                [rr(PTR0, 12, _name("host.example.com"))]), src=IP_B, dst=IP_A),
        udp4(40008, 53, dns_msg(14, 0x0100, [question("example.com", 65)])),
        udp4(53, 40008, dns_msg(14, 0x8180, [question("example.com", 65)],
                                [rr(PTR0, 65, b"\0\1\0" + b"\0\1\0\3\2h2")]), src=IP_B, dst=IP_A),
        udp4(40009, 53, dns_msg(15, 0x0100, [question("example.com", 256)])),
        udp4(40009, 53, dns_msg(16, 0x0100, [question("example.com", 44)])),
        udp4(53, 40009, dns_msg(16, 0x8180, [question("example.com", 256)],
                                [rr(PTR0, 256, b"\0\1\0\2http://x/")]), src=IP_B, dst=IP_A),
        udp4(53, 40010, dns_msg(17, 0x8185, [q]), src=IP_B, dst=IP_A),
        udp4(53, 40010, dns_msg(18, 0x8180, [q], ar=[b"\0" + struct.pack("!HHIH", 41, 4096,
                                                                          0x01000000, 0)]),
             src=IP_B, dst=IP_A),   # BadVers
        udp4(53, 40010, dns_msg(19, 0x8187, [q], ar=[b"\0" + struct.pack("!HHIH", 41, 4096,
                                                                          0x01000000, 0)]),
             src=IP_B, dst=IP_A),   # BadCookie
        udp4(40011, 53, dns_msg(20, 0x0100, [q], ar=[b"\0" + struct.pack(
            "!HHIH", 41, 4096, 0, 12) + b"\0\x0a\0\x08" + bytes(range(8))])),
        udp4(40012, 53, dns_msg(21, 0x2800, [question("example.com", 6)])),     # update
        udp4(40013, 53, dns_msg(22, 0x0100, [q, question("example.org", 1)])),  # 2 questions
        udp4(40014, 53, dns_msg(23, 0x0100, [question("example.com", 1, 3)])),  # CHAOS
        udp4(40015, 53, b"\x00\x01\x02"),                                         # short
        udp4(40016, 53, dns_msg(24, 0x0100, [q])[:20]),                           # cut question
        udp4(53, 40017, dns_msg(25, 0x8180, [q], [rr(PTR0, 1, ip4("1.1.1.1"))])[:-6],
             src=IP_B, dst=IP_A),                                                 # cut answer
        udp4(53, 40018, dns_msg(26, 0x8180, [q], [rr(b"\xc0\x40", 1, ip4("1.1.1.1"))]),
             src=IP_B, dst=IP_A),                                                 # bad pointer
        udp4(40019, 53, dns_msg(27, 0x0190, [q])),                                # CD, AD bits
        udp4(40020, 53, dns_msg(28, 0x0500, [q])),                                # AA in query
        udp6(40021, 53, dns_msg(29, 0x0100, [question("example.com", 28)])),
        udp4(5353, 5353, dns_msg(0, 0x0000, [question("_services._dns-sd._udp.local", 12,
                                                       0x8001)]), dst="224.0.0.251"),
        udp4(5353, 5353, dns_msg(0, 0x8400, [], [rr("printer.local", 1, ip4("192.168.1.50"),
                                                    0x8001, 120)]), dst="224.0.0.251"),
        udp4(5355, 5355, dns_msg(30, 0x0000, [question("wpad", 1)]), dst="224.0.0.252"),
        udp4(53, 40022, dns_msg(31, 0x8380, [q]), src=IP_B, dst=IP_A),            # TC
        tcp4(40023, 53, 1, 1, 0x18, struct.pack("!H", 29) + dns_msg(32, 0x0100, [q])),
        tcp4(53, 40023, 1, 1, 0x18, struct.pack("!H", 48) + dns_msg(
            32, 0x8180, [q], [rr(PTR0, 1, ip4("5.6.7.8"))]), src=IP_B, dst=IP_A),
        tcp4(40024, 53, 1, 1, 0x18, struct.pack("!H", 99) + dns_msg(33, 0x0100, [q])),
    ]
    return f


# ---- IGMP, PIM, OSPF, VRRP, GRE, ESP/AH, SCTP, VXLAN, Geneve ----

def _ck(raw: bytes, at: int = 2) -> bytes:
    """``raw`` with the Internet checksum written at ``at``."""
    raw = raw[:at] + b"\0\0" + raw[at + 2:]
    return raw[:at] + struct.pack("!H", dpkt.dpkt.in_cksum(raw)) + raw[at + 2:]


def igmp_frames() -> list[bytes]:
    g = ip4("239.1.2.3")
    v3rec = struct.pack("!BBH", 4, 0, 0) + g + struct.pack("!BBH", 2, 0, 1) + g + ip4("10.1.1.1")
    return [
        proto4(2, _ck(b"\x11\x64\0\0" + bytes(4)), dst="224.0.0.1", ttl=1),      # v2 general query
        proto4(2, _ck(b"\x11\x0a\0\0" + g), dst="239.1.2.3", ttl=1),             # v2 group query
        proto4(2, _ck(b"\x16\0\0\0" + g), dst="239.1.2.3", ttl=1),               # v2 report
        proto4(2, _ck(b"\x17\0\0\0" + g), dst="224.0.0.2", ttl=1),               # leave
        proto4(2, _ck(b"\x12\0\0\0" + g), dst="239.1.2.3", ttl=1),               # v1 report
        proto4(2, _ck(b"\x11\x64\0\0" + bytes(4) + b"\x02\x7d\0\0"), dst="224.0.0.1", ttl=1),
        proto4(2, _ck(b"\x22\0\0\0\0\0\0\x02" + v3rec), dst="224.0.0.22", ttl=1),
        proto4(2, _ck(b"\x11\x64\0\0" + bytes(4))[:6], dst="224.0.0.1", ttl=1),
        proto4(2, _ck(b"\x99\0\0\0" + g), dst="224.0.0.1", ttl=1),
        # multicast traceroute queries and responses, one replying to a group, one short
        *[proto4(2, _ck(bytes([t, 0, 0, 0]) + g + ip4("10.1.1.1") + ip4("10.2.2.2") + reply
                        + bytes([9]) + (7).to_bytes(3, "big")), dst="10.0.0.5")
          for t in (0x1E, 0x1F) for reply in (ip4("10.3.3.3"), ip4("224.0.1.32"))],
        proto4(2, _ck(b"\x1f\0\0\0" + g + bytes(8)), dst="10.0.0.5"),
    ]


def tunnel_frames() -> list[bytes]:
    inner4 = bytes(ipv4(udp_raw(1111, 2222, b"inner"), 17, "10.1.1.1", "10.2.2.2"))
    inner_eth = eth(ipv4(udp_raw(3333, 4444, b"payload!"), 17, "172.16.0.1", "172.16.0.2"))
    vx = struct.pack("!II", 0x08000000, 4242 << 8) + inner_eth
    gen = struct.pack("!BBHI", 0, 0, 0x6558, 77 << 8) + inner_eth
    gen_opt = struct.pack("!BBHI", 2, 0, 0x6558, 78 << 8) + struct.pack("!HBB", 0x0102, 3, 1) + \
        b"abcd" + inner_eth
    return [
        proto4(47, struct.pack("!HH", 0, 0x0800) + inner4),
        proto4(47, struct.pack("!HHI", 0x2000, 0x0800, 99) + inner4),              # key
        proto4(47, struct.pack("!HHI", 0x1000, 0x6558, 5) + inner_eth),            # seq, TEB
        proto4(47, struct.pack("!HH", 0x8000, 0x86DD) + b"\0\0\0\0" +
               bytes(ipv6(udp_raw(1, 2, b"x"), 17))),                                # csum
        proto4(47, struct.pack("!HH", 0x3001, 0x880B) + bytes(8)),                  # PPTP GRE v1
        proto4(47, struct.pack("!HHHHI", 0x3001, 0x880B, 12, 0, 1) +                 # PPP LCP
               b"\xff\x03\xc0\x21\x01\x00\x00\x08\x01\x04\x05\xdc"),
        proto4(47, struct.pack("!HHHHI", 0x3001, 0x880B, 4 + len(inner4), 0, 2) +   # PPP IP
               b"\xff\x03\x00\x21" + inner4),
        proto4(47, struct.pack("!HHHHI", 0x2081, 0x880B, 0, 0, 3)),                 # ack only
        proto4(47, struct.pack("!HHHHI", 0x3001, 0x86DD, 4, 0, 4) + b"abcd"),       # not PPP
        proto4(47, struct.pack("!HH", 0x0800, 0x0800) + inner4),      # source routing flag
        proto4(47, struct.pack("!HH", 0, 0x1234) + b"zzzz"),
        proto4(47, struct.pack("!HH", 0, 0x0800) + inner4[:12]),                  # cut inner IP
        proto4(47, struct.pack("!HH", 0, 0x86DD) + bytes(ipv6(b"", 59))[:30]),   # cut inner IPv6
        udp4(50000, 4789, vx),
        udp4(50001, 6081, gen),
        udp4(50002, 6081, gen_opt),
        udp4(50003, 4789, vx[:6]),
        proto4(50, struct.pack("!II", 0x1001, 7) + bytes(40)),
        proto4(51, bytes([17, 4, 0, 0]) + struct.pack("!II", 0x2002, 9) + bytes(12) +
               udp_raw(5, 6, b"ah")),
        proto6(50, struct.pack("!II", 0x3003, 11) + bytes(24)),
        proto6(51, bytes([58, 4, 0, 0]) + struct.pack("!II", 0x4004, 12) + bytes(12) +
               b"\x80\0\0\0\0\1\0\1"),
        proto4(112, _ck(bytes([0x21, 7, 100, 1, 0, 1]) + b"\0\0" + ip4("10.0.0.254") +
                        bytes(8), 6), dst="224.0.0.18", ttl=255),
        proto4(112, bytes([0x31, 8, 100, 1, 0, 100]) + b"\0\0" + ip4("10.0.0.253"),
               dst="224.0.0.18", ttl=255),
        # VRRPv3 over IPv6 lists IPv6 addresses; adverts cut after the priority
        proto6(112, bytes([0x31, 9, 100, 2, 0, 100]) + b"\0\0" + ip6("fe80::1") +
               ip6("2001:db8::1"), dst="ff02::12", hlim=255),
        proto4(112, bytes([0x31, 8, 100, 1]), dst="224.0.0.18", ttl=255),
        proto4(112, bytes([0x21, 8, 100, 1, 1]), dst="224.0.0.18", ttl=255),
    ]


def sctp_frames() -> list[bytes]:
    init = struct.pack("!BBHIIHHI", 1, 0, 20, 0xABCD, 65535, 10, 10, 1)
    data = struct.pack("!BBHIHHI", 0, 3, 16 + 5, 1, 0, 0, 0) + b"hello" + b"\0\0\0"
    sack = struct.pack("!BBHIIHH", 3, 0, 16, 1, 65535, 0, 0)
    hb = struct.pack("!BBH", 4, 0, 8) + b"\0\1\0\4"
    def s(chunks: bytes, sp: int = 3868, dp: int = 3868) -> bytes:
        return proto4(132, struct.pack("!HHII", sp, dp, 0x1234, 0) + chunks)
    def data_ppid(ppid: int) -> bytes:
        return struct.pack("!BBHIHHI", 0, 3, 16 + 4, 2, 1, 1, ppid) + b"m3ua"
    return [s(init), s(data), s(sack), s(hb), s(init + data), s(b"")[:14 + 20 + 6],
            # payload protocols tcpdump names, one it does not; ForCES channels by port
            s(data_ppid(3)), s(data_ppid(27)), s(data_ppid(26)), s(init, 6704, 50000),
            s(sack, 50000, 6706), s(init, 6705, 6705)]


# ---- ICMP, ICMPv6 ----

def icmp_frames() -> list[bytes]:
    """Echo, errors quoting UDP/TCP/ICMP, redirects, timestamps, damaged ones."""
    quoted_udp = bytes(ipv4(udp_raw(40000, 33434, b"x" * 12), 17, IP_B, "8.8.8.8"))
    quoted_tcp = bytes(ipv4(bytes(tcp(40000, 80, 1, 0, 2)), 6, IP_B, "8.8.8.8"))
    quoted_gre = bytes(ipv4(b"\0\0\x08\0", 47, IP_B, "8.8.8.8"))
    bad = bytearray(icmp4(8, 0, struct.pack("!HH", 1, 2) + b"abc"))
    bad[14 + 20 + 2] ^= 0xFF
    return [
        icmp4(8, 0, struct.pack("!HH", 0x1234, 1) + bytes(range(56))),
        icmp4(0, 0, struct.pack("!HH", 0x1234, 1) + bytes(range(56)), src=IP_B, dst=IP_A),
        icmp4(3, 3, bytes(4) + quoted_udp[:28]),
        icmp4(3, 3, bytes(4) + quoted_tcp[:28]),
        icmp4(3, 3, bytes(4) + quoted_gre[:24]),
        icmp4(3, 1, bytes(4) + quoted_udp[:28]),
        icmp4(3, 4, struct.pack("!HH", 0, 1400) + quoted_tcp[:28]),
        icmp4(3, 13, bytes(4) + quoted_udp[:28]),
        icmp4(11, 0, bytes(4) + quoted_udp[:28]),
        icmp4(11, 1, bytes(4) + quoted_udp[:28]),
        icmp4(5, 1, ip4("192.168.1.1") + quoted_udp[:28]),
        icmp4(12, 0, b"\x14\0\0\0" + quoted_udp[:28]),
        icmp4(13, 0, struct.pack("!HHIII", 5, 6, 3723004, 0, 0)),
        icmp4(14, 0, struct.pack("!HHIII", 5, 6, 3723004, 3723005, 0x80000001)),
        icmp4(9, 0, struct.pack("!BBH", 2, 2, 1800) + ip4("10.0.0.1") + b"\0\0\0\x05" +
              ip4("10.0.0.2") + b"\0\0\0\x01"),
        icmp4(17, 0, struct.pack("!HHI", 1, 1, 0)),
        icmp4(18, 0, struct.pack("!HHI", 1, 1, 0xFFFFFF00)),
        icmp4(42, 0, bytes(12)),
        bytes(bad),
        truncate(icmp4(8, 0, struct.pack("!HH", 1, 2)), 14 + 20 + 6),
        truncate(icmp4(3, 3, bytes(4) + quoted_udp[:28]), 14 + 20 + 30),
        icmp4(3, 3, bytes(4) + quoted_udp),
        # shorter than a header: what tcpdump can name from type and code alone
        proto4(1, b"\x31\x00\x00"), proto4(1, b"\x0a\x00"), proto4(1, b"\x0c\x01\x00"),
        proto4(1, b"\x08\x00\x00"), proto4(1, b"\x0c\x00\x00"), proto4(1, b"\x0d"),
    ]


def icmp6_frames() -> list[bytes]:
    """ND, MLD, errors, echo, router renumbering, node information, damaged ones."""
    ll = "fe80::1"
    mac = b"\x01\x01" + MAC_C
    quoted = bytes(ipv6(udp_raw(40000, 33434, b"q" * 8), 17, IP6_B, "2001:db8::99"))
    quoted_tcp = bytes(ipv6(bytes(tcp(40000, 22, 1, 0, 2)), 6, IP6_B, "2001:db8::99"))
    pinfo = struct.pack("!BBBBIII", 3, 4, 64, 0xC0, 2592000, 604800, 0) + ip6("2001:db8:1::")
    rdnss = struct.pack("!BBHI", 25, 3, 0, 600) + ip6("2001:db8::53")
    mtu = struct.pack("!BBHI", 5, 1, 0, 1500)
    ra = struct.pack("!BBHII", 64, 0x08, 1800, 0, 0) + mac + mtu + pinfo + rdnss
    mldv2 = struct.pack("!HH", 0, 2) + struct.pack("!BBH", 4, 0, 0) + ip6("ff02::fb") + \
        struct.pack("!BBH", 1, 0, 1) + ip6("ff05::2") + ip6("2001:db8::7")
    bad = bytearray(icmp6m(128, 0, struct.pack("!HH", 1, 1)))
    bad[14 + 40 + 3] ^= 0x5A
    hbh = bytes([58, 0]) + b"\x05\x02\x00\x00\x01\x00"
    mld_raw = struct.pack("!BBH", 143, 0, 0) + mldv2
    mld_raw = _cksum_l4(mld_raw, ip6(ll), ip6("ff02::16"), 58, 2)
    return [
        icmp6m(128, 0, struct.pack("!HH", 7, 1) + b"ping" * 8, hlim=64),
        icmp6m(129, 0, struct.pack("!HH", 7, 1) + b"ping" * 8, src=IP6_B, dst=IP6_A, hlim=64),
        icmp6m(135, 0, bytes(4) + ip6("fe80::2") + mac, src=ll, dst="ff02::1:ff00:2"),
        icmp6m(135, 0, bytes(4) + ip6("fe80::2"), src="::", dst="ff02::1:ff00:2"),
        icmp6m(136, 0, b"\x60\0\0\0" + ip6("fe80::2") + b"\x02\x01" + MAC_C, src="fe80::2",
               dst=ll),
        icmp6m(136, 0, b"\xa0\0\0\0" + ip6("fe80::2"), src="fe80::2", dst="ff02::1"),
        icmp6m(133, 0, bytes(4) + mac, src=ll, dst="ff02::2"),
        icmp6m(133, 0, bytes(4), src="::", dst="ff02::2"),
        icmp6m(134, 0, ra, src=ll, dst="ff02::1"),
        icmp6m(137, 0, bytes(4) + ip6("fe80::9") + ip6("2001:db8::5"), src=ll, dst=IP6_A),
        eth(ipv6(hbh + mld_raw, 0, ll, "ff02::16", 1), 0x86DD),
        icmp6m(130, 0, struct.pack("!HH", 10000, 0) + bytes(16), src=ll, dst="ff02::1", hlim=1),
        icmp6m(130, 0, struct.pack("!HH", 10000, 0) + bytes(16) + b"\x02\x7d\0\0", src=ll,
               dst="ff02::1", hlim=1),
        icmp6m(131, 0, struct.pack("!HH", 0, 0) + ip6("ff02::fb"), src=ll, dst="ff02::fb",
               hlim=1),
        icmp6m(132, 0, struct.pack("!HH", 0, 0) + ip6("ff02::fb"), src=ll, dst="ff02::2",
               hlim=1),
        icmp6m(1, 4, bytes(4) + quoted, src="2001:db8::99", dst=IP6_B),
        icmp6m(1, 4, bytes(4) + quoted_tcp, src="2001:db8::99", dst=IP6_B),
        icmp6m(1, 0, bytes(4) + quoted, src="2001:db8::1", dst=IP6_B),
        icmp6m(1, 3, bytes(4) + quoted, src="2001:db8::1", dst=IP6_B),
        icmp6m(1, 2, bytes(4) + quoted, src="2001:db8::1", dst=IP6_B),
        icmp6m(1, 7, bytes(4) + quoted, src="2001:db8::1", dst=IP6_B),
        icmp6m(2, 0, struct.pack("!I", 1280) + quoted, src="2001:db8::1", dst=IP6_B),
        icmp6m(3, 0, bytes(4) + quoted, src="2001:db8::1", dst=IP6_B),
        icmp6m(3, 1, bytes(4) + quoted, src="2001:db8::1", dst=IP6_B),
        icmp6m(4, 1, struct.pack("!I", 40) + quoted, src="2001:db8::1", dst=IP6_B),
        icmp6m(138, 0, struct.pack("!IBBH", 1, 0, 0, 0) + bytes(4), src=ll, dst="ff02::2"),
        icmp6m(139, 0, struct.pack("!HH", 2, 0) + bytes(8) + ip6("2001:db8::1"), src=ll,
               dst=IP6_B),
        icmp6m(140, 0, struct.pack("!HH", 2, 0) + bytes(8) + b"\0\0\0\0\x04host\0", src=IP6_B,
               dst=ll),
        icmp6m(146, 0, struct.pack("!HH", 0x1234, 0), src=ll, dst=IP6_B),
        icmp6m(147, 0, struct.pack("!HH", 0x1234, 0x8000) + pinfo, src=IP6_B, dst=ll),
        icmp6m(200, 0, bytes(20)),
        icmp6m(50, 0, bytes(20)),
        bytes(bad),
        proto6(58, b""),
        truncate(icmp6m(135, 0, bytes(4) + ip6("fe80::2") + mac), 14 + 40 + 12),
        truncate(icmp6m(128, 0, struct.pack("!HH", 7, 1)), 14 + 40 + 2),
    ]


# ---- DHCP, DHCPv6, NTP, SNMP, syslog ----

DHCP_COOKIE = b"\x63\x82\x53\x63"


def bootp(op: int, xid: int, chaddr: bytes, options: bytes, ciaddr: str = "0.0.0.0",
          yiaddr: str = "0.0.0.0", siaddr: str = "0.0.0.0", giaddr: str = "0.0.0.0",
          flags: int = 0, secs: int = 0, htype: int = 1, hlen: int = 6, hops: int = 0,
          sname: bytes = b"", file: bytes = b"", cookie: bytes = DHCP_COOKIE) -> bytes:
    """A BOOTP/DHCP message; ``options`` without the end option, padded to 300 bytes."""
    body = struct.pack("!BBBBIHH", op, htype, hlen, hops, xid, secs, flags) + ip4(ciaddr) + \
        ip4(yiaddr) + ip4(siaddr) + ip4(giaddr) + chaddr.ljust(16, b"\0") + \
        sname.ljust(64, b"\0") + file.ljust(128, b"\0") + cookie + options + b"\xff"
    return body.ljust(300, b"\0")


def dhcp_opt(code: int, value: bytes) -> bytes:
    return bytes([code, len(value)]) + value


def dhcp_frames() -> list[bytes]:
    """DORA, a relayed request, an inform, BOOTP without options, damaged ones."""
    req = b"\x01\x03\x06\x0f\x1f\x21\x2b\x2c\x2e\x2f\x77\x79\xf9\xfc"
    disc = (dhcp_opt(53, b"\x01") + dhcp_opt(61, b"\x01" + MAC_C) + dhcp_opt(50, ip4("10.0.0.7"))
            + dhcp_opt(12, b"laptop") + dhcp_opt(60, b"MSFT 5.0") + dhcp_opt(55, req)
            + dhcp_opt(57, b"\x05\xdc"))
    offer = (dhcp_opt(53, b"\x02") + dhcp_opt(54, ip4("10.0.0.1")) + dhcp_opt(51, b"\0\0\x0e\x10")
             + dhcp_opt(58, b"\0\0\x07\x08") + dhcp_opt(59, b"\0\0\x0c\x4e")
             + dhcp_opt(1, ip4("255.255.255.0")) + dhcp_opt(3, ip4("10.0.0.1"))
             + dhcp_opt(6, ip4("10.0.0.1") + ip4("8.8.8.8")) + dhcp_opt(15, b"lan")
             + dhcp_opt(28, ip4("10.0.0.255")) + dhcp_opt(121, b"\x18\x0a\x01\x01\x0a\0\0\x01"))
    request = (dhcp_opt(53, b"\x03") + dhcp_opt(61, b"\x01" + MAC_C) + dhcp_opt(50, ip4("10.0.0.7"))
               + dhcp_opt(54, ip4("10.0.0.1")) + dhcp_opt(81, b"\x01\0\0laptop")
               + dhcp_opt(55, req))
    return [
        udp4(68, 67, bootp(1, 0x3903F326, MAC_C, disc), src="0.0.0.0", dst="255.255.255.255"),
        udp4(67, 68, bootp(2, 0x3903F326, MAC_C, offer, yiaddr="10.0.0.7", siaddr="10.0.0.1"),
             src="10.0.0.1", dst="10.0.0.7"),
        udp4(68, 67, bootp(1, 0x3903F326, MAC_C, request, secs=3, flags=0x8000), src="0.0.0.0",
             dst="255.255.255.255"),
        udp4(67, 68, bootp(2, 0x3903F326, MAC_C, dhcp_opt(53, b"\x05") + offer[3:],
                           yiaddr="10.0.0.7"), src="10.0.0.1", dst="10.0.0.7"),
        udp4(67, 67, bootp(1, 5, MAC_C, dhcp_opt(53, b"\x03") + dhcp_opt(
            82, b"\x01\x04eth0\x02\x06" + MAC_C), giaddr="10.9.0.1", hops=1),
            src="10.9.0.1", dst="10.0.0.1"),
        udp4(68, 67, bootp(1, 6, MAC_C, dhcp_opt(53, b"\x08") + dhcp_opt(77, b"\x03abc"),
                           ciaddr="10.0.0.7"), src="10.0.0.7", dst="10.0.0.1"),
        udp4(68, 67, bootp(1, 7, MAC_C, b"", cookie=b"\0\0\0\0", sname=b"srv", file=b"boot.img")),
        udp4(68, 67, bootp(1, 8, bytes(8), dhcp_opt(53, b"\x07"), htype=6, hlen=8)),
        udp4(68, 67, bootp(1, 9, MAC_C, dhcp_opt(53, b"\x01") + b"\0\0\0" +
                           dhcp_opt(200, b"\x01\x02\x03"))),
        udp4(68, 67, bootp(1, 10, MAC_C, disc)[:100]),
        udp4(68, 67, bootp(1, 11, MAC_C, disc)[:250]),
        udp4(68, 67, bootp(1, 12, MAC_C, dhcp_opt(53, b"\x01") + b"\x0c\x40abc")[:260]),
    ]


def ntp_packet(li_vn_mode: int, stratum: int, poll: int, prec: int, ref: bytes,
               stamps: tuple[int, int, int, int], extra: bytes = b"") -> bytes:
    return struct.pack("!BBbbHHHH", li_vn_mode, stratum, poll, prec, 0, 0x0A00, 1, 0x8000) + \
        ref + b"".join(struct.pack("!II", s, (s * 7919) & 0xFFFFFFFF) for s in stamps) + extra


def ntp_frames() -> list[bytes]:
    t = 3913056000
    return [
        udp4(123, 123, ntp_packet(0x23, 0, 0, 0, bytes(4), (0, 0, 0, t))),
        udp4(123, 123, ntp_packet(0x24, 2, 6, -23, ip4("17.253.4.125"), (t - 9, t, t + 1, t + 1)),
             src=IP_B, dst=IP_A),
        udp4(50000, 123, ntp_packet(0xE3, 0, 3, -6, bytes(4), (0, 0, 0, t))),
        udp4(123, 50000, ntp_packet(0x1C, 1, 17, -20, b"GPS\0", (t, t + 3, t - 2, t - 2)),
             src=IP_B, dst=IP_A),
        udp4(123, 123, ntp_packet(0x25, 3, 10, -18, ip4("10.0.0.1"), (t, t, t, t),
                                  b"\0\0\0\x01" + bytes(16))),
        udp4(123, 123, ntp_packet(0x24, 2, 6, -23, ip4("1.2.3.4"), (t, t, t, t))[:30]),
        udp4(123, 123, bytes([0x16, 0x01, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])),
        udp4(123, 123, bytes([0x17, 0x00, 0x03, 0x2a]) + bytes(4)),
    ]


def dhcp6_frames() -> list[bytes]:
    """SARR with the usual options, information requests, a relayed message."""
    def o(code: int, v: bytes) -> bytes:
        return struct.pack("!HH", code, len(v)) + v
    duid = o(1, struct.pack("!HHI", 1, 1, 639110161) + MAC_C)
    sid = o(2, struct.pack("!HH", 3, 1) + MAC_B)
    oro = o(6, struct.pack("!HHHH", 23, 24, 17, 39))
    iana = o(3, struct.pack("!III", 0x0E000C29, 0, 0))
    addr = o(5, ip6("2001:db8::1234") + struct.pack("!II", 3600, 7200))
    iana_full = o(3, struct.pack("!III", 0x0E000C29, 1800, 2880) + addr)
    dns = o(23, ip6("2001:db8::53") + ip6("2001:db8::54"))
    search = o(24, _name("example.com") + _name("lan"))
    pd = o(25, struct.pack("!III", 1, 0, 0) + o(26, struct.pack("!IIB", 3600, 7200, 56) +
                                               ip6("2001:db8:ff00::")))
    c, s = "fe80::20c:29ff:fe1f:7406", "fe80::1"
    return [
        udp6(546, 547, b"\x01\x12\x34\x56" + duid + oro + o(8, b"\0\0") + iana,
             src=c, dst="ff02::1:2"),
        udp6(547, 546, b"\x02\x12\x34\x56" + sid + duid + iana_full + dns + search, src=s, dst=c),
        udp6(546, 547, b"\x03\x12\x34\x57" + duid + sid + iana_full + oro + o(8, b"\0\x64"),
             src=c, dst="ff02::1:2"),
        udp6(547, 546, b"\x07\x12\x34\x57" + sid + duid + iana_full + dns + o(13, b"\0\0ok"),
             src=s, dst=c),
        udp6(546, 547, b"\x0b\xab\xcd\xef" + duid + oro + o(14, b""), src=c, dst="ff02::1:2"),
        udp6(546, 547, b"\x01\x00\x00\x01" + duid + pd + o(16, b"\0\0\x01\x37\0\x04abcd"),
             src=c, dst="ff02::1:2"),
        udp6(547, 547, b"\x0c\x00" + ip6("2001:db8::1") + ip6(c) + o(18, b"eth0") +
             o(9, b"\x01\x12\x34\x56" + duid), src="2001:db8::1", dst="2001:db8::547"),
        udp6(547, 546, b"\x07\x12\x34\x58" + sid + o(13, b"\0\x02none"), src=s, dst=c),
        udp6(546, 547, b"\x01\x12\x34\x56" + duid[:10], src=c, dst="ff02::1:2"),
        udp6(546, 547, b"\x01\x12", src=c, dst="ff02::1:2"),
        # the AFTR name (well-formed, a label running past the option, too short),
        # the MUD URL and time zones (text, a NUL inside, too short)
        udp6(547, 546, b"\x07\x12\x34\x59" + sid + o(64, _name("aftr.example.net"))
             + o(64, b"\x09ab") + o(64, b"\x01") + o(112, b"https://mud.example/x")
             + o(41, b"EST5EDT\0junk") + o(42, b"UTC") + o(112, b""), src=s, dst=c),
    ]


def syslog_frames() -> list[bytes]:
    return [
        udp4(40000, 514, b"<34>Oct 11 22:14:15 mymachine su: 'su root' failed\n"),
        udp4(40000, 514, b"<165>1 2003-10-11T22:14:15.003Z host app - ID47 - hello"),
        udp4(40000, 514, b"<7>x"),
        udp4(40000, 514, b"<191>x"),
        udp4(40000, 514, b"<9999>bad"),
        udp4(40000, 514, b"no pri"),
        udp4(40000, 514, b"<13"),
    ]


def ber(tag: int, body: bytes) -> bytes:
    """One BER element (definite length)."""
    n = len(body)
    if n < 128:
        return bytes([tag, n]) + body
    enc = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(enc)]) + enc + body


def ber_int(v: int, tag: int = 2) -> bytes:
    return ber(tag, v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big", signed=True))


def ber_oid(dotted: str) -> bytes:
    p = [int(x) for x in dotted.split(".")]
    out = bytes([p[0] * 40 + p[1]])
    for x in p[2:]:
        chunk = [x & 0x7F]
        x >>= 7
        while x:
            chunk.append(0x80 | (x & 0x7F))
            x >>= 7
        out += bytes(reversed(chunk))
    return ber(6, out)


def snmp(version: int, community: bytes, pdu_tag: int, reqid: int, varbinds: list[bytes],
         err: int = 0, idx: int = 0) -> bytes:
    vbl = ber(0x30, b"".join(varbinds))
    pdu = ber(pdu_tag, ber_int(reqid) + ber_int(err) + ber_int(idx) + vbl)
    return ber(0x30, ber_int(version) + ber(4, community) + pdu)


def vb(oid: str, value: bytes = b"\x05\x00") -> bytes:
    return ber(0x30, ber_oid(oid) + value)


def snmp_frames() -> list[bytes]:
    sys_descr = "1.3.6.1.2.1.1.1.0"
    trap1 = ber(0xA4, ber_oid("1.3.6.1.4.1.8072.3.2.10") + ber(0x40, ip4("10.0.0.9")) +
                ber_int(6) + ber_int(1) + ber_int(12345, 0x43) + ber(0x30, vb(sys_descr)))
    return [
        udp4(40000, 161, snmp(0, b"public", 0xA0, 1, [vb(sys_descr)])),
        udp4(161, 40000, snmp(0, b"public", 0xA2, 1, [vb(sys_descr, ber(4, b"Linux box"))]),
             src=IP_B, dst=IP_A),
        udp4(40000, 161, snmp(1, b"private", 0xA1, 2, [vb("1.3.6.1.2.1.2.2.1.10")])),
        udp4(161, 40000, snmp(1, b"private", 0xA2, 2, [
            vb("1.3.6.1.2.1.2.2.1.10.1", ber_int(123456789, 0x41)),
            vb("1.3.6.1.2.1.1.3.0", ber_int(8642, 0x43)),
            vb("1.3.6.1.2.1.4.20.1.1.10.0.0.1", ber(0x40, ip4("10.0.0.1"))),
            vb("1.3.6.1.2.1.1.2.0", ber_oid("1.3.6.1.4.1.8072.3.2.10")),
            vb("1.3.6.1.2.1.2.2.1.5.1", ber_int(1000000000, 0x42)),
            vb("1.3.6.1.2.1.31.1.1.1.6.1", ber_int(2**40, 0x46)),
            vb("1.3.6.1.2.1.1.9.0", b"\x80\x00"),
            vb("1.3.6.1.2.1.1.7.0", ber_int(-5)),
        ]), src=IP_B, dst=IP_A),
        udp4(40000, 161, snmp(1, b"public", 0xA5, 3, [vb("1.3.6.1.2.1.1")], 0, 10)),
        udp4(161, 40000, snmp(0, b"public", 0xA2, 4, [vb(sys_descr)], 2, 1), src=IP_B, dst=IP_A),
        udp4(40000, 161, snmp(0, b"public", 0xA3, 5, [vb("1.3.6.1.2.1.1.5.0", ber(4, b"x"))])),
        udp4(40000, 162, ber(0x30, ber_int(0) + ber(4, b"public") + trap1)),
        udp4(40000, 162, snmp(1, b"public", 0xA7, 6, [
            vb("1.3.6.1.2.1.1.3.0", ber_int(100, 0x43)),
            vb("1.3.6.1.6.3.1.1.4.1.0", ber_oid("1.3.6.1.6.3.1.1.5.3"))])),
        udp4(40000, 161, b"\x30\x03\x02\x01"),
        udp4(40000, 161, b"not asn.1 at all"),
    ]


def icmp6_more_frames() -> list[bytes]:
    """Router renumbering and node information in their several forms."""
    ll = "fe80::1"
    match = struct.pack("!BBBBBBH", 1, 3 + 4, 0, 48, 48, 64, 0) + ip6("2001:db8::")
    use = struct.pack("!BBBBIII", 64, 48, 0xC0, 0x40, 0xFFFFFFFF, 3600, 0x80000000) + \
        ip6("2001:db8:1::")
    rr = struct.pack("!IBBHI", 7, 0, 0x48, 100, 0)
    ni_q = struct.pack("!HH", 2, 0) + bytes(8)
    return [
        icmp6m(138, 0, rr + match + use, src=ll, dst="ff02::2"),
        icmp6m(138, 1, rr, src=ll, dst="ff02::2"),
        icmp6m(138, 255, rr, src=ll, dst="ff02::2"),
        icmp6m(139, 0, struct.pack("!HH", 3, 0x3e) + bytes(8) + ip6("2001:db8::1"), src=ll,
               dst=IP6_B),
        icmp6m(139, 1, ni_q + b"\x04host\x00", src=ll, dst=IP6_B),
        icmp6m(139, 2, struct.pack("!HH", 4, 0) + bytes(8) + ip4("10.0.0.1"), src=ll, dst=IP6_B),
        icmp6m(139, 0, struct.pack("!HH", 0, 0) + bytes(8), src=ll, dst=IP6_B),
        icmp6m(139, 0, struct.pack("!HH", 1, 1) + bytes(8), src=ll, dst=IP6_B),
        icmp6m(139, 0, bytes(8), src=ll, dst=IP6_B),
        icmp6m(140, 0, struct.pack("!HH", 3, 0x02) + bytes(8) + struct.pack("!I", 60) +
               ip6("fe80::2"), src=IP6_B, dst=ll),
        icmp6m(140, 0, struct.pack("!HH", 2, 1) + bytes(8) + struct.pack("!I", 30) +
               b"\x04host\x07example\x00", src=IP6_B, dst=ll),
        icmp6m(140, 1, struct.pack("!HH", 2, 0) + bytes(8), src=IP6_B, dst=ll),
        icmp6m(140, 0, struct.pack("!HH", 1, 0) + bytes(8), src=IP6_B, dst=ll),
        # RPL: a solicitation, a secured message and an unknown code (the DIO
        # and DAO fields tcpdump adds under -v are not decoded yet)
        icmp6m(155, 0, bytes(2), src=ll, dst="ff02::1a"),
        icmp6m(155, 0x82, bytes(20), src=ll, dst="ff02::1a"),
        icmp6m(155, 9, bytes(4), src=ll, dst="ff02::1a"),
    ]


# ---- known differences (tested as expected failures, so a fix shows up) ----

def link_prefix_frames() -> list[bytes]:
    """Where tcpdump's prefix depends on the header: an IPv6 header cut short
    (no "IP6 "), an IPv4 header cut short ("IP  [|ip]"). The link layer prints
    the prefix; ipv4_text/ipv6_text return a bare "[|ip]"/"[|ip6]" for it."""
    return [truncate(proto6(17, udp_raw(1, 2, b"x" * 10)), 14 + 30),
            truncate(proto4(17, udp_raw(1, 2, b"x" * 10)), 14 + 12)]


def bad_version_frames() -> list[bytes]:
    """An IPv4 ethertype carrying version 5: tcpdump prints "IP5 (invalid)"."""
    v5 = bytearray(proto4(17, udp_raw(1, 2, b"x" * 10)))
    v5[14] = 0x55
    return [bytes(v5)]


def routing_frames() -> list[bytes]:
    """PIM hellos and OSPF hello / database description packets."""
    def ospf(typ: int, body: bytes, area: str = "0.0.0.0") -> bytes:
        raw = struct.pack("!BBH", 2, typ, 24 + len(body)) + ip4("1.1.1.1") + ip4(area) + \
            bytes(12) + body
        return proto4(89, _ck(raw, 12), dst="224.0.0.5")
    hello = ip4("255.255.255.0") + struct.pack("!HBBI", 10, 0x02, 1, 40) + ip4("10.0.0.1") + \
        ip4("10.0.0.2") + ip4("2.2.2.2")
    pim_opts = struct.pack("!HHH", 1, 2, 105) + struct.pack("!HHI", 19, 4, 1) + \
        struct.pack("!HHI", 20, 4, 0xDEADBEEF) + struct.pack("!HHHH", 2, 4, 500, 2500)
    return [
        proto4(103, _ck(b"\x20\0\0\0" + struct.pack("!HHH", 1, 2, 105)), dst="224.0.0.13"),
        proto4(103, _ck(b"\x20\0\0\0" + pim_opts), dst="224.0.0.13"),
        ospf(1, hello),
        ospf(1, ip4("255.255.255.252") + struct.pack("!HBBI", 10, 0x12, 0, 40) + bytes(8),
             area="0.0.0.1"),
        ospf(2, struct.pack("!HBBI", 1500, 0x02, 0x07, 100)),
        # EIGRP headers (no TLVs: tcpdump's -v lines are then complete), other versions, short
        *[proto4(88, _ck(struct.pack("!BBHIIIHH", v, op, 0, fl, 1, 0, 0, 100)), dst="224.0.0.10")
          for v, op, fl in ((2, 5, 0), (2, 1, 0x9), (2, 3, 0x6), (2, 9, 0), (1, 5, 0))],
        proto4(88, struct.pack("!BB", 2, 5), dst="224.0.0.10"),
        proto6(88, struct.pack("!BBHIIIHH", 2, 4, 0, 0, 7, 6, 0, 1), dst="ff02::a"),
    ]


def mdns_frames() -> list[bytes]:
    """Service discovery as printers and phones send it: PTR/SRV/TXT/A/AAAA/NSEC,
    compressed names, the cache-flush and unicast-response bits, probes."""
    svc = "_ipp._tcp.local"
    inst = b"\x07Printer" + b"\xc0\x0c"
    host = b"\x07printer\x05local\x00"
    ans = [
        rr(PTR0, 12, inst, 1, 4500),
        rr(b"\xc0\x27", 33, struct.pack("!HHH", 0, 0, 631) + host, 0x8001, 120),
        rr(b"\xc0\x27", 16, b"\x09txtvers=1\x08qtotal=1", 0x8001, 4500),
        rr(b"\xc0\x48", 1, ip4("192.168.1.50"), 0x8001, 120),
        rr(b"\xc0\x48", 28, ip6("fe80::1234"), 0x8001, 120),
        rr(b"\xc0\x48", 47, b"\xc0\x48\x00\x04\x40\x00\x00\x08", 0x8001, 120),
    ]
    return [
        udp4(5353, 5353, dns_msg(0, 0x0000, [question(svc, 12)]), dst="224.0.0.251"),
        udp4(5353, 5353, dns_msg(0, 0x8400, [], ans[:1], [], ans[1:]), dst="224.0.0.251"),
        udp4(5353, 5353, dns_msg(0, 0x8400, [], ans), dst="224.0.0.251"),
        udp4(5353, 5353, dns_msg(0, 0x0000, [question("printer.local", 255, 0x8001)],
                                 ns=[rr(b"\xc0\x0c", 1, ip4("192.168.1.50"))]),
             dst="224.0.0.251"),
        udp6(5353, 5353, dns_msg(0, 0x0000, [question("_airplay._tcp.local", 12),
                                             question("_raop._tcp.local", 12)]),
             src="fe80::1", dst="ff02::fb"),
        udp4(5353, 5353, dns_msg(0, 0x0000, [question("host.local", 1)],
                                 [rr(b"\xc0\x0c", 1, ip4("192.168.1.9"), 1, 60)]),
             dst="224.0.0.251"),
    ]


def nd_frames() -> list[bytes]:
    """Router advertisements with the options home routers send."""
    ll = "fe80::1"
    dnssl = struct.pack("!BBHI", 31, 3, 0, 600) + _name("lan") + _name("home") + bytes(5)
    route = struct.pack("!BBBBI", 24, 2, 48, 0x08, 1800) + ip6("2001:db8:5::")[:8]
    adv = struct.pack("!BBHI", 7, 1, 0, 600000)
    ra = struct.pack("!BBHII", 64, 0xC0, 1800, 30000, 1000) + b"\x01\x01" + MAC_C + dnssl + \
        route + adv + struct.pack("!BBHI", 25, 5, 0, 600) + ip6("2001:db8::53") + ip6("fd00::53")
    return [
        icmp6m(134, 0, ra, src=ll, dst="ff02::1"),
        icmp6m(134, 0, struct.pack("!BBHII", 255, 0x18, 0, 0, 0), src=ll, dst="ff02::1"),
        icmp6m(135, 0, bytes(4) + ip6("fe80::2") + b"\x0e\x01" + bytes(6), src="::",
               dst="ff02::1:ff00:2"),
    ]


def services_frames() -> list[bytes]:
    """TFTP, Kerberos, RADIUS, HSRP, RIP, IPsec NAT traversal and SIP: first lines."""
    return [
        udp4(50000, 69, b"\x00\x01file.txt\x00octet\x00"),
        udp4(50000, 69, b"\x00\x02up.bin\x00octet\x00blksize\x001428\x00"),
        udp4(69, 50000, b"\x00\x03\x00\x01" + bytes(20)),
        udp4(50000, 69, b"\x00\x04\x00\x01"),
        udp4(69, 50000, b"\x00\x05\x00\x01File not found\x00"),
        udp4(50000, 1812, struct.pack("!BBH", 1, 7, 26) + bytes(16) + b"\x01\x06user"),
        udp4(1812, 50000, struct.pack("!BBH", 2, 7, 20) + bytes(16)),
        udp4(1812, 50000, struct.pack("!BBH", 2, 8, 99) + bytes(16)),   # length past the end
        udp4(1812, 50000, struct.pack("!BBH", 2, 9, 12) + bytes(16)),   # shorter than a header
        udp4(1985, 1985, bytes([0, 0, 16, 3, 10, 100, 1, 0]) + b"cisco\0\0\0" + ip4("10.0.0.1"),
             dst="224.0.0.2"),
        # HSRP: an unknown op code, a reserved byte, version 1, cut at each field
        *[udp4(1985, 1985, (bytes([0, 3, 16, 3, 10, 100, 2, 5]) + b"cisco\0\0\0"
                            + ip4("10.0.0.1"))[:n], dst="224.0.0.2") for n in (20, 16, 7, 2, 1)],
        udp4(1985, 1985, bytes([1, 0, 16]) + bytes(17), dst="224.0.0.2"),
        udp4(520, 520, bytes([2, 2, 0, 0]) + struct.pack("!HH", 2, 0) + ip4("10.1.0.0") +
             ip4("255.255.0.0") + bytes(4) + struct.pack("!I", 1), dst="224.0.0.9"),
        udp4(50000, 88, b"\x6a\x81\x80" + bytes(40)),                     # AS-REQ
        udp4(88, 50000, b"\x6b\x81\x80" + bytes(40), src=IP_B, dst=IP_A),  # AS-REP
        udp4(50000, 88, b"\x6c\x81\x80" + bytes(40)),                     # TGS-REQ
        udp4(50000, 4500, b"\xff"),
        udp4(50000, 4500, struct.pack("!II", 0x1234, 5) + bytes(40)),
        udp4(50000, 5060, b"INVITE sip:bob@example.com SIP/2.0\r\nVia: x\r\n\r\n"),
        udp4(5060, 50000, b"SIP/2.0 200 OK\r\n\r\n"),
    ]


def ike(i_ck: bytes, r_ck: bytes, etype: int, flags: int = 0, msgid: int = 0,
        vers: int = 0x10, np: int = 0, body: bytes = b"", hlen: int | None = None) -> bytes:
    """An ISAKMP header (no payloads unless ``body``), its length field true unless given."""
    n = 28 + len(body) if hlen is None else hlen
    return struct.pack("!8s8sBBBBII", i_ck, r_ck, np, vers, etype, flags, msgid, n) + body


def isakmp_frames() -> list[bytes]:
    """IKEv1 exchanges (the initiator table tells I from R), IKEv2, NAT traversal, damaged."""
    a, b, z = b"\x11" * 8, b"\x22" * 8, bytes(8)
    return [
        udp4(500, 500, ike(a, z, 2)),                           # first message: I
        udp4(500, 500, ike(a, b, 2), src=IP_B, dst=IP_A),       # the responder: R
        udp4(500, 500, ike(a, b, 2, flags=1)),                  # I again, encrypted
        udp4(500, 500, ike(a, b, 32, flags=1, msgid=7), src=IP_B, dst=IP_A),
        udp4(500, 500, ike(a, b, 5, flags=3, msgid=9), src="198.18.9.9"),  # neither end: ?
        udp4(500, 500, ike(b"\x33" * 8, b, 4)),                 # unknown cookie: ?
        udp4(500, 500, ike(z, b, 1)),                           # zero cookie: ?
        udp4(500, 500, ike(a, z, 99, flags=4)),                 # unknown exchange type
        udp4(500, 500, ike(a, z, 2, hlen=500)),                 # length field disagrees
        udp4(500, 500, ike(a, z, 34, flags=0x08, vers=0x20)),
        udp4(500, 500, ike(a, b, 35, flags=0x20, msgid=1, vers=0x20), src=IP_B, dst=IP_A),
        udp4(500, 500, ike(a, b, 37, flags=0x38, msgid=2, vers=0x20)),
        udp4(500, 500, ike(a, z, 2, vers=0x30)),                # unknown major version
        udp4(7500, 8500, ike(b"\x44" * 8, z, 2)),
        udp6(500, 500, ike(b"\x55" * 8, z, 2)),
        udp6(500, 500, ike(b"\x55" * 8, b, 2), src=IP6_B, dst=IP6_A),
        udp4(4500, 4500, bytes(4) + ike(b"\x66" * 8, z, 2)),    # NAT traversal, non-ESP marker
        udp4(4500, 4500, bytes(4) + ike(b"\x66" * 8, b, 2)[:20]),
        udp4(500, 500, ike(a, z, 2)[:27]),                      # header cut short
    ]


def ptp_msg(kind: int, body: bytes, flags: int = 0x0200, version: int = 2,
            first: int = 0) -> bytes:
    """A PTP message: the 34-byte common header, then ``body``."""
    hdr = struct.pack("!BBHBBH6sH4sQHHBB", first | kind, version, 34 + len(body), 24, 0, flags,
                      (1500).to_bytes(6, "big"), 7, bytes(4), 0x0011223344556677, 1, 42,
                      kind if kind < 5 else 5, 0xFD)
    return hdr + body


def ptp_frames() -> list[bytes]:
    """Each PTP message type over Ethernet and UDP, other versions, cut and short ones."""
    ts = (1_700_000_000).to_bytes(6, "big") + struct.pack("!I", 123456789)
    port = struct.pack("!QH", 0x8899AABBCCDDEEFF, 3)
    announce = ts + struct.pack("!HBBBBHBQHB", 37, 0, 128, 6, 0x21, 0x4E5D, 128,
                                0x0011223344556677, 1, 0xA0)
    msgs = [ptp_msg(0, ts), ptp_msg(1, ts, flags=0), ptp_msg(2, ts + port),
            ptp_msg(3, ts + port, flags=0x18C0 | 0x4), ptp_msg(8, ts), ptp_msg(9, ts + port),
            ptp_msg(0xA, ts + port), ptp_msg(0xB, announce, flags=0x3F),
            ptp_msg(0xC, port + b"tlv"), ptp_msg(0xD, port + bytes([5, 4, 1, 0])),
            ptp_msg(5, b""), ptp_msg(0, ts, first=0x10), ptp_msg(0, ts, version=1),
            ptp_msg(0, ts, version=3)]
    frames = [eth(m, 0x88F7) for m in msgs]
    frames += [udp4(319, 319, msgs[0]), udp4(320, 320, msgs[7]), udp6(50000, 320, msgs[9])]
    frames += [eth(msgs[0], 0x88F7)[:14 + 20], eth(msgs[7], 0x88F7)[:14 + 50],
               eth(msgs[9], 0x88F7)[:14 + 34], udp4(319, 319, msgs[0][:30])]
    return frames


def bfd_frames() -> list[bytes]:
    """BFD control packets (v1 on each port, v0, an unknown version), echo, short ones."""
    def ctl(vd: int, flags: int, mult: int = 3, tx: int = 300000) -> bytes:
        return struct.pack("!BBBBIIIII", vd, flags, mult, 24, 1, 2, tx, 300000, 50000)
    return [
        udp4(50152, 3784, ctl(0x20, 0xC0)), udp4(50153, 4784, ctl(0x21, 0x68)),
        udp4(50154, 6784, ctl(0x27, 0x63)), udp4(50155, 3784, ctl(0x00, 0xFB)),
        udp4(50156, 3784, ctl(0x40, 0)), udp4(50157, 3785, b"echo-data"),
        udp4(3784, 50158, ctl(0x20, 0xC0)),                      # source port only: not BFD
        udp4(50159, 3784, ctl(0x20, 0xC0, mult=255, tx=0xFFFFFFF0)),
        udp4(50160, 3784, ctl(0x20, 0x40)[:20]),
        udp6(50161, 3784, ctl(0x29, 0x80)),
        # Broadcom's LI shim (source port 49152, before BFD): each payload kind
        *[udp4(49152, 3784, struct.pack("!I", word) + inner) for word, inner in (
            (3 << 29 | 5 << 25 | 3 << 22 | 66666, bytes(ipv4(udp_raw(1, 2, b"li"), 17))),
            (2 << 29 | 4 << 25 | 2 << 22 | 7, bytes(ipv6(udp_raw(1, 2, b"li"), 17))),
            (1 << 29 | 4 << 25 | 1 << 22 | 9, b"\x10junk"),
            (3 << 29 | 7 << 25 | 3 << 22 | 1, eth(ipv4(udp_raw(1, 2, b"li"), 17))),
            (0, b""), (0x7 << 29 | 0xF << 25 | 0x7 << 22, b"z"))],
        udp4(49152, 50000, b"\x01\x02"),
        # sFlow v5 headers (no samples), an IPv6 agent, another version, short ones
        udp4(40948, 6343, struct.pack("!II", 5, 1) + ip4("10.0.0.4") + struct.pack("!IIII", 2, 9,
                                                                                     1000, 0)),
        udp6(36123, 6343, struct.pack("!II", 5, 2) + ip6("2001:db8::4") + struct.pack("!IIII", 0,
                                                                                        1, 2, 0)),
        udp4(40000, 6343, struct.pack("!II", 4, 1) + bytes(20)),
        udp4(40001, 6343, struct.pack("!II", 5, 2) + bytes(24)),
        udp4(40002, 6343, struct.pack("!II", 5, 1) + bytes(12)),
        udp4(40003, 6343, struct.pack("!II", 5, 7) + bytes(20)),
    ]
