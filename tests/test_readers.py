"""pcap and pcapng readers: formats, byte orders, resolutions, several sections
and interfaces, damage handling, stdin, and agreement with libpcap."""

from __future__ import annotations

import gc
import mmap
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zcap.errors import CorruptFileError, ZcapError
from zcap.readers import open_offline

from . import read_corpus as rc

FRAMES = rc.ethernet_frames()


def read_all(path: str | Path, max_pkts: int = 1024) -> list[tuple[int, int, bytes, int, int]]:
    with open_offline(str(path)) as r:
        return [(p.ts_ns, p.ifid, bytes(p.data), p.wirelen, p.flags)
                for b in r.batches(max_pkts) for p in b.packets()]


@pytest.mark.parametrize("nano", [False, True])
@pytest.mark.parametrize("big", [False, True])
def test_pcap_both_orders_and_resolutions(tmp_path: Path, nano: bool, big: bool) -> None:
    f = tmp_path / "a.pcap"
    stamps = rc.write_pcap(str(f), FRAMES, nano=nano, big_endian=big)
    got = read_all(f)
    assert [g[0] for g in got] == stamps
    assert [g[2] for g in got] == FRAMES
    with open_offline(str(f)) as r:
        r.read_header()
        assert r.format == "pcap"
        assert len(r.interfaces) == 1
        itf = r.interfaces[0]
        assert (itf.linktype, itf.snaplen, itf.tsresol) == (1, 262144, 9 if nano else 6)


def test_pcap_wirelen_and_linktype(tmp_path: Path) -> None:
    f = tmp_path / "a.pcap"
    frames = rc.raw_frames()
    rc.write_pcap(str(f), frames, linktype=rc.LINKTYPE_RAW, wirelens=[1500, 9000])
    with open_offline(str(f)) as r:
        pkts = list(r.packets())
    assert [p.wirelen for p in pkts] == [1500, 9000]
    assert [p.caplen for p in pkts] == [len(x) for x in frames]
    assert {p.linktype for p in pkts} == {rc.LINKTYPE_RAW}


def test_file_is_mapped_not_copied(tmp_path: Path) -> None:
    f = tmp_path / "a.pcap"
    rc.write_pcap(str(f), FRAMES)
    with open_offline(str(f)) as r:
        pkt = next(r.packets())
        assert isinstance(pkt.data, memoryview)
        assert isinstance(pkt.data.obj, mmap.mmap)
        assert bytes(pkt.data) == FRAMES[0]


def test_batches_respect_max_and_keep_order(tmp_path: Path) -> None:
    f = tmp_path / "a.pcap"
    rc.write_pcap(str(f), FRAMES)
    with open_offline(str(f)) as r:
        counts = [b.count for b in r.batches(max_pkts=7)]
    assert sum(counts) == len(FRAMES)
    assert max(counts) == 7
    assert read_all(f, 7) == read_all(f, 1000)


def _multi_section(tmp_path: Path) -> tuple[Path, list[tuple[int, int, bytes, int]]]:
    ts = rc.TS0
    s1 = rc.PngSection(
        interfaces=[rc.PngIf(name="eth0", description="first"),
                    rc.PngIf(tsresol=9, name="eth1"),
                    rc.PngIf(tsresol=0x80 | 20, tsoffset=1000, name="pow2")],
        packets=[rc.PngPkt(0, ts, FRAMES[0], flags=1),
                 rc.PngPkt(1, ts + 123_456_789, FRAMES[1], flags=2),
                 rc.PngPkt(2, ts + 2 * 10**9 + 777, FRAMES[2]),
                 rc.PngPkt(0, ts + 3, FRAMES[3], kind="opb", flags=0x1000001),
                 rc.PngPkt(1, ts + 4 * 10**9 + 1, FRAMES[4], wirelen=4000)])
    s2 = rc.PngSection(
        big_endian=True,
        interfaces=[rc.PngIf(linktype=rc.LINKTYPE_RAW, snaplen=30, name="raw0"),
                    rc.PngIf(tsresol=3)],
        packets=[rc.PngPkt(0, 0, rc.raw_frames()[0], kind="spb"),
                 rc.PngPkt(1, ts + 5 * 10**9 + 999_999, rc.raw_frames()[1], flags=1),
                 rc.PngPkt(0, ts + 6 * 10**9, rc.raw_frames()[0])])
    s3 = rc.PngSection(interfaces=[rc.PngIf(name="third")],
                       packets=[rc.PngPkt(0, ts + 7 * 10**9, FRAMES[5])], extra_blocks=False)
    f = tmp_path / "multi.pcapng"
    expect = rc.write_pcapng(str(f), [s1, s2, s3])
    return f, expect


