"""802.11 frames, bare (IEEE802_11) and behind radiotap (IEEE802_11_RADIO),
PPI, Prism and AVS headers, against tcpdump line by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import link_frames as lf
from . import read_corpus as rc
from .link_frames import utc  # noqa: F401  (the fixture, used below)
from .print_oracle import tcpdump_text, zcap_text

pytestmark = pytest.mark.usefixtures("utc")

FLAG_SETS = ["", "-v", "-q", "-e", "-x", "-e -v"]
FCS = b"\0\0\0\0"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("wlan")
    frames = lf.wlan_frames()
    headers = lf.RADIOTAP_HEADERS
    # the first header says an FCS ends the frame; each other one in front of a sample
    radio = [headers[0] + f + FCS for f in frames]
    radio += [h + f for h in headers[1:] for f in frames[:6] + frames[31:36]]
    radio += [headers[0][:6], headers[2][:12], headers[3][:14]]
    paths = {"bare": d / "wlan.pcap", "radio": d / "radiotap.pcap"}
    rc.write_pcap(str(paths["bare"]), frames, linktype=105)
    rc.write_pcap(str(paths["radio"]), radio, linktype=127)
    for linktype, wrapped in lf.wrapped_wlan_frames().items():
        paths[str(linktype)] = d / f"wlan{linktype}.pcap"
        rc.write_pcap(str(paths[str(linktype)]), wrapped, linktype=linktype)
    return paths


@pytest.mark.parametrize("flags", FLAG_SETS)
@pytest.mark.parametrize("name", ["bare", "radio", "192", "119", "163"])
def test_wlan(files: dict[str, Path], name: str, flags: str) -> None:
    ours = zcap_text(files[name], flags).splitlines()
    theirs = tcpdump_text(files[name], flags).splitlines()
    assert ours == theirs
