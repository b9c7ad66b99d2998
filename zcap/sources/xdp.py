"""AF_XDP source: zcap's own XDP program filters each frame in the driver and
redirects the matching ones to one AF_XDP socket per queue; the rest go on to
the host's stack untouched. Python sets up; C (csrc/xdp.c) walks the rings.

Redirected frames do not reach the host's own stack: this mode is for monitor
and mirror ports, or for filters that pick out a small share of the traffic.
"""

from __future__ import annotations

import atexit
import errno
import mmap
import os
import select
import socket
import struct
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bpf_filters.linktypes import DEFAULT_SNAPLEN

from .._core import ffi, lib
from ..ebpf import isa, syscall
from ..ebpf.cbpf import TranslationError
from ..ebpf.xdp_prog import capture_program
from ..errors import InterfaceError, PermissionDenied, UsageError, ZcapError
from ..iface import lookup
from ..packet import Packet
from ..pcapng import LINKTYPE_ETHERNET
from ..report import warn

AF_XDP = 44                          # <linux/socket.h>
SOL_XDP = 283                        # <linux/socket.h>
XDP_PACKET_HEADROOM = 256            # <linux/bpf.h>: the kernel's headroom in every frame
ETH_OVERHEAD = 14 + 4 + 4            # Ethernet header, a VLAN tag, the FCS slack
CLOCK_TAI = getattr(time, "CLOCK_TAI", 11)

FRAME_SIZES = (2048, 4096)           # UMEM chunk sizes the kernel takes (up to a page)
UMEM_BUDGET = 32 << 20              # all queues together, as TPACKET mode's default ring
MIN_FRAMES = 2048                    # per queue, whatever the budget
COMPLETION_SIZE = 64                 # required by bind(), unused: zcap never transmits
MAX_BATCH = 1024
COALESCE_MIN = 64                    # fewer frames ready than this: wait COALESCE_S first
COALESCE_S = 0.001
BIND_BUSY_WAIT = 2.0                 # seconds to wait for a just-closed socket's queue

MODES = {"native": lib.XDP_FLAGS_DRV_MODE, "skb": lib.XDP_FLAGS_SKB_MODE}
# IFLA_XDP_ATTACHED, as the kernel's number or as pyroute2's name for it
ATTACHED = {lib.XDP_ATTACHED_DRV: "native", lib.XDP_ATTACHED_SKB: "skb",
            lib.XDP_ATTACHED_HW: "offloaded", lib.XDP_ATTACHED_MULTI: "several",
            "xdp": "native", "xdpgeneric": "skb", "xdpoffload": "offloaded",
            "xdpmulti": "several"}

# struct xdp_umem_reg (<linux/if_xdp.h>), with the trailing tx_metadata_len zero
UMEM_REG = struct.Struct("=QQIIII")
XDP_STATS = struct.Struct("=6Q")
OFFSETS = struct.Struct("=16Q")
# <linux/ethtool.h>: ETHTOOL_GCHANNELS through SIOCETHTOOL
SIOCETHTOOL = 0x8946
ETHTOOL_GCHANNELS = 0x3C
CHANNELS = struct.Struct("=9I")


@dataclass
class XdpStats:
    """XDP_STATISTICS summed over the sockets, plus what user space took.

    ``dropped`` is rx_dropped + rx_ring_full: in copy mode a frame lost for an
    empty fill ring is counted in both rx_dropped and rx_fill_ring_empty_descs,
    so the latter is reported alone, not added.
    """

    received: int = 0                # redirected to zcap: delivered + dropped
    dropped: int = 0
    delivered: int = 0               # RX descriptors zcap took from the rings
    rx_dropped: int = 0
    rx_ring_full: int = 0
    rx_fill_ring_empty: int = 0
    rx_invalid_descs: int = 0


