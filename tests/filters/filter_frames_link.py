"""Frames for the link types and encapsulations beyond Ethernet II and IP.

802.3 with LLC and SNAP (IPX, AppleTalk, ISO: CLNP, ES-IS, IS-IS), raw 802.3
IPX, PPPoE discovery and session, Geneve, DECnet; Linux cooked v1, BSD and
OpenBSD loopback, PPP, 802.11 with and without radiotap. Deterministic
(seeded); some frames of each kind are cut at every length, others at random.
"""

from __future__ import annotations

import struct
import sys

from filter_frames import MACS, Gen, _mac

# IS-IS PDU types (L1/L2 hellos, LSPs, CSNPs, PSNPs) and a few others
ISIS_PDUS = [0x0F, 0x10, 0x11, 0x12, 0x14, 0x18, 0x19, 0x1A, 0x1B, 0x05, 0x81]
DECNET_ADDRS = [(50 << 10) | 764, (1 << 10) | 2, (1 << 10) | 3, (3 << 10) | 4, (2 << 10) | 3,
                1, 0x0201, 0xCAFC]


class LinkGen(Gen):
    """Gen with the payloads of the other link types."""

    def llc_payload(self) -> bytes:
        """An 802.2 LLC frame: plain SAPs, SNAP, ISO network layer PDUs."""
        r = self.r
        kind = r.choice(["iso", "iso", "iso", "snap", "snap", "sap", "sap", "ipx", "stp",
                         "netbeui", "ctrl"])
        ctrl = r.choice([0x03, 0x03, 0x00, 0x01, 0x05, 0x09, 0x0F, 0x43, 0x63, 0x6F, 0x87,
                         0xAF, 0xE3, 0xF3, 0x13, 0x02, r.randrange(256)])
        if kind == "iso":
            nlpid = r.choice([0x81, 0x82, 0x83, 0x83, 0x83, r.randrange(256)])
            pdu = r.choice(ISIS_PDUS + [r.randrange(256)])
            body = bytes([nlpid, 27, 1, 6, pdu, 1, 0, 0]) + bytes(r.randrange(0, 20))
            return bytes([0xFE, r.choice([0xFE, 0xFE, 0xFF]), ctrl]) + body
        if kind == "snap":
            oui, et = r.choice([(0x080007, 0x809B), (0, 0x80F3), (0, 0x8137), (0, 0x0800),
                                (0x080007, 0x80F3), (0, 0x809B), (0, 0x86DD)])
            inner = self.ipv4() if et == 0x0800 else self.ipv6() if et == 0x86DD else bytes(
                r.randrange(0, 30))
            return bytes([0xAA, 0xAA, r.choice([3, 3, 3, 0x13])]) + oui.to_bytes(3, "big") + \
                et.to_bytes(2, "big") + inner
        if kind == "ipx":
            return bytes([0xE0, 0xE0, 3]) + bytes(r.randrange(0, 30))
        if kind == "stp":
            return bytes([0x42, 0x42, 3, 0, 0]) + bytes(r.randrange(0, 30))
        if kind == "netbeui":
            return bytes([0xF0, r.choice([0xF0, 0xF1]), ctrl]) + bytes(r.randrange(0, 20))
        if kind == "ctrl":
            return bytes([r.randrange(256), r.randrange(256), ctrl]) + bytes(4)
        sap = r.choice([0x06, 0x06, 0x42, 0xE0, 0xF0, 0xFE, 0xAA, 0xFF, 100, r.randrange(256)])
        return bytes([sap, r.choice([sap, sap, 0x00]), ctrl]) + bytes(r.randrange(0, 20))

    def ether_8023(self) -> bytes:
        """802.3: the type field is the length; LLC, or raw IPX (FF FF)."""
        r = self.r
        body = bytes([0xFF, 0xFF]) + bytes(r.randrange(0, 30)) if r.random() < 0.12 else \
            self.llc_payload()
        length = len(body) if r.random() < 0.8 else r.choice([0, 46, 1500])
        return self.macs() + struct.pack("!H", length) + body

    def macs(self) -> bytes:
        return _mac(self.pick(MACS)) + _mac(self.pick(MACS))

    def ppp_payload(self) -> tuple[int, bytes]:
        """(PPP protocol, payload)."""
        r = self.r
        k = r.choice(["ip", "ip", "ip6", "mpls", "osi", "other"])
        if k == "ip":
            return 0x0021, self.ipv4()
        if k == "ip6":
            return 0x0057, self.ipv6()
        if k == "mpls":
            return 0x0281, self.mpls(self.ipv4() if r.random() < 0.6 else self.ipv6())
        if k == "osi":
            return 0x0023, self.llc_payload()[3:]
        return r.choice([0x2B, 0x27, 0x29, 0x31, 0xF0, 0x0800, 0x86DD, 0x8864, 0xC021,
                         r.randrange(65536)]), bytes(r.randrange(0, 30))

    def pppoe(self) -> tuple[int, bytes]:
        """(Ethernet type, PPPoE discovery or session frame)."""
        r = self.r
        sid = r.choice([0, 1, 5, 0x1234, 0xFFFF, r.randrange(65536)])
        if r.random() < 0.3:
            return 0x8863, struct.pack("!BBHH", 0x11, r.choice([9, 7, 0x19]), sid, 0) + bytes(
                r.randrange(0, 10))
        proto, payload = self.ppp_payload()
        return 0x8864, struct.pack("!BBHHH", 0x11, 0, sid, len(payload) + 2, proto) + payload

    def geneve(self) -> bytes:
        """An IPv4 or IPv6 UDP packet to port 6081 carrying Geneve."""
        r = self.r
        optlen = r.choice([0, 0, 1, 2])
        ver = r.choice([0, 0, 0, 1])
        ptype = r.choice([0x6558, 0x6558, 0x0800, 0x86DD])
        vni = r.choice([0, 5, 100, 0xFFFFFF, r.randrange(1 << 24)])
        hdr = struct.pack("!BBHI", (ver << 6) | optlen, 0, ptype, vni << 8) + bytes(4 * optlen)
        if ptype == 0x6558:
            et, net = self.network()
            inner = self.macs() + struct.pack("!H", et) + net
        elif ptype == 0x0800:
            inner = self.ipv4()
        else:
            inner = self.ipv6()
        udp = struct.pack("!HHHH", self.port(), r.choice([6081, 6081, 6081, 53]),
                          8 + len(hdr) + len(inner), 0) + hdr + inner
        if r.random() < 0.6:
            total = 20 + len(udp)
            return struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 1, r.choice([0, 0, 0x2000]),
                               64, 17, 0, self.ip4addr(), self.ip4addr()) + udp
        return struct.pack("!IHBB16s16s", 0x60000000, len(udp), 17, 64, self.ip6addr(),
                           self.ip6addr()) + udp

    def decnet(self) -> bytes:
        """A DECnet routing header (short or long form, maybe padded) after the length word."""
        r = self.r
        src, dst = self.pick(DECNET_ADDRS), self.pick(DECNET_ADDRS)
        pad = r.random() < 0.3
        if r.random() < 0.5:
            flags = r.choice([0x02, 0x0A, 0x06 ^ 0x04, 0x02])
            hdr = bytes([flags]) + struct.pack("<HHB", dst, src, 0)
        else:
            flags = r.choice([0x06, 0x0E, 0x26])
            hdr = bytes([flags, 0, 0]) + b"\xaa\x00\x04\x00" + struct.pack("<H", dst) + \
                bytes(2) + b"\xaa\x00\x04\x00" + struct.pack("<H", src) + bytes(6)
        if pad:
            hdr = b"\x81" + hdr
        return struct.pack("<H", len(hdr)) + hdr + bytes(r.randrange(0, 10))

    def network_plus(self) -> tuple[int, bytes]:
        """(Ethernet type, payload) including the encapsulations above."""
        r = self.r
        k = r.random()
        if k < 0.12:
            return self.pppoe()
        if k < 0.2:
            return 0x6003, self.decnet()
        if k < 0.28:
            g = self.geneve()
            return (0x0800 if g[0] >> 4 == 4 else 0x86DD), g
        if k < 0.32:
            return r.choice([0x809B, 0x80F3, 0x8137]), bytes(r.randrange(0, 30))
        return self.network()

    # ---- whole frames, per link type
    def ethernet_plus(self) -> bytes:
        if self.r.random() < 0.35:
            return self.ether_8023()
        et, payload = self.network_plus()
        return self.macs() + struct.pack("!H", et) + payload

    def sll(self) -> bytes:
        r = self.r
        k = r.random()
        if k < 0.25:
            proto, payload = 4, self.llc_payload()
        elif k < 0.3:
            proto, payload = 1, bytes([0xFF, 0xFF]) + bytes(r.randrange(0, 20))
        else:
            proto, payload = self.network_plus()
        return struct.pack("!HHH8sH", r.choice([0, 1, 2, 3, 4]), 1, 6,
                           _mac(self.pick(MACS)) + b"\0\0", proto) + payload

    def loopback(self, host_order: bool) -> bytes:
        r = self.r
        af = r.choice([2, 2, 10, 10, 24, 28, 30, 17, r.randrange(256)])
        payload = self.ipv4() if af == 2 else self.ipv6() if af in (10, 24, 28, 30) else bytes(
            r.randrange(0, 30))
        order = sys.byteorder if host_order else "big"
        return af.to_bytes(4, order) + payload  # type: ignore[arg-type]

    def ppp(self) -> bytes:
        proto, payload = self.ppp_payload()
        return bytes([0xFF, 0x03]) + struct.pack("!H", proto) + payload

    def wlan(self) -> bytes:
        """An 802.11 frame: management, control or data, any To/From DS."""
        r = self.r
        ftype = r.choice([0, 4, 8, 8, 8, 8, 0x0C])
        sub = r.choice([0x00, 0x80, 0x80, 0x40, 0xB0, 0xC0, 0xD0, 0xA0, r.randrange(16) << 4])
        fc0 = ftype | sub | r.choice([0, 0, 0, 1])
        fc1 = r.choice([0, 1, 2, 3, 0x40, 0x41]) if ftype == 8 else r.choice([0, 0, 1, 2, 3])
        addrs = b"".join(_mac(self.pick(MACS)) for _ in range(3))
        hdr = bytes([fc0, fc1]) + b"\x00\x00" + addrs + b"\x10\x00"
        if ftype == 8 and fc1 & 3 == 3:
            hdr += _mac(self.pick(MACS))
        if ftype == 8 and sub & 0x80:
            hdr += b"\x00\x00"
        if ftype != 8:
            return hdr + bytes(r.randrange(0, 16))
        k = r.random()
        if k < 0.7:
            et, net = self.network_plus()
            return hdr + b"\xaa\xaa\x03\x00\x00\x00" + struct.pack("!H", et) + net
        return hdr + self.llc_payload()

    def radiotap(self) -> bytes:
        """A radiotap header (TSFT, FLAGS with DATAPAD, extended present words) + 802.11."""
        r = self.r
        inner = self.wlan()
        present, fields = 0, b""
        tsft = r.random() < 0.4
        flags = r.random() < 0.7
        ext = r.random() < 0.15
        if tsft:
            present |= 1
        if flags:
            present |= 2
        if ext:
            present |= 1 << 31
        words = struct.pack("<I", present) + (struct.pack("<I", 0) if ext else b"")
        if tsft:
            pad = (-(4 + len(words))) % 8
            fields += bytes(pad) + struct.pack("<Q", r.randrange(1 << 40))
        datapad = False
        if flags:
            datapad = r.random() < 0.5
            fields += bytes([0x20 if datapad else r.choice([0, 0x10, 0x02])])
        hdr_len = 4 + len(words) + len(fields)
        if datapad:
            hdr_len += r.choice([0, 1, 2, 3])
        hdr = struct.pack("<BBH", 0, 0, hdr_len) + words + fields
        hdr += bytes(hdr_len - len(hdr))
        if datapad and inner[0] & 0x0C == 0x08:
            # the 802.11 header is padded to a multiple of 4
            wl = 24 + (6 if inner[1] & 3 == 3 else 0) + (2 if inner[0] & 0x80 else 0)
            inner = inner[:wl] + bytes((-(hdr_len + wl)) % 4) + inner[wl:]
        return hdr + inner


