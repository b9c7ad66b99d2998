"""Link types other than Ethernet (Linux cooked v1/v2, BSD loopback, PPP, raw
IP, Cisco HDLC, PPP in HDLC framing, SLIP, PPPoE, Frame Relay, IEEE 802.15.4,
one tcpdump can't print) against tcpdump, line by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import link_frames as lf
from . import read_corpus as rc
from .link_frames import utc  # noqa: F401  (the fixture, used below)
from .print_oracle import tcpdump_text, zcap_text

pytestmark = pytest.mark.usefixtures("utc")

FLAG_SETS = ["", "-v", "-q", "-e", "-x", "-e -v", "-xx"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    d = tmp_path_factory.mktemp("linktypes")
    paths = {}
    for linktype, frames in lf.link_type_frames().items():
        paths[linktype] = d / f"lt{linktype}.pcap"
        rc.write_pcap(str(paths[linktype]), frames, linktype=linktype)
    return paths


@pytest.mark.parametrize("flags", FLAG_SETS)
@pytest.mark.parametrize("linktype", list(lf.link_type_frames()))
def test_link_type(files: dict[int, Path], linktype: int, flags: str) -> None:
    ours = zcap_text(files[linktype], flags).splitlines()
    theirs = tcpdump_text(files[linktype], flags).splitlines()
    assert ours == theirs


def test_invalid_record_headers(tmp_path: Path) -> None:
    """Records whose lengths make no sense: tcpdump names the problem, dumps nothing."""
    path = tmp_path / "bad.pcap"
    frame = rc.eth(lf.ARP_REQUEST, 0x806)
    rc.write_pcap(str(path), [frame, frame, frame, b"", b""], wirelens=[10, 0, 42, 5, 0])
    for flags in ("", "-x", "-e"):
        assert zcap_text(path, flags).splitlines() == tcpdump_text(path, flags).splitlines()


def test_seconds_past_2038(tmp_path: Path) -> None:
    """A time stamp whose seconds have bit 31 set: tcpdump's "[Error converting
    time]" in the clock styles, numbers in the relative ones."""
    path = tmp_path / "late.pcap"
    frame = rc.eth(lf.ARP_REQUEST, 0x806)
    rc.write_pcap(str(path), [frame, frame], ts0=(2**31 + 5) * 10**9)
    for flags in ("", "-tt", "-tttt", "-ttt", "-ttttt"):
        assert zcap_text(path, flags).splitlines() == tcpdump_text(path, flags).splitlines()
