"""Capture files for the reader and printer tests, built from scratch.

Frames are made with dpkt; the file writers here are deliberately independent
of zcap's own writer so the two can't share a misunderstanding.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field

import dpkt

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276

MAC_A = bytes.fromhex("021122334455")
MAC_B = bytes.fromhex("02aabbccddee")
IP_A, IP_B = "192.168.1.10", "10.0.0.2"
IP6_A, IP6_B = "2001:db8::10", "2001:db8::2"


def ip4(a: str) -> bytes:
    return socket.inet_pton(socket.AF_INET, a)


def ip6(a: str) -> bytes:
    return socket.inet_pton(socket.AF_INET6, a)


# ---- frames ----

def eth(payload: bytes | dpkt.Packet, etype: int = 0x0800, src: bytes = MAC_A,
        dst: bytes = MAC_B) -> bytes:
    return dst + src + struct.pack("!H", etype) + bytes(payload)


def ipv4(payload: dpkt.Packet | bytes, proto: int, src: str = IP_A, dst: str = IP_B,
         **kw: int) -> dpkt.ip.IP:
    frag = kw.pop("off", 0)
    pkt = dpkt.ip.IP(src=ip4(src), dst=ip4(dst), p=proto, ttl=kw.pop("ttl", 64),
                     id=kw.pop("id", 0x1234), data=payload, **kw)
    pkt._flags_offset = frag  # raw flags + offset (8-byte units) field
    # dpkt fills in lengths and checksums when the packet is serialised
    return pkt


def ipv6(payload: dpkt.Packet | bytes, nxt: int, src: str = IP6_A, dst: str = IP6_B,
         hlim: int = 64) -> dpkt.ip6.IP6:
    body = bytes(payload)
    return dpkt.ip6.IP6(src=ip6(src), dst=ip6(dst), nxt=nxt, hlim=hlim, plen=len(body),
                        data=body)


def tcp(sport: int, dport: int, seq: int, ack: int, flags: int, data: bytes = b"",
        opts: bytes = b"", win: int = 64240) -> dpkt.tcp.TCP:
    t = dpkt.tcp.TCP(sport=sport, dport=dport, seq=seq, ack=ack, flags=flags, win=win,
                     opts=opts, data=data)
    t.off = (20 + len(opts)) // 4
    return t


def tcp_checksummed(seg: dpkt.tcp.TCP, src: bytes, dst: bytes, v6: bool = False) -> bytes:
    """Serialise a TCP/UDP segment with its pseudo-header checksum filled in."""
    seg.sum = 0
    raw = bytes(seg)
    proto = 6 if isinstance(seg, dpkt.tcp.TCP) else 17
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", len(raw), proto)
    else:
        pseudo = src + dst + struct.pack("!xBH", proto, len(raw))
    seg.sum = dpkt.dpkt.in_cksum(pseudo + raw)
    return bytes(seg)


SYN_OPTS = (b"\x02\x04\x05\xb4" b"\x04\x02" b"\x08\x0a\x00\x00\x10\x00\x00\x00\x00\x00"
            b"\x01" b"\x03\x03\x07")
ACK_TS_OPTS = b"\x01\x01\x08\x0a\x00\x00\x10\x05\x00\x00\x20\x00"
SACK_OPTS = b"\x01\x01\x05\x0a\x00\x01\x00\x00\x00\x01\x01\x00"


def dns_query(qid: int, name: str, qtype: int) -> dpkt.dns.DNS:
    d = dpkt.dns.DNS(id=qid, qd=[dpkt.dns.DNS.Q(name=name, type=qtype, cls=1)])
    d.op = dpkt.dns.DNS_RD
    return d


def dns_answer(qid: int, name: str, addrs: list[str], rcode: int = 0) -> dpkt.dns.DNS:
    d = dns_query(qid, name, dpkt.dns.DNS_A)
    d.op = 0x8180 | rcode  # response, recursion desired and available
    d.an = [dpkt.dns.DNS.RR(name=name, type=dpkt.dns.DNS_A, cls=1, ttl=300, rdata=ip4(a))
            for a in addrs]
    return d


def udp(sport: int, dport: int, data: bytes | dpkt.Packet) -> dpkt.udp.UDP:
    body = bytes(data)
    return dpkt.udp.UDP(sport=sport, dport=dport, ulen=8 + len(body), data=body)


def icmp(type_: int, code: int, body: bytes) -> bytes:
    raw = struct.pack("!BBH", type_, code, 0) + body
    ck = dpkt.dpkt.in_cksum(raw)
    return raw[:2] + struct.pack("!H", ck) + raw[4:]


def icmp6(type_: int, code: int, body: bytes, src: str = IP6_A, dst: str = IP6_B) -> bytes:
    raw = struct.pack("!BBH", type_, code, 0) + body
    pseudo = ip6(src) + ip6(dst) + struct.pack("!IxxxB", len(raw), 58)
    ck = dpkt.dpkt.in_cksum(pseudo + raw)
    return raw[:2] + struct.pack("!H", ck) + raw[4:]


def arp(op: int, sha: bytes, spa: str, tha: bytes, tpa: str) -> bytes:
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + ip4(spa) + tha + ip4(tpa)


def tcp_frame(src: str, dst: str, seg: dpkt.tcp.TCP, **ipkw: int) -> bytes:
    body = tcp_checksummed(seg, ip4(src), ip4(dst))
    return eth(ipv4(body, 6, src, dst, **ipkw))


def ethernet_frames() -> list[bytes]:
    """One frame of every protocol the printer decodes, plus a TCP conversation."""
    A, B = IP_A, IP_B
    S, SA, A_, PA, FA, R = 0x02, 0x12, 0x10, 0x18, 0x11, 0x04
    frames = [
        # a TCP conversation: relative sequence numbers start after the SYN-ACK
        tcp_frame(A, B, tcp(40000, 80, 1000000, 0, S, opts=SYN_OPTS)),
        tcp_frame(B, A, tcp(80, 40000, 5000000, 1000001, SA, opts=SYN_OPTS, win=65160)),
        tcp_frame(A, B, tcp(40000, 80, 1000001, 5000001, A_, opts=ACK_TS_OPTS, win=502)),
        tcp_frame(A, B, tcp(40000, 80, 1000001, 5000001, PA, data=b"GET / HTTP/1.0\r\n\r\n")),
        tcp_frame(B, A, tcp(80, 40000, 5000001, 1000019, PA, data=b"x" * 300)),
        tcp_frame(A, B, tcp(40000, 80, 1000019, 5000301, A_, opts=SACK_OPTS)),
        tcp_frame(A, B, tcp(40000, 80, 1000019, 5000301, FA)),
        tcp_frame(B, A, tcp(80, 40000, 5000301, 1000020, FA)),
        tcp_frame(A, B, tcp(40000, 80, 1000020, 5000302, A_)),
        # a connection seen mid-stream, a reset, an urgent pointer, ECN bits
        tcp_frame(A, B, tcp(40001, 443, 77, 88, PA, data=b"hello")),
        tcp_frame(B, A, tcp(443, 40001, 88, 82, A_)),
        tcp_frame(A, B, tcp(40002, 22, 5, 0, R, win=0)),
        tcp_frame(A, B, tcp(40003, 23, 9, 10, PA | 0x20, data=b"u")),
        tcp_frame(A, B, tcp(40004, 25, 1, 0, S | 0xC0)),
        # UDP, DNS
        eth(ipv4(udp(45678, 9999, b"payload!"), 17)),
        eth(ipv4(udp(33333, 53, dns_query(0x1a2b, "example.com", dpkt.dns.DNS_A)), 17)),
        eth(ipv4(udp(53, 33333, dns_answer(0x1a2b, "example.com", ["93.184.216.34",
                                                                   "93.184.216.35"])), 17,
                 B, A)),
        eth(ipv4(udp(33334, 53, dns_query(7, "ipv6.example.org", dpkt.dns.DNS_AAAA)), 17)),
        eth(ipv4(udp(53, 33334, dns_answer(7, "nope.example", [], rcode=3)), 17, B, A)),
        # ICMP
        eth(ipv4(icmp(8, 0, struct.pack("!HH", 0x4242, 1) + b"ping" * 8), 1)),
        eth(ipv4(icmp(0, 0, struct.pack("!HH", 0x4242, 1) + b"ping" * 8), 1, B, A)),
        eth(ipv4(icmp(3, 3, b"\0\0\0\0" + bytes(ipv4(udp(33333, 4444, b"q"), 17, B, A))[:28]),
                 1, A, B)),
        eth(ipv4(icmp(11, 0, b"\0\0\0\0" + bytes(ipv4(udp(1, 2, b""), 17))[:28]), 1, B, A)),
        # ARP
        eth(arp(1, MAC_A, A, b"\0" * 6, B) + b"\0" * 18, 0x0806, dst=b"\xff" * 6),
        eth(arp(2, MAC_B, B, MAC_A, A) + b"\0" * 18, 0x0806, MAC_B, MAC_A),
        # IPv6
        eth(ipv6(tcp_checksummed(tcp(50000, 443, 42, 0, S, opts=SYN_OPTS), ip6(IP6_A),
                                 ip6(IP6_B), v6=True), 6), 0x86DD),
        eth(ipv6(udp(5000, 6000, b"v6 udp"), 17), 0x86DD),
        eth(ipv6(icmp6(128, 0, struct.pack("!HH", 7, 3) + b"abcd"), 58), 0x86DD),
        eth(ipv6(icmp6(129, 0, struct.pack("!HH", 7, 3) + b"abcd", IP6_B, IP6_A), 58,
                 IP6_B, IP6_A), 0x86DD),
        eth(ipv6(icmp6(135, 0, b"\0" * 4 + ip6(IP6_B), IP6_A, "ff02::1:ff00:2"), 58,
                 IP6_A, "ff02::1:ff00:2", 255), 0x86DD),
        eth(ipv6(icmp6(136, 0, b"\x60\0\0\0" + ip6(IP6_B), IP6_B, IP6_A), 58, IP6_B, IP6_A,
                 255), 0x86DD),
        eth(ipv6(icmp6(133, 0, b"\0" * 4, "fe80::1", "ff02::2"), 58, "fe80::1", "ff02::2",
                 255), 0x86DD),
        # 802.1Q and QinQ
        eth(struct.pack("!HH", 100, 0x0800) + bytes(ipv4(udp(1000, 2000, b"vlan"), 17)),
            0x8100),
        eth(struct.pack("!HHHH", 0x2000 | 200, 0x8100, 300, 0x0800)
            + bytes(ipv4(udp(1000, 2000, b"qinq"), 17)), 0x88A8),
        # IPv4 fragments: first (MF), middle, last
        eth(ipv4(bytes(udp(40000, 40001, b"F" * 64))[:32], 17, off=0x2000, id=0x77)),
        eth(ipv4(b"G" * 24, 17, off=0x2000 | 4, id=0x77)),
        eth(ipv4(b"H" * 16, 17, off=7, id=0x77)),
        # something tcpdump has no decoder for, at each layer
        eth(b"\x01\x02\x03\x04" * 12, 0x88B5),
        eth(ipv4(b"\xde\xad\xbe\xef" * 4, 253)),
    ]
    return frames


def sll2(payload: bytes, proto: int, ifindex: int, pkttype: int, addr: bytes = MAC_A) -> bytes:
    """A LINUX_SLL2 header (20 bytes) in front of a network-layer packet."""
    return struct.pack("!HHIHBB", proto, 0, ifindex, 1, pkttype, len(addr)) + \
        addr.ljust(8, b"\0") + payload


def sll2_frames() -> list[bytes]:
    v4 = bytes(ipv4(tcp_checksummed(tcp(1, 2, 3, 4, 0x18, b"sll2"), ip4(IP_A), ip4(IP_B)), 6))
    v6 = bytes(ipv6(udp(5, 6, b"x"), 17))
    return [sll2(v4, 0x0800, 1, 0), sll2(v4, 0x0800, 2, 4), sll2(v6, 0x86DD, 1, 1),
            sll2(arp(1, MAC_A, IP_A, b"\0" * 6, IP_B), 0x0806, 3, 1)]


def raw_frames() -> list[bytes]:
    return [bytes(ipv4(udp(53, 1024, b"raw v4"), 17)),
            bytes(ipv6(udp(1024, 53, b"raw v6"), 17))]


# ---- file writers ----

TS0 = 1_700_000_000 * 10**9 + 123_456_000


def write_pcap(path: str, frames: list[bytes], linktype: int = LINKTYPE_ETHERNET,
               nano: bool = False, big_endian: bool = False, snaplen: int = 262144,
               step_ns: int = 1_001_001_000, ts0: int = TS0,
               wirelens: list[int] | None = None) -> list[int]:
    """Write a classic pcap file; returns the timestamps (ns) written."""
    e = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)]
    stamps = []
    for i, f in enumerate(frames):
        ts = ts0 + i * step_ns
        frac = ts % 10**9 if nano else (ts % 10**9) // 1000
        stamps.append(ts if nano else ts - ts % 1000)
        wl = wirelens[i] if wirelens else len(f)
        out.append(struct.pack(e + "IIII", ts // 10**9, frac, len(f), wl) + f)
    with open(path, "wb") as fh:
        fh.write(b"".join(out))
    return stamps


def _opt(e: str, code: int, value: bytes) -> bytes:
    return struct.pack(e + "HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def _block(e: str, btype: int, body: bytes) -> bytes:
    n = 12 + len(body)
    return struct.pack(e + "II", btype, n) + body + struct.pack(e + "I", n)


@dataclass
class PngIf:
    linktype: int = LINKTYPE_ETHERNET
    snaplen: int = 0
    tsresol: int | None = None   # raw if_tsresol byte; None = option absent (µs)
    tsoffset: int = 0
    name: str | None = None
    description: str | None = None

    def units(self, ts_ns: int) -> int:
        """Timestamp in this interface's units (rounded down)."""
        ts_ns -= self.tsoffset * 10**9
        r = 6 if self.tsresol is None else self.tsresol
        n = r & 0x7F
        if r & 0x80:
            return (ts_ns << n) // 10**9
        return ts_ns * 10**n // 10**9

    def ns(self, units: int) -> int:
        r = 6 if self.tsresol is None else self.tsresol
        n = r & 0x7F
        den = (1 << n) if r & 0x80 else 10**n
        return units * 10**9 // den + self.tsoffset * 10**9


