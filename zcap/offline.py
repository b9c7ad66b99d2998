"""Reading capture files (-r): batches from the reader, filtered by the C BPF
interpreter (one program per link type), fed to the same sinks as a live capture."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ._core import ffi
from .capture import StopFlag, feed
from .errors import CorruptFileError
from .pcapng import InterfaceDescription
from .readers import Reader

# Packets per batch: enough that Python's share per batch (a few calls, one
# array) is noise next to the C loops, small enough to stay in cache.
BATCH_PACKETS = 8192


@dataclass
class OfflineResult:
    """What a read produced."""

    processed: int = 0
    error: CorruptFileError | None = None


class FileFilter:
    """A filter expression compiled for each link type met in the file."""

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self._programs: dict[int, tuple[object, int]] = {}

    def program(self, linktype: int) -> tuple[object, int]:
        """(struct sock_filter[], length) for this link type, compiled once."""
        if linktype not in self._programs:
            import bpf_filters

            # run in user space: no kernel limit on length, as with tcpdump -r
            prog = bpf_filters.compile(self.expression, linktype=linktype, kernel=False,
                                       savefile=True, max_insns=bpf_filters.USER_MAXINSNS)
            insns = ffi.new("struct sock_filter[]", [tuple(i) for i in prog.instructions])
            self._programs[linktype] = (insns, len(prog.instructions))
        return self._programs[linktype]


def describe(reader: Reader, first: int, filter_expr: str | None) -> list[InterfaceDescription]:
    """IDBs for the reader's interfaces from ``first`` on, as the input described them."""
    out = []
    for itf in reader.interfaces[first:]:
        out.append(InterfaceDescription(
            linktype=itf.linktype, snaplen=itf.snaplen, name=itf.name,
            description=itf.description, filter=filter_expr or itf.filter, os_name=itf.os))
    return out


def read(reader: Reader, sinks: Sequence, *, filter_expr: str | None = None,
         count: int | None = None, stop: StopFlag | None = None,
         before_first: Callable[[], object] | None = None) -> OfflineResult:
    """Feed every (matching) packet of the file to the sinks, in order.
    ``before_first`` is called once, before the first batch reaches a sink."""
    result = OfflineResult()
    flt = FileFilter(filter_expr) if filter_expr else None
    stop = stop or StopFlag()
    with stop:
        try:
            for batch in reader.batches(BATCH_PACKETS):
                for sink in sinks:
                    known = getattr(sink, "interfaces", None)
                    if known is not None and len(known) < len(reader.interfaces):
                        sink.add_interfaces(describe(reader, len(known), filter_expr))
                if before_first is not None:
                    before_first()
                    before_first = None
                if flt is not None:
                    batch.filter(*flt.program(batch.linktype))
                result.processed += feed(batch, sinks, result.processed, count)
                if (count is not None and result.processed >= count) or stop.is_set():
                    break
        except CorruptFileError as err:
            result.error = err
    return result
