"""File rotation (-C, -G, -W, -z): real veth traffic through a live capture into
RotatingPcapngSink; every packet sent is in exactly one file, every file is a
whole pcapng that tshark reads."""

import os
import stat
import struct
import threading
import time

import pytest

from zcap.capture import StopFlag, open_live, run
from zcap.errors import UsageError
from zcap.readers import open_offline
from zcap.sinks.rotate import (
    RotatingPcapngSink,
    count_width,
    file_name,
    parse_file_size,
)

from . import pcapng_check as chk
from .frames import seq_of, udp_frame
from .netns import in_netns


# -- naming and flag values, as tcpdump ----------------------------------------
def test_names_and_sizes_as_tcpdump():
    assert parse_file_size("3") == 3_000_000
    assert parse_file_size("10k") == 10 * 1024
    assert parse_file_size("2M") == 2 * 1024 * 1024
    for bad in ("0", "-1", "1.5", "x", "", "3t"):
        with pytest.raises(UsageError):
            parse_file_size(bad)
    assert [count_width(n) for n in (None, 1, 2, 10, 11, 100, 101)] == [0, 0, 1, 1, 2, 2, 3]
    assert file_name("out.pcapng", 0, 0) == "out.pcapng"
    assert file_name("out.pcapng", 1, 0) == "out.pcapng1"
    assert file_name("out.pcapng", 0, 2) == "out.pcapng00"
    assert file_name("out.pcapng", 7, 2) == "out.pcapng07"
    when = time.mktime((2024, 5, 6, 7, 8, 9, 0, 0, -1))
    assert file_name("c-%Y%m%d-%H%M%S.pcapng", 0, 0, when) == "c-20240506-070809.pcapng"
    assert file_name("c-%H.pcapng", 3, 1, when) == "c-07.pcapng3"


def test_refuses_what_makes_no_sense(tmp_path):
    idb = []
    with pytest.raises(UsageError):
        RotatingPcapngSink("-", idb, file_size=1000)
    with pytest.raises(UsageError):
        RotatingPcapngSink(str(tmp_path / "x"), idb, file_count=3)      # -W alone
    with pytest.raises(UsageError):
        RotatingPcapngSink(str(tmp_path / "x"), idb, rotate_seconds=0)
    assert not os.listdir(tmp_path)


# -- live traffic --------------------------------------------------------------
def capture_into(veth, make_sink, frames, *, gap_s=0.0, count=None, duration=20.0):
    """Open a capture in B, start the sink, send ``frames`` from A (paced by
    ``gap_s`` per 10 frames) while run() writes; returns (sink, summary)."""
    cap = in_netns(veth.ns_b, lambda: open_live(veth.if_b, buffer_kib=8192))
    stop = StopFlag()
    with cap:
        sink = make_sink(cap, stop)
        sink.set_snaplen(cap.snaplen)

        def send():
            for i in range(0, len(frames), 10):
                veth.send(frames[i:i + 10])
                if gap_s:
                    time.sleep(gap_s)

        sender = threading.Thread(target=send)
        sender.start()
        try:
            summary = run(cap, [sink], count=count if count is not None else len(frames),
                          duration=duration, stop=stop)
        finally:
            sender.join()
        sink.close(summary.per_interface)
    return sink, summary


def seqs_of(path):
    return [seq_of(p[1]) for p in chk.parse(path).packets]


def check_file(path, interface):
    """A whole section: one SHB (parse() checks the framing), our IDB, an ISB
    whose delivered count is this file's packets; tshark reads it cleanly."""
    cap = chk.parse(path)
    assert [i["options"][2] for i in cap.interfaces] == [interface.encode()]
    assert len(cap.isb) == 1 and cap.isb[0]["usrdeliv"] == len(cap.packets)
    assert chk.tshark_count(path) == len(cap.packets)
    return cap