@dataclass
class PngPkt:
    ifid: int
    ts_ns: int
    data: bytes
    kind: str = "epb"   # epb | spb | opb
    flags: int | None = None
    wirelen: int | None = None


@dataclass
class PngSection:
    interfaces: list[PngIf] = field(default_factory=list)
    packets: list[PngPkt] = field(default_factory=list)
    big_endian: bool = False
    extra_blocks: bool = True   # sprinkle blocks a reader must skip


def write_pcapng(path: str, sections: list[PngSection]) -> list[tuple[int, int, bytes, int]]:
    """Write pcapng; returns the expected (global ifid, ts_ns, data, flags) per packet."""
    blocks, expect, first_if = [], [], 0
    for sec in sections:
        e = ">" if sec.big_endian else "<"
        shb_opts = _opt(e, 4, b"zcap tests") + _opt(e, 0, b"")
        blocks.append(_block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1)
                             + shb_opts))
        for itf in sec.interfaces:
            opts = b""
            if itf.name:
                opts += _opt(e, 2, itf.name.encode())
            if itf.description:
                opts += _opt(e, 3, itf.description.encode())
            if itf.tsresol is not None:
                opts += _opt(e, 9, bytes([itf.tsresol]))
            if itf.tsoffset:
                opts += _opt(e, 14, struct.pack(e + "q", itf.tsoffset))
            if opts:
                opts += _opt(e, 0, b"")
            blocks.append(_block(e, 1, struct.pack(e + "HHI", itf.linktype, 0, itf.snaplen)
                                 + opts))
        if sec.extra_blocks:
            # a name resolution block and a custom block: both to be skipped
            nrb = struct.pack(e + "HH", 1, 8) + ip4("1.2.3.4") + b"a.b\0" + b"\0" * 4
            blocks.append(_block(e, 4, nrb))
            blocks.append(_block(e, 0x00000BAD, struct.pack(e + "I", 32473) + b"abcdefgh"))
        for p in sec.packets:
            itf = sec.interfaces[p.ifid]
            pad = b"\0" * (-len(p.data) % 4)
            wl = len(p.data) if p.wirelen is None else p.wirelen
            if p.kind == "spb":
                blocks.append(_block(e, 3, struct.pack(e + "I", wl) + p.data + pad))
                expect.append((first_if + p.ifid, 0, p.data, 0))
                continue
            u = itf.units(p.ts_ns)
            opts = b""
            if p.flags is not None:
                opts = _opt(e, 2, struct.pack(e + "I", p.flags)) + _opt(e, 1, b"comment") + \
                    _opt(e, 0, b"")
            if p.kind == "epb":
                head = struct.pack(e + "IIIII", p.ifid, u >> 32, u & 0xFFFFFFFF, len(p.data), wl)
                blocks.append(_block(e, 6, head + p.data + pad + opts))
            else:
                head = struct.pack(e + "HHIIII", p.ifid, 0, u >> 32, u & 0xFFFFFFFF,
                                   len(p.data), wl)
                blocks.append(_block(e, 2, head + p.data + pad + opts))
            expect.append((first_if + p.ifid, itf.ns(u), p.data, p.flags or 0))
        # an interface statistics block at the end of the section
        if sec.extra_blocks and sec.interfaces:
            blocks.append(_block(e, 5, struct.pack(e + "III", 0, 0, 0)))
        first_if += len(sec.interfaces)
    with open(path, "wb") as fh:
        fh.write(b"".join(blocks))
    return expect
