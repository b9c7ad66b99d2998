"""Protocols beyond the issue's list, against tcpdump: frames of each family
(well-formed, then damaged), written to a pcap file per family and compared
line by line with ``tcpdump -r FILE -n`` under each set of flags; then every
frame cut short at several lengths (the wire length kept), so that each
printer's truncation marker is compared too. TZ=UTC; no normalising."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from . import net_corpus as nc
from . import read_corpus as rc
from .print_oracle import assert_same_text, tcpdump_text, zcap_text

IP6_LL = "fe80::68d3:1235:d068:1f9e"


# ---- Babel (UDP 6696) ----

def _tlv(kind: int, body: bytes) -> bytes:
    return bytes([kind, len(body)]) + body


def _babel(tlvs: bytes, trailer: bytes = b"", version: int = 2, magic: int = 42) -> bytes:
    return struct.pack("!BBH", magic, version, len(tlvs)) + tlvs + trailer


def babel_frames() -> list[bytes]:
    rid = bytes(range(1, 9))
    stamp = _tlv(3, struct.pack("!I", 123456789))
    stamps = _tlv(3, struct.pack("!II", 5, 4000001))
    diversity = _tlv(2, bytes([1, 0, 255, 7]))
    hello = _tlv(4, struct.pack("!HHH", 0, 17, 400) + stamp)
    hello_uni = _tlv(4, struct.pack("!HHH", 0x8000, 18, 0) + bytes([0x85, 0]) + b"\0")
    ihu_ll = _tlv(5, struct.pack("!BBHH", 3, 0, 96, 1200) + bytes(range(8)) + stamps)
    ihu_any = _tlv(5, struct.pack("!BBHH", 0, 0, 65535, 7))
    ihu_v4 = _tlv(5, struct.pack("!BBHH", 1, 0, 256, 400) + bytes([198, 18, 0, 9]))
    ihu_bad = _tlv(5, struct.pack("!BBHH", 9, 0, 1, 2))
    update_v6 = _tlv(8, struct.pack("!BBBBHHH", 2, 0xC0, 48, 0, 400, 7, 96)
                     + bytes.fromhex("20010db80001") + diversity)
    update_v6_short = _tlv(8, struct.pack("!BBBBHHH", 2, 0x80, 64, 6, 0xFFFF, 8, 65535)
                           + bytes.fromhex("0002"))
    update_v4 = _tlv(8, struct.pack("!BBBBHHH", 1, 0x80, 24, 0, 0, 9, 256) + bytes([198, 18, 7]))
    update_v4_omit = _tlv(8, struct.pack("!BBBBHHH", 1, 0x01, 32, 2, 100, 10, 1)
                          + bytes([9, 1]) + _tlv(0x81, b"xy"))
    update_any = _tlv(8, struct.pack("!BBBBHHH", 0, 0, 0, 0, 400, 11, 0xFFFF))
    update_short = _tlv(8, b"\x02\x00\x00")
    padn = _tlv(1, bytes(3))
    others = b"".join([
        padn, b"\x00", _tlv(2, struct.pack("!HHH", 0, 0x1234, 250)), _tlv(3, b"\x43\x21"),
        _tlv(6, b"\0\0" + rid), _tlv(7, b"\x01\x00" + bytes([198, 18, 0, 1])),
        _tlv(7, b"\x02\x00" + bytes(15) + b"\x01"), _tlv(7, b"\x00\x00"),
        _tlv(9, b"\x00\x00"), _tlv(9, b"\x02\x30" + bytes.fromhex("20010db80002")),
        _tlv(10, struct.pack("!BBHBx", 1, 16, 300, 5) + rid + bytes([198, 18])),
        _tlv(11, struct.pack("!HI", 3, 77)), _tlv(12, struct.pack("!H", 9) + bytes(range(16))),
        _tlv(13, struct.pack("!BBBBHHH", 2, 16, 32, 0, 400, 5, 6)
             + bytes.fromhex("20010db8") + bytes.fromhex("fd00")),
        _tlv(14, struct.pack("!BBB", 1, 16, 8) + bytes([198, 18, 10])),
        _tlv(14, struct.pack("!BBB", 0, 0, 0)),
        _tlv(15, struct.pack("!BBHBB", 2, 16, 12, 3, 8) + rid + bytes.fromhex("20010d")),
        _tlv(16, bytes(16)), _tlv(17, struct.pack("!I", 99) + b"ab"),
        _tlv(18, bytes(8)), _tlv(19, bytes(8)), _tlv(99, b"zz"),
    ])
    subs = _tlv(4, struct.pack("!HHH", 0, 1, 1) + b"\x00" + _tlv(1, b"\0\0") + _tlv(2, b"")
                + _tlv(2, b"\x03") + _tlv(3, b"\0\0\0\1") + _tlv(0x44, b"?"))
    bad_subs = [_tlv(4, struct.pack("!HHH", 0, 1, 1) + _tlv(3, b"\0\0")),
                _tlv(5, struct.pack("!BBHH", 0, 0, 1, 1) + _tlv(3, b"\0\0\0\0")),
                _tlv(4, struct.pack("!HHH", 0, 1, 1) + b"\x02\x09\x01"),
                _tlv(4, struct.pack("!HHH", 0, 1, 1) + b"\x82")]
    payloads = [
        _babel(hello), _babel(hello + ihu_ll + hello_uni), _babel(ihu_any + ihu_v4 + ihu_bad),
        _babel(update_v6 + update_v6_short + update_any), _babel(update_v4 + update_v4_omit),
        _babel(update_v4_omit), _babel(others), _babel(subs), _babel(hello, trailer=padn + hello),
        _babel(hello, trailer=b"\x05\x09"), _babel(update_short), _babel(b""),
        *[_babel(t) for t in bad_subs],
        _babel(hello)[:4] + b"\x04\x20", _babel(hello, version=3), _babel(hello, magic=41),
        struct.pack("!BBH", 42, 2, 200) + hello, b"\x2a\x02", b"",
        _babel(_tlv(4, b"\0\0\0")), _babel(_tlv(6, bytes(9))), _babel(_tlv(12, bytes(8))),
        _babel(_tlv(13, struct.pack("!BBBBHHH", 2, 200, 32, 0, 1, 2, 3))),
        _babel(_tlv(10, bytes(5))), _babel(_tlv(18, bytes(200))),
    ]
    frames = [nc.udp6(6696, 6696, p, src=IP6_LL, dst="ff02::1:6") for p in payloads]
    frames += [nc.udp4(6697, 40000, p) for p in payloads[:3]]
    return frames


# ---- Kerberos (UDP 88, 750) ----

def krb_frames() -> list[bytes]:
    names = b"alice\0\0ATHENA.MIT.EDU\0"
    payloads = [
        b"\x04\x02" + names + b"\x01\x02\x03\x04" + b"\x60" + b"krbtgt\0ATHENA.MIT.EDU\0",
        b"\x04\x03" + names + b"\0\0\0\0" + b"\x0c" + b"rcmd\0host\0",
        b"\x04\x06\x01" + b"ATHENA.MIT.EDU\0" + b"\x07\x09",
        b"\x04\x04" + names + bytes(10) + b"\x10\x00",
        b"\x04\x05" + names + bytes(10) + b"\x00\x10",
        b"\x04\x0a" + names + b"\0\0\0\0" + b"\x00\x08\0\0" + b"no such principal\0",
        b"\x04\x0b" + names + b"\0\0\0\0" + b"\x2a\x00\0\0" + b"odd\xff\x01\0",
        b"\x04\x08\x01\x02", b"\x04\x7e", b"\x04\x0c", b"\x04\x31",
        b"\x04\x02alice", b"\x04\x02" + names, b"\x04\x04" + names + bytes(9),
        b"\x04", b"\x01\x02", b"\x03", b"\x6a\x81\x10", b"\x6b", b"\x05\x00",
    ]
    frames = [nc.udp4(1023, 88, p) for p in payloads]
    frames += [nc.udp4(750, 2000, payloads[0]), nc.udp4(1023, 88, b"")]
    return frames


# ---- GeoNetworking and CALM FAST (ethertypes 0x8947, 0x0707, 0x1111) ----

def _geonet(nh: int, ht: int, sub: int, payload: bytes, hops: int = 1) -> bytes:
    common = struct.pack("!BBBBHBB", nh, ht << 4 | sub, 0, 0, len(payload), 0, hops)
    pv = bytes.fromhex("c0cc000c426968be") + struct.pack("!IIII", 7, 51477518, 5659727, 0)
    return common + pv + payload


def geonet_frames() -> list[bytes]:
    btp = struct.pack("!HH", 2001, 0) + b"\x01\x02" + b"camdata"
    payloads = [
        _geonet(0, 1, 0, b""), _geonet(1, 5, 1, bytes(32) + btp, hops=2),
        _geonet(2, 5, 0, btp[:4] + b"\x01\x96"), _geonet(1, 5, 0, btp[:4] + b"\x01"),
        _geonet(1, 5, 0, b"\x00\x01"), _geonet(1, 5, 1, bytes(20)),
        _geonet(3, 5, 0, b"ipv6?"), _geonet(1, 4, 1, bytes(44)), _geonet(0, 3, 2, b""),
        _geonet(1, 6, 0, b"x"), _geonet(1, 5, 7, b"y"), _geonet(0, 9, 0, b""),
        _geonet(0xF, 2, 0, btp), bytes(20),
    ]
    frames = [rc.eth(p, etype) for p in payloads for etype in (0x8947, 0x0707)]
    frames += [rc.eth(b"\x05\x07fast payload", 0x1111), rc.eth(b"\x05", 0x1111),
               rc.eth(b"\x05\x07", 0x1111)]
    return frames


# ---- DCCP (IP protocol 33) ----

def _dccp(kind: int, extra: bytes, opts: bytes = b"", ext: bool = True, cscov: int = 0,
          payload: bytes = b"", seq: int = 0x0102030405, doff: int | None = None) -> bytes:
    seqf = struct.pack("!BxHI", kind << 1 | 1, seq >> 32, seq & 0xFFFFFFFF) if ext else \
        struct.pack("!B", kind << 1) + (seq & 0xFFFFFF).to_bytes(3, "big")
    head_len = 8 + len(seqf) + len(extra) + len(opts)
    off = doff if doff is not None else head_len // 4
    return struct.pack("!HHBBH", 40000, 5001, off, 0x30 | cscov, 0) + seqf + extra + opts + payload


def _dccp_frames(seg: bytes, good: bool = True) -> list[bytes]:
    v4 = bytearray(nc.proto4(33, seg))
    v6 = bytearray(nc.proto6(33, seg))
    if good:
        v4[14 + 20:] = nc._cksum_l4(bytes(v4[34:]), rc.ip4(rc.IP_A), rc.ip4(rc.IP_B), 33, 6)
        v6[14 + 40:] = nc._cksum_l4(bytes(v6[54:]), rc.ip6(rc.IP6_A), rc.ip6(rc.IP6_B), 33, 6)
    else:
        v4[34 + 6:34 + 8] = b"\x12\x34"
    return [bytes(v4), bytes(v6)]


def dccp_frames() -> list[bytes]:
    ack = struct.pack("!HHI", 0, 0x0A0B, 0x0C0D0E0F)
    opts = (b"\x00\x01\x02" + bytes([32, 4, 1, 2]) + bytes([33, 3, 12]) + bytes([34, 2])
            + bytes([36, 5, 1, 2, 3]) + bytes([37, 4, 7, 8]) + bytes([38, 3, 0xAA])
            + bytes([41, 6, 0, 0, 1, 0]) + bytes([42, 8, 0, 0, 0, 9, 0, 3])
            + bytes([42, 10, 0, 0, 0, 9, 0, 0, 0, 4]) + bytes([42, 5, 1, 2, 3])
            + bytes([43, 4, 1, 1]) + bytes([43, 6, 0, 0, 1, 1]) + bytes([43, 3, 1])
            + bytes([44, 6, 1, 2, 3, 4]) + bytes([41, 4, 1, 1]) + bytes([130, 4, 0, 9])
            + bytes([131, 6, 0, 0, 0, 9]) + bytes([129, 3, 1]) + bytes([99, 3, 0]))
    segs = [
        _dccp(0, struct.pack("!I", 4105078398)), _dccp(1, ack + struct.pack("!I", 7)),
        _dccp(2, b"", payload=b"data!"), _dccp(3, ack, opts + b"\x00\x00"),
        _dccp(4, ack, payload=b"x" * 9), _dccp(5, ack), _dccp(6, ack),
        _dccp(7, ack + bytes([3, 1, 2, 3])), _dccp(7, ack + bytes([40, 0, 0, 0])),
        _dccp(8, ack), _dccp(9, ack), _dccp(12, ack), _dccp(2, b"", ext=False),
        _dccp(3, ack[4:], ext=False), _dccp(0, struct.pack("!I", 0), ext=False, cscov=2,
                                            payload=bytes(40)),
        _dccp(3, ack, bytes([32, 1])), _dccp(3, ack, bytes([130, 1])),
        _dccp(3, ack, bytes([32, 9, 1]), doff=11), _dccp(3, ack, bytes([140, 9, 1]), doff=11),
        _dccp(3, ack, b"", doff=1), _dccp(0, b"\x00\x00"), _dccp(1, ack),
        _dccp(7, ack), _dccp(3, b""), bytes(11), bytes(14)[:12] + b"\x01\x00",
    ]
    frames = []
    for i, seg in enumerate(segs):
        frames += _dccp_frames(seg, good=i % 5 != 4)
    return frames


# ---- PGM (IP protocol 113) ----

def _pgm(kind: int, body: bytes, opts: bytes = b"", length: int = 0) -> bytes:
    flags = 1 if opts else 0
    return struct.pack("!HHBBH", 13320, 5563, kind, flags, 0) + bytes.fromhex("3329041eba74") \
        + struct.pack("!H", length) + body + opts


def _opts(*items: bytes, end: bool = True) -> bytes:
    items = list(items)
    if end and items:
        items[-1] = bytes([items[-1][0] | 0x80]) + items[-1][1:]
    total = 4 + sum(len(i) for i in items)
    return bytes([0, 4]) + struct.pack("!H", total) + b"".join(items)


def pgm_frames() -> list[bytes]:
    v4 = struct.pack("!HH", 1, 0) + bytes([10, 0, 0, 45])
    v6 = struct.pack("!HH", 2, 0) + bytes(15) + b"\x01"
    seqs = struct.pack("!III", 92190, 21618, 54950)
    opts = _opts(bytes([1, 16, 0, 0]) + struct.pack("!III", 1, 2, 3),
                 bytes([2, 12, 0, 0, 0, 0, 0, 7, 0, 0, 0, 9]),
                 bytes([3, 8, 0, 0, 0, 0, 0, 5]), bytes([4, 12, 0, 0]) + struct.pack("!II", 6, 7),
                 bytes([5, 12, 0, 0]) + struct.pack("!II", 8, 9),
                 bytes([7, 12, 0, 0, 0, 1, 0, 0, 10, 0, 0, 1]),
                 bytes([8, 8, 0, 0, 0, 0, 0, 4]), bytes([9, 8, 0, 0, 0, 0, 0, 3]),
                 bytes([10, 8, 0, 0, 0, 0, 0, 2]), bytes([11, 4, 0, 0]), bytes([13, 4, 0, 0]),
                 bytes([14, 4, 0, 0]), bytes([15, 4, 0, 0]), bytes([17, 4, 0, 0]),
                 bytes([18, 16, 0, 0, 0, 0, 0, 5, 0, 1, 0, 0, 10, 0, 0, 2]),
                 bytes([19, 28, 0, 0, 0, 0, 0, 6, 0, 2, 0, 0]) + bytes(16))
    bodies = [
        (0, seqs + v4, b""), (0, seqs + v6, b""), (0, seqs + struct.pack("!HH", 9, 0), b""),
        (1, struct.pack("!IHH", 5, 1, 0) + v4 + struct.pack("!III", 1, 2, 3), b""),
        (2, struct.pack("!IHH", 5, 1, 0), b""), (4, struct.pack("!II", 10, 3), opts),
        (5, struct.pack("!II", 11, 3), _opts(bytes([12, 4, 0, 0]), bytes([16, 4, 0, 0]))),
        (8, struct.pack("!IHH", 7, 1, 0) + bytes([10, 0, 0, 1]) + struct.pack("!HH", 1, 0)
         + bytes([0, 1, 0, 0]), b""),
        (9, struct.pack("!IHH", 7, 1, 0) + bytes([10, 0, 0, 1]) + struct.pack("!HH", 1, 0)
         + bytes([0, 2]) + bytes(14), b""),
        (10, struct.pack("!IHH", 7, 1, 0) + bytes([10, 0, 0, 1]) + bytes(8), b""),
        (11, struct.pack("!II", 12, 0), _opts(bytes([99, 6, 0, 0, 1, 2]))),
        (12, b"", b""), (31, b"", b""),
        (4, struct.pack("!II", 1, 2), bytes([1, 4, 0, 8])),
        (4, struct.pack("!II", 1, 2), bytes([0, 5, 0, 8])),
        (4, struct.pack("!II", 1, 2), bytes([0, 4, 0, 2])),
        (4, struct.pack("!II", 1, 2), _opts(bytes([3, 6, 0, 0, 0, 0]))),
        (4, struct.pack("!II", 1, 2), _opts(bytes([2, 7, 0, 0, 1, 2, 3]))),
        (4, struct.pack("!II", 1, 2), _opts(bytes([7, 12, 0, 0, 0, 2, 0, 0, 1, 2, 3, 4]))),
        (4, struct.pack("!II", 1, 2), _opts(bytes([19, 8, 0, 0, 0, 0, 0, 0]))),
        (4, struct.pack("!II", 1, 2), _opts(bytes([3, 2, 0, 0]))),
        (4, struct.pack("!II", 1, 2), _opts(bytes([3, 8, 0, 0, 0, 0, 0, 5]) * 2, end=False)[:-2]),
        (4, struct.pack("!II", 1, 2), _opts(bytes([3, 8, 0, 0, 0, 0, 0, 5]), end=False)),
    ]
    frames = []
    for kind, body, opts_ in bodies:
        seg = _pgm(kind, body, opts_, length=len(body))
        frames += [nc.proto4(113, seg), nc.proto6(113, seg)]
    frames += [nc.proto4(113, b"\x01\x02\x03"), nc.proto4(113, _pgm(0, b"")[:10])]
    return frames


# ---- RSVP (IP protocol 46): the common header only ----

def rsvp_frames() -> list[bytes]:
    frames = []
    for kind in (1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 20, 99):
        msg = struct.pack("!BBHBxH", 0x10 | (kind & 1), kind, 0x1234, 63, 32) + bytes(24)
        frames += [nc.proto4(46, msg), nc.proto6(46, msg)]
    frames += [nc.proto4(46, struct.pack("!BBHBxH", 0x20, 1, 0, 1, 8)),
               nc.proto4(46, struct.pack("!BBHBxH", 0x10, 1, 0, 1, 4)),
               nc.proto4(46, b"\x10\x01\x00")]
    return frames


# ---- AFS RX (UDP 7000-7009): the RX layer, no AFS service inside ----

def _rx(kind: int, flags: int, seq: int = 3, body: bytes = b"") -> bytes:
    return struct.pack("!IIIIIBBBBHH", 0x12345678, 0xABCDEF00, 77, seq, 347, kind, flags,
                       0, 2, 0, 52) + body


def rx_frames() -> list[bytes]:
    def ack(first: int, states: list[int], reason: int = 8, tail: int = 16) -> bytes:
        head = struct.pack("!HHIIIBB", 32, 5, first, 1, 346, reason, len(states))
        return head + bytes(states) + bytes(3) + struct.pack("!IIII", 1444, 1444, 32, 4)[:tail]
    payloads = [
        _rx(1, 0x01, seq=2, body=b"x" * 20), _rx(1, 0x26, seq=1, body=b"y" * 8),
        _rx(2, 0x20, body=ack(2, [])), _rx(2, 0x02, body=ack(4, [1, 1, 1, 0, 0, 1, 0, 1, 1])),
        _rx(2, 0, body=ack(1, [0, 0, 1, 0, 0, 0], reason=77)),
        _rx(2, 0, body=ack(9, [1, 0, 1, 0, 1], reason=1, tail=6)),
        _rx(2, 0, body=ack(9, [1] * 20, reason=3, tail=0)), _rx(2, 0, body=b"\0" * 10),
        _rx(2, 0, body=ack(1, [1, 1, 1])[:20]),
        _rx(3, 0x10), _rx(4, 0x04, body=b"\0\0\0\x05"), _rx(5, 0x08), _rx(6, 0, body=bytes(16)),
        _rx(7, 0, body=bytes(112)), _rx(8, 0), _rx(9, 0), _rx(13, 0), _rx(42, 0xFF),
        _rx(1, 0x01)[:20],
    ]
    frames = [nc.udp4(7001 + i % 2 * 7, 7000 + i % 3 * 4, p) for i, p in enumerate(payloads)]
    frames += [nc.udp4(7001, 7009, _rx(1, 0x01, seq=1, body=b"z" * 4))]
    return frames


# ---- switch tags: link types DSA_TAG_DSA, DSA_TAG_EDSA, DSA_TAG_BRCM(_PREPEND) ----

def _tagged(tag: bytes, inner: bytes) -> bytes:
    """An Ethernet frame (``inner``) with ``tag`` after its addresses."""
    return inner[:12] + tag + inner[12:]


def _switch_frames(tags: list[bytes], prepend: bool = False) -> list[bytes]:
    inners = [nc.udp4(1000, 2000, b"hello"), rc.eth(bytes(rc.arp(1, rc.MAC_A, "198.18.0.1",
                                                                 bytes(6), "198.18.0.2")),
                                                    0x0806),
              rc.eth(b"\x00" * 30, 0x9999), rc.eth(b"\xf0\xf0\x03" + bytes(40), 60)]
    out = []
    for i, tag in enumerate(tags):
        inner = inners[i % len(inners)]
        out.append(tag + inner if prepend else _tagged(tag, inner))
    return out


def dsa_frames() -> list[bytes]:
    tags = [bytes([mode << 6 | tagged << 5 | 2, port << 3 | trunk << 2 | flag, pri << 5 | 0x10 | 5,
                   0x39])
            for mode in range(4) for tagged in (0, 1) for trunk in (0, 1)
            for port, flag, pri in ((1, 0, 0), (2, 1, 7), (3, 2, 3))]
    return _switch_frames(tags)


def edsa_frames() -> list[bytes]:
    return [f[:12] + b"\xda\xda\x01\x02" + f[12:]
            for f in dsa_frames()]


def brcm_frames() -> list[bytes]:
    tags = [bytes([0x20, tc << 2 | te | ts << 7, 0x01, 0x80]) for tc in (0, 5) for te in range(4)
            for ts in (0, 1)]
    tags += [bytes([0, cid, rc_, 0xA5]) for cid in (0, 9) for rc_ in (0, 1, 2, 4, 8, 16, 32, 64)]
    return _switch_frames(tags)


def brcm_prepend_frames() -> list[bytes]:
    return [f[12:16] + f[:12] + f[16:] for f in brcm_frames()]


# ---- IP over InfiniBand (IPOIB) and Solaris ipnet (IPNET) ----

def _ip_packets() -> list[tuple[int, bytes]]:
    """(ethertype, packet) pairs without a link header."""
    return [(0x0800, bytes(nc.udp4(1000, 53, b"\x12\x34\x01\x00\x00\x00")[14:])),
            (0x86DD, bytes(nc.udp6(1000, 2000, b"abc")[14:])),
            (0x0806, bytes(rc.arp(1, rc.MAC_A, "198.18.0.1", bytes(6), "198.18.0.2"))),
            (0x9999, b"opaque payload")]


def ipoib_frames() -> list[bytes]:
    return [bytes(range(40)) + struct.pack("!HH", etype, 0) + pkt
            for etype, pkt in _ip_packets()] + [bytes(43)]


def ipnet_frames() -> list[bytes]:
    families = {0x0800: 2, 0x86DD: 26, 0x0806: 7, 0x9999: 0}
    return [struct.pack("!BBHIIIII", 1, families[etype], 0, len(pkt), 3, 0, zs, 0) + pkt
            for zs, (etype, pkt) in enumerate(_ip_packets())] + [bytes(20)]


# ---- Redis RESP (TCP 6379) ----

def resp_frames() -> list[bytes]:
    payloads = [
        b"*2\r\n$4\r\nINCR\r\n$1\r\nz\r\n*2\r\n$4\r\nINCR\r\n$1\r\nz\r\n",
        b"+OK\r\n", b"-ERR unknown command 'x'\r\n", b":1000\r\n:-5\r\n",
        b"$-1\r\n*-1\r\n*0\r\n$0\r\n\r\n", b"$-2\r\n", b"$99999999999\r\n",
        b"*2147483648\r\n", b"$x\r\n", b"$5\rX", b"$5\r\nab", b"$3\r\nabc",
        b"PING\r\nPING\nPING\r\n", b"\r\n\r\nGET key\r", b"GET key", b"+OK",
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n\xff\x01\r\n", b"*1\r\n", b"*",
        b"$2147483647\r\n", b"$-2147483649\r\n", b"$12\r\n",
    ]
    frames = [nc.tcp4(40000 + i, 6379, 1000, 2000, 0x18, data=p) for i, p in enumerate(payloads)]
    frames += [nc.tcp4(6379, 40000, 2000, 1000, 0x18, data=payloads[0])]
    return frames


FAMILIES = {"babel": babel_frames, "krb": krb_frames, "geonet": geonet_frames, "resp": resp_frames,
            "dccp": dccp_frames, "pgm": pgm_frames, "rx": rx_frames, "dsa": dsa_frames,
            "edsa": edsa_frames, "brcm": brcm_frames, "brcm_prepend": brcm_prepend_frames,
            "ipoib": ipoib_frames, "ipnet": ipnet_frames}
LINKTYPES = {"brcm": 281, "brcm_prepend": 282, "dsa": 284, "edsa": 285, "ipoib": 242,
             "ipnet": 226}
# ---- AHCP (UDP 5359) and MPLS LSP ping (UDP 3503): headers only ----

def ahcp_frames() -> list[bytes]:
    head = bytes([43, 1, 3, 4]) + struct.pack("!I", 0xDEADBEEF) + bytes(range(8)) + bytes(8)
    payloads = [head + bytes([k, 0]) + struct.pack("!H", 4) + bytes([1, 2, 0, 0])
                for k in range(7)]
    payloads += [head + bytes([2, 1, 0, 9]) + bytes(3), head + b"\x00\x00",
                 bytes([43, 2]) + bytes(10), bytes([42, 1]) + bytes(30), bytes([43]),
                 bytes([43, 1]) + bytes(10), head[:12]]
    return [nc.udp6(5359, 5359, p, src=IP6_LL, dst="ff02::cca6:c0f9:e182:5359")
            for p in payloads] + [nc.udp4(5359, 5359, payloads[0])]


def lspping_frames() -> list[bytes]:
    def msg(version: int, kind: int, mode: int, tail: bytes = b"") -> bytes:
        return struct.pack("!HHBBBBII", version, 0, kind, mode, 3, 1, 7, 42) + bytes(16) + tail
    payloads = [msg(1, k, m, bytes(8)) for k in (1, 2, 3) for m in (1, 2, 3, 4, 9)]
    payloads += [msg(2, 1, 1), msg(1, 1, 1)[:20], b""]
    return [nc.udp4(4786, 3503, p) for p in payloads] + [nc.udp6(3503, 4786, payloads[6])]


# decoded only in part: compared whole without -v, by each packet's first line with it
FIRST_LINE_ONLY = {"rsvp": rsvp_frames, "ahcp": ahcp_frames, "lspping": lspping_frames}
FLAGS = ["", "-v", "-vv", "-vvv", "-q", "-x"]


def _write(directory: Path, family: str) -> Path:
    path = directory / f"{family}.pcap"
    rc.write_pcap(str(path), {**FAMILIES, **FIRST_LINE_ONLY}[family](),
                  linktype=LINKTYPES.get(family, rc.LINKTYPE_ETHERNET))
    return path


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("beyond")
    return {family: _write(directory, family) for family in {**FAMILIES, **FIRST_LINE_ONLY}}


@pytest.mark.parametrize("flags", FLAGS + ["-e", "-e -v"])
@pytest.mark.parametrize("family", list(FAMILIES))
def test_same_text_as_tcpdump(captures: dict[str, Path], family: str, flags: str) -> None:
    assert_same_text(captures[family], flags)


@pytest.mark.parametrize("flags", ["", "-v", "-x"])
@pytest.mark.parametrize("family", list(FAMILIES) + list(FIRST_LINE_ONLY))
def test_cut_short_by_the_capture(tmp_path: Path, family: str, flags: str) -> None:
    """Each frame cut after its UDP header and at a few places in its payload."""
    frames, wirelens = [], []
    for frame in {**FAMILIES, **FIRST_LINE_ONLY}[family]():
        start = 14 + {b"\x86\xdd": 48, b"\x08\x00": 28}.get(frame[12:14], 0)
        for keep in sorted({start - 3, start + 1, start + 3, start + 7, start + 12,
                            (start + len(frame)) // 2, len(frame) - 1}):
            if 14 < keep < len(frame):
                frames.append(frame[:keep])
                wirelens.append(len(frame))
    assert frames
    path = tmp_path / f"{family}-cut.pcap"
    rc.write_pcap(str(path), frames, wirelens=wirelens,
                  linktype=LINKTYPES.get(family, rc.LINKTYPE_ETHERNET))
    if family in FIRST_LINE_ONLY and "-v" in flags:
        assert _firsts(zcap_text(path, flags)) == _firsts(tcpdump_text(path, flags))
    else:
        assert_same_text(path, flags)


@pytest.mark.parametrize("flags", ["", "-q", "-x"])
@pytest.mark.parametrize("family", list(FIRST_LINE_ONLY))
def test_partly_decoded_whole_without_v(captures: dict[str, Path], family: str,
                                        flags: str) -> None:
    assert_same_text(captures[family], flags)


def _firsts(text: str) -> list[str]:
    """The lines of each packet up to its protocol's header line: the time
    stamp's, an IPv4 header's second one, and the header's own (tab-indented);
    the detail after those is indented further."""
    return [line for line in text.splitlines() if not line.startswith(("\t ", "\t\t"))]


@pytest.mark.parametrize("family", list(FIRST_LINE_ONLY))
def test_partly_decoded_first_lines_with_v(captures: dict[str, Path], family: str) -> None:
    ours, theirs = zcap_text(captures[family], "-v"), tcpdump_text(captures[family], "-v")
    assert _firsts(ours) == _firsts(theirs)
    assert len(_firsts(theirs)) > len(FIRST_LINE_ONLY[family]())
