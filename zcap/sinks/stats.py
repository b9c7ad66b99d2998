"""The live-summary sink: hands each batch to the C counters (csrc/stats.c) in
one call and lets another thread take consistent snapshots of them.

The capture thread only ever runs ``consume`` (or a tapped file writer, see
``PcapngSink.tap``); a display thread calls ``snapshot`` whenever it likes. A
lock guards the C struct, held by the capture thread for one C call per batch
and by ``snapshot`` for one C call that copies ~30 kB, so neither waits long.
"""

import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from .._core import ffi, lib
from ..protocols import Batch, Sink

TOP_K = 20                       # entries of each top table a snapshot carries
KEY_CACHE = 8192                 # decoded keys kept between snapshots
PROBE_INTERVAL = 0.25            # seconds between reads of the source's own counters


class TopEntry(NamedTuple):
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


class TopTable:
    """The heaviest entries of one table, by bytes and by packets.

    Entries are decoded from the snapshot's C copy when first asked for: a
    screen shows one ranking of each table, so the others are never built.
    """

    def __init__(self, owner, view, decode_key) -> None:
        # A cdata for a struct field does not keep the struct it lies in
        # alive: hold the snapshot's own allocation as long as we read it.
        self._owner = owner
        self._view = view
        self._decode_key = decode_key
        self._ranked: dict[int, list[TopEntry]] = {}
        self.tracked: int = view.n                 # keys held (at most the table's capacity)
        self.approximate: bool = view.evicted > 0  # a key was evicted: counts are estimates

    def _entries(self, by_bytes: int) -> list[TopEntry]:
        entries = self._ranked.get(by_bytes)
        if entries is None:
            # One struct.unpack per entry: reading cdata fields one by one cost
            # a third of a frame (0.3 ms at 160x50).
            raw = ffi.buffer(self._view.top[by_bytes], self._view.count[by_bytes] * _ENTRY.size)
            decode = self._decode_key
            entries = [TopEntry(decode(key), packets, nbytes, weight, err)
                       for key, weight, err, packets, nbytes in _ENTRY.iter_unpack(raw)]
            self._ranked[by_bytes] = entries
        return entries

    @property
    def by_bytes(self) -> list[TopEntry]:
        """Heaviest first by bytes."""
        return self._entries(1)

    @property
    def by_packets(self) -> list[TopEntry]:
        """Heaviest first by packets."""
        return self._entries(0)

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