def test_pcapng_sections_interfaces_resolutions(tmp_path: Path) -> None:
    f, expect = _multi_section(tmp_path)
    got = read_all(f)
    assert len(got) == len(expect)
    for (ts, ifid, data, _wl, flags), (eifid, ets, edata, eflags) in zip(got, expect,
                                                                          strict=True):
        assert ifid == eifid
        assert data == edata[:30] if eifid == 3 and ets == 0 else data == edata
        assert flags == eflags
        if ets:
            assert ts == ets
    assert got[4][3] == 4000          # wire length kept apart from caplen
    assert len(got[5][2]) == 30       # SPB cut to the interface's snaplen
    with open_offline(str(f)) as r:
        list(r.packets())
        names = [i.name for i in r.interfaces]
        assert names == ["eth0", "eth1", "pow2", "raw0", None, "third"]
        assert r.interfaces[0].description == "first"
        assert [i.section for i in r.interfaces] == [0, 0, 0, 1, 1, 2]
        assert r.interfaces[2].tsoffset == 1000
        assert r.interfaces[2].tsresol_ns == pytest.approx(1e9 / 2**20)
        assert r.interface_linktype(3) == rc.LINKTYPE_RAW
        assert r.format == "pcapng"


def test_batches_never_mix_link_types(tmp_path: Path) -> None:
    f, expect = _multi_section(tmp_path)
    with open_offline(str(f)) as r:
        for b in r.batches():
            lts = {p.linktype for p in b.packets()}
            assert lts == {b.linktype}