def _oserror(err: OSError | int, what: str) -> ZcapError:
    code = err if isinstance(err, int) else (err.errno or 0)
    if code in (errno.EPERM, errno.EACCES):
        return PermissionDenied(f"{what}: {os.strerror(code)} (AF_XDP capture needs root)")
    if code == errno.ENOBUFS:
        return ZcapError(f"{what}: {os.strerror(code)} (the UMEM exceeds RLIMIT_MEMLOCK; "
                         "run as root or raise `ulimit -l`)")
    return ZcapError(f"{what}: {os.strerror(code)}")


def rx_queue_count(name: str, fallback: int) -> int:
    """RX queues in use (ethtool channels), or ``fallback`` when the driver won't say."""
    buf = ffi.new("uint32_t[9]", [ETHTOOL_GCHANNELS])
    ifreq = struct.pack("16sQ", name.encode(), int(ffi.cast("uintptr_t", buf)))
    import fcntl
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            fcntl.ioctl(s.fileno(), SIOCETHTOOL, bytearray(ifreq))
    except OSError:
        return fallback
    _cmd, _mrx, _mtx, _mo, _mc, rx, _tx, _other, combined = buf[0:9]
    return max(rx + combined, 1) if rx or combined else fallback


def _link_xdp(ifindex: int) -> dict:
    """IFLA_XDP and the queue count, by netlink: {"attached": "" or the mode,
    "prog_id", "rx_queues"}."""
    from pyroute2 import IPRoute

    with IPRoute() as ipr:
        msg = ipr.get_links(ifindex)[0]
    xdp = msg.get("IFLA_XDP")
    attrs = dict(xdp["attrs"]) if xdp else {}
    mode = attrs.get("IFLA_XDP_ATTACHED") or 0
    return {"attached": ATTACHED.get(mode, str(mode)) if mode else "",
            "prog_id": attrs.get("IFLA_XDP_PROG_ID") or 0,
            "rx_queues": msg.get("IFLA_NUM_RX_QUEUES") or 1}


