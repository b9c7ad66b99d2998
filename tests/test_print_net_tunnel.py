"""The printer against tcpdump for GRE, VXLAN, Geneve, ESP/AH, VRRP and SCTP:
frames built with dpkt (tests/net_corpus.py), everyday ones and damaged ones,
written to one file per family and compared line by line with tcpdump -n and
the flags below."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import net_corpus as nc
from .print_oracle import assert_same_text
from .read_corpus import write_pcap

FAMILIES = ['tunnel', 'sctp']
FLAGS = ["", "-v", "-q", "-x"]


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
