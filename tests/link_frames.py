"""Frames for the link-layer printing tests, built byte by byte: every L2
protocol zcap decodes, with truncated and malformed variants, ready to be
written under any link type with read_corpus.write_pcap."""

from __future__ import annotations

import struct
import time

import pytest

from . import read_corpus as rc


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    """tcpdump and zcap both print times in UTC (use with usefixtures)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


MA, MB, MC = rc.MAC_A, rc.MAC_B, bytes.fromhex("0266778899aa")
BCAST = b"\xff" * 6
STP_DST, LLDP_DST = bytes.fromhex("0180c2000000"), bytes.fromhex("0180c200000e")
CDP_DST = bytes.fromhex("01000ccccccc")
A4, B4 = rc.ip4("10.1.1.1"), rc.ip4("10.1.1.2")

IP = bytes(rc.ipv4(rc.udp(1000, 2000, b"link"), 17))
IP6 = bytes(rc.ipv6(rc.udp(1000, 2000, b"link"), 17))


def dot3(payload: bytes, dst: bytes = STP_DST, src: bytes = MA, pad: bool = True) -> bytes:
    """An 802.3 frame: the length field, then LLC, padded to 60 bytes."""
    body = payload + (b"\0" * (46 - len(payload)) if pad and len(payload) < 46 else b"")
    return dst + src + struct.pack("!H", len(payload)) + body


def llc(dsap: int, ssap: int, ctrl: int, body: bytes) -> bytes:
    return bytes([dsap, ssap, ctrl]) + body


def snap(oui: int, pid: int, body: bytes) -> bytes:
    return llc(0xAA, 0xAA, 3, struct.pack("!I", oui)[1:] + struct.pack("!H", pid) + body)


BRIDGE_ID = struct.pack("!H", 0x8001) + bytes.fromhex("001906eab880")


def stp_config(flags: int = 0, version: int = 0, kind: int = 0, extra: bytes = b"") -> bytes:
    return (struct.pack("!HBBB", 0, version, kind, flags) + BRIDGE_ID + struct.pack("!I", 4)
            + BRIDGE_ID + struct.pack("!HHHHH", 0x8005, 256, 20 * 256, 2 * 256, 15 * 256) + extra)


def mstp(msti_count: int = 1) -> bytes:
    v3 = (b"\x00" + b"region1".ljust(32, b"\0") + struct.pack("!H", 7) + bytes(range(16))
          + struct.pack("!I", 20000) + BRIDGE_ID + bytes([20]))
    mstis = b"".join(bytes([0x7C]) + struct.pack("!H", 0x8000 | i) + BRIDGE_ID[2:]
                     + struct.pack("!I", 100 * i) + bytes([0x80, 0x90, 20])
                     for i in range(1, msti_count + 1))
    body = v3 + mstis
    return stp_config(flags=0x7C, version=3, kind=2) + b"\x00" + struct.pack("!H", len(body)) \
        + body


def tlv_lldp(kind: int, value: bytes) -> bytes:
    return struct.pack("!H", kind << 9 | len(value)) + value


LLDP = (tlv_lldp(1, b"\x04" + MA) + tlv_lldp(2, b"\x05eth0") + tlv_lldp(3, b"\x00\x78")
        + tlv_lldp(5, b"switch1") + tlv_lldp(4, b"port desc") + tlv_lldp(6, b"Linux x")
        + tlv_lldp(7, b"\x00\x14\x00\x14")
        + tlv_lldp(8, b"\x05\x01\xc0\xa8\x01\x01\x02\x00\x00\x00\x01\x00") + tlv_lldp(0, b""))


def _org(oui: int, subtype: int, value: bytes) -> bytes:
    return tlv_lldp(127, struct.pack("!I", oui)[1:] + bytes([subtype]) + value)


# organisation-specific TLVs: IEEE 802.1, IEEE 802.3, LLDP-MED, an unknown OUI,
# unknown and too-short subtypes
LLDP_ORG = b"".join((
    _org(0x0080C2, 1, b"\x00\x01"), _org(0x0080C2, 2, b"\x06\x00\x05"),
    _org(0x0080C2, 3, b"\x00\x0a\x04vl10"), _org(0x0080C2, 4, b"\x02\x88\xcc"),
    _org(0x0080C2, 7, b"\x03\x00\x00\x00\x05"), _org(0x0080C2, 9, b"ab"),
    _org(0x00120F, 1, b"\x03\x6c\x03\x00\x1e"), _org(0x00120F, 2, b"\x0f\x01\x02"),
    _org(0x00120F, 3, b"\x03\x00\x00\x00\x05"), _org(0x00120F, 4, b"\x05\xee"),
    _org(0x0012BB, 1, b"\x00\x33\x03"), _org(0x0012BB, 2, b"\x01\x00\x00\x0a\x00\xb8"),
    _org(0x0012BB, 2, b"\x01\xe0\x12\x3a"), _org(0x0012BB, 3, b"\x02xx"),
    _org(0x0012BB, 4, b"\x52\x00\x3c"), _org(0x0012BB, 5, b"hw1.0"), _org(0x0012BB, 7, b"sw2"),
    _org(0x0012BB, 9, b"Acme"), _org(0x123456, 1, b"xyz"), tlv_lldp(9, b"reserved"),
    _org(0x0080C2, 5, b"x"), _org(0x0080C2, 3, b"\x00\x0a\x09vl10"), _org(0x0080C2, 1, b"\x00"),
    _org(0x00120F, 1, b"\x03\x6c"), _org(0x00120F, 1, b"\x03\x00\x00\x00\x63"),
    _org(0x0012BB, 5, b""), tlv_lldp(0, b"")))
LLDP_SHORT = (tlv_lldp(1, b"\x07abc") + tlv_lldp(2, b"\x03" + MA) + tlv_lldp(3, b"\x00\x78")
              + tlv_lldp(0, b""))


def tlv_cdp(kind: int, value: bytes) -> bytes:
    return struct.pack("!HH", kind, len(value) + 4) + value


CDP_ADDRS = (struct.pack("!I", 2) + b"\x01\x01\xcc" + struct.pack("!H", 4) + bytes([10, 0, 0, 1])
             + b"\x02\x08\xaa\xaa\x03\x00\x00\x00\x86\xdd" + struct.pack("!H", 16) + bytes(15)
             + b"\x01")
CDP = b"\x02\xb4\x00\x00" + b"".join((
    tlv_cdp(1, b"switch"), tlv_cdp(2, CDP_ADDRS), tlv_cdp(3, b"Gi0/1"),
    tlv_cdp(4, struct.pack("!I", 0x29)), tlv_cdp(5, b"Cisco IOS\nVersion 15"),
    tlv_cdp(6, b"WS-C2960"), tlv_cdp(9, b"dom"), tlv_cdp(10, struct.pack("!H", 10)),
    tlv_cdp(11, b"\x01"), tlv_cdp(0x10, struct.pack("!H", 1500)),
    tlv_cdp(0x11, struct.pack("!I", 1500)), tlv_cdp(0x14, b"sysn"), tlv_cdp(0x1A, b"\x01\x02"),
    tlv_cdp(0x0F, b"\x01\x00\x64")))


def arp(hrd: int, pro: int, hln: int, pln: int, op: int, sha: bytes, spa: bytes, tha: bytes,
        tpa: bytes) -> bytes:
    return struct.pack("!HHBBH", hrd, pro, hln, pln, op) + sha + spa + tha + tpa


ARP_REQUEST = arp(1, 0x800, 6, 4, 1, MA, A4, bytes(6), B4)
PPPOE_PADI = (struct.pack("!BBHH", 0x11, 0x09, 0, 12) + struct.pack("!HH", 0x0101, 0)
              + struct.pack("!HH", 0x0103, 4) + b"\x01\x02\x03\x04")
PPPOE_PADO = (struct.pack("!BBHH", 0x11, 0x07, 0, 30) + struct.pack("!HH", 0x0101, 0)
              + struct.pack("!HH", 0x0102, 6) + b"bras-1" + struct.pack("!HH", 0x0104, 8)
              + b"cookie!!" + b"\0\0")
PPPOE_SESSION = struct.pack("!BBHH", 0x11, 0x00, 0x1234, 2 + len(IP)) + b"\x00\x21" + IP
PPPOE_LCP = (struct.pack("!BBHH", 0x11, 0x00, 0x1234, 2 + 4) + b"\xc0\x21"
             + b"\x09\x01\x00\x04")


def mpls(*labels: tuple[int, int, int, int]) -> bytes:
    """Label stack entries (label, tc, bottom, ttl)."""
    return b"".join(struct.pack("!I", lab << 12 | tc << 9 | s << 8 | ttl)
                    for lab, tc, s, ttl in labels)


def vlan(tci: int, etype: int, body: bytes) -> bytes:
    return struct.pack("!HH", tci, etype) + body


EAPOL_KEY = bytes([2, 3, 0, 95]) + bytes([2]) + struct.pack("!HQ", 0x008A, 1) + bytes(82)
EAPOL_FRAMES = [EAPOL_KEY, bytes([1, 1, 0, 0]), bytes([1, 0, 0, 5, 1, 1, 0, 5, 1]),
                bytes([1, 0, 0, 10, 2, 1, 0, 10, 1]) + b"user1", bytes([1, 0, 0, 4, 3, 1, 0, 4]),
                bytes([1, 0, 0, 6, 1, 2, 0, 6, 13, 0x20]), bytes([2, 2, 0, 0]), b"\x01\x02"]


def ipx(dsock: int, body: bytes) -> bytes:
    """An IPX header (checksum 0xffff, no hops) from node MA to the broadcast node."""
    return (struct.pack("!HHBB", 0xFFFF, 30 + len(body), 0, 4) + bytes(4) + BCAST
            + struct.pack("!H", dsock) + bytes.fromhex("a8f87967") + MA
            + struct.pack("!H", 0x4000) + body)


_SAP_ENTRY = struct.pack("!H", 0x030C) + b"PRINTER-1".ljust(48, b"\0") + bytes(4) + MB \
    + struct.pack("!HH", 0x8060, 1)
IPX_PAYLOADS = [
    (0x0452, struct.pack("!H", 2) + _SAP_ENTRY * 2), (0x0452, struct.pack("!HH", 1, 4)),
    (0x0453, struct.pack("!H", 2) + struct.pack("!IHH", 0x391729E2, 1, 2) * 3),
    (0x0453, struct.pack("!H", 1) + struct.pack("!IHH", 0xFFFFFFFF, 0xFFFF, 0xFFFF)),
    (0x0453, struct.pack("!HI", 2, 7)), (0x0452, struct.pack("!H", 2) + _SAP_ENTRY[:30]),
    (0x0452, struct.pack("!H", 9)), (0x0453, struct.pack("!H", 5)),
    (0x0455, b"nb" * 25), (0x0451, b"ncp"), (0x0456, b""), (0x0553, b"dgm"), (0x4003, b"x"),
    (0x0452, b""),
]


def ethernet_l2_frames() -> list[bytes]:
    """Ethernet frames of every L2 protocol, the well-formed and the damaged."""
    eth = rc.eth
    frames = [
        # spanning tree: STP, TCN, RSTP, MSTP with MSTIs, a short one, PVST over SNAP
        dot3(llc(0x42, 0x42, 3, stp_config())),
        dot3(llc(0x42, 0x42, 3, stp_config(flags=0x81))),
        dot3(llc(0x42, 0x42, 3, struct.pack("!HBB", 0, 0, 0x80))),
        dot3(llc(0x42, 0x42, 3, stp_config(flags=0x3C, version=2, kind=2, extra=b"\0"))),
        dot3(llc(0x42, 0x42, 3, mstp(2))),
        dot3(llc(0x42, 0x42, 3, stp_config()[:20])),
        dot3(llc(0x42, 0x42, 3, b"\x00\x01\x00\x00")),
        # cut by the capture before and after the version byte
        dot3(llc(0x42, 0x42, 3, stp_config()))[:19], dot3(llc(0x42, 0x42, 3, stp_config()))[:20],
        dot3(snap(0x00000C, 0x010B, stp_config())),
        # IPX: Ethernet II, raw 802.3 and LLC; SAP, RIP and named sockets, damaged ones
        *[eth(ipx(sock, body), 0x8137) for sock, body in IPX_PAYLOADS],
        dot3(ipx(0x0453, IPX_PAYLOADS[2][1]), dst=BCAST),
        dot3(llc(0xE0, 0xE0, 3, ipx(0x0452, IPX_PAYLOADS[0][1])), dst=BCAST),
        # SNAP: IP, CDP, DTP, unknown OUI, bridged Ethernet
        dot3(snap(0, 0x0800, IP)),
        dot3(snap(0x00000C, 0x2000, CDP), dst=CDP_DST),
        dot3(snap(0x00000C, 0x2000, b"\x02\xb4\x00\x00\x00\x01\x00\x02"), dst=CDP_DST),
        dot3(snap(0x00000C, 0x2004, b"\x01\x00\x01\x00\x06ab\x00\x02\x00\x05\x03")),
        dot3(snap(0x123456, 0x9999, b"\x01\x02\x03")),
        dot3(snap(0x0080C2, 0x0007, rc.eth(IP))),
        # LLC with SAPs tcpdump names or not, U, I and S frames, XID, IP over LLC
        dot3(llc(0xF0, 0xF0, 3, b"\x01\x02\x03")),
        dot3(llc(0x06, 0x06, 3, IP)),
        dot3(llc(0x12, 0x34, 3, b"xyz")),
        dot3(llc(0x12, 0x35, 0xBF, b"xyz")),
        dot3(llc(0x42, 0x42, 0xAF, b"\x81\x01\x02")),
        dot3(llc(0x04, 0x05, 0x10, b"xyzw")),
        dot3(llc(0x04, 0x05, 0x11, b"xyzw")),
        dot3(llc(0x04, 0x04, 0x05, b"xyzw")),
        # truncated LLC, truncated Ethernet
        STP_DST + MA + b"\x00\x30" + b"\x42",
        STP_DST + MA + b"\x00\x30",
        STP_DST + MA + b"\x00",
        # ethertypes tcpdump has no decoder for, and the edge of the length range
        eth(b"\x01\x02\x03\x04" * 12, 0x88B5),
        eth(b"\x01\x02\x03\x04" * 12, 0x0600),
        eth(b"\x01\x02\x03\x04" * 12, 0x05FF),
        eth(b"\x01\x02", 0x88E7),
        # LLDP, also cut short
        eth(LLDP, 0x88CC, dst=LLDP_DST),
        eth(LLDP_SHORT, 0x88CC, dst=LLDP_DST),
        eth(LLDP[:10], 0x88CC, dst=LLDP_DST),
        eth(LLDP[:-2] + LLDP_ORG, 0x88CC, dst=LLDP_DST),
        # ARP and RARP: every operation, other hardware lengths and types, damage
        eth(ARP_REQUEST, 0x806, dst=BCAST),
        eth(arp(1, 0x800, 6, 4, 1, MA, A4, MB, B4), 0x806),
        eth(arp(1, 0x800, 6, 4, 2, MA, A4, MB, B4), 0x806),
        eth(arp(1, 0x800, 6, 4, 3, MA, A4, MB, B4), 0x8035),
        eth(arp(1, 0x800, 6, 4, 4, MA, A4, MB, B4), 0x8035),
        eth(arp(1, 0x800, 6, 4, 8, MA, A4, MB, B4), 0x806),
        # Frame Relay InARP: hardware addresses read as Q.922 (2, 3 and 4 bytes, bad ones)
        *[eth(arp(15, 0x800, len(sha), 4, op, sha, A4, tha, B4), 0x806) for op, sha, tha in (
            (8, b"\x18\x41", b"\x00\x00"), (9, b"\x18\x40\x01", b"\x00\x64"),
            (8, b"\x18\x40\x20\x01", b"\x01\x00"), (8, b"\x18", b"\x18\x40\x20\x00"),
            (1, b"\x18\x41", b"\x18\x41"), (2, b"\x18\x41", b"\x00\x00"))],
        eth(arp(1, 0x800, 6, 4, 9, MA, A4, MB, B4), 0x806),
        eth(arp(1, 0x800, 6, 4, 17, MA, A4, MB, B4), 0x806),
        eth(arp(6, 0x800, 6, 4, 1, MA, A4, bytes(6), B4), 0x806),
        eth(arp(1, 0x800, 8, 4, 1, b"00000000", A4, b"00000000", B4), 0x806),
        eth(arp(1, 0x800, 0, 4, 1, b"", A4, b"", B4), 0x806),
        eth(arp(1, 0x86DD, 6, 16, 1, MA, bytes(16), bytes(6), bytes(16)), 0x806),
        eth(arp(32, 0x800, 20, 4, 1, b"A" * 20, A4, b"B" * 20, B4), 0x806),
        eth(ARP_REQUEST[:20], 0x806),
        eth(ARP_REQUEST[:6], 0x806),
        # MPLS: one label, a stack, reserved labels, a payload it can't guess, too short
        eth(mpls((100, 0, 1, 64)) + IP, 0x8847),
        eth(mpls((100, 0, 0, 64), (200, 5, 1, 63)) + IP6, 0x8847),
        eth(mpls((0, 0, 1, 64)) + IP, 0x8847),
        eth(mpls((2, 0, 1, 64)) + IP6, 0x8848),
        eth(mpls((300, 0, 1, 64)) + rc.eth(IP), 0x8847),
        eth(struct.pack("!H", 100 << 4), 0x8847),
        # PPPoE discovery and session
        eth(PPPOE_PADI, 0x8863, dst=BCAST),
        eth(PPPOE_PADO, 0x8863),
        eth(PPPOE_SESSION, 0x8864),
        eth(PPPOE_LCP, 0x8864),
        eth(PPPOE_SESSION[:4], 0x8864),
        # 802.1Q and QinQ around ARP, an unknown type, LLC, IPv6; a cut tag
        eth(vlan(100, 0x0806, ARP_REQUEST), 0x8100),
        eth(vlan(100, 0x88B5, b"abcdefgh" * 4), 0x8100),
        eth(vlan(100, 0x2A, llc(0x42, 0x42, 3, stp_config()[:39]).ljust(42, b"\0")), 0x8100),
        eth(struct.pack("!H", 100), 0x8100),
        eth(vlan(0xE005, 0x86DD, IP6), 0x8100),
        eth(vlan(0x3064, 0x8100, vlan(200, 0x0800, IP)), 0x88A8),
    ]
    frames += [eth(f, 0x888E, dst=bytes.fromhex("0180c2000003")) for f in EAPOL_FRAMES]
    frames += [eth(f, 0x8809, dst=bytes.fromhex("0180c2000002")) for f in SLOW_FRAMES]
    frames += [eth(f, 0x9000) for f in LOOPBACK_FRAMES]
    return frames


def _lacp_info(kind: int, system: bytes, state: int) -> bytes:
    return bytes([kind, 20]) + struct.pack("!H6sHHHB", 32768, system, 1, 32768, 1, state) + \
        bytes(3)


LACP = (bytes([1, 1]) + _lacp_info(1, MA, 0x3D) + _lacp_info(2, MB, 0x47) + bytes([3, 16])
        + bytes(14) + bytes([0, 0]) + bytes(50))
MARKER = bytes([2, 1, 1, 16]) + struct.pack("!H6sI", 1, MA, 5) + bytes(4) + bytes(90)
SLOW_FRAMES = [LACP, MARKER, LACP[:30], bytes([9, 1, 2]), b""]
LOOPBACK_FRAMES = [struct.pack("<HHH", 0, 1, 0) + bytes(40),
                   struct.pack("<HH", 0, 2) + MA + struct.pack("<HH", 1, 0) + bytes(30),
                   struct.pack("<H", 8) + bytes(8) + struct.pack("<H", 7) + bytes(30),
                   struct.pack("<H", 3) + bytes(40), b"\x00"]


# ---- link types other than Ethernet ----

ARP_PAYLOADS = [(0x0800, IP), (0x86DD, IP6), (0x0806, ARP_REQUEST), (0x88B5, b"abcd" * 5),
                (0x8100, vlan(5, 0x0800, IP)), (0x8100, vlan(5, 0x88B5, b"zz")),
                (0x8100, vlan(5, 0x26, llc(0x42, 0x42, 3, stp_config()))),
                (4, llc(0x42, 0x42, 3, stp_config())), (4, b"\x12\x34\x03abc"),
                (3, b"abc"), (0x88CC, LLDP), (0x8864, PPPOE_SESSION),
                (0x8847, mpls((100, 0, 1, 64)) + IP), (0x8100, b"\x00")]


def sll(pkttype: int, proto: int, payload: bytes, halen: int = 6) -> bytes:
    return struct.pack("!HHH", pkttype, 1, halen) + MA.ljust(8, b"\0") + \
        struct.pack("!H", proto) + payload


def sll2(pkttype: int, proto: int, payload: bytes, ifindex: int = 1, halen: int = 6) -> bytes:
    return struct.pack("!HHIHBB", proto, 0, ifindex, 1, pkttype, halen) + \
        MA.ljust(8, b"\0") + payload


def link_type_frames() -> dict[int, list[bytes]]:
    """Frames per link type: cooked v1/v2, BSD loopback, PPP, raw IP, HDLC, SLIP, PPPoE."""
    ppp = [b"\xff\x03\x00\x21" + IP, b"\xff\x03\x00\x57" + IP6,
           b"\xff\x03\xc0\x21" + b"\x01\x01\x00\x08\x01\x04\x05\xdc",
           b"\xff\x03\x80\x21" + b"\x01\x01\x00\x0a\x03\x06\x0a\x00\x00\x01",
           b"\x00\x21" + IP, b"\x21" + IP, b"\xff\x03\x00\xfd" + b"zz",
           b"\xff\x03\x02\x81" + mpls((100, 0, 1, 64)) + IP, b"\xff\x03",
           b"\xff\x03\x00\x21"]
    return {
        113: [sll(t, p, b) for t in (0, 4) for p, b in ARP_PAYLOADS]
        + [sll(1, 0x800, IP, halen=0), sll(2, 0x800, IP, halen=4), b"\0" * 10],
        276: [sll2(t, p, b) for t in (0, 3) for p, b in ARP_PAYLOADS]
        + [sll2(0, 0x800, IP, ifindex=9999), b"\0" * 10],
        0: [struct.pack("<I", 2) + IP, struct.pack("<I", 30) + IP6, struct.pack("<I", 24) + IP6,
            struct.pack("<I", 28) + IP6, struct.pack("<I", 99) + IP, struct.pack(">I", 2) + IP,
            b"\x02"],
        108: [struct.pack(">I", 2) + IP, struct.pack(">I", 24) + IP6, struct.pack(">I", 99) + IP,
              struct.pack("<I", 2) + IP],
        9: ppp,
        101: [IP, IP6, b"\x00abc"],
        228: [IP, IP6],
        229: [IP6],
        147: [IP, b"abc"],
        8: [bytes(16) + IP, b"\x01" + bytes(15) + IP6, bytes(16) + b"\x00abc", bytes(5)],
        104: [b"\x0f\x00\x08\x00" + IP, b"\x8f\x00\x86\xdd" + IP6, b"\x0f"] + SLARP_FRAMES,
        50: [b"\xff\x03\x00\x21" + IP, b"\x0f\x00\x08\x00" + IP, b"\x11\x22abc", b"\xff"],
        51: [PPPOE_SESSION, PPPOE_PADI, b"\x11"],
        107: FRAME_RELAY_FRAMES,
        195: IEEE802154_FRAMES,
        230: [f[:-2] for f in IEEE802154_FRAMES if len(f) > 5],
    }


_SLARP = b"\x8f\x00\x80\x35"
# Cisco SLARP: request, reply, keepalives with and without uptime, trailing
# bytes, an unknown code, short ones
SLARP_FRAMES = [_SLARP + bytes(14), _SLARP + struct.pack("!I", 1) + A4 + bytes([255, 255, 255, 252])
                + b"\xff\xff", _SLARP + struct.pack("!IIIH", 2, 5, 2, 0xFFFF),
                _SLARP + struct.pack("!IIIHI", 2, 5, 2, 0xFFFF, 7925000) + b"\0\0",
                _SLARP + struct.pack("!IIIHI", 2, 9, 8, 0xFF, 1000)[:16],
                _SLARP + struct.pack("!I", 7) + bytes(10), _SLARP + bytes(10)]


def _q922(dlci: int, fecn: int = 0, becn: int = 0, de: int = 0, cr: int = 0) -> bytes:
    return bytes([(dlci >> 4) << 2 | cr << 1,
                  (dlci & 15) << 4 | fecn << 3 | becn << 2 | de << 1 | 1])


FRAME_RELAY_FRAMES = [
    _q922(100) + b"\x03\xcc" + IP, _q922(100, fecn=1, becn=1, de=1) + b"\x03\x8e" + IP6,
    _q922(16) + b"\x03\x00\x80\x00\x00\x00\x08\x00" + IP, _q922(100) + b"\x03\x99",
    _q922(100) + b"\x02\xcc" + IP, _q922(100) + b"\x03", _q922(100),
    bytes([0x19, 0x41, 0x20, 0x01]) + b"\x03\xcc" + IP, _q922(100) + b"\x03\xb0abc",
    _q922(100) + b"\x03\x80\x00\x80\xc2\x00\x07" + rc.eth(ARP_REQUEST, 0x806),
    _q922(100, cr=1) + b"\x08\x00" + IP, _q922(100) + b"\x03\x80\x12\x34\x56\x99\x99abc",
    bytes([0x18, 0x40, 0x21]) + b"\x03\x00\xcc" + IP, bytes([0x18, 0x40, 0x21]) + b"\x03\xcc" + IP,
    _q922(100) + b"\x03\xcf\xff\x03\x00\x21" + IP, IP, b"\x00"]
# Q.933 link management on DLCI 0: ANSI and CCITT enquiries and full status
# replies with PVC status IEs of each DLCI length, bad IEs, cuts
_LMI = _q922(0) + b"\x03\x08"
_ANSI_REPLY = _LMI + b"\x00\x7d\x95\x01\x01\x00\x03\x02\x02\x01"
FRAME_RELAY_FRAMES += [_ANSI_REPLY + ie for ie in (
    b"\x07\x03\x06\xa0\x82", b"\x07\x03\x06\xa0\x8a", b"\x07\x03\x06\xa0\x88",
    b"\x07\x03\x06\x20\x82", b"\x07\x03\x86\xa0\x82", b"\x07\x03\x06\xa0\x02",
    b"\x07\x02\x06\xa0", b"\x07\x04\x06\x20\x81\x82", b"\x07\x05\x06\x20\x01\x81\x82")]
FRAME_RELAY_FRAMES += [
    _LMI + b"\x00\x75\x95\x01\x01\x00\x03\x02\x01\x00",
    _LMI + b"\x00\x75\x51\x01\x01\x53\x02\x05\x04",
    _LMI + b"\x00\x7d\x51\x01\x00\x53\x02\x06\x05\x57\x03\x06\xa0\x82",
    _LMI + b"\x01\x05\x75\x95\x01\x01\x00", _LMI,
    _LMI + b"\x00\x99\x95\x01\x01\x02\x44\x02\x01\x02", _LMI + b"\x00\x75\x95\x01\x01",
    _LMI + b"\x00\x75\x95\x01\x00\x03\x02\x01\x00"]


def _fc154(ftype: int, security: int = 0, ack: int = 0, compress: int = 0, dst: int = 2,
           version: int = 0, src: int = 2) -> bytes:
    return struct.pack("<H", ftype | security << 3 | ack << 5 | compress << 6 | dst << 10
                       | version << 12 | src << 14)


IEEE802154_FRAMES = [
    _fc154(1, ack=1, compress=1) + b"\x3c" + struct.pack("<HHH", 0x1234, 1, 2) + b"payload\0\0",
    _fc154(1) + b"\x3d" + struct.pack("<HHHH", 0x1234, 0xFFFF, 0x4321, 2) + b"xx\0\0",
    _fc154(2, dst=0, src=0) + b"\x3c\0\0",
    _fc154(0, dst=0) + b"\x01" + struct.pack("<HH", 0x1234, 0) + b"\xff\xcf\0\0\0\0",
    _fc154(3, ack=1, compress=1) + b"\x05" + struct.pack("<HHH", 0x1234, 0, 1) + b"\x04\0\0",
    _fc154(1, compress=1, dst=3, src=3) + b"\x07" + struct.pack("<H", 0x1234) + bytes(range(16))
    + b"data\0\0",
    _fc154(3, src=3) + b"\x09" + struct.pack("<HHH", 0xFFFF, 0xFFFF, 0x1234) + bytes(range(8))
    + b"\x07\0\0",
    _fc154(1, version=1, compress=1) + b"\x05" + struct.pack("<HHH", 0x1234, 0, 1) + b"v1",
    _fc154(1, security=1, compress=1) + b"\x05" + struct.pack("<HHH", 0x1234, 0, 1)
    + b"\x05\x01\0\0\0secdata!",
    _fc154(1, compress=1, dst=0) + b"\x05" + struct.pack("<HH", 0x1234, 1) + b"x",
    _fc154(1, dst=1) + b"\x05abcdefgh",
    _fc154(1, compress=1) + b"\x05\x34\x12",
    _fc154(3, compress=1) + b"\x05" + struct.pack("<HHH", 0x1234, 0, 1) + b"\x61bcd",
    _fc154(0, dst=0) + b"\x01" + struct.pack("<HH", 0x1234, 0) + b"\xf1\x4f\x83\x05"
    + bytes(9) + b"\x00\0\0",
]


# ---- 802.11 and radiotap ----

def _fc(ftype: int, subtype: int, flags: int = 0) -> bytes:
    return struct.pack("<BB", subtype << 4 | ftype << 2, flags)


def _mgmt(subtype: int, da: bytes, sa: bytes, bssid: bytes, body: bytes, flags: int = 0) -> bytes:
    return _fc(0, subtype, flags) + b"\x00\x00" + da + sa + bssid + b"\x10\x00" + body


def _ie(eid: int, value: bytes) -> bytes:
    return bytes([eid, len(value)]) + value


def _data(subtype: int, flags: int, a1: bytes, a2: bytes, a3: bytes, body: bytes,
          a4: bytes = b"", qos: bytes = b"") -> bytes:
    return _fc(2, subtype, flags) + b"\x00\x00" + a1 + a2 + a3 + b"\x20\x00" + a4 + qos + body


def wlan_frames() -> list[bytes]:
    """802.11 frames of every kind tcpdump describes, and some cut short."""
    fixed = struct.pack("<QHH", 0x1234, 100, 0x0411)
    ies = (_ie(0, b"mynet") + _ie(1, bytes([0x82, 0x84, 0x8B, 0x96, 0x0C, 0x12, 0x18, 0x24]))
           + _ie(3, b"\x06") + _ie(5, b"\x00\x01\x00\x00") + _ie(50, bytes([0x30, 0x48])))
    llc_ip = b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + IP
    beacon = _mgmt(8, BCAST, MA, MA, fixed + ies)
    rts = _fc(1, 11) + b"\x10\x00" + MA + MB
    frames = [
        beacon,
        _mgmt(8, BCAST, MA, MA, struct.pack("<QHH", 1, 100, 0x0002) + _ie(0, b"\x01caf\xe9")),
        _mgmt(4, BCAST, MB, BCAST, _ie(0, b"") + _ie(1, bytes([2, 4, 11, 22]))),
        _mgmt(4, BCAST, MB, BCAST, _ie(0, b"othernet") + _ie(1, bytes([2, 4, 11, 22]))),
        _mgmt(5, MB, MA, MA, fixed + ies),
        _mgmt(11, MA, MB, MA, struct.pack("<HHH", 0, 1, 0)),
        _mgmt(11, MB, MA, MA, struct.pack("<HHH", 0, 2, 0)),
        _mgmt(11, MB, MA, MA, struct.pack("<HHH", 1, 2, 0) + _ie(16, b"chal")),
        _mgmt(12, MB, MA, MA, struct.pack("<H", 3)),
        _mgmt(12, MB, MA, MA, struct.pack("<H", 99)),
        _mgmt(10, MB, MA, MA, struct.pack("<H", 8)),
        _mgmt(0, MA, MB, MA, struct.pack("<HH", 0x0431, 10) + _ie(0, b"mynet")
              + _ie(1, bytes([0x82, 0x84]))),
        _mgmt(1, MB, MA, MA, struct.pack("<HHH", 0x0411, 0, 0xC001) + _ie(1, b"\x82")),
        _mgmt(3, MB, MA, MA, struct.pack("<HHH", 0x0401, 17, 0xC002)),
        _mgmt(2, MA, MB, MA, struct.pack("<HH", 0x0431, 10) + MC + _ie(0, b"mynet")),
        _mgmt(13, MB, MA, MA, b"\x03\x00\x01\x02\x03"),
        _mgmt(13, MB, MA, MA, b"\x07\x01"),
        _mgmt(13, MB, MA, MA, b"\x7f\x05"),
        _mgmt(13, MB, MA, MA, b"\x04\x05"),
        _mgmt(9, MB, MA, MA, b""),
        _mgmt(6, MB, MA, MA, b""),
        _mgmt(8, BCAST, MA, MA, fixed, flags=0x40) + bytes(8),
        rts,
        _fc(1, 12) + b"\x00\x00" + MA,
        _fc(1, 13) + b"\x00\x00" + MA,
        _fc(1, 10) + b"\x01\xc0" + MA + MB,
        _fc(1, 9) + b"\x00\x00" + MA + MB + b"\x05\x00" + b"\x00\x00" + bytes(8),
        _fc(1, 8) + b"\x00\x00" + MA + MB + b"\x05\x00" + b"\x00\x00",
        _fc(1, 14) + b"\x00\x00" + BCAST + MA,
        _fc(1, 3) + bytes(14),
        _fc(3, 0) + bytes(30),
        _data(0, 1, MA, MB, MC, llc_ip),
        _data(0, 2, MB, MA, MC, llc_ip),
        _data(0, 0, MB, MC, MA, llc_ip),
        _data(0, 3, MA, MB, MC, llc_ip, a4=bytes.fromhex("02dddddddddd")),
        _data(8, 1, MA, MB, MC, llc_ip, qos=b"\x00\x00"),
        _data(4, 1, MA, MB, MA, b""),
        _data(12, 0x11, MA, MB, MA, b"", qos=b"\x00\x00"),
        _data(8, 0x41, MA, MB, MC, bytes(8) + b"encrypted" * 3, qos=b"\x00\x00"),
        _data(0, 2, MB, MA, MC, b"\xaa\xaa\x03\x00\x00\x00\x08\x06" + ARP_REQUEST),
        _data(8, 2, MB, MA, MA, b"\xaa\xaa\x03\x00\x00\x00\x88\x8e" + EAPOL_KEY,
              qos=b"\x00\x00"),
        _data(0, 2, MB, MA, MC, b"\x42\x42\x03" + stp_config()),
        _data(0, 0x1A, MB, MA, MC, llc_ip),
    ]
    frames += [beacon[:10], beacon[:30], beacon[:50], rts[:8], frames[31][:26]]
    return frames


def radiotap(present: int, fields: bytes, extra_words: tuple[int, ...] = ()) -> bytes:
    words = b"".join(struct.pack("<I", w) for w in extra_words)
    return struct.pack("<BBHI", 0, 0, 8 + len(words) + len(fields), present) + words + fields


RADIOTAP_HEADERS = [
    # TSFT, flags (FCS at end), rate, channel 2.4 GHz CCK, signal, antenna
    radiotap(0b100000101111, struct.pack("<Q", 123456) + bytes([0x10, 2])
             + struct.pack("<HH", 2412, 0xA0) + bytes([0xD3, 1])),
    # flags, rate, 5 GHz OFDM channel, signal, noise
    radiotap(0b1101110, bytes([0, 0x0C]) + struct.pack("<HH", 5180, 0x140) + bytes([0xC0, 0xA0])),
    # flags (short preamble), rate, dynamic CCK-OFDM channel, signal, MCS (40 MHz, short GI)
    radiotap((1 << 1) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 19),
             bytes([0x02, 0x10]) + struct.pack("<HH", 2437, 0x480) + bytes([0xD0])
             + bytes([0x3F, 0x15, 15])),
    # Linux's multi-antenna layout: radiotap namespace again in a second bitmap
    radiotap((1 << 1) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 14) | (1 << 29) | (1 << 31),
             bytes([0, 0x02]) + struct.pack("<HH", 2462, 0xA0) + bytes([0xC8, 0])
             + struct.pack("<H", 0) + bytes([0xC9, 0]),
             extra_words=((1 << 5) | (1 << 11),)),
    # VHT: one user at 80 MHz short GI, two users at 40 MHz, 160 MHz, a bad bandwidth
    radiotap((1 << 2) | (1 << 3) | (1 << 21), bytes([0x0C, 0]) + struct.pack("<HH", 5180, 0x140)
             + struct.pack("<HBB", 0x44, 0x04, 4) + bytes([0x92, 0, 0, 0, 0, 0, 0, 0])),
    radiotap(1 << 21, struct.pack("<HBB", 0x44, 0, 1) + bytes([0x71, 0x81, 0, 0, 3, 0, 0, 0])),
    radiotap(1 << 21, struct.pack("<HBB", 0x1FF, 0x0F, 11) + bytes([0x51, 0, 0, 0, 1, 0, 0, 0])),
    radiotap(1 << 21, struct.pack("<HBB", 0x40, 0, 30) + bytes([0x12, 0, 0, 0, 0, 0, 0, 0])),
    # A-MPDU status, an extended channel with HT40+, MCS with and without a rate
    radiotap((1 << 20) | (1 << 5), bytes([0xC0, 0, 0, 0]) + struct.pack("<IHBB", 5, 0, 0, 0)),
    radiotap((1 << 1) | (1 << 3) | (1 << 18), bytes([0x02, 0]) + struct.pack("<HH", 2412, 0xA0)
             + bytes(2) + struct.pack("<IHBB", 0x200A0, 2412, 1, 20)),
    radiotap(1 << 19, bytes([0x1F, 0x01, 7])),
    radiotap(1 << 19, bytes([0x07, 0x03, 7])),
    radiotap(1 << 19, bytes([0x02, 0x00, 9])),
    radiotap(1 << 2, bytes([0x85])),
    # rx flags, channel, a field tcpdump 4.99 can't size (HE)
    radiotap((1 << 3) | (1 << 23), struct.pack("<HH", 5200, 0x140) + bytes(12)),
    # RTS/data retries, tx flags, dB signal and noise, lock quality, tx power, FHSS
    radiotap((1 << 4) | (1 << 7) | (1 << 10) | (1 << 12) | (1 << 13) | (1 << 15),
             bytes([3, 7]) + struct.pack("<H", 99) + bytes([0xF6, 40, 10]) + bytes(1)
             + struct.pack("<H", 0)),
]


def wrapped_wlan_frames() -> dict[int, list[bytes]]:
    """802.11 behind the older monitor headers: PPI (wrapping other link types
    too), Prism and AVS."""
    w = wlan_frames()
    ppi = [struct.pack("<BBHI", 0, 0, 8, 105) + f for f in w[:6]]
    ppi += [struct.pack("<BBHI", 0, 0, 8, 1) + rc.eth(ARP_REQUEST, 0x806),
            struct.pack("<BBHI", 0, 0, 20, 105) + struct.pack("<HH", 2, 8) + bytes(8) + w[0],
            b"\0\0", struct.pack("<BBHI", 0, 0, 8, 147) + b"abc"]
    prism = [struct.pack("<II", 0x44, 144) + b"wlan0".ljust(16, b"\0") + bytes(120) + f
             for f in w[:6]]
    avs = [struct.pack(">II", 0x80211001, 64) + bytes(56) + f for f in w[:6]]
    return {192: ppi, 119: prism + avs, 163: avs}
