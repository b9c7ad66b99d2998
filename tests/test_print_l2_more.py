"""Layer-2 protocols whose -v detail zcap decodes only in part (ATA over
Ethernet, Cisco's UDLD), against tcpdump: whole text without -v, the first
line of each packet with -v (the lines tcpdump adds after it are not claimed)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from . import link_frames as lf
from . import read_corpus as rc
from .link_frames import utc  # noqa: F401  (the fixture, used below)
from .print_oracle import tcpdump_text, zcap_text

pytestmark = pytest.mark.usefixtures("utc")


def aoe(ver_flags: int, error: int = 0, command: int = 0xF0, body: bytes = b"") -> bytes:
    return rc.eth(struct.pack("!BBHBBI", ver_flags, error, 0x1234, 5, command, 0xAB) + body,
                  0x88A2)


def udld(ver_code: int, flags: int, tlvs: bytes = b"") -> bytes:
    return lf.dot3(lf.snap(0x00000C, 0x0111, struct.pack("!BBH", ver_code, flags, 0) + tlvs),
                   dst=lf.CDP_DST)


FRAMES = [
    aoe(0x10), aoe(0x18), aoe(0x1C, error=2), aoe(0x1C, error=9), aoe(0x1F), aoe(0x20),
    aoe(0x10)[:14 + 5], rc.eth(b"", 0x88A2), aoe(0x10)[:14 + 12],
    udld(0x21, 0x03, struct.pack("!HH", 1, 8) + b"swit"), udld(0x22, 0x00), udld(0x23, 0xFC),
    udld(0x3F, 0x01), udld(0x21, 0x03)[:14 + 8 + 1],
]


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("l2more") / "l2more.pcap"
    rc.write_pcap(str(path), FRAMES)
    return path


@pytest.mark.parametrize("flags", ["", "-q", "-e", "-x"])
def test_whole_lines(capture: Path, flags: str) -> None:
    assert zcap_text(capture, flags).splitlines() == tcpdump_text(capture, flags).splitlines()


@pytest.mark.parametrize("flags", ["-v", "-e -v"])
def test_first_lines_verbose(capture: Path, flags: str) -> None:
    def firsts(text: str) -> list[str]:
        return [line for line in text.splitlines() if line[:1].isdigit()]
    theirs = firsts(tcpdump_text(capture, flags))
    assert len(theirs) == len(FRAMES)
    assert firsts(zcap_text(capture, flags)) == theirs


def test_aoe_verbose_lines(tmp_path: Path) -> None:
    """AoE messages without command arguments: the -v header line in full."""
    path = tmp_path / "aoe.pcap"
    rc.write_pcap(str(path), FRAMES[:9])
    assert zcap_text(path, "-v").splitlines() == tcpdump_text(path, "-v").splitlines()
