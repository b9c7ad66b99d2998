"""The live-summary sink: hands each batch to the C counters (csrc/stats.c) in
one call and lets another thread take consistent snapshots of them.

The capture thread only ever runs ``consume``; a display thread calls
``snapshot`` whenever it likes. A lock guards the C struct, held by ``consume``
for one C call and by ``snapshot`` for one memcpy, so neither waits long.
"""

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .._core import ffi, lib

TOP_K = 20                       # entries of each top table a snapshot carries
PROBE_INTERVAL = 0.25            # seconds between reads of the source's own counters


@dataclass(frozen=True)
class TopEntry:
    """One key of a space-saving table.

    ``packets``/``bytes`` were counted since the key entered the table (exact
    when ``error`` is 0); ``estimate`` is the table's ranking count, an
    over-estimate by at most ``error``.
    """

    key: tuple
    packets: int
    bytes: int
    estimate: int
    error: int


@dataclass(frozen=True)
class TopTable:
    """The heaviest entries of one table, by bytes and by packets."""

    by_bytes: list[TopEntry]
    by_packets: list[TopEntry]
    tracked: int                 # keys held (at most the table's capacity)
    approximate: bool            # some key was ever evicted: counts are estimates

    def ranked(self, sort: str) -> list[TopEntry]:
        """Entries in ``sort`` order ('bytes' or 'packets')."""
        return self.by_bytes if sort == "bytes" else self.by_packets


@dataclass(frozen=True)
class Probe:
    """What the source and the file writer say, read in the capture thread."""

    received: int | None = None
    dropped: int | None = None
    ring_used: int | None = None
    ring_total: int | None = None
    written: int | None = None


@dataclass(frozen=True)
class StatsSnapshot:
    """A consistent copy of every counter, decoded for display."""

    taken: float                 # time.monotonic() when copied
    packets: int
    bytes: int
    batches: int
    vlan: int
    non_ip: int
    undecoded: int
    first_ts_ns: int
    last_ts_ns: int
    ethertypes: list[tuple[int | None, int, int]]      # (type or None for "other", pkts, bytes)
    ip_protocols: list[tuple[int, int, int]]           # (protocol, packets, bytes)
    sizes: list[tuple[int, int | None, int]]           # (from, below or None, packets)
    talkers_by_bytes: TopTable     # key: (src, dst)
    talkers_by_packets: TopTable
    conversations: TopTable        # key: (proto, addr a, port a, addr b, port b)
    ports: TopTable                # key: (proto, port)
    probe: Probe = field(default_factory=Probe)


def _addr(af: int, raw: bytes) -> str:
    if af == lib.ZC_AF_INET:
        return socket.inet_ntop(socket.AF_INET, raw[:4])
    if af == lib.ZC_AF_INET6:
        return socket.inet_ntop(socket.AF_INET6, raw[:16])
    return ":".join(f"{b:02x}" for b in raw[:6])


def _talker_key(k: bytes) -> tuple:
    return _addr(k[0], k[4:20]), _addr(k[0], k[20:36])


def _conversation_key(k: bytes) -> tuple:
    return (k[1], _addr(k[0], k[4:20]), int.from_bytes(k[2:4], "big"),
            _addr(k[0], k[20:36]), int.from_bytes(k[36:38], "big"))


def _port_key(k: bytes) -> tuple:
    return k[0], int.from_bytes(k[2:4], "big")


def ring_occupancy(source) -> tuple[int, int] | None:
    """(blocks held by user space, blocks in the ring) of a TPACKET_V3 source,
    None for sources without a block ring."""
    method = getattr(source, "ring_occupancy", None)
    return method() if method is not None else None


