"""The printer against tcpdump for IPv4, IPv6, TCP and UDP: frames built with dpkt
(tests/net_corpus.py), everyday ones and damaged ones, written to one file per
family and compared line by line with tcpdump -n and the flags below."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import net_corpus as nc
from .print_oracle import assert_same_text
from .read_corpus import write_pcap

FAMILIES = ['ip', 'tcp', 'udp', 'routing']
FLAGS = ["", "-q", "-x"]
FLAGS_V = ["-v", "-vv"]


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("net")
    files = {}
    for fam in FAMILIES:
        files[fam] = d / f"{fam}.pcap"
        write_pcap(str(files[fam]), getattr(nc, f"{fam}_frames")())
    return files


@pytest.mark.parametrize("flags", FLAGS)
@pytest.mark.parametrize("family", FAMILIES)
def test_same_text_as_tcpdump(captures: dict[str, Path], family: str, flags: str) -> None:
    assert_same_text(captures[family], flags)


@pytest.mark.parametrize("flags", FLAGS_V)
@pytest.mark.parametrize("family", [f for f in FAMILIES if f != "routing"])
def test_same_verbose_text_as_tcpdump(captures: dict[str, Path], family: str,
                                      flags: str) -> None:
    assert_same_text(captures[family], flags)


@pytest.mark.xfail(strict=True, reason="PIM and OSPF -v detail lines are not decoded")
def test_routing_detail_lines(captures: dict[str, Path]) -> None:
    assert_same_text(captures["routing"], "-v")


@pytest.mark.xfail(strict=True, reason="the IP/IP6 prefix is printed by the link layer")
def test_no_prefix_where_tcpdump_prints_none(tmp_path: Path) -> None:
    path = tmp_path / "prefix.pcap"
    write_pcap(str(path), nc.link_prefix_frames())
    assert_same_text(path, "")