class XdpSocket:
    """One AF_XDP socket bound to one queue, with its own UMEM, fill and RX rings."""

    def __init__(self, ifindex: int, queue: int, frames: int, rx_size: int,
                 frame_size: int) -> None:
        self.queue = queue
        self.frames = frames
        self.rx_size = rx_size
        self.sock: socket.socket | None = None
        self.maps: list[mmap.mmap] = []
        self.views: list = []
        self.zerocopy = False
        self.xsk = ffi.new("struct zc_xsk *")
        try:
            self.sock = socket.socket(AF_XDP, socket.SOCK_RAW, 0)   # close-on-exec
        except OSError as err:
            raise _oserror(err, "creating an AF_XDP socket") from None
        fd = self.sock.fileno()

        umem = mmap.mmap(-1, frames * frame_size, flags=mmap.MAP_PRIVATE)
        umem.madvise(mmap.MADV_DONTFORK)        # a forked child must not keep it
        self.maps.append(umem)
        umem_base = self._view(umem)
        self.xsk.umem = umem_base
        self.xsk.frame_size = frame_size
        reg = UMEM_REG.pack(int(ffi.cast("uintptr_t", umem_base)), frames * frame_size,
                            frame_size, 0, 0, 0)
        try:
            self.sock.setsockopt(SOL_XDP, lib.XDP_UMEM_REG, reg)
            self.sock.setsockopt(SOL_XDP, lib.XDP_UMEM_FILL_RING, frames)
            self.sock.setsockopt(SOL_XDP, lib.XDP_UMEM_COMPLETION_RING, COMPLETION_SIZE)
            self.sock.setsockopt(SOL_XDP, lib.XDP_RX_RING, rx_size)
            off = OFFSETS.unpack(self.sock.getsockopt(SOL_XDP, lib.XDP_MMAP_OFFSETS,
                                                      OFFSETS.size))
        except OSError as err:
            raise _oserror(err, f"setting up the AF_XDP rings of queue {queue}") from None
        rx_off, fill_off = off[0:4], off[8:12]          # producer, consumer, desc, flags
        rx = self._map_ring(fd, lib.XDP_PGOFF_RX_RING, rx_off[2] + rx_size * 16)
        fill = self._map_ring(fd, lib.XDP_UMEM_PGOFF_FILL_RING, fill_off[2] + frames * 8)
        lib.zc_xsk_ring_init(ffi.addressof(self.xsk, "rx"), rx, *rx_off[:3], rx_size)
        lib.zc_xsk_ring_init(ffi.addressof(self.xsk, "fill"), fill, *fill_off[:3], frames)
        lib.zc_xsk_fill_all(self.xsk, frames)

        # flags 0: zero-copy where the driver has it, copy mode otherwise. A socket
        # closed a moment ago frees its queue in deferred work: EBUSY for a while.
        deadline = time.monotonic() + BIND_BUSY_WAIT
        while (rc := lib.zc_xsk_bind(fd, ifindex, queue, 0)) == -errno.EBUSY \
                and time.monotonic() < deadline:
            time.sleep(0.02)
        if rc < 0:
            if -rc == errno.ENETDOWN:
                raise InterfaceError("the interface is down")
            if -rc == errno.EBUSY:
                raise ZcapError(f"queue {queue} is in use by another AF_XDP socket")
            raise _oserror(-rc, f"binding an AF_XDP socket to queue {queue}")
        opts = self.sock.getsockopt(SOL_XDP, lib.XDP_OPTIONS, 4)
        self.zerocopy = bool(struct.unpack("=I", opts)[0] & lib.XDP_OPTIONS_ZEROCOPY)

    def _view(self, m: mmap.mmap):
        view = ffi.from_buffer(m)
        self.views.append(view)
        return ffi.cast("uint8_t *", view)

    def _map_ring(self, fd: int, pgoff: int, size: int):
        try:
            m = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE,
                          offset=pgoff)
        except OSError as err:
            raise _oserror(err, "mapping an AF_XDP ring") from None
        m.madvise(mmap.MADV_DONTFORK)
        self.maps.append(m)
        return self._view(m)

    def fileno(self) -> int:
        """The socket's file descriptor."""
        return self.sock.fileno()

    def statistics(self) -> tuple[int, ...]:
        """XDP_STATISTICS: rx_dropped, rx_invalid, tx_invalid, rx_ring_full,
        rx_fill_ring_empty, tx_ring_empty (cumulative)."""
        return XDP_STATS.unpack(self.sock.getsockopt(SOL_XDP, lib.XDP_STATISTICS,
                                                     XDP_STATS.size))

    def close(self) -> None:
        """Unmap the rings and UMEM, close the socket."""
        for view in self.views:
            ffi.release(view)
        self.views = []
        for m in self.maps:
            try:
                m.close()
            except BufferError:
                pass  # a library user still holds a packet view; the mapping goes later
        self.maps = []
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class XdpBatch:
    """A run of RX descriptors from one socket: packets borrowed from its UMEM
    until ``source.release(batch)`` hands the frames back to the fill ring."""

    __slots__ = ("source", "xsk", "taken", "count", "pkts", "ifid")

    def __init__(self, source: XdpSource, xsk: XdpSocket, count: int, pkts) -> None:
        self.source = source
        self.xsk = xsk
        self.taken = count               # descriptors to give back on release
        self.count = count               # packets in ``pkts`` (fewer if filtered here)
        self.pkts = pkts
        self.ifid = 0

    linktype = LINKTYPE_ETHERNET         # XDP sees Ethernet frames, tags still in them

    def write_pcapng(self, writer, ifid: int, limit: int, skip: int = 0):
        """Write packets [skip, limit) as EPBs, stopping early at the writer's
        stop conditions (a rotating sink splits a batch so); returns (rc, info)."""
        n = max(0, min(limit, self.count) - skip)
        if ifid != self.ifid:
            lib.zc_pkts_set_ifid(self.pkts, self.count, ifid)
            self.ifid = ifid
        before = writer.packets
        rc = lib.zc_write_pkts(writer, self.pkts + skip, n)
        return rc, _Written(writer.packets - before)

    def count_stats(self, counters, limit: int) -> int:
        """Count the first ``limit`` packets into the live counters."""
        return lib.zc_stats_pkts(counters, self.pkts, min(limit, self.count), self.linktype)

    def packets(self, limit: int | None = None) -> Iterator[Packet]:
        """Per-packet view; each ``data`` borrows UMEM memory until release."""
        n = self.count if limit is None else min(limit, self.count)
        for i in range(n):
            p = self.pkts[i]
            yield Packet(p.ts_ns, p.wirelen, memoryview(ffi.buffer(p.data, p.caplen)),
                         self.ifid, LINKTYPE_ETHERNET, p.flags, False)


