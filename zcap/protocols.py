"""The three interfaces every part of the pipeline is written against.

    Source.next_batch() ──► Batch ──► every Sink.consume(batch, limit) ──► Source.release(batch)

A ``Batch`` is a view of packets that live in someone else's memory (a ring
block, AF_XDP frames, a mapped file): valid until its source releases it. A
``Source`` hands out batches; a ``Sink`` takes each whole batch in one call.
``zcap.pipeline.pump`` moves batches from one source to its sinks and owns the
stop conditions. A new source or sink is one class that satisfies these
protocols, registered in ``zcap.registry``.

The step after this one (writing ring blocks to disk by DMA, issue 12)
rewrites a block in place and so destroys its per-packet ring headers. That
is why a batch is an object and not a bare block pointer: it can carry a
table of per-packet metadata extracted once in C (``struct zc_pkt`` rows:
timestamp, lengths, flags, VLAN tag, offset), which every sink then reads
instead of the ring headers, and a sink that rewrites the batch runs last
(``Sink.rewrites``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .packet import Packet
    from .pcapng import InterfaceDescription
    from .sinks.pcapng import InterfaceStats


class Written(Protocol):
    """What ``Batch.write_pcapng`` reports: the EPBs it completed."""

    written: int


@runtime_checkable
class Batch(Protocol):
    """Packets borrowed from a source until ``Source.release``."""

    @property
    def count(self) -> int:
        """Packets in the batch."""

    @property
    def linktype(self) -> int:
        """LINKTYPE_* of the packets (a batch holds one link type)."""

    def packets(self) -> Iterator[Packet]:
        """One ``Packet`` per entry, data borrowed like the batch's."""

    def write_pcapng(self, writer: Any, ifid: int, limit: int,
                     skip: int = 0) -> tuple[int, Written]:
        """Packets [skip, limit) to a C writer as EPBs (it may stop early at its
        ``stop_offset``/``stop_ts_ns``); returns (rc < 0 is -errno, what was written)."""

    def count_stats(self, counters: Any, limit: int) -> int:
        """Count the first ``limit`` packets into C live counters (``struct
        zc_stats *``; the caller holds their lock); returns how many."""


@runtime_checkable
class Source(Protocol):
    """Where batches come from: a live socket, a file, a fanout worker's socket."""

    linktype: int
    snaplen: int
    exhausted: bool = False   # True once no batch will ever come again (end of a file)

    def next_batch(self, timeout_ms: int) -> Batch | None:
        """The next batch, or None when none came within ``timeout_ms``."""

    def release(self, batch: Batch) -> None:
        """Give a batch's memory back (a file source does nothing)."""


    def interfaces(self) -> list[InterfaceDescription]:
        """The interfaces known so far, as pcapng IDBs; a file may add more as
        it is read (the pump passes new ones to the sinks)."""

    def stats(self) -> tuple[int, int]:
        """(received by the filter, dropped by the kernel) so far."""

    def close(self) -> None:
        """Release the socket, ring or file."""


@runtime_checkable
class Sink(Protocol):
    """Where batches go: a pcapng file, rotating files, the printer, the counters."""

    done: bool = False        # the sink wants no more (-G with -W made its last file)
    rewrites: bool = False    # the sink changes the batch's memory: it runs last

    def consume(self, batch: Batch, limit: int) -> int:
        """Take the first ``limit`` packets of ``batch``; returns how many it took."""

    # A sink class may subclass Sink to inherit these do-nothing defaults.
    def tick(self) -> None:
        """Called when no batch came in a poll interval (time-based sinks move on)."""
        return None

    def add_interfaces(self, interfaces: list[InterfaceDescription]) -> None:
        """Interfaces the source met after the sink was made."""
        return None

    def close(self, stats: list[InterfaceStats] | None = None) -> None:
        """Finish (with the capture's final counters, when known)."""
        return None
