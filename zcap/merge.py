"""Merging pcapng files into one, ordered by timestamp (``--fanout N --merge``).

Each input must be in time order on its own (a capture worker's file is). The
merge is k-way: the input with the oldest next packet writes the run of its
packets up to the next input's head, in one C call (the writer's
``stop_ts_ns``), straight from the mapped input files; Python only decides
which input goes next. Inputs are expected to have one interface each, the
same one (the workers of one fanout group), written as interface 0.
"""

from collections.abc import Iterator, Sequence

from .pcapng import InterfaceDescription
from .readers import Batch, open_offline
from .sinks.pcapng import InterfaceStats, PcapngSink

BATCH = 4096


class _Input:
    """One input file and the position of its next packet."""

    def __init__(self, path: str) -> None:
        self.reader = open_offline(path)
        self._batches: Iterator[Batch] = self.reader.batches(max_pkts=BATCH)
        self.batch: Batch | None = None
        self.pos = 0
        self.advance()

    def advance(self) -> None:
        """Move to the next non-empty batch (``batch`` None at the end)."""
        self.batch = next(self._batches, None)
        while self.batch is not None and self.batch.count == 0:
            self.batch = next(self._batches, None)
        self.pos = 0

    @property
    def head_ns(self) -> int:
        """Timestamp of the next packet."""
        return self.batch.pkts[self.pos].ts_ns


def merge_by_time(inputs: Sequence[str], output: str, interface: InterfaceDescription,
                  stats: InterfaceStats | None = None) -> int:
    """Write every packet of ``inputs`` to ``output`` ('-': standard output) in
    timestamp order (equal stamps: the earlier input first), with ``interface``
    as its IDB and ``stats`` as its ISB; returns the packets written."""
    sink = PcapngSink(output, [interface])
    sink.set_snaplen(interface.snaplen)
    opened: list[_Input] = []
    try:
        for path in inputs:
            opened.append(_Input(path))
        writer = sink.writer
        live = [i for i in opened if i.batch is not None]
        while live:
            first = min(live, key=lambda i: i.head_ns)    # min() keeps the earliest on ties
            others = [i.head_ns for i in live if i is not first]
            # Everything up to (and including) the other inputs' oldest head.
            writer.stop_ts_ns = min(others) + 1 if others else 0
            rc, info = first.batch.write_pcapng(writer, 0, first.batch.count, first.pos)
            sink.check(rc)
            first.pos += info.written
            if first.pos >= first.batch.count:
                first.advance()
                if first.batch is None:
                    live.remove(first)
        writer.stop_ts_ns = 0
        if stats is not None:
            stats.delivered = sink.packets
        sink.close([stats] if stats is not None else None)
    except BaseException:
        sink.close()
        raise
    finally:
        for i in opened:
            i.reader.close()
    return sink.packets
