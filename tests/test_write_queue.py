"""The direct sink's writer thread and spill pool (zcap/sinks/write_queue.py):
writes in order, a failed write gives back what every later job holds, and
on a disk slower than the traffic the spill pool keeps packets the ring
alone would drop. The slow disk is the real disk with a pause put before
each of the thread's writes."""

import errno
import os
import threading
import time

from zcap._core import ffi

from zcap.sinks import write_queue
from zcap.sinks.direct import DirectSink
from zcap.sinks.write_queue import Job, SpillPool, WriteQueue

from . import pcapng_check as chk
from .frames import udp_frame
from .test_direct import check_readers, disk_dir, drain, idb, open_source  # noqa: F401


def test_jobs_are_written_in_order_and_each_done_once(tmp_path):
    path = tmp_path / "out"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    written, done = [], []
    bufs = [ffi.new("uint8_t[]", bytes([i]) * (1000 + i)) for i in range(50)]
    q = WriteQueue(fd, written.append, None)
    try:
        for i, b in enumerate(bufs):
            q.put(Job(b, 1000 + i, "ring", lambda i=i: done.append(i), (i, i), 0))
        assert q.wait_idle() == 0
        assert q.pending() == 0
    finally:
        assert q.close() == 0
        os.close(fd)
    assert done == list(range(50)) and written == [(i, i) for i in range(50)]
    assert path.read_bytes() == b"".join(bytes([i]) * (1000 + i) for i in range(50))


def test_a_failed_write_gives_back_what_every_later_job_holds():
    fd = os.open("/dev/full", os.O_WRONLY)
    done, written = [], []
    gate = threading.Event()
    buf = ffi.new("uint8_t[]", 4096)
    real = write_queue._os_write

    def held_write(fd, data):       # the first write waits, so that the rest queue up
        gate.wait(5)
        return real(fd, data)

    q = WriteQueue(fd, written.append, None)
    try:
        write_queue._os_write = held_write
        for i in range(5):
            q.put(Job(buf, 4096, "ring", lambda i=i: done.append(i), (i, i), 0))
        assert q.pending() == 5
        gate.set()
        assert q.wait_idle() == errno.ENOSPC
        assert done == list(range(5)) and written == [] and q.pending() == 0
        q.put(Job(buf, 4096, "ring", lambda: done.append(5), None, 0))
        assert done[-1] == 5 and q.pending() == 0      # after an error: given back at once
    finally:
        write_queue._os_write = real
        assert q.close() == errno.ENOSPC
        os.close(fd)


def test_the_pool_maps_on_demand_up_to_its_limit_and_reuses():
    pool = SpillPool(3 << 20)
    try:
        a, b, c = (pool.take(1 << 20) for _ in range(3))
        assert None not in (a, b, c) and pool.take(1 << 20) is None
        assert pool.in_use == 3 and pool.peak == 3
        assert pool.take(2 << 20) is None                # bigger than its buffers
        pool.give(b)
        assert pool.take(1 << 20) == b and pool.spilled == 4
        assert int(ffi.cast("uintptr_t", a)) % 4096 == 0      # direct I/O needs page-aligned memory
        assert SpillPool(0).take(1 << 20) is None
    finally:
        pool.close()


def test_a_pool_with_no_memory_to_map_says_full(monkeypatch):
    """Out of memory while a stall goes on: no error, the ring holds the rest."""
    pool = SpillPool(8 << 20)
    try:
        first = pool.take(1 << 20)

        def no_memory(*_args):
            raise OSError(12, "Cannot allocate memory")

        monkeypatch.setattr(write_queue.mmap, "mmap", no_memory)
        assert first is not None and pool.take(1 << 20) is None and pool.take(1 << 20) is None
        pool.give(first)
        assert pool.take(1 << 20) == first               # what was mapped is still used
    finally:
        monkeypatch.undo()
        pool.close()


