"""IS-IS and ES-IS (and NLPIDs around them) behind 802.3 LLC, Cisco HDLC and
Frame Relay, against tcpdump line by line. With -v tcpdump goes on with the
PDU's header fields and TLVs on lines of their own, which zcap does not decode:
there the first line of each packet is compared, which is all zcap claims."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from . import link_frames as lf
from . import read_corpus as rc
from .link_frames import utc  # noqa: F401  (the fixture, used below)
from .print_oracle import tcpdump_text, zcap_text

pytestmark = pytest.mark.usefixtures("utc")

SYS = bytes.fromhex("111122223333")
TLV = bytes([1, 2, 0x49, 0x00])          # an area address TLV, for tcpdump's -v lines


def isis(pdu: int, fixed: bytes, version: int = 1, id_len: int = 0, pdu_version: int = 1,
         areas: int = 0, fixed_len: int | None = None) -> bytes:
    n = 8 + len(fixed) if fixed_len is None else fixed_len
    return bytes([0x83, n, version, id_len, pdu, pdu_version, 0, areas]) + fixed + TLV


LAN_IIH = bytes([1]) + SYS + struct.pack("!HH", 30, 64) + bytes([64]) + SYS + b"\x01"
PTP_IIH = bytes([3]) + SYS + struct.pack("!HH", 30, 40) + bytes([5])
LSP = struct.pack("!HH", 60, 1200) + SYS + b"\x00\x00" + struct.pack("!IHB", 7, 0x1234, 3)
CSNP = struct.pack("!H", 60) + SYS + b"\x00" + bytes(8) + b"\xff" * 8
PSNP = struct.pack("!H", 30) + SYS + b"\x02"


def esis(kind: int, li: int = 12, version: int = 1) -> bytes:
    return bytes([0x82, li, version, 0, kind]) + struct.pack("!HH", 30, 0) + bytes([4]) + SYS


OSI_PDUS = [
    isis(15, LAN_IIH), isis(16, LAN_IIH), isis(17, PTP_IIH), isis(18, LSP), isis(20, LSP),
    isis(24, CSNP), isis(25, CSNP), isis(26, PSNP), isis(27, PSNP), isis(30, b""),
    isis(15, LAN_IIH, version=2), isis(15, LAN_IIH, id_len=4), isis(15, LAN_IIH, pdu_version=3),
    isis(15, LAN_IIH, areas=255), isis(15, LAN_IIH, fixed_len=200), isis(15, b"", fixed_len=4),
    isis(18, LSP, fixed_len=20), isis(26, PSNP, fixed_len=20), isis(17, PTP_IIH, fixed_len=21),
    isis(15, LAN_IIH)[:20], isis(15, LAN_IIH)[:6],
    esis(2), esis(4), esis(6), esis(9), esis(2, li=5), esis(2, version=2), esis(2, li=99),
    b"\x00" + bytes(5), b"\x99abcdef",
]


def frames() -> dict[int, list[bytes]]:
    """The PDUs behind LLC's OSI SAP, Cisco HDLC's OSI type (with and without
    the padding byte) and Frame Relay's NLPIDs, per link type."""
    dot3 = [lf.dot3(lf.llc(0xFE, 0xFE, 3, p), dst=bytes.fromhex("0180c2000014")) for p in OSI_PDUS]
    chdlc = [b"\x8f\x00\xfe\xfe" + p for p in OSI_PDUS]
    chdlc += [b"\x8f\x00\xfe\xfe\x00" + p for p in OSI_PDUS[:3]] + [b"\x8f\x00\xfe\xfe\x83"]
    fr = [lf._q922(100) + b"\x03" + p for p in OSI_PDUS if p[0] in (0x82, 0x83)]
    return {1: dot3, 104: chdlc, 107: fr}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    d = tmp_path_factory.mktemp("osi")
    paths = {}
    for linktype, fs in frames().items():
        paths[linktype] = d / f"osi{linktype}.pcap"
        rc.write_pcap(str(paths[linktype]), fs, linktype=linktype)
    return paths


@pytest.mark.parametrize("flags", ["", "-q", "-e", "-x"])
@pytest.mark.parametrize("linktype", [1, 104, 107])
def test_osi_lines(files: dict[int, Path], linktype: int, flags: str) -> None:
    assert zcap_text(files[linktype], flags).splitlines() == \
        tcpdump_text(files[linktype], flags).splitlines()


def _first_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line[:1].isdigit()]


@pytest.mark.parametrize("flags", ["-v", "-e -v"])
@pytest.mark.parametrize("linktype", [1, 104, 107])
def test_osi_first_lines_verbose(files: dict[int, Path], linktype: int, flags: str) -> None:
    ours = _first_lines(zcap_text(files[linktype], flags))
    theirs = _first_lines(tcpdump_text(files[linktype], flags))
    assert len(theirs) == len(frames()[linktype])
    assert ours == theirs