def _tcpdump_nano_stamps(path: Path) -> list[str]:
    out = subprocess.run(["tcpdump", "-r", str(path), "-n", "-tt",
                          "--time-stamp-precision=nano"], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return [line.split()[0] for line in out.splitlines() if not line[:1].isspace()]


def test_timestamps_agree_with_libpcap(tmp_path: Path) -> None:
    # one section, one link type: what libpcap can read too
    ts = rc.TS0 + 987_654_321
    sec = rc.PngSection(
        interfaces=[rc.PngIf(), rc.PngIf(tsresol=9), rc.PngIf(tsresol=0x80 | 30),
                    rc.PngIf(tsresol=3, tsoffset=-5)],
        packets=[rc.PngPkt(i % 4, ts + i * 1_234_567_891, FRAMES[i]) for i in range(12)])
    f = tmp_path / "ts.pcapng"
    rc.write_pcapng(str(f), [sec])
    ours = [f"{t // 10**9}.{t % 10**9:09d}" for t, *_ in read_all(f)]
    assert ours == _tcpdump_nano_stamps(f)


@pytest.mark.parametrize("fmt", ["pcapng", "nsecpcap", "pcap"])
def test_editcap_conversions_read_back(tmp_path: Path, fmt: str) -> None:
    src = tmp_path / "src.pcap"
    rc.write_pcap(str(src), FRAMES, nano=True)
    dst = tmp_path / f"conv.{fmt}"
    subprocess.run(["editcap", "-F", fmt, str(src), str(dst)], check=True,
                   capture_output=True, timeout=60)
    got = read_all(dst)
    assert [g[2] for g in got] == FRAMES
    stamps = _tcpdump_nano_stamps(dst)
    assert [f"{t // 10**9}.{t % 10**9:09d}" for t, *_ in got] == stamps


PACKET_BLOCKS = {2, 3, 6}          # pcapng: obsolete, simple and enhanced packet blocks


def _records(data: bytes, kind: str) -> list[tuple[int, int, bool]]:
    """(start, end, holds a packet) of every record after which a reader may stop
    cleanly: the pcap file header and each packet record, or every pcapng block."""
    if kind == "pcap":
        out, off = [(0, 24, False)], 24
        while off < len(data):
            caplen = int.from_bytes(data[off + 8:off + 12], "little")
            out.append((off, off + 16 + caplen, True))
            off += 16 + caplen
        return out
    out, off, order = [], 0, "little"
    while off < len(data):
        btype = int.from_bytes(data[off:off + 4], "little")
        if btype == 0x0A0D0D0A:           # a new section says its own byte order
            order = "little" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else "big"
        else:
            btype = int.from_bytes(data[off:off + 4], order)
        total = int.from_bytes(data[off + 4:off + 8], order)
        out.append((off, off + total, btype in PACKET_BLOCKS))
        off += total
    return out


def _prefix_check(data: bytes, path: Path, full: list, records: list) -> None:
    """Read ``data`` (a prefix of a whole file): cut at a record boundary it is a
    clean end after exactly the packets before it; cut inside a record it is those
    packets, then an error naming the offset where the cut record starts."""
    path.write_bytes(data)
    got = []
    error = None
    try:
        with open_offline(str(path)) as r:
            for b in r.batches(3):
                got.extend((p.ts_ns, bytes(p.data)) for p in b.packets())
    except CorruptFileError as e:
        error = e
    n = len(data)
    whole = [rec for rec in records if rec[1] <= n]
    packets = sum(1 for rec in whole if rec[2])
    assert got == full[:packets], n
    if n in {end for _s, end, _p in records}:
        assert error is None, f"cut at the record boundary {n}: {error}"
    else:
        cut = next(start for start, end, _p in records if start <= n < end)
        assert error is not None, f"cut inside the record at {cut} (length {n}): no error"
        assert error.offset == cut, (n, str(error))
        assert str(error).endswith(f" at byte offset {cut}")


@pytest.mark.parametrize("kind", ["pcap", "pcapng"])
def test_every_truncation_yields_a_prefix_then_an_error(tmp_path: Path, kind: str) -> None:
    f = tmp_path / f"t.{kind}"
    if kind == "pcap":
        rc.write_pcap(str(f), FRAMES[:6])
    else:
        _multi_section(tmp_path)[0].rename(f)
    data = f.read_bytes()
    with open_offline(str(f)) as r:
        full = [(p.ts_ns, bytes(p.data)) for p in r.packets()]
    records = _records(data, kind)
    assert records[-1][1] == len(data)
    assert sum(1 for rec in records if rec[2]) == len(full)
    for n in range(1, len(data) + 1):
        _prefix_check(data[:n], tmp_path / "cut", full, records)


def test_truncated_record_reports_its_offset(tmp_path: Path) -> None:
    f = tmp_path / "t.pcap"
    rc.write_pcap(str(f), FRAMES[:3])
    data = f.read_bytes()
    third = 24 + 2 * 16 + len(FRAMES[0]) + len(FRAMES[1])
    f.write_bytes(data[:-5])
    got = []
    with pytest.raises(CorruptFileError) as ei, open_offline(str(f)) as r:
        for p in r.packets():
            got.append(bytes(p.data))
    assert got == FRAMES[:2]
    assert ei.value.offset == third
    assert str(ei.value) == f"{f}: truncated packet data at byte offset {third}"


def test_damaged_pcapng_block_length(tmp_path: Path) -> None:
    f, _ = _multi_section(tmp_path)
    data = bytearray(f.read_bytes())
    # the 3rd block is the second IDB; make its trailing length disagree
    off = 0
    for _ in range(2):
        off += int.from_bytes(data[off + 4:off + 8], "little")
    blen = int.from_bytes(data[off + 4:off + 8], "little")
    data[off + blen - 4] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(CorruptFileError, match="mismatched trailing length") as ei:
        read_all(f)
    assert ei.value.offset == off


def test_bad_inputs_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(ZcapError, match="No such file"):
        open_offline(str(tmp_path / "missing.pcap"))
    with pytest.raises(ZcapError, match="directory"):
        open_offline(str(tmp_path))
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(CorruptFileError, match="truncated"):
        open_offline(str(tmp_path / "empty"))
    (tmp_path / "text").write_bytes(b"hello world, not a capture\n")
    with pytest.raises(CorruptFileError, match="unknown magic") as ei:
        open_offline(str(tmp_path / "text"))
    assert ei.value.offset == 0


READ_STDIN = (
    "import sys\n"
    "from zcap.errors import CorruptFileError\n"
    "from zcap.readers import open_offline\n"
    "n = 0\n"
    "try:\n"
    "    with open_offline('-') as r:\n"
    "        for b in r.batches(5):\n"
    "            n += sum(len(bytes(p.data)) for p in b.packets())\n"
    "except CorruptFileError as e:\n"
    "    print(n, 'ERR', e.offset); sys.exit(0)\n"
    "print(n, 'OK')\n"
)


@pytest.mark.parametrize("kind", ["pcap", "pcapng"])
def test_stdin_stream(tmp_path: Path, kind: str) -> None:
    f = tmp_path / f"s.{kind}"
    if kind == "pcap":
        rc.write_pcap(str(f), FRAMES * 40)
    else:
        _multi_section(tmp_path)[0].rename(f)
    with open_offline(str(f)) as r:
        total = sum(p.caplen for p in r.packets())
    data = f.read_bytes()
    # a pipe that delivers the file in small pieces, so records straddle reads
    feeder = f"import sys,time\nd=open({str(f)!r},'rb').read()\n" \
             "for i in range(0,len(d),333):\n sys.stdout.buffer.write(d[i:i+333]);" \
             " sys.stdout.buffer.flush()\n"
    p1 = subprocess.Popen([sys.executable, "-c", feeder], stdout=subprocess.PIPE)
    out = subprocess.run([sys.executable, "-c", READ_STDIN], stdin=p1.stdout,
                         capture_output=True, text=True, check=True, timeout=60).stdout
    p1.wait(60)
    assert out.split() == [str(total), "OK"]
    # truncated on stdin: the same error as for a file
    cut = tmp_path / "cut"
    cut.write_bytes(data[:-7])
    with open(cut, "rb") as fh:
        out = subprocess.run([sys.executable, "-c", READ_STDIN], stdin=fh,
                             capture_output=True, text=True, check=True, timeout=60).stdout
    words = out.split()
    assert words[1] == "ERR" and int(words[2]) < len(data)


def test_close_is_safe_with_packets_alive(tmp_path: Path) -> None:
    f = tmp_path / "a.pcap"
    rc.write_pcap(str(f), FRAMES)
    r = open_offline(str(f))
    kept = list(r.packets())
    r.close()
    r.close()
    # the views keep the mapping alive: still the right bytes
    assert bytes(kept[-1].data) == FRAMES[-1]
    with pytest.raises(ZcapError):
        list(r.batches())


def test_fd_not_leaked(tmp_path: Path) -> None:
    f = tmp_path / "a.pcap"
    rc.write_pcap(str(f), FRAMES)
    gc.collect()  # earlier tests' garbage must not close fds during the count
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(50):
        with open_offline(str(f)) as r:
            list(r.packets())
    assert len(os.listdir("/proc/self/fd")) == before
