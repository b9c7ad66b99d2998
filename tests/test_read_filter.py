"""Filtering a file gives the same packets as tcpdump filtering it: the filter
issue's expression list over its generated frame corpus, written as pcap, read
by zcap (C interpreter, a batch per call) and by `tcpdump -r FILE -w - EXPR`."""

import io
import shutil
import subprocess

import dpkt
import pytest

import bpf_filters
from zcap.offline import read
from zcap.readers import open_offline

from .filters.filter_exprs import COMMON, ETHER, REFUSED_ON_ETHERNET
from .filters.filter_frames import ethernet_frames

pytestmark = pytest.mark.skipif(not shutil.which("tcpdump"), reason="needs tcpdump")


BASE = 1_700_000_000


class Collect:
    """A sink that keeps the corpus index (its time stamp) of what it is given."""

    def __init__(self) -> None:
        self.indexes: list[int] = []

    def consume(self, batch, limit: int, ifid: int = 0) -> int:
        for n, pkt in enumerate(batch.packets()):
            if n == limit:
                break
            self.indexes.append(round((pkt.ts_ns - BASE * 10**9) / 10**6))
        return limit


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("rf") / "corpus.pcap"
    with open(path, "wb") as f:
        w = dpkt.pcap.Writer(f, snaplen=262144)
        for i, frame in enumerate(ethernet_frames()):
            w.writepkt(frame, ts=BASE + i / 1000)
    return str(path)


# What tcpdump refuses from the list, with the words of its error. zcap refuses
# the same ones with the same words, those libpcap's optimiser proves empty too.
TCPDUMP_REFUSES = REFUSED_ON_ETHERNET


def tcpdump_indexes(path: str, expr: str, *flags: str) -> set[int]:
    proc = subprocess.run(["tcpdump", *flags, "-r", path, "-w", "-", "--", expr],
                          capture_output=True, timeout=60)
    if proc.returncode != 0:
        raise Refused(proc.stderr.decode(errors="replace"))
    return {round((ts - BASE) * 1000) for ts, _b in dpkt.pcap.Reader(io.BytesIO(proc.stdout))}


class Refused(Exception):
    """tcpdump refused the expression; the message is its stderr."""


def zcap_indexes(path: str, expr: str) -> list[int]:
    sink = Collect()
    with open_offline(path) as reader:
        result = read(reader, [sink], filter_expr=expr)
    assert result.error is None
    return sink.indexes


def test_same_packets_as_tcpdump_for_every_expression(corpus):
    """Where libpcap's optimiser changes libpcap's own verdict (it reorders loads,
    so a truncated frame can fall either way: `tcpdump -O` differs from
    `tcpdump`), either answer is accepted; everywhere else zcap must agree."""
    refused = set()
    for expr in COMMON + ETHER:
        try:
            want = tcpdump_indexes(corpus, expr)
        except Refused as exc:
            assert expr in TCPDUMP_REFUSES and TCPDUMP_REFUSES[expr] in str(exc), (expr, exc)
            refused.add(expr)
            with pytest.raises(bpf_filters.FilterError, match=TCPDUMP_REFUSES[expr]):
                zcap_indexes(corpus, expr)
            continue
        unoptimised = tcpdump_indexes(corpus, expr, "-O")
        either = want ^ unoptimised
        indexes = zcap_indexes(corpus, expr)
        got = set(indexes)
        assert indexes == sorted(got), expr          # order kept, nothing twice
        assert got - either == want - either, expr
    assert refused == set(TCPDUMP_REFUSES)
