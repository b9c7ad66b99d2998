"""A generated corpus of varied frames for the differential tests.

Deterministic (seeded). Addresses and ports come from small pools so that the
test expressions match some frames and miss others; every kind of frame also
appears truncated.
"""

from __future__ import annotations

import random
import struct

IPS = ["10.0.0.1", "10.1.2.3", "192.168.1.1", "1.2.3.4", "127.0.0.1", "224.0.0.251",
       "255.255.255.255", "10.255.255.255", "198.18.0.1", "172.16.5.4"]
IP6S = ["fe80::1", "2001:db8::1", "::1", "ff02::1", "2001:db8::2", "fe80::abcd:1"]
MACS = ["01:02:03:04:05:06", "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:fb", "33:33:00:00:00:01",
        "aa:bb:cc:dd:ee:ff", "00:11:22:33:44:55", "02:00:00:00:00:01"]
PORTS = [22, 53, 80, 443, 8080, 1, 2, 3, 20, 21, 25, 123, 5000, 65535, 0]


def _ip4(s: str) -> bytes:
    return bytes(int(x) for x in s.split("."))


def _ip6(s: str) -> bytes:
    import ipaddress
    return ipaddress.IPv6Address(s).packed


def _mac(s: str) -> bytes:
    return bytes(int(x, 16) for x in s.split(":"))


