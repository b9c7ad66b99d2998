"""Reading capture files (-r) as a source: batches from the reader, filtered by
the C BPF interpreter (one program per link type met in the file), fed by the
same pump to the same sinks as a live capture."""

import sys
from collections.abc import Callable, Iterator, Sequence

from ._core import ffi
from .errors import CorruptFileError
from .packet import Packet
from .pcapng import InterfaceDescription
from .pipeline import StopFlag, pump
from .protocols import Batch, Sink, Source
from .readers import Reader
from .readers import open_offline as open_reader

# Packets per batch: enough that Python's share per batch (a few calls, one
# array) is noise next to the C loops, small enough to stay in cache.
BATCH_PACKETS = 8192


class OfflineResult:
    """What a read produced."""

    def __init__(self, processed: int = 0, error: CorruptFileError | None = None) -> None:
        self.processed = processed
        self.error = error


class FileFilter:
    """A filter expression compiled for each link type met in the file."""

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self._programs: dict[int, tuple[object, int]] = {}

    def program(self, linktype: int, big_endian: bool = sys.byteorder == "big"
                ) -> tuple[object, int]:
        """(struct sock_filter[], length) for this link type and the byte order
        the file was written in, compiled once."""
        swapped = big_endian != (sys.byteorder == "big")
        if (linktype, swapped) not in self._programs:
            import bpf_filters

            # run in user space: no kernel limit on length, as with tcpdump -r
            prog = bpf_filters.compile(self.expression, linktype=linktype, kernel=False,
                                       savefile=True, swapped=swapped,
                                       max_insns=bpf_filters.USER_MAXINSNS)
            insns = ffi.new("struct sock_filter[]", [tuple(i) for i in prog.instructions])
            self._programs[linktype, swapped] = (insns, len(prog.instructions))
        return self._programs[linktype, swapped]


def describe(reader: Reader, first: int, filter_expr: str | None) -> list[InterfaceDescription]:
    """IDBs for the reader's interfaces from ``first`` on, as the input described them."""
    out = []
    for itf in reader.interfaces[first:]:
        out.append(InterfaceDescription(
            linktype=itf.linktype, snaplen=itf.snaplen, name=itf.name,
            description=itf.description, filter=filter_expr or itf.filter, os_name=itf.os))
    return out


class FileSource(Source):
    """A pcap or pcapng file as a source: batches of up to ``BATCH_PACKETS``
    packets viewed in the mapped file (or a stream buffer), filtered in C.
    ``release`` does nothing: the memory is the reader's while it is open."""

    def __init__(self, reader: Reader, filter_expr: str | None = None,
                 batch_packets: int = BATCH_PACKETS) -> None:
        self.reader = reader
        self.filter_expr = filter_expr
        self._filter = FileFilter(filter_expr) if filter_expr else None
        self._batches = reader.batches(batch_packets)
        self.exhausted = False
        self.matched = 0
        self._idbs: list[InterfaceDescription] = []

    @classmethod
    def open(cls, path: str, filter_expr: str | None = None) -> "FileSource":
        """Open ``path`` ('-' is standard input) and read its header."""
        reader = open_reader(path)
        try:
            reader.read_header()
        except BaseException:
            reader.close()
            raise
        return cls(reader, filter_expr)

    @property
    def linktype(self) -> int:
        """The first interface's link type (a pcapng file may hold several)."""
        return self.reader.interfaces[0].linktype if self.reader.interfaces else 0

    @property
    def snaplen(self) -> int:
        """The first interface's snapshot length."""
        return self.reader.interfaces[0].snaplen if self.reader.interfaces else 0

    def interfaces(self) -> list[InterfaceDescription]:
        """The file's interfaces met so far, as IDBs to write."""
        if len(self._idbs) < len(self.reader.interfaces):     # asked for once per batch
            self._idbs = self._idbs + describe(self.reader, len(self._idbs), self.filter_expr)
        return self._idbs

    def next_batch(self, timeout_ms: int = 0) -> Batch | None:
        """The next batch of the file (filtered), None at the end."""
        if self.exhausted:
            return None
        batch = next(self._batches, None)
        if batch is None:
            self.exhausted = True
            return None
        if self._filter is not None:
            itf = self.reader.interfaces[batch.pkts[0].ifid]
            batch.filter(*self._filter.program(batch.linktype, itf.big_endian))
        self.matched += batch.count
        return batch

    def release(self, batch: Batch) -> None:
        """Nothing to give back: the batch views the reader's own buffer."""

    def stats(self) -> tuple[int, int]:
        """(packets that matched the filter so far, 0): a file drops nothing."""
        return self.matched, 0

    def close(self) -> None:
        """Close the file."""
        self.reader.close()

    def batches(self) -> Iterator[Batch]:
        """Every (matching) batch of the file, in order."""
        while (batch := self.next_batch()) is not None:
            yield batch

    def packets(self) -> Iterator[Packet]:
        """Every (matching) packet; ``data`` views the file while it is open."""
        for batch in self.batches():
            yield from batch.packets()

    def __enter__(self) -> "FileSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_offline(path: str, filter: str | None = None) -> FileSource:  # noqa: A002
    """Open a pcap or pcapng file ('-' is standard input) as a source:
    ``with zcap.open_offline("x.pcapng", filter="tcp") as src:`` then iterate
    ``src.packets()`` or give it to ``zcap.pump`` with sinks."""
    return FileSource.open(path, filter)


def read(reader: Reader, sinks: Sequence[Sink], *, filter_expr: str | None = None,
         count: int | None = None, stop: StopFlag | None = None,
         before_first: Callable[[], object] | None = None) -> OfflineResult:
    """Feed every (matching) packet of the file to the sinks, in order (the pump
    over a ``FileSource``). ``before_first`` is called once, before the first
    batch reaches a sink."""
    source = FileSource(reader, filter_expr)
    for sink in sinks:          # IDBs the reader met before the sinks were made
        known = getattr(sink, "interfaces", None)
        if known is not None and len(known) < len(reader.interfaces):
            sink.add_interfaces(describe(reader, len(known), filter_expr))
    summary = pump(source, sinks, count=count, stop=stop, before_first=before_first)
    return OfflineResult(summary.captured, summary.error)
