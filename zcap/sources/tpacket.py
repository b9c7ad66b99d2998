"""TPACKET_V3 source: an AF_PACKET socket with a PACKET_MMAP ring, read a block
at a time. Python touches blocks; C (csrc/writer.c) touches the packets."""

import errno
import mmap
import os
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from bpf_filters.linktypes import DEFAULT_SNAPLEN

from .._core import ffi, lib
from ..defaults import DEFAULT_BUFFER_KIB, MAX_BUFFER_KIB
from ..errors import InterfaceError, PermissionDenied, UsageError, ZcapError
from ..iface import Interface, lookup
from ..packet import Packet
from ..pcapng import LINKTYPE_LINUX_SLL2
from ..report import warn

SOL_PACKET = 263                     # <linux/socket.h>
SO_ATTACH_FILTER = 26                # <asm-generic/socket.h>
BPF_RET_K = 0x06                     # BPF_RET | BPF_K, <linux/bpf_common.h>
ACCEPT_NOTHING = [(BPF_RET_K, 0, 0, 0)]

MAX_BLOCK = 1 << 20                  # 1 MiB: 256 pages, well inside the page allocator's order
MIN_BLOCK = 1 << 17                  # 128 KiB: room for a 64 KiB GSO frame and its headers
FRAME_SIZE = 2048                    # only a bookkeeping unit for TPACKET_V3
HELD_RECHECK_S = 0.005               # see _wait_ready
RETIRE_MS = 50                       # a quiet link still hands over a block within 50 ms


@dataclass(frozen=True)
class RingGeometry:
    """How the ring is cut into blocks."""

    block_size: int
    block_nr: int

    @property
    def size(self) -> int:
        """Bytes in the whole ring."""
        return self.block_size * self.block_nr