def capture_over_a_slow_disk(veth, disk_dir, monkeypatch, disk_buffer,  # noqa: F811
                             delay=0.05, burst=400, pause=0.006):
    """12,000 1514-byte frames (18 MB) at up to ~100 MB/s through an 8 MiB
    ring into a direct file on the disk, every write of the writer thread
    50 ms late (20 MB/s at most): returns (frames, path, sink, kernel stats).
    The ring lasts ~80 ms at that rate, so a block left in it for one such
    write could be reached by the kernel: the sink must copy every block,
    the first ones too (the CI disk once dropped 325 frames this way).
    ``delay``, ``burst``, ``pause``: another disk and traffic."""
    real = write_queue._os_write

    def slow(fd, data):
        time.sleep(delay)
        return real(fd, data)

    def paced() -> None:        # in bursts, leaving this process's reader room to run
        for i in range(0, len(frames), burst):
            veth.send(frames[i:i + burst])
            time.sleep(pause)

    monkeypatch.setattr(write_queue, "_os_write", slow)
    frames = [udp_frame(i, 1514) for i in range(12000)]
    path = os.path.join(disk_dir, "slow.pcapng")
    src = open_source(veth, buffer_kib=8192)
    sink = DirectSink(path, idb(src), disk_buffer=disk_buffer)
    assert sink.align, "the disk directory should take direct I/O"
    sender = threading.Thread(target=paced)
    try:
        sender.start()
        got = 0
        deadline = time.monotonic() + 30
        while sender.is_alive() or got < len(frames):
            stats = src.read_stats()
            if got + stats.dropped >= len(frames) or time.monotonic() > deadline:
                break
            got += drain(src, sink, 1, limit=10**9, timeout=0.2)
        sender.join()
        sink.close([])
        stats = src.read_stats()
    finally:
        src.close()
    return frames, path, sink, stats


def test_a_slow_disk_fills_the_spill_pool_not_the_ring(veth, disk_dir, monkeypatch):  # noqa: F811
    frames, path, sink, stats = capture_over_a_slow_disk(veth, disk_dir, monkeypatch, 64 << 20)
    assert stats.dropped == 0
    spilled, peak = sink.spill_stats
    assert spilled > 0 and peak > 1
    assert sink.packets == len(frames)
    check_readers(path, frames)


def test_sparse_blocks_over_a_slow_disk_spill_too(veth, disk_dir, monkeypatch):  # noqa: F811
    """Bursts of 100 frames 15 ms apart: each fills under a quarter of its
    1 MiB block before the 10-ms timer retires it, so every packet goes
    through the staging buffers, and all six that a 12 MiB disk buffer
    allows soon wait for a disk writing 3 MB/s. The ring (8 blocks, ~120 ms)
    would fill while the reader waited for one (300 frames dropped before
    the fix); the staged bytes are copied into the pool instead."""
    frames, path, sink, stats = capture_over_a_slow_disk(
        veth, disk_dir, monkeypatch, 12 << 20, delay=0.3, burst=100, pause=0.015)
    assert stats.dropped == 0
    assert sink.ring_writes == 0            # no dense block: all of it was staged
    spilled, peak = sink.spill_stats
    assert spilled > 0 and peak > 1
    assert sink.packets == len(frames)
    check_readers(path, frames)


def test_without_a_spill_pool_the_same_slow_disk_drops(veth, disk_dir, monkeypatch):  # noqa: F811
    """The other side of the test above: the ring alone drops (counted), and
    what was written is still a whole file, in order."""
    frames, path, sink, stats = capture_over_a_slow_disk(veth, disk_dir, monkeypatch, 0)
    assert sink.spill_stats == (0, 0)
    assert stats.dropped > 0
    assert sink.packets + stats.dropped == len(frames)
    back = chk.dpkt_frames(path)
    assert len(back) == sink.packets and chk.tshark_count(path) == sink.packets
    pos = 0
    for f in back:                      # a subsequence of what was sent, none twice
        pos = frames.index(f, pos) + 1
