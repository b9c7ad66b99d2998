"""Thousands of damaged capture files: every one ends in a clean read or a
CorruptFileError, quickly, with bounded output, and the printer survives
whatever packets came out."""

from __future__ import annotations

import io
import random
import resource
import struct
import time
from pathlib import Path

import pytest

from zcap.errors import CorruptFileError
from zcap.printer import Printer, PrintOptions
from zcap.readers import open_offline

from . import read_corpus as rc

CASES = 5000


def _seeds(tmp: Path) -> list[bytes]:
    frames = rc.ethernet_frames()
    out = []
    for kw in ({}, {"nano": True, "big_endian": True}):
        p = tmp / "s.pcap"
        rc.write_pcap(str(p), frames[:8], **kw)
        out.append(p.read_bytes())
    sec = rc.PngSection(interfaces=[rc.PngIf(name="a"), rc.PngIf(tsresol=0x85),
                                    rc.PngIf(linktype=rc.LINKTYPE_LINUX_SLL2)],
                        packets=[rc.PngPkt(i % 2, rc.TS0 + i, frames[i], flags=i)
                                 for i in range(5)]
                        + [rc.PngPkt(0, 0, frames[6], kind="spb"),
                           rc.PngPkt(1, rc.TS0, frames[7], kind="opb"),
                           rc.PngPkt(2, rc.TS0, rc.sll2_frames()[0])])
    sec2 = rc.PngSection(big_endian=True, interfaces=[rc.PngIf(linktype=rc.LINKTYPE_RAW)],
                         packets=[rc.PngPkt(0, rc.TS0, rc.raw_frames()[0])])
    p = tmp / "s.pcapng"
    rc.write_pcapng(str(p), [sec, sec2])
    out.append(p.read_bytes())
    return out


def _mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.random()
        if op < 0.35:        # flip a byte
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op < 0.65:      # plant a hostile 32-bit length anywhere aligned
            pos = rng.randrange(0, max(len(b) - 4, 1)) & ~3
            val = rng.choice([0, 1, 3, 7, 11, 12, 13, 16, 28, 0xFFFFFFFF, 0x7FFFFFFC,
                              0x80000000, len(b), len(b) + 4, rng.randrange(1 << 32)])
            b[pos:pos + 4] = struct.pack(rng.choice("<>") + "I", val)
        elif op < 0.8:       # duplicate a slice (repeated blocks, sections)
            i, j = sorted(rng.randrange(len(b)) for _ in range(2))
            b[j:j] = b[i:j]
        else:                # cut
            del b[rng.randrange(len(b)):]
        if not b:
            break
    return bytes(b)


def test_fuzzed_files(tmp_path: Path) -> None:
    rng = random.Random(0x2C4A)
    seeds = _seeds(tmp_path)
    path = tmp_path / "fuzz"
    printer = Printer(io.StringIO(), PrintOptions(verbose=2, link_header=True, hex_ascii=1))
    outcomes = {"clean": 0, "corrupt": 0}
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    slowest = 0.0
    for case in range(CASES):
        data = _mutate(rng, seeds[case % len(seeds)])
        path.write_bytes(data)
        t0 = time.perf_counter()
        n = 0
        try:
            with open_offline(str(path)) as r:
                for batch in r.batches(4):
                    n += batch.count
                    if case % 5 == 0:
                        printer.out = io.StringIO()
                        printer.print_batch(batch)
            outcomes["clean"] += 1
        except CorruptFileError as e:
            assert e.offset is not None and 0 <= e.offset <= len(data), (case, e)
            outcomes["corrupt"] += 1
        # a record is at least 16 bytes: more packets than that means a loop
        assert n <= len(data) // 12, case
        slowest = max(slowest, time.perf_counter() - t0)
    assert slowest < 1.0
    # both endings happen, so the mutations are neither all harmless nor all fatal
    assert outcomes["clean"] > CASES // 20 and outcomes["corrupt"] > CASES // 20, outcomes
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0
    assert grown_kib < 200_000


@pytest.mark.parametrize("size", [0, 1, 3, 4, 8, 23, 24, 27, 28])
def test_tiny_files(tmp_path: Path, size: int) -> None:
    path = tmp_path / "tiny"
    for seed in _seeds(tmp_path):
        path.write_bytes(seed[:size])
        if size == 24 and seed[:4] != b"\n\r\r\n":
            # a pcap file header and nothing else is an empty capture
            with open_offline(str(path)) as r:
                assert list(r.packets()) == []
            continue
        with pytest.raises(CorruptFileError):
            with open_offline(str(path)) as r:
                list(r.packets())