class Gen:
    """Builds frames from a seeded random source."""

    def __init__(self, seed: int = 1) -> None:
        self.r = random.Random(seed)

    def pick(self, seq):
        return self.r.choice(seq)

    def ip4addr(self) -> bytes:
        if self.r.random() < 0.8:
            return _ip4(self.pick(IPS))
        return bytes(self.r.randrange(256) for _ in range(4))

    def ip6addr(self) -> bytes:
        if self.r.random() < 0.8:
            return _ip6(self.pick(IP6S))
        return bytes(self.r.randrange(256) for _ in range(16))

    def port(self) -> int:
        return self.pick(PORTS) if self.r.random() < 0.85 else self.r.randrange(65536)

    def transport(self, proto: int) -> bytes:
        r = self.r
        if proto == 6:
            flags = r.choice([0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14, 0x29, 0xC2, 0x01, 0x3F,
                              r.randrange(256)])
            off = r.choice([5, 5, 5, 8])
            hdr = struct.pack("!HHIIBBHHH", self.port(), self.port(), r.randrange(1 << 32),
                              r.randrange(1 << 32), off << 4, flags, 1024, 0, 0)
            return hdr + bytes(4 * (off - 5)) + bytes(r.randrange(0, 20))
        if proto == 17 or proto == 132:
            return struct.pack("!HHHH", self.port(), self.port(), 8, 0) + bytes(
                r.randrange(0, 20))
        if proto in (1, 58):
            t = r.choice([0, 3, 8, 11, 5, 13, 128, 129, 133, 135, 136, r.randrange(256)])
            return struct.pack("!BBH", t, r.randrange(4), 0) + bytes(r.randrange(4, 20))
        if proto == 2:
            return struct.pack("!BBH", r.choice([0x11, 0x16, 0x17]), 0, 0) + _ip4(
                self.pick(IPS))
        return bytes(r.randrange(256) for _ in range(r.randrange(0, 24)))

    def ipv4(self) -> bytes:
        r = self.r
        proto = r.choice([6, 6, 17, 17, 1, 132, 2, 47, 50, 51, 103, 112, 9, r.randrange(256)])
        ihl = r.choice([5, 5, 5, 6, 7, 15])
        frag = r.choice([0, 0, 0, 0x4000, 0x2000, 0x2000 | 185, 185, 1])
        payload = self.transport(proto)
        opts = bytes([1] * (4 * (ihl - 5)))
        total = 4 * ihl + len(payload)
        hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, r.randrange(65536), frag,
                          64, proto, 0, self.ip4addr(), self.ip4addr())
        return hdr + opts + payload

    def ipv6(self) -> bytes:
        r = self.r
        final = r.choice([6, 6, 17, 58, 132, 103, 50, 59, r.randrange(256)])
        chain = r.choice([[], [], [44], [0], [0, 43], [60], [0, 44], [43, 60, 44]])
        payload = self.transport(final)
        nhs = chain + [final]
        exts = b""
        for i, nh in enumerate(chain):
            nxt = nhs[i + 1]
            if nh == 44:
                exts += struct.pack("!BBHI", nxt, 0, r.choice([0, 1, 0x100]), r.randrange(99))
            else:
                exts += struct.pack("!BB6s", nxt, 0, bytes(6))
        hdr = struct.pack("!IHBB16s16s", 0x60000000, len(exts) + len(payload), nhs[0], 64,
                          self.ip6addr(), self.ip6addr())
        return hdr + exts + payload

    def arp(self) -> bytes:
        r = self.r
        return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, r.choice([1, 2, 3, 4]),
                           _mac(self.pick(MACS)), self.ip4addr(), _mac(self.pick(MACS)),
                           self.ip4addr())

    def mpls(self, inner: bytes) -> bytes:
        r = self.r
        n = r.choice([1, 1, 2, 3])
        out = b""
        for i in range(n):
            label = r.choice([5, 3, 100, 1024, 100000, r.randrange(1 << 20)])
            bos = 1 if i == n - 1 else r.choice([0, 0, 0, 1])
            out += struct.pack("!I", (label << 12) | (r.randrange(8) << 9) | (bos << 8) | 64)
        return out + inner

    def network(self) -> tuple[int, bytes]:
        r = self.r
        kind = r.choice(["ip", "ip", "ip", "ip6", "ip6", "arp", "rarp", "other", "mpls"])
        if kind == "ip":
            return 0x0800, self.ipv4()
        if kind == "ip6":
            return 0x86DD, self.ipv6()
        if kind == "arp":
            return 0x0806, self.arp()
        if kind == "rarp":
            return 0x8035, self.arp()
        if kind == "mpls":
            return 0x8847, self.mpls(self.ipv4() if r.random() < 0.6 else self.ipv6())
        et = r.choice([0x809B, 0x80F3, 0x6003, 0x6004, 0x88CC, 0x9000, r.randrange(1501, 65536)])
        return et, bytes(r.randrange(256) for _ in range(r.randrange(0, 40)))

    def ethernet(self) -> bytes:
        r = self.r
        dst = _mac(self.pick(MACS)) if r.random() < 0.8 else bytes(
            r.randrange(256) for _ in range(6))
        src = _mac(self.pick(MACS)) if r.random() < 0.8 else bytes(
            r.randrange(256) for _ in range(6))
        if r.random() < 0.06:  # 802.3 with LLC
            sap = r.choice([0xFE, 0x42, 0xE0, 0xF0, 0xAA, 0x06, r.randrange(256)])
            body = bytes([sap, sap, 3]) + bytes(r.randrange(256) for _ in range(20))
            return dst + src + struct.pack("!H", len(body)) + body
        et, payload = self.network()
        tags = b""
        ntags = r.choice([0, 0, 0, 0, 1, 1, 2])
        for _ in range(ntags):
            tpid = r.choice([0x8100, 0x8100, 0x88A8, 0x9100])
            tci = (r.randrange(8) << 13) | r.choice([10, 20, 1, 0, 100, 4095, r.randrange(4096)])
            tags += struct.pack("!HH", tpid, tci)
        return dst + src + tags + struct.pack("!H", et) + payload

    def truncate(self, frame: bytes) -> bytes:
        return frame[: self.r.randrange(0, len(frame))]


def ethernet_frames(n: int = 2400, seed: int = 1) -> list[bytes]:
    """n Ethernet frames, about a fifth of them truncated."""
    g = Gen(seed)
    out = []
    for _ in range(n):
        f = g.ethernet()
        if g.r.random() < 0.2:
            f = g.truncate(f)
        out.append(f)
    return out


def sll2_frames(n: int = 900, seed: int = 2) -> list[bytes]:
    """LINUX_SLL2 frames: the cooked header, then a network-layer packet."""
    g = Gen(seed)
    out = []
    for _ in range(n):
        et, payload = g.network()
        hdr = struct.pack("!HHIHBB8s", et, 0, g.r.choice([1, 2, 3, 7]), 1,
                          g.r.choice([0, 1, 2, 3, 4]), 6, _mac(g.pick(MACS)) + b"\0\0")
        f = hdr + payload
        if g.r.random() < 0.2:
            f = g.truncate(f)
        out.append(f)
    return out