class StatsSink:
    """Counts every batch it is given; ``snapshot()`` from any thread.

    ``linktype`` is used for batches of ``struct zc_pkt`` that don't carry
    their own (ring blocks say how to read themselves). ``kernel_stats``,
    ``ring`` and ``written`` are optional callables polled from ``consume``
    (so in the capture thread) every ``PROBE_INTERVAL`` seconds.
    """

    def __init__(self, linktype: int | None = None, *,
                 kernel_stats: Callable[[], tuple[int, int]] | None = None,
                 ring: Callable[[], tuple[int, int] | None] | None = None,
                 written: Callable[[], int] | None = None,
                 top_k: int = TOP_K) -> None:
        self.linktype = linktype
        self.top_k = top_k
        self._st = ffi.new("struct zc_stats *")
        self._copy = ffi.new("struct zc_stats *")
        self._rank = ffi.new("uint32_t[]", max(top_k, 1))
        self._size = ffi.sizeof("struct zc_stats")
        lib.zc_stats_init(self._st)
        self._lock = threading.Lock()           # guards self._st
        self._copy_lock = threading.Lock()      # guards self._copy while decoding
        self._kernel_stats, self._ring, self._written = kernel_stats, ring, written
        self._probe = Probe()
        self._next_probe = 0.0

    @classmethod
    def for_live(cls, capture, writer=None, **kwargs) -> "StatsSink":
        """A sink wired to a LiveCapture's drop counters and ring, and to a
        PcapngSink's byte count when one is given."""
        return cls(capture.linktype, kernel_stats=capture.stats,
                   ring=lambda: ring_occupancy(capture.source),
                   written=(lambda: writer.bytes) if writer is not None else None, **kwargs)

    # -- capture thread ---------------------------------------------------------
    def consume(self, batch, limit: int) -> int:
        """Count the first ``limit`` packets of a batch; returns how many were counted."""
        block = getattr(batch, "block", None)
        with self._lock:
            if block is not None:
                n = lib.zc_stats_block(self._st, block, batch.source.frame_mode, limit)
            else:
                linktype = getattr(batch, "linktype", None) or self.linktype
                if linktype is None:
                    linktype = batch.source.linktype
                n = lib.zc_stats_pkts(self._st, batch.pkts, min(limit, batch.count), linktype)
        if self._kernel_stats or self._ring or self._written:
            now = time.monotonic()
            if now >= self._next_probe:
                self._next_probe = now + PROBE_INTERVAL
                self.probe()
        return n

    def probe(self) -> Probe:
        """Read the source's and writer's counters now (call from the capture thread)."""
        received = dropped = used = total = written = None
        if self._kernel_stats is not None:
            received, dropped = self._kernel_stats()
        if self._ring is not None:
            occupancy = self._ring()
            if occupancy is not None:
                used, total = occupancy
        if self._written is not None:
            written = self._written()
        self._probe = Probe(received, dropped, used, total, written)
        return self._probe

    def close(self, *_args) -> None:
        """Nothing to flush; here so the sink closes like the others."""

    # -- any thread ------------------------------------------------------------
    def reset(self) -> None:
        """Zero every counter (the source's own counters are not touched)."""
        with self._lock:
            lib.zc_stats_init(self._st)

    @property
    def packets(self) -> int:
        """Packets counted so far (a plain read; no snapshot)."""
        return self._st.packets

    def snapshot(self, tables: bool = True) -> StatsSnapshot:
        """Copy the counters under the lock, then decode the copy unlocked.
        ``tables=False`` leaves the top tables empty (cheaper, for a status line)."""
        with self._copy_lock:
            with self._lock:
                ffi.memmove(self._copy, self._st, self._size)
                taken = time.monotonic()
            return self._decode(self._copy, taken, tables)

    def _decode(self, st, taken: float, tables: bool) -> StatsSnapshot:
        etypes = [(st.etype[i].type, st.etype[i].packets, st.etype[i].bytes)
                  for i in range(st.n_etype)]
        if st.etype_other_packets:
            etypes.append((None, st.etype_other_packets, st.etype_other_bytes))
        etypes.sort(key=lambda e: e[1], reverse=True)
        pp, pb = ffi.unpack(st.proto_packets, 256), ffi.unpack(st.proto_bytes, 256)
        protos = sorted(((p, pp[p], pb[p]) for p in range(256) if pp[p]),
                        key=lambda e: e[1], reverse=True)
        sizes, low = [], 0
        for i in range(lib.ZC_SIZE_BUCKETS):
            limit = lib.zc_size_limit(i)
            high = None if limit == 0xFFFFFFFF else limit
            sizes.append((low, high, st.size_packets[i]))
            low = high or low
        return StatsSnapshot(
            taken=taken, packets=st.packets, bytes=st.bytes, batches=st.batches, vlan=st.vlan,
            non_ip=st.non_ip, undecoded=st.undecoded, first_ts_ns=st.first_ts_ns,
            last_ts_ns=st.last_ts_ns, ethertypes=etypes, ip_protocols=protos, sizes=sizes,
            talkers_by_bytes=self._table(st, "talkers_bytes", _talker_key, tables),
            talkers_by_packets=self._table(st, "talkers_packets", _talker_key, tables),
            conversations=self._table(st, "conversations", _conversation_key, tables),
            ports=self._table(st, "ports", _port_key, tables),
            probe=self._probe)

    def _table(self, st, name: str, decode_key, wanted: bool) -> TopTable:
        top = ffi.addressof(st, name)
        ranked: dict[int, list[TopEntry]] = {1: [], 0: []}
        for by_bytes in (1, 0) if wanted else ():
            n = lib.zc_top_rank(top, by_bytes, self._rank, self.top_k)
            entries = []
            for i in ffi.unpack(self._rank, n):
                e = top.e[i]
                entries.append(TopEntry(decode_key(bytes(e.key)), e.packets, e.bytes,
                                        e.weight, e.err))
            ranked[by_bytes] = entries
        return TopTable(ranked[1], ranked[0], top.n, top.evicted > 0)