def ring_geometry(buffer_kib: int) -> RingGeometry:
    """Blocks of at most 1 MiB, at least 8 of them when the buffer allows, never fewer than 2."""
    if not 1 <= buffer_kib <= MAX_BUFFER_KIB:
        raise UsageError(f"invalid buffer size {buffer_kib} KiB: must be 1 to {MAX_BUFFER_KIB}")
    total = buffer_kib * 1024
    block = MAX_BLOCK
    while block > MIN_BLOCK and total // block < 8:
        block //= 2
    return RingGeometry(block, max(2, total // block))


@dataclass
class KernelStats:
    """PACKET_STATISTICS accumulated (each read resets the kernel's counters)."""

    received: int = 0                # passed the filter (tp_packets, drops included)
    dropped: int = 0                 # no room in the ring (tp_drops)
    freeze_q: int = 0


def program_with_snaplen(program: Sequence[tuple[int, int, int, int]] | None,
                         snaplen: int) -> list[tuple[int, int, int, int]]:
    """The filter as attached: every accepting `ret` capped at the snapshot length,
    so the kernel truncates and no byte past snaplen is ever copied."""
    if not program:
        return [(BPF_RET_K, 0, 0, snaplen)]
    out = []
    for code, jt, jf, k in program:
        if code == BPF_RET_K and k:
            k = min(k, snaplen)
        out.append((code, jt, jf, k))
    return out


def _oserror(err: OSError, what: str) -> ZcapError:
    if err.errno in (errno.EPERM, errno.EACCES):
        return PermissionDenied(
            f"{what}: {os.strerror(err.errno)} (capturing needs root or CAP_NET_RAW)")
    return ZcapError(f"{what}: {os.strerror(err.errno or 0)}")


class TpacketBatch:
    """One ring block. Its packets are borrowed from the kernel until
    ``source.release(batch)``; nothing copies them."""

    __slots__ = ("source", "index", "block")

    def __init__(self, source: "TpacketSource", index: int, block) -> None:
        self.source = source
        self.index = index
        self.block = block

    @property
    def count(self) -> int:
        """Packets in the block."""
        return ffi.cast("uint32_t *", self.block)[3]        # hdr.bh1.num_pkts

    @property
    def linktype(self) -> int:
        """LINKTYPE_* of the packets as written."""
        return self.source.linktype

    def count_stats(self, counters, limit: int) -> int:
        """Count the first ``limit`` packets into the live counters (C walks the block)."""
        return lib.zc_stats_block(counters, self.block, self.source.frame_mode, limit)

    def write_pcapng(self, writer, ifid: int, limit: int, skip: int = 0):
        """Hand packets [skip, limit) of the block to the C writer, which may stop
        early at the writer's stop_offset/stop_ts_ns; returns (rc, zc_block_info)."""
        info = ffi.new("struct zc_block_info *")
        rc = lib.zc_write_block(writer, self.block, ifid, self.source.frame_mode, skip, limit,
                                info)
        return rc, info

    def packets(self, limit: int | None = None) -> Iterator[Packet]:
        """Per-packet view, as written to a file (VLAN tag back, SLL2 header for `any`).
        Frames that needed a header rebuilt are copies; the others borrow ring memory."""
        n = self.count if limit is None else min(limit, self.count)
        pkts = ffi.new("struct zc_pkt[]", max(n, 1))
        meta = ffi.new("struct zc_ring_meta[]", max(n, 1))
        n = lib.zc_block_pkts(self.block, self.source.frame_mode, pkts, meta, n)
        linktype = self.source.linktype
        for i in range(n):
            p, m = pkts[i], meta[i]
            data: memoryview | bytes = ffi.buffer(p.data, p.caplen)
            wirelen, owned = p.wirelen, False
            if self.source.frame_mode == lib.ZC_FRAME_SLL2:
                sll2 = struct.pack("!HHiHBB8s", socket.ntohs(m.protocol), 0, m.ifindex,
                                   m.hatype, m.pkttype, m.halen, bytes(m.addr))
                data, wirelen, owned = sll2 + data[:], wirelen + 20, True
            elif m.vlan_valid and p.caplen >= 12:
                tag = struct.pack("!HH", m.vlan_tpid, m.vlan_tci)
                data, wirelen, owned = data[:12] + tag + data[12:], wirelen + 4, True
            else:
                data = memoryview(data)
            yield Packet(p.ts_ns, wirelen, data, 0, linktype, p.flags, owned)


class TpacketSource:
    """A bound AF_PACKET socket with a TPACKET_V3 RX ring.

    The source interface every source offers: ``linktype``, ``snaplen``,
    ``description`` (for the IDB), ``next_batch(timeout_ms)``, ``release(batch)``,
    ``read_stats()`` and ``close()``.
    """

    description: str | None = None      # nothing to add to the IDB

    def __init__(self, interface: str, *, snaplen: int = DEFAULT_SNAPLEN,
                 buffer_kib: int = DEFAULT_BUFFER_KIB, promisc: bool = True,
                 program: Sequence[tuple[int, int, int, int]] | None = None,
                 retire_ms: int = RETIRE_MS, ignore_outgoing: bool = False,
                 fanout: tuple[int, int] | None = None, reserve: int = 0) -> None:
        if not 1 <= snaplen <= DEFAULT_SNAPLEN:
            raise UsageError(f"invalid snaplen {snaplen}: must be 1 to {DEFAULT_SNAPLEN}")
        self.name = interface
        self.snaplen = snaplen
        self.reserve = reserve           # extra headroom before each frame (PACKET_RESERVE)
        self.retire_ms = retire_ms
        self.geometry = ring_geometry(buffer_kib)
        self.stats = KernelStats()
        self.sock: socket.socket | None = None
        self.ring: mmap.mmap | None = None
        self.itf: Interface | None = None
        # The filter run over each block in user space when the kernel refused it
        # (bpf_filters.cinterp.CFilter), as libpcap falls back; None: in the kernel.
        self.user_filter = None
        self.filter_rejected = 0         # packets it rejected (not in isb_filteraccept)
        self._seen = ffi.new("uint32_t *")
        # Blocks a sink kept past ``release`` (``hold``): the direct writer's
        # thread gives each back once it is on the disk. The kernel cannot fill
        # past the oldest of them, so the reader never meets one with new data.
        self._held: set[int] = set()
        self._given_back = threading.Event()
        if interface == "any":
            self.ifindex, self.frame_mode, self.linktype = 0, lib.ZC_FRAME_SLL2, \
                LINKTYPE_LINUX_SLL2
        else:
            self.itf = lookup(interface)
            self.ifindex = self.itf.index
            self.linktype = self.itf.linktype
            self.frame_mode = (lib.ZC_FRAME_ETHER if self.linktype != LINKTYPE_LINUX_SLL2
                               else lib.ZC_FRAME_SLL2)
        try:
            self._open(program, promisc, retire_ms, ignore_outgoing, fanout)
        except BaseException:
            self.close()
            raise

    # -- set-up, in the order that lets no unfiltered packet in ----------------
    def _open(self, program, promisc: bool, retire_ms: int, ignore_outgoing: bool,
              fanout: tuple[int, int] | None) -> None:
        kind = socket.SOCK_DGRAM if self.frame_mode == lib.ZC_FRAME_SLL2 else socket.SOCK_RAW
        try:
            # Protocol 0: the socket receives nothing until bind() names ETH_P_ALL.
            self.sock = socket.socket(socket.AF_PACKET, kind, 0)
        except OSError as err:
            raise _oserror(err, "socket") from None
        fd = self.sock.fileno()
        self.sock.setsockopt(SOL_PACKET, lib.PACKET_VERSION, lib.TPACKET_V3)
        if ignore_outgoing:   # -Q in: the kernel doesn't even copy what we send
            self.sock.setsockopt(SOL_PACKET, lib.PACKET_IGNORE_OUTGOING, 1)
        real_filter = program_with_snaplen(program, self.snaplen)
        # A fanout member is bound taking nothing until it has joined its group,
        # so no packet is delivered to it outside the group's choice.
        if fanout:
            self.attach_filter(ACCEPT_NOTHING)
        else:
            self._attach_or_fall_back(real_filter)

        if self.reserve:   # before the ring exists, or the kernel says EBUSY
            self.sock.setsockopt(SOL_PACKET, lib.PACKET_RESERVE, self.reserve)
        g = self.geometry
        req = ffi.new("struct tpacket_req3 *", {
            "tp_block_size": g.block_size, "tp_block_nr": g.block_nr,
            "tp_frame_size": FRAME_SIZE, "tp_frame_nr": g.size // FRAME_SIZE,
            "tp_retire_blk_tov": retire_ms,
        })
        try:
            self.sock.setsockopt(SOL_PACKET, lib.PACKET_RX_RING, bytes(ffi.buffer(req)))
            self.ring = mmap.mmap(fd, g.size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        except OSError as err:
            raise ZcapError(f"cannot set up a {g.size >> 10} KiB capture ring: "
                            f"{os.strerror(err.errno or 0)} (try a smaller -B)") from None
        # A forked child must not keep the ring mapped, or teardown fails with EBUSY.
        self.ring.madvise(mmap.MADV_DONTFORK)
        self._view = ffi.from_buffer(self.ring)
        self._base = ffi.cast("uint8_t *", self._view)
        self._blocks = [self._base + i * g.block_size for i in range(g.block_nr)]
        self._cur = 0

        if promisc and self.ifindex:
            mreq = ffi.new("struct packet_mreq *", {"mr_ifindex": self.ifindex,
                                                    "mr_type": lib.PACKET_MR_PROMISC})
            self.sock.setsockopt(SOL_PACKET, lib.PACKET_ADD_MEMBERSHIP, bytes(ffi.buffer(mreq)))
        rc = lib.zc_bind_ll(fd, self.ifindex, lib.ETH_P_ALL)
        if rc < 0:
            if -rc == errno.ENETDOWN:
                raise InterfaceError(f"{self.name}: interface is down")
            raise ZcapError(f"bind to {self.name}: {os.strerror(-rc)}")
        if fanout:
            self._join_fanout(*fanout)
            self._attach_or_fall_back(real_filter)
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN | select.POLLERR)

    def _join_fanout(self, group: int, mode: int) -> None:
        try:
            # As bytes: with FLAG_DEFRAG the value needs all 32 bits, past a C int.
            arg = struct.pack("=I", group | (mode << 16))
            self.sock.setsockopt(SOL_PACKET, lib.PACKET_FANOUT, arg)
        except OSError as err:
            raise ZcapError(f"{self.name}: cannot join fanout group {group}: "
                            f"{os.strerror(err.errno or 0)}") from None

    def attach_filter(self, program: Sequence[tuple[int, int, int, int]]) -> None:
        """Attach a classic BPF program (list of (code, jt, jf, k)) to the socket."""
        try:
            self._set_filter(program)
        except OSError as err:
            raise ZcapError(f"the kernel refused the filter program: "
                            f"{os.strerror(err.errno or 0)}") from None

    def _set_filter(self, program: Sequence[tuple[int, int, int, int]]) -> None:
        if len(program) > 0xFFFF:          # sock_fprog.len is 16 bits: the kernel never sees it
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        insns = ffi.new("struct sock_filter[]", [
            {"code": c, "jt": jt, "jf": jf, "k": k} for c, jt, jf, k in program])
        fprog = ffi.new("struct sock_fprog *", {"len": len(program), "filter": insns})
        self.sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, bytes(ffi.buffer(fprog)))

    def _attach_or_fall_back(self, program: Sequence[tuple[int, int, int, int]]) -> None:
        """Attach the filter; if the kernel refuses it (longer than its 4096
        instructions, or past net.core.optmem_max), do as libpcap does: warn,
        attach only the snapshot length and run the filter over each block in
        user space (csrc/verdict.c), so that the capture keeps the same packets."""
        try:
            self._set_filter(program)
            return
        except OSError as err:
            reason = os.strerror(err.errno or 0)
        from bpf_filters.cinterp import CFilter

        self.user_filter = CFilter(program)
        self.attach_filter(program_with_snaplen(None, self.snaplen))
        warn(f"warning: the kernel refused the filter ({len(program)} instructions: {reason}); "
             f"filtering in user space")

    # -- the read loop -----------------------------------------------------------
    def next_batch(self, timeout_ms: int) -> TpacketBatch | None:
        """The next ready block, waiting up to ``timeout_ms``; None if none came.
        Raises InterfaceError when the interface went down or disappeared."""
        self._wait_ready(timeout_ms)
        for _ in range(len(self._blocks)):
            block = self._blocks[self._cur]
            if self._cur in self._held or not lib.zc_block_status(block) & lib.TP_STATUS_USER:
                return None
            f = self.user_filter
            if f is None:
                return TpacketBatch(self, self._cur, block)
            kept = lib.zc_filter_block(f.insns, f.n, block, self._seen)
            self.filter_rejected += self._seen[0] - kept
            if kept > 0:
                return TpacketBatch(self, self._cur, block)
            # Nothing in it passed the user-space filter: no sink need see it.
            lib.zc_block_release(block)
            self._cur = (self._cur + 1) % len(self._blocks)
        return None

    def _wait_ready(self, timeout_ms: int) -> None:
        """Wait up to ``timeout_ms`` for the block at the read position to be
        handed over. Without held blocks, that is one poll. A held block at the
        read position is waited for until its writer gives it back. And the
        kernel's poll reports a ring readable while the block before the one
        it fills is not its own, so while a writer holds that one poll
        returns at once: then look again every 5 ms (or as soon as a block is
        given back, when poll works again) rather than wait for the writer,
        whose write may take longer than the kernel needs to fill the next
        blocks."""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            self._given_back.clear()
            held = bool(self._held)
            if self._cur not in self._held:
                if lib.zc_block_status(self._blocks[self._cur]) & lib.TP_STATUS_USER:
                    return
                for _fd, ev in self._poll.poll(timeout_ms):
                    if ev & select.POLLERR:
                        self._raise_socket_error()
                if not held:
                    return
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._given_back.wait(min(left, HELD_RECHECK_S))
            timeout_ms = max(0, int((deadline - time.monotonic()) * 1000))

    def quiesce(self) -> int:
        """Take no more packets (a filter that rejects all: the kernel counts
        none of them), so that what is already in the ring can be read to the
        end and every packet the kernel counted is written or dropped. Returns
        how long to wait for the last, partly filled block, which the kernel
        hands over only when its retire timer fires."""
        self.attach_filter(ACCEPT_NOTHING)
        return 2 * self.retire_ms + 20

    def release(self, batch: TpacketBatch) -> None:
        """Give the block back to the kernel (unless a sink holds it: see
        ``hold``); its packets are gone after this."""
        if batch.index not in self._held:
            lib.zc_block_release(batch.block)
        self._cur = (batch.index + 1) % len(self._blocks)

    def hold(self, batch: TpacketBatch) -> Callable[[], None]:
        """Keep a block from the kernel after ``release`` (a writer thread
        still writes it from the ring); returns what gives it back, callable
        from any thread, once. The source's reader waits at a held block."""
        index, block = batch.index, batch.block
        self._held.add(index)

        def give_back() -> None:
            # The kernel owns it first: a reader that sees it no longer held
            # must not find the old data marked as ready.
            lib.zc_block_release(block)
            self._held.discard(index)
            self._given_back.set()
        return give_back

    def _raise_socket_error(self) -> None:
        err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err in (errno.ENETDOWN, errno.ENODEV, errno.ENXIO):
            raise InterfaceError(f"{self.name}: the interface went down or was removed")
        if err:
            raise ZcapError(f"{self.name}: capture socket error: {os.strerror(err)}")

    def read_stats(self) -> KernelStats:
        """Fold the kernel's counters (reset on every read) into ``self.stats``."""
        if self.sock is not None:
            raw = self.sock.getsockopt(SOL_PACKET, lib.PACKET_STATISTICS,
                                       ffi.sizeof("struct tpacket_stats_v3"))
            packets, drops, freeze = struct.unpack("=III", raw)
            self.stats.received += packets
            self.stats.dropped += drops
            self.stats.freeze_q += freeze
        return self.stats

    def ring_occupancy(self) -> tuple[int, int]:
        """(blocks held by user space, blocks in the ring): how full the ring is."""
        used = sum(1 for b in self._blocks if lib.zc_block_status(b) & lib.TP_STATUS_USER)
        return used, len(self._blocks)

    def fileno(self) -> int:
        """The socket's file descriptor."""
        return self.sock.fileno()

    def close(self) -> None:
        """Unmap the ring and close the socket (promiscuous mode ends with it)."""
        if self.sock is not None:
            try:
                self.read_stats()
            except OSError:
                pass
        self._blocks = []
        self._base = None
        if self.ring is not None:
            ffi.release(self._view)
            try:
                self.ring.close()
            except BufferError:
                pass  # a library user still holds a packet view; the mapping goes later
            self.ring = None
        if self.sock is not None:
            self.sock.close()
            self.sock = None
