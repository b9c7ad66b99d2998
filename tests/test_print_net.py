"""The printer against tcpdump from the network layer up: frames built with
dpkt (tests/net_corpus.py), everyday ones first, then damaged and cut ones,
written to one pcap file per family and compared line by line with
``tcpdump -r FILE -n`` and each set of flags below. TZ=UTC; no normalising."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from . import net_corpus as nc
from . import read_corpus as rc
from .print_oracle import assert_same_text

COMMON = ["", "-v", "-vv", "-q", "-x"]
# family (a ``<family>_frames`` function in net_corpus) -> the flag sets it is printed with
FAMILIES = {
    "ip": COMMON, "tcp": COMMON, "udp": COMMON,
    "icmp": COMMON, "icmp6": COMMON, "icmp6_more": COMMON, "igmp": COMMON,
    "dns": COMMON + ["-vvv"], "mdns": COMMON, "nd": COMMON,
    "dhcp": COMMON + ["-vvv"], "dhcp6": COMMON, "ntp": COMMON, "snmp": COMMON,
    "syslog": COMMON,
    "tunnel": ["", "-v", "-q", "-x", "-e", "-e -v"], "sctp": ["", "-v", "-q", "-x"],
    "routing": COMMON, "isakmp": COMMON, "ptp": COMMON, "bfd": COMMON,
    "services": ["", "-q", "-x"], "link_prefix": ["", "-e", "-x"],
}
CASES = [(fam, flags) for fam, sets in FAMILIES.items() for flags in sets]


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return nc.write_families(tmp_path_factory.mktemp("net"), list(FAMILIES))


@pytest.mark.parametrize(("family", "flags"), CASES)
def test_same_text_as_tcpdump(captures: dict[str, Path], family: str, flags: str) -> None:
    assert_same_text(captures[family], flags)


@pytest.mark.parametrize("snaplen", [80, 96, 128])
@pytest.mark.parametrize("flags", ["", "-v"])
def test_short_snapshot_length(tmp_path: Path, snaplen: int, flags: str) -> None:
    """Cut by the capture, not damaged: tcpdump prints up to the cut, then [|proto]."""
    families = [f for f in FAMILIES if f not in ("services", "link_prefix")]
    assert_same_text(nc.write_snapped(tmp_path / "snap.pcap", families, snaplen), flags)


def test_other_ip_version_in_an_ipv4_frame(tmp_path: Path) -> None:
    path = nc.write_families(tmp_path, ["bad_version"])["bad_version"]
    assert_same_text(path, "")


@pytest.mark.parametrize("flags", ["", "-e", "-v", "-q"])
def test_ip_version_disagreeing_with_its_carrier(tmp_path: Path, flags: str) -> None:
    """The ethertype, IPIP's protocol 4 or GRE's type promised one IP version
    and the header says another: tcpdump's words, wherever the header sits."""
    frames = []
    inner = bytes(rc.ipv4(rc.udp(1000, 2000, b"hello"), 17, src="198.18.0.3", dst="198.18.0.4"))
    for v in (0, 4, 5, 6):
        bad = bytes([v << 4 | inner[0] & 15]) + inner[1:]
        frames.append(rc.eth(bytes(rc.ipv4(bad, 4))))                               # IPIP
        frames.append(rc.eth(bytes(rc.ipv4(b"\x00\x00\x08\x00" + bad, 47))))     # GRE
    for frame in rc.ethernet_frames():
        etype = frame[12:14]
        versions = {b"\x08\x00": (0, 5, 6, 15), b"\x86\xdd": (0, 4, 12)}.get(etype, ())
        for v in versions:
            bad = bytearray(frame)
            bad[14] = v << 4 | bad[14] & 15
            frames += [bytes(bad), bytes(bad[:30])]
    assert frames
    path = tmp_path / "versions.pcap"
    rc.write_pcap(str(path), frames)
    assert_same_text(path, flags)


@pytest.mark.parametrize("flags", ["", "-q", "-v"])
def test_rpl_messages(tmp_path: Path, flags: str) -> None:
    """RPL's DIO, DAO and DAO-ACK: names, and their fields with -v (not -vv:
    the options tcpdump adds there are not decoded yet)."""
    dagid = nc.ip6("2001:db8::d")
    bodies = [
        (1, struct.pack("!BBHBBBB", 1, 2, 256, 0x88 | 0x02, 7, 0, 0) + dagid),  # DIO
        (1, struct.pack("!BBHBBBB", 1, 2, 256, 0x38, 7, 0, 0) + dagid),         # mop 7
        (1, bytes(12)),                                                         # DIO too short
        (2, struct.pack("!BBBB", 42, 0xC0, 0, 5) + dagid),                      # DAO, K and D
        (2, struct.pack("!BBBB", 42, 0x00, 0, 5) + bytes(16)),                 # DAO, no dagid
        (2, struct.pack("!BBBB", 42, 0x40, 0, 5) + bytes(4)),                  # DAO, cut dagid
        (3, struct.pack("!BBBB", 43, 0x80, 11, 0) + dagid),                     # DAO-ACK with D
        (3, struct.pack("!BBBB", 43, 0x00, 11, 2)),                             # DAO-ACK
        (3, b"\x01\x00"),                                                       # DAO-ACK short
        (0x80, bytes(24)), (0, bytes(4)),
    ]
    frames = [nc.icmp6m(155, code, body, src="fe80::1", dst="ff02::1a") for code, body in bodies]
    path = tmp_path / "rpl.pcap"
    rc.write_pcap(str(path), frames)
    assert_same_text(path, flags)