@dataclass
class _Written:
    written: int


class XdpSource:
    """Capture through AF_XDP, with the filter inside zcap's XDP program.

    ``program`` is classic BPF as (code, jt, jf, k) tuples, or None for every
    packet; ``mode`` is "native", "skb" or None (native where the driver has
    it); ``queues`` None means every RX queue of the interface. ``frames`` and
    ``rx_size`` (powers of two) size each queue's UMEM and RX ring (default: a
    32 MiB budget shared by the queues); ``attach="netlink"`` forces the old
    attachment, which close() undoes, where BPF links are missing.
    """

    linktype = LINKTYPE_ETHERNET
    frame_mode = lib.ZC_FRAME_ETHER

    def __init__(self, interface: str, *, snaplen: int = DEFAULT_SNAPLEN,
                 program: Sequence[tuple[int, int, int, int]] | None = None,
                 mode: str | None = None, queues: Sequence[int] | None = None,
                 frames: int | None = None, rx_size: int | None = None,
                 attach: str = "link") -> None:
        if not 1 <= snaplen <= DEFAULT_SNAPLEN:
            raise UsageError(f"invalid snaplen {snaplen}: must be 1 to {DEFAULT_SNAPLEN}")
        if mode not in (None, *MODES):
            raise UsageError(f"invalid XDP mode {mode!r}: use native or skb")
        for n, what in ((frames, "UMEM frame count"), (rx_size, "RX ring size")):
            if n is not None and (n < 2 or n & (n - 1)):
                raise UsageError(f"invalid {what} {n}: must be a power of two")
        self.name = interface
        self.snaplen = snaplen
        self.sockets: list[XdpSocket] = []
        self.map_fd = self.prog_fd = self.link_fd = -1
        self.netlink_flags = 0               # set while attached by netlink instead of a link
        self.mode = mode
        self.user_filter = None              # classic program run in user space (fallback)
        self.filter_rejected = 0             # packets it rejected (not in isb_filteraccept)
        self.stats = XdpStats()
        self._next = 0
        self._clock = CLOCK_TAI
        self.itf = lookup(interface)
        if self.itf.linktype != LINKTYPE_ETHERNET:
            raise UsageError(f"{interface}: --xdp captures Ethernet interfaces only")
        if not self.itf.up:
            raise InterfaceError(f"{interface}: interface is down")
        # the smallest chunk that holds a full frame after the kernel's headroom
        fits = [f for f in FRAME_SIZES
                if self.itf.mtu + ETH_OVERHEAD <= f - XDP_PACKET_HEADROOM]
        if not fits:
            raise UsageError(f"{interface}: MTU {self.itf.mtu} is too large for AF_XDP frames "
                             f"of {FRAME_SIZES[-1]} bytes; capture it without --xdp")
        self.frame_size = fits[0]
        self.ifindex = self.itf.index
        try:
            self._open(program, queues, frames, rx_size, attach)
        except BaseException:
            self.close()
            raise
        atexit.register(self.close)

    # -- set-up: sockets first, program last, so nothing is redirected to no one --
    def _open(self, program, queues, frames: int | None, rx_size: int | None,
              attach: str) -> None:
        info = _link_xdp(self.ifindex)
        self._refuse_foreign(info)
        available = rx_queue_count(self.name, info["rx_queues"])
        if queues is None:
            queues = list(range(available))
        queues = sorted(set(queues))
        bad = [q for q in queues if not 0 <= q < available]
        if bad or not queues:
            raise UsageError(f"{self.name}: no RX queue {bad[0] if bad else '(none)'} "
                             f"(it has queues 0-{available - 1})")
        self.queues = queues
        if frames is None:          # the budget shared by the queues, a power of two each
            per_queue = max(MIN_FRAMES, UMEM_BUDGET // self.frame_size // len(queues))
            frames = 1 << (per_queue.bit_length() - 1)
        rx_size = rx_size or frames         # every frame may wait in RX at once

        self.map_fd = syscall.map_create(lib.BPF_MAP_TYPE_XSKMAP, 4, 4, max(queues) + 1,
                                         "zcap_xsks")
        self.prog_fd = self._load(program)
        for q in queues:
            xsk = XdpSocket(self.ifindex, q, frames, rx_size, self.frame_size)
            self.sockets.append(xsk)
            syscall.map_update(self.map_fd, struct.pack("=I", q),
                               struct.pack("=I", xsk.fileno()))
        self._attach(attach)
        self._poll = select.poll()
        for xsk in self.sockets:
            self._poll.register(xsk.fileno(), select.POLLIN | select.POLLERR)

    def _load(self, program) -> int:
        """Load the capture program, falling back to running the filter in user
        space when it does not translate, and to CLOCK_MONOTONIC stamps when
        this kernel has no bpf_ktime_get_tai_ns."""
        if program:
            try:
                capture_program(0, program)
            except TranslationError as err:
                self.user_filter = _user_space_filter(program, err)
                program = None
        last: Exception | None = None
        for helper, clock in ((isa.BPF_FUNC_ktime_get_tai_ns, CLOCK_TAI),
                              (isa.BPF_FUNC_ktime_get_ns, time.CLOCK_MONOTONIC)):
            try:
                fd = syscall.prog_load(lib.BPF_PROG_TYPE_XDP,
                                       capture_program(self.map_fd, program, helper),
                                       name="zcap", expected_attach_type=lib.BPF_XDP)
            except syscall.BpfError as err:
                last = err
                continue
            self._clock = clock
            return fd
        raise last

    def _refuse_foreign(self, info: dict) -> None:
        if info["attached"]:
            raise ZcapError(f"{self.name} already has an XDP program attached "
                            f"(id {info['prog_id']}, {info['attached']} mode); zcap will not "
                            "replace it: "
                            "remove it first or capture without --xdp")

    def _attach(self, attach: str) -> None:
        modes = [self.mode] if self.mode else ["native", "skb"]
        for i, mode in enumerate(modes):
            try:
                if attach == "link":
                    self.link_fd = syscall.link_create(self.prog_fd, self.ifindex,
                                                       lib.BPF_XDP, MODES[mode])
                else:
                    self._netlink_attach(MODES[mode])
            except syscall.BpfError as err:
                if err.errno in (errno.EBUSY, errno.EEXIST):
                    self._refuse_foreign(_link_xdp(self.ifindex))
                    raise ZcapError(f"{self.name}: another XDP program is attached; zcap "
                                    "will not replace it") from None
                if err.errno == errno.EOPNOTSUPP and i + 1 < len(modes):
                    continue                           # no native XDP in this driver
                if err.errno == errno.EINVAL and attach == "link":
                    attach = "netlink"                 # kernel without XDP links
                    self._netlink_attach(MODES[mode])
                else:
                    raise ZcapError(f"{self.name}: cannot attach the XDP program in {mode} "
                                    f"mode: {os.strerror(err.errno)}") from None
            self.mode = mode
            return

    def _netlink_attach(self, flags: int) -> None:
        """Attach by rtnetlink, only where BPF links are missing; close() detaches
        (from the same network namespace, as the CLI does)."""
        from pyroute2 import IPRoute
        from pyroute2.netlink.exceptions import NetlinkError

        flags |= lib.XDP_FLAGS_UPDATE_IF_NOEXIST
        try:
            with IPRoute() as ipr:
                ipr.link("set", index=self.ifindex, xdp={"attrs": [
                    ("IFLA_XDP_FD", self.prog_fd), ("IFLA_XDP_FLAGS", flags)]})
        except NetlinkError as err:
            raise syscall.BpfError(f"attaching the XDP program: {os.strerror(err.code)}",
                                   err.code) from None
        self.netlink_flags = flags

    def _netlink_detach(self) -> None:
        """Remove our program, and only ours (XDP_FLAGS_REPLACE with its fd)."""
        from pyroute2 import IPRoute
        from pyroute2.netlink.exceptions import NetlinkError

        flags, self.netlink_flags = self.netlink_flags, 0
        flags = (flags & ~lib.XDP_FLAGS_UPDATE_IF_NOEXIST) | lib.XDP_FLAGS_REPLACE
        try:
            with IPRoute() as ipr:
                ipr.link("set", index=self.ifindex, xdp={"attrs": [
                    ("IFLA_XDP_FD", -1), ("IFLA_XDP_EXPECTED_FD", self.prog_fd),
                    ("IFLA_XDP_FLAGS", flags)]})
        except NetlinkError as err:
            if err.code not in (errno.ENODEV, errno.EEXIST):   # gone, or no longer ours
                raise ZcapError(f"{self.name}: could not detach the XDP program: "
                                f"{os.strerror(err.code)}") from None

    @property
    def description(self) -> str:
        """For the IDB's if_description and the summary."""
        copy = "zero-copy" if all(s.zerocopy for s in self.sockets) and self.sockets \
            else "copy"
        qs = self.queues
        if len(qs) == 1:
            where = f"queue {qs[0]}"
        elif qs == list(range(qs[0], qs[-1] + 1)):
            where = f"queues {qs[0]}-{qs[-1]}"
        else:
            where = "queues " + ",".join(map(str, qs))
        text = f"AF_XDP {self.mode} {copy} mode, {where}"
        if self.user_filter is not None:
            text += ", filter in user space"
        return text

    # -- the read loop --------------------------------------------------------
    def next_batch(self, timeout_ms: int) -> XdpBatch | None:
        """The next run of received frames from any queue, waiting up to
        ``timeout_ms``; None if none came. Raises InterfaceError when the
        interface went down or disappeared."""
        ready = sum(lib.zc_xsk_rx_ready(x.xsk) for x in self.sockets)
        if ready >= COALESCE_MIN:
            return self._take()
        if not ready:
            events = self._poll.poll(timeout_ms)
            for fd, ev in events:
                if ev & (select.POLLERR | select.POLLHUP | select.POLLNVAL):
                    self._raise_socket_error(fd)
            if not events:
                # An XSK's poll() says nothing when its device goes away: the kernel
                # only sets sk_err (ENETDOWN) and unbinds it. Look while idle.
                for xsk in self.sockets:
                    if xsk.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        raise InterfaceError(f"{self.name}: the interface was removed")
                return None
        # A few frames only: let a run build up, as a TPACKET block does, so the
        # cost of a batch is shared by many frames. Their stamps are the kernel's.
        time.sleep(COALESCE_S)
        return self._take()

    def _take(self) -> XdpBatch | None:
        n_socks = len(self.sockets)
        for i in range(n_socks):
            xsk = self.sockets[(self._next + i) % n_socks]
            ready = min(lib.zc_xsk_rx_ready(xsk.xsk), MAX_BATCH)
            if not ready:
                continue
            self._next = (self._next + i + 1) % n_socks
            pkts = ffi.new("struct zc_pkt[]", ready)
            now = time.time_ns()
            offset = now - time.clock_gettime_ns(self._clock)
            n = lib.zc_xsk_rx_peek(xsk.xsk, pkts, ready, 0, self.snaplen, offset, now)
            batch = XdpBatch(self, xsk, n, pkts)
            if self.user_filter is not None:
                batch.count = self.user_filter(pkts, n)
                self.filter_rejected += n - batch.count
            return batch
        return None

    def release(self, batch: XdpBatch) -> None:
        """Hand the batch's frames back to the kernel (fill ring)."""
        lib.zc_xsk_rx_release(batch.xsk.xsk, batch.taken)

    def _raise_socket_error(self, fd: int) -> None:
        xsk = next(s for s in self.sockets if s.fileno() == fd)
        err = xsk.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err in (0, errno.ENETDOWN, errno.ENODEV, errno.ENXIO):
            raise InterfaceError(f"{self.name}: the interface went down or was removed")
        raise ZcapError(f"{self.name}: AF_XDP socket error: {os.strerror(err)}")

    def ring_occupancy(self) -> tuple[int, int]:
        """(frames waiting in or held from the RX rings, RX ring entries): how full."""
        socks = [x for x in self.sockets if x.sock is not None]
        used = sum(lib.zc_xsk_rx_ready(x.xsk) + x.xsk.held for x in socks)
        return used, sum(x.rx_size for x in socks)

    def read_stats(self) -> XdpStats:
        """XDP_STATISTICS of every socket (cumulative counters)."""
        if self.sockets and self.sockets[0].sock is not None:
            s = XdpStats()
            for xsk in self.sockets:
                rx_dropped, invalid, _tx_inv, full, fill_empty, _tx_empty = xsk.statistics()
                s.rx_dropped += rx_dropped
                s.rx_invalid_descs += invalid
                s.rx_ring_full += full
                s.rx_fill_ring_empty += fill_empty
                s.delivered += xsk.xsk.delivered
            s.dropped = s.rx_dropped + s.rx_ring_full
            s.received = s.delivered + s.dropped
            self.stats = s
        return self.stats

    def close(self) -> None:
        """Detach the program, close the sockets, free the maps. Idempotent."""
        if self.link_fd >= 0:
            os.close(self.link_fd)               # the kernel detaches with the last link fd
            self.link_fd = -1
        if self.netlink_flags:
            self._netlink_detach()
        if self.sockets and self.sockets[0].sock is not None:
            try:
                self.read_stats()
            except OSError:
                pass
        for xsk in self.sockets:
            xsk.close()
        for attr in ("prog_fd", "map_fd"):
            fd = getattr(self, attr)
            if fd >= 0:
                os.close(fd)
                setattr(self, attr, -1)
        atexit.unregister(self.close)


def _user_space_filter(program, why: TranslationError):
    """The fallback: the classic program run by bpf_filters' C interpreter over
    each batch; frames it rejects are still redirected (and lost to the stack)."""
    if not hasattr(lib, "zc_bpf_filter"):
        raise UsageError(f"this filter cannot run inside XDP ({why}) and this build has no "
                         "user-space BPF interpreter; capture without --xdp")
    insns = ffi.new("struct sock_filter[]", [
        {"code": c, "jt": jt, "jf": jf, "k": k} for c, jt, jf, k in program])
    warn(f"warning: filter runs in user space, not in XDP ({why}); frames it rejects "
         "are still taken from the host's stack")

    def run(pkts, n: int) -> int:
        return lib.zc_bpf_filter(insns, len(program), pkts, n)

    return run