class StatsSink(Sink):
    """Counts every batch it is given; ``snapshot()`` from any thread.

    ``linktype`` is what a writer's tap counts as (see ``PcapngSink.tap``);
    batches count themselves (``Batch.count_stats``). ``kernel_stats``,
    ``ring`` and ``written`` are optional callables polled from ``consume``
    (so in the capture thread) every ``PROBE_INTERVAL`` seconds.

    A file sink can count for us as it writes (``PcapngSink.tap``): its C
    writer then feeds our counters in its own pass over each batch, with the
    packet bytes still in cache, and ``consume`` only polls the probes.
    """

    def __init__(self, linktype: int | None = None, *,
                 kernel_stats: Callable[[], tuple[int, int]] | None = None,
                 ring: Callable[[], tuple[int, int] | None] | None = None,
                 written: Callable[[], int] | None = None,
                 top_k: int = TOP_K) -> None:
        self.linktype = linktype
        self.top_k = min(top_k, lib.ZC_VIEW_TOP)
        self._st = ffi.new("struct zc_stats *")
        lib.zc_stats_init(self._st)
        self.lock = threading.Lock()            # guards the C counters
        self.tapped = False                     # a writer counts for us
        self._kernel_stats, self._ring, self._written = kernel_stats, ring, written
        self._probe = Probe()
        self._next_probe = 0.0
        # decoded keys, one cache per key layout (display thread only)
        self._keys: dict[Callable, dict[bytes, tuple]] = {
            decode: {} for decode in (_talker_key, _conversation_key, _port_key)}

    @classmethod
    def for_live(cls, capture, writer=None, **kwargs) -> "StatsSink":
        """A sink wired to a LiveCapture's drop counters and ring and, when a
        file sink is given, to its byte count and its writer's tap (the writer
        counts for us as it writes: give it every batch the sink would get)."""
        sink = cls(capture.linktype, kernel_stats=capture.stats,
                   ring=lambda: ring_occupancy(capture.source),
                   written=(lambda: writer.bytes) if writer is not None else None, **kwargs)
        if writer is not None:
            writer.tap(sink)
        return sink

    @property
    def counters(self):
        """The C counters (``struct zc_stats *``), for a writer's tap; hold
        ``lock`` while anything writes them."""
        return self._st

    # -- capture thread ---------------------------------------------------------
    def consume(self, batch: Batch, limit: int) -> int:
        """Count the first ``limit`` packets of a batch; returns how many were counted."""
        if self.tapped:
            n = limit                 # counted by the writer, as it wrote them
        else:
            with self.lock:
                n = batch.count_stats(self._st, limit)
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
        with self.lock:
            lib.zc_stats_init(self._st)

    @property
    def packets(self) -> int:
        """Packets counted so far (a plain read; no snapshot)."""
        return self._st.c.packets

    def snapshot(self, tables: bool = True) -> StatsSnapshot:
        """Copy the counters and the top of each table under the lock (one C
        call), then decode the copy unlocked. ``tables=False`` leaves the top
        tables empty (cheaper, for a status line)."""
        view = ffi.new("struct zc_stats_view *")
        with self.lock:
            lib.zc_stats_view(self._st, view, self.top_k, tables)
            taken = time.monotonic()
        return self._decode(view, taken)

    def _decode(self, view, taken: float) -> StatsSnapshot:
        c = view.c
        etypes = [(c.etype[i].type, c.etype[i].packets, c.etype[i].bytes)
                  for i in range(c.n_etype)]
        if c.etype_other_packets:
            etypes.append((None, c.etype_other_packets, c.etype_other_bytes))
        etypes.sort(key=lambda e: e[1], reverse=True)
        pp, pb = ffi.unpack(c.proto_packets, 256), ffi.unpack(c.proto_bytes, 256)
        protos = sorted(((p, n, pb[p]) for p, n in enumerate(pp) if n),
                        key=lambda e: e[1], reverse=True)
        sizes, low = [], 0
        for i, n in enumerate(ffi.unpack(c.size_packets, lib.ZC_SIZE_BUCKETS)):
            high = _SIZE_LIMITS[i]
            sizes.append((low, high, n))
            low = high or low
        for cache in self._keys.values():
            if len(cache) > KEY_CACHE:
                cache.clear()
        return StatsSnapshot(
            taken=taken, packets=c.packets, bytes=c.bytes, batches=c.batches, vlan=c.vlan,
            non_ip=c.non_ip, undecoded=c.undecoded, first_ts_ns=c.first_ts_ns,
            last_ts_ns=c.last_ts_ns, ethertypes=etypes, ip_protocols=protos, sizes=sizes,
            talkers_by_bytes=TopTable(view, view.talkers_bytes, self._cached(_talker_key)),
            talkers_by_packets=TopTable(view, view.talkers_packets, self._cached(_talker_key)),
            conversations=TopTable(view, view.conversations, self._cached(_conversation_key)),
            ports=TopTable(view, view.ports, self._cached(_port_key)),
            probe=self._probe)

    def _cached(self, decode: Callable[[bytes], tuple]) -> Callable[[bytes], tuple]:
        """``decode`` with a cache in front: the same few keys top the tables
        frame after frame."""
        cache = self._keys[decode]

        def lookup(raw: bytes) -> tuple:
            value = cache.get(raw)
            if value is None:
                value = cache[raw] = decode(raw)
            return value
        return lookup


def _entry_layout() -> struct.Struct:
    """struct zc_top_entry as struct.unpack sees it: key, weight, err, packets, bytes."""
    names = ("key", "weight", "err", "packets", "bytes")
    offsets = [ffi.offsetof("struct zc_top_entry", n) for n in names]
    assert offsets == [0, *range(lib.ZC_KEY_BYTES, lib.ZC_KEY_BYTES + 32, 8)], offsets
    rest = ffi.sizeof("struct zc_top_entry") - lib.ZC_KEY_BYTES - 32
    return struct.Struct(f"={lib.ZC_KEY_BYTES}s4Q{rest}x")


_ENTRY = _entry_layout()
_SIZE_LIMITS = [None if (limit := lib.zc_size_limit(i)) == 0xFFFFFFFF else limit
                for i in range(lib.ZC_SIZE_BUCKETS)]
