"""Ethernet and the layer-2 protocols (LLC/SNAP, STP, CDP, DTP, LLDP, ARP,
MPLS, PPPoE, 802.1Q, EAPOL) printed as tcpdump prints them: the same frames
in one file, zcap's text against tcpdump's, line by line, per flag set."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import link_frames as lf
from . import read_corpus as rc
from .link_frames import utc  # noqa: F401  (the fixture, used below)
from .print_oracle import tcpdump_text, zcap_text

pytestmark = pytest.mark.usefixtures("utc")

FLAG_SETS = ["", "-v", "-q", "-e", "-x", "-e -v", "-vv", "-X"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("link")
    frames = lf.ethernet_l2_frames()
    paths = {"l2": d / "l2.pcap", "cut": d / "cut.pcap"}
    rc.write_pcap(str(paths["l2"]), frames)
    # every frame cut short at a few lengths: the truncation markers and where -x
    # starts; frames carrying IP are left out, their cuts are the network layer's tests
    cut = [f[:n] for f in frames if lf.IP not in f and lf.IP6 not in f
           for n in (15, 17, 20, 24, 30, 40) if n < len(f)]
    rc.write_pcap(str(paths["cut"]), cut, wirelens=None)
    return paths


def _same(path: Path, flags: str) -> None:
    ours = zcap_text(path, flags).splitlines()
    theirs = tcpdump_text(path, flags).splitlines()
    assert ours == theirs


@pytest.mark.parametrize("flags", FLAG_SETS)
def test_l2_protocols(files: dict[str, Path], flags: str) -> None:
    _same(files["l2"], flags)


@pytest.mark.parametrize("flags", ["", "-v", "-e", "-x"])
def test_l2_truncated(files: dict[str, Path], flags: str) -> None:
    _same(files["cut"], flags)