def raw_frames(n: int = 900, seed: int = 3) -> list[bytes]:
    """Raw IP packets (v4 and v6, a few of neither), some truncated."""
    g = Gen(seed)
    out = []
    for _ in range(n):
        k = g.r.random()
        f = g.ipv4() if k < 0.5 else g.ipv6() if k < 0.9 else bytes(
            g.r.randrange(256) for _ in range(g.r.randrange(0, 30)))
        if g.r.random() < 0.2:
            f = g.truncate(f)
        out.append(f)
    return out


# Outer tags the kernel takes out of a received frame (802.1Q, 802.1ad)
KERNEL_STRIPS = (0x8100, 0x88A8)
_PKTTYPES = (0, 4, 1, 0, 3, 2, 0)  # host, outgoing, broadcast, host, otherhost, multicast


def kernel_views(frames: list[bytes]) -> list[tuple[bytes, dict[str, int]]]:
    """Ethernet frames as a socket filter on a live interface may see them:
    (data, ancillary values for bpf_filters.run). A frame with an outer
    802.1Q/802.1ad tag appears twice: the tag taken out into the ancillary data
    (what the kernel does), and left in the frame (what a TPID it does not know,
    or a tag below the one it took, looks like). Packet types vary."""
    out = []
    for i, f in enumerate(frames):
        anc = {"pkttype": _PKTTYPES[i % len(_PKTTYPES)]}
        out.append((f, anc))
        tpid = int.from_bytes(f[12:14], "big") if len(f) >= 18 else 0
        if tpid in KERNEL_STRIPS:
            tci = int.from_bytes(f[14:16], "big")
            out.append((f[:12] + f[16:], {**anc, "vlan_tci": tci, "vlan_tpid": tpid}))
    return out


_IP6_EXT = (0, 60, 43, 44)


def protochain_walk(pkt: bytes, limit: int = 64) -> int | None:
    """How many header steps libpcap's protochain loop tries in an IP packet
    (network header at 0) before it stops, whatever protocol it looks for (a
    step that runs past the end of the packet counts); None past `limit` (its
    loop may not end: its step over AH can go backwards)."""
    if len(pkt) < 1:
        return 0
    v6 = pkt[0] >> 4 == 6
    if v6:
        if len(pkt) < 7:
            return 0
        a, x = pkt[6], 40
    else:
        if len(pkt) < 10:
            return 0
        a, x = pkt[9], (pkt[0] & 0xF) * 4
    hops = 0
    while hops <= limit:
        if a == 59 or not (a == 51 or v6 and a in _IP6_EXT):
            return hops
        if x + 1 >= len(pkt):  # the step runs past the end: it is tried, and fails
            return hops + 1
        if a == 51:  # libpcap's AH step: the new offset forgets the old one
            a, x = pkt[x], (pkt[x + 1] + 2) * 4
        else:
            a, x = pkt[x], x + (pkt[x + 1] + 1) * 8
        hops += 1
    return None


def protochain_packets(n: int = 700, seed: int = 5) -> list[bytes]:
    """IPv6 packets with chains of 0 to 11 extension headers (AH among them)
    and IPv4 packets with AH, some truncated; only ones whose libpcap walk ends."""
    g = Gen(seed)
    r = g.r
    out: list[bytes] = []
    while len(out) < n:
        final = r.choice([6, 6, 17, 58, 59, 50, 132, r.randrange(256)])
        if r.random() < 0.7:
            chain = [r.choice([0, 60, 60, 43, 44, 51]) for _ in range(r.choice(
                [0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 9, 10, 11]))]
        else:
            chain = [51] * r.choice([0, 1, 1, 2, 3])
        nhs = chain + [final]
        exts = b""
        for i, nh in enumerate(chain):
            if nh == 51:
                words = r.choice([1, 2, 4])
                exts += bytes([nhs[i + 1], words]) + bytes(4 * (words + 2) - 2)
            else:
                units = 0 if nh == 44 else r.choice([0, 0, 1, 2])
                exts += bytes([nhs[i + 1], units]) + bytes(8 * (units + 1) - 2)
        payload = exts + g.transport(final)
        if r.random() < 0.7 or 44 in chain or 0 in chain or 60 in chain or 43 in chain:
            pkt = struct.pack("!IHBB16s16s", 0x60000000, len(payload), nhs[0], 64,
                              g.ip6addr(), g.ip6addr()) + payload
        else:
            pkt = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, nhs[0], 0,
                              g.ip4addr(), g.ip4addr()) + payload
        if r.random() < 0.15:
            pkt = g.truncate(pkt)
        if protochain_walk(pkt) is not None:
            out.append(pkt)
    return out