def test_rotation_by_size_loses_and_repeats_nothing(veth, tmp_path):
    script = tmp_path / "post.sh"
    log = tmp_path / "post.log"
    script.write_text(f"#!/bin/sh\necho \"$1\" >> {log}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    frames = [udp_frame(i, [60, 1500, 300, 1000][i % 4]) for i in range(2400)]
    size = 250_000
    path = str(tmp_path / "out.pcapng")
    sink, summary = capture_into(
        veth, lambda cap, stop: RotatingPcapngSink(path, [cap.describe()], file_size=size,
                                                   postrotate=str(script), stats=cap.stats),
        frames, gap_s=0.002)
    assert summary.dropped == 0
    files = sink.files
    # ~1.7 MB in 250 kB files: tcpdump's names, in order.
    assert len(files) >= 6
    assert files == [path] + [f"{path}{n}" for n in range(1, len(files))]
    assert sorted(os.listdir(tmp_path)) == sorted(
        [os.path.basename(f) for f in files] + ["post.sh", "post.log"])
    seen = []
    for name in files:
        cap = check_file(name, veth.if_b)
        seen += [seq_of(p[1]) for p in cap.packets]
        if name != files[-1]:
            # The file went past the size with its last packet, not before.
            last = cap.packets[-1][1]
            epb = 32 + len(last) + (-len(last) % 4) + 12
            assert os.path.getsize(name) - cap_isb_bytes(name) - epb <= size < \
                os.path.getsize(name)
    assert seen == list(range(len(frames)))          # all, once, in order
    assert sink.packets == len(frames)
    # The ISBs count what the kernel received so far; the last one all of it.
    assert chk.parse(files[-1]).isb[0]["filteraccept"] == summary.received == len(frames)
    sink.wait_postrotate(10)
    assert log.read_text().split("\n")[:-1] == files  # -z once per finished file


def cap_isb_bytes(path):
    """Size of the trailing ISB of a file we wrote (host byte order)."""
    with open(path, "rb") as f:
        f.seek(-4, os.SEEK_END)
        return struct.unpack("=I", f.read(4))[0]


def test_ring_of_files_keeps_the_newest(veth, tmp_path):
    frames = [udp_frame(i, 1000) for i in range(1500)]
    path = str(tmp_path / "ring.pcapng")
    sink, summary = capture_into(
        veth, lambda cap, stop: RotatingPcapngSink(path, [cap.describe()], file_size=100_000,
                                                   file_count=3),
        frames)
    assert summary.dropped == 0
    # ~1.5 MB in 100 kB files: the ring went round several times.
    assert len(sink.files) > 6
    assert sink.files[:4] == [path + "0", path + "1", path + "2", path + "0"]
    assert sorted(os.listdir(tmp_path)) == ["ring.pcapng0", "ring.pcapng1", "ring.pcapng2"]
    kept = []
    last_three = sink.files[-3:]
    for name in last_three:
        kept += seqs_of(name)
        check_file(name, veth.if_b)
    # What is left is the newest packets, contiguous up to the last one sent.
    assert kept == list(range(len(frames) - len(kept), len(frames)))
    assert sink.packets == len(frames)


def test_rotation_by_time(veth, tmp_path):
    # ~3.3 s of traffic in 1 s intervals: strftime names, a split by packet time.
    frames = [udp_frame(i, 200) for i in range(1100)]
    pattern = str(tmp_path / "t-%H%M%S.pcapng")
    sink, summary = capture_into(
        veth, lambda cap, stop: RotatingPcapngSink(pattern, [cap.describe()],
                                                   rotate_seconds=1.0, stats=cap.stats),
        frames, gap_s=0.03)
    assert summary.dropped == 0
    files = sink.files
    assert len(files) >= 3              # the sending alone takes over 3.3 s
    assert len(set(files)) == len(files)
    seen, previous_last = [], 0
    for name in files:
        cap = check_file(name, veth.if_b)
        stamps = [p[0] for p in cap.packets]
        seen += [seq_of(p[1]) for p in cap.packets]
        # The name is the local time the file was started: never after its first packet.
        started = time.mktime(time.strptime(
            time.strftime("%Y%m%d", time.localtime(stamps[0] / 1e9))
            + os.path.basename(name)[2:8], "%Y%m%d%H%M%S"))
        assert started <= stamps[0] / 1e9
        assert stamps[-1] - stamps[0] < 1e9 + 1e8        # one interval per file
        assert stamps[0] >= previous_last
        previous_last = stamps[-1]
    assert seen == list(range(len(frames)))
    # As many files as 1 s intervals the traffic touched: on a loaded machine
    # the sending stretches past 3.3 s, and the count with it.
    first = check_file(files[0], veth.if_b).packets[0][0]
    span_s = (previous_last - first) / 1e9
    assert len(files) <= int(span_s) + 2, (len(files), span_s)


def test_time_with_file_count_stops_the_capture(veth, tmp_path):
    frames = [udp_frame(i, 100) for i in range(600)]
    pattern = str(tmp_path / "w-%H%M%S.pcapng")
    called = []
    t0 = time.monotonic()
    sink, summary = capture_into(
        veth, lambda cap, stop: RotatingPcapngSink(pattern, [cap.describe()],
                                                   rotate_seconds=1.0, file_count=2,
                                                   on_done=lambda: called.append(1)),
        frames, gap_s=0.05)
    # Sending takes ~3 s; the capture was over after two 1 s files.
    assert sink.done and called == [1]
    assert len(sink.files) == 2 and sorted(os.listdir(tmp_path)) == sorted(
        os.path.basename(f) for f in sink.files)
    seen = seqs_of(sink.files[0]) + seqs_of(sink.files[1])
    assert seen == list(range(len(seen))) and 0 < len(seen) < len(frames)
    assert sink.packets == len(seen)
    assert time.monotonic() - t0 < 10


def test_offline_batches_split_exactly(tmp_path):
    """No kernel needed: a file's batches (reader Batch) through the rotating
    sink with a tiny size; the union of the parts is the file, byte for byte."""
    from zcap.pcapng import LINKTYPE_ETHERNET, InterfaceDescription

    src = str(tmp_path / "src.pcapng")
    idb = InterfaceDescription(linktype=LINKTYPE_ETHERNET, snaplen=65535, name="x")
    frames = [udp_frame(i, 60 + (i * 37) % 1400) for i in range(3000)]
    _write_plain(src, idb, frames)
    out = str(tmp_path / "parts" / "p.pcapng")
    os.mkdir(tmp_path / "parts")
    sink = RotatingPcapngSink(out, [idb], file_size=20_000, file_count=1000)
    with open_offline(src) as reader:
        for batch in reader.batches(max_pkts=256):
            assert sink.consume(batch, batch.count) == batch.count
    sink.close()
    assert len(sink.files) > 100
    got = []
    for name in sink.files:
        got += [p[1] for p in chk.parse(name).packets]
    assert got == frames


def _write_plain(path, idb, frames):
    """A plain pcapng of ``frames``, blocks encoded with zcap.pcapng."""
    from zcap import pcapng as fmt

    body = b""
    for i, f in enumerate(frames):
        pad = b"\0" * (-len(f) % 4)
        rec = struct.pack("=IIIII", 0, 0, i + 1, len(f), len(f)) + f + pad
        body += fmt.block(fmt.EPB, rec)
    shb = fmt.section_header("hw", "os", "test")
    with open(path, "wb") as fh:
        fh.write(shb + idb.encode() + body)