def _corpus(make, n: int, seed: int, every_length: int = 4) -> list[bytes]:
    g = LinkGen(seed)
    out = []
    for i in range(n):
        f = make(g)
        if i < every_length:
            out.extend(f[:cut] for cut in range(len(f)))
        elif g.r.random() < 0.15:
            f = g.truncate(f)
        out.append(f)
    return out


def frames_for(linktype: str, n: int = 300) -> list[bytes]:
    """A corpus for one of the link types above (by tcpdump's name)."""
    makers = {
        "EN10MB": (LinkGen.ethernet_plus, 11), "LINUX_SLL": (LinkGen.sll, 12),
        "NULL": (lambda g: g.loopback(True), 13), "LOOP": (lambda g: g.loopback(False), 14),
        "PPP": (LinkGen.ppp, 15), "IEEE802_11": (LinkGen.wlan, 16),
        "IEEE802_11_RADIO": (LinkGen.radiotap, 17),
        "LINUX_SLL2": (lambda g: g.sll()[:0] + _sll2(g), 18),
    }
    if linktype in ("RAW", "IPV4", "IPV6"):
        version = {"RAW": None, "IPV4": 4, "IPV6": 6}[linktype]
        makers[linktype] = (lambda g: _raw(g, version), 19)
    make, seed = makers[linktype]
    return _corpus(make, n, seed)


def _raw(g: LinkGen, version: int | None) -> bytes:
    """An IP packet (both versions, a Geneve one now and then) for the raw link types."""
    if g.r.random() < 0.15:
        pkt = g.geneve()
        if version is None or pkt[0] >> 4 == version:
            return pkt
    if version == 4 or (version is None and g.r.random() < 0.5):
        return g.ipv4()
    return g.ipv6()


def _sll2(g: LinkGen) -> bytes:
    v1 = g.sll()
    proto, pkttype = int.from_bytes(v1[14:16], "big"), v1[1]
    return struct.pack("!HHIHBB8s", proto, 0, g.r.choice([1, 2, 3]), 1, pkttype, 6,
                       v1[6:14]) + v1[16:]
