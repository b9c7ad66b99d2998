"""The link-layer printers on damaged frames: the test frames with a few bytes
changed at random (a fixed seed), against tcpdump. Every packet must print
(as many packets as tcpdump, no decoder error), and the first lines must agree
for at least 99% of packets; the rest are corners tcpdump prints in ways zcap
does not copy (see the README's Printing section)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from . import link_frames as lf
from . import read_corpus as rc
from .link_frames import utc  # noqa: F401  (the fixture, used below)
from .print_oracle import tcpdump_text, zcap_text

pytestmark = pytest.mark.usefixtures("utc")

PACKETS_PER_LINKTYPE = 400
SEED = 20261130
PACKET_START = re.compile(r"^ *\d+  ")


def _l2_only(frames: list[bytes]) -> list[bytes]:
    """Frames without an IP packet inside: damaged IP is the network layer's test."""
    return [f for f in frames if lf.IP not in f and lf.IP6 not in f]


def _mutated() -> dict[int, list[bytes]]:
    rng = random.Random(SEED)
    wlan = _l2_only(lf.wlan_frames())
    corpus = {1: _l2_only(lf.ethernet_l2_frames()), 105: wlan,
              127: [h + f for h in lf.RADIOTAP_HEADERS for f in wlan[:12]]}
    for linktype in (113, 276, 51):
        corpus[linktype] = _l2_only(lf.link_type_frames()[linktype])
    out = {}
    for linktype, frames in corpus.items():
        out[linktype] = []
        for _ in range(PACKETS_PER_LINKTYPE):
            frame = bytearray(rng.choice(frames))
            for _ in range(rng.randint(1, 3)):
                frame[rng.randrange(len(frame))] = rng.randrange(256)
            out[linktype].append(bytes(frame))
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    d = tmp_path_factory.mktemp("mutated")
    paths = []
    for linktype, frames in _mutated().items():
        path = d / f"mut{linktype}.pcap"
        rc.write_pcap(str(path), frames, linktype=linktype)
        paths.append(path)
    return paths


def _first_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if PACKET_START.match(line)]


@pytest.mark.parametrize("flags", ["", "-v", "-e"])
def test_damaged_frames(files: list[Path], flags: str) -> None:
    same = total = 0
    for path in files:
        ours = _first_lines(zcap_text(path, "-# " + flags))
        theirs = _first_lines(tcpdump_text(path, "-# " + flags))
        assert len(ours) == len(theirs) == PACKETS_PER_LINKTYPE
        assert not any("[|malformed" in line for line in ours)
        same += sum(a == b for a, b in zip(ours, theirs, strict=True))
        total += len(theirs)
    assert same / total >= 0.99, f"{total - same} of {total} first lines differ"
