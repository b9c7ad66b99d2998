"""AF_XDP capture on a veth pair: byte-identical files in native and skb mode,
the filter inside XDP with everything else left to the stack, the program
always detached, timestamps from the kernel, drops counted exactly."""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys
import time

import pytest
from zcap._core import ffi

import zcap
from zcap.capture import run
from zcap.ebpf import isa, syscall
from zcap.errors import InterfaceError, ZcapError
from zcap.sinks.pcapng import PcapngSink
from zcap.sources.xdp import XdpSource, _link_xdp

from . import pcapng_check as chk
from .frames import seq_of, udp_frame
from .netns import MAC_B, Zcap, in_netns
from .waiting import wait_packets, wait_until

EPB_INBOUND = 1
MAX_ATTACH_WAIT = 3.0


def compile_xdp(expr: str):
    """A filter as XDP sees frames: VLAN tags still in the data (kernel=False)."""
    import bpf_filters

    return [tuple(i) for i in bpf_filters.compile(expr, linktype="EN10MB",
                                                  kernel=False).instructions]


def xdp_state(veth) -> dict:
    """IFLA_XDP of B's end: {'attached': mode or 0, 'prog_id': id}."""
    idx = veth.ifindex(veth.ns_b, veth.if_b)
    return in_netns(veth.ns_b, _link_xdp, idx)


def wait_detached(veth, timeout: float = MAX_ATTACH_WAIT) -> dict:
    end = time.monotonic() + timeout
    while True:
        state = xdp_state(veth)
        if not state["attached"] or time.monotonic() > end:
            return state
        time.sleep(0.05)


def open_source(veth, **kwargs) -> XdpSource:
    return in_netns(veth.ns_b, lambda: XdpSource(veth.if_b, **kwargs))


def drain(src, want: int, timeout: float = 3.0) -> list[tuple[bytes, int, int, int]]:
    """(data, ts_ns, wirelen, queue) of up to ``want`` packets."""
    out = []
    end = time.monotonic() + timeout
    while len(out) < want and time.monotonic() < end:
        batch = src.next_batch(50)
        if batch is None:
            continue
        out += [(bytes(p.data), p.ts_ns, p.wirelen, batch.xsk.queue) for p in batch.packets()]
        src.release(batch)
    return out


def set_channels(veth, ns: str, ifname: str, n: int) -> None:
    """ethtool -L IFACE rx N tx N (SIOCETHTOOL ETHTOOL_SCHANNELS)."""
    def do() -> None:
        buf = ffi.new("uint32_t[9]", [0x3C])                 # ETHTOOL_GCHANNELS
        req = bytearray(struct.pack("16sQ", ifname.encode(), int(ffi.cast("uintptr_t", buf))))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            fcntl.ioctl(s.fileno(), 0x8946, req)
            buf[0], buf[5], buf[6] = 0x3D, n, n              # ETHTOOL_SCHANNELS rx, tx
            fcntl.ioctl(s.fileno(), 0x8946, req)
    in_netns(ns, do)


# -- capture through the library --------------------------------------------------
@pytest.mark.parametrize("mode", ["native", "skb"])
def test_frames_arrive_byte_identical(veth, tmp_path, mode):
    frames = [udp_frame(i, size) for i, size in enumerate([60, 1514, 64, 1000, 1514, 61] * 4)]
    frames += [udp_frame(100 + i, 64 + i, vlan=10 + i) for i in range(4)]
    frames.append(udp_frame(200, 1518, vlan=7))              # full-size tagged frame
    cap = in_netns(veth.ns_b, lambda: zcap.open_live(veth.if_b, xdp=True, xdp_mode=mode))
    path = str(tmp_path / f"{mode}.pcapng")
    try:
        assert xdp_state(veth)["attached"]
        sink = PcapngSink(path, [cap.describe()])
        t0 = time.time_ns()
        veth.send(frames)
        t1 = time.time_ns()
        summary = run(cap, [sink], count=len(frames), duration=10)
        sink.close(summary.per_interface)
    finally:
        cap.close()
    assert not wait_detached(veth)["attached"]
    got = chk.parse(path)
    assert [p[1] for p in got.packets] == frames
    assert [p[2] for p in got.packets] == [len(f) for f in frames]
    assert {p[3] for p in got.packets} == {EPB_INBOUND}
    assert all(t0 - 10**6 <= p[0] <= t1 + 10**6 for p in got.packets)
    desc = got.interfaces[0]["options"][3].decode()
    assert desc == f"AF_XDP {mode} copy mode, queue 0"
    assert summary.captured == summary.received == len(frames) and summary.dropped == 0
    assert got.isb[0]["usrdeliv"] == len(frames) and got.isb[0]["osdrop"] == 0
    if chk.have("tshark"):
        assert chk.tshark_count(path) == len(frames)


def test_filter_runs_in_xdp_and_the_rest_reaches_the_stack(veth, tmp_path):
    """Matching frames go to the file and not to the stack; the others reach a
    UDP socket and an AF_PACKET socket in B as if zcap were not there."""
    def sockets():
        udp9 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp9.bind(("0.0.0.0", 9))
        other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        other.bind(("0.0.0.0", 7777))
        raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        raw.bind((veth.if_b, 0))
        for s in (udp9, other, raw):
            s.settimeout(0.5)
        return udp9, other, raw

    udp9, other, raw = in_netns(veth.ns_b, sockets)
    program = compile_xdp("udp dst port 9")
    cap = in_netns(veth.ns_b, lambda: zcap.open_live(veth.if_b, xdp=True, program=program))
    match = [udp_frame(i, 100, dst_mac=MAC_B, dport=9) for i in range(10)]
    rest = [udp_frame(50 + i, 100, dst_mac=MAC_B, dport=7777) for i in range(10)]
    path = str(tmp_path / "f.pcapng")
    try:
        sink = PcapngSink(path, [cap.describe()])
        veth.send([f for pair in zip(match, rest, strict=True) for f in pair])
        summary = run(cap, [sink], count=len(match), duration=5)
        # The stack's packet socket sees the last frame sent (one of `rest`) only
        # after XDP has judged every frame: a stray one would be in the ring now.
        seen_raw = []
        try:
            while sum(f[12:14] == b"\x08\x00" for f in seen_raw) < len(rest):
                seen_raw.append(raw.recv(4096))
        except TimeoutError:
            pass
        summary2 = run(cap, [sink], duration=0.2)
        sink.close(summary.per_interface)
    finally:
        cap.close()
    assert [p[1] for p in chk.parse(path).packets] == match
    assert summary2.captured == 0 and summary.received == len(match)
    delivered = []
    try:
        while True:
            delivered.append(other.recv(4096))
    except TimeoutError:
        pass
    with pytest.raises(TimeoutError):
        udp9.recv(4096)
    assert [seq_of(f) for f in seen_raw if f[12:14] == b"\x08\x00"] == [seq_of(f) for f in rest]
    assert [struct.unpack_from("!I", d)[0] for d in delivered] == [seq_of(f) for f in rest]
    for s in (udp9, other, raw):
        s.close()


def test_timestamps_are_kernel_arrival_times(veth):
    src = open_source(veth)
    sent = []
    try:
        with veth.sender() as s:
            for i in range(20):
                t = time.time_ns()
                s.send(udp_frame(i, 80))
                sent.append(t)
                time.sleep(0.003)
        got = drain(src, 20)
    finally:
        src.close()
    assert len(got) == 20
    # The frames waited in the ring up to 60 ms before being read: read-time stamps
    # would show it. Softirq scheduling on a busy 2-CPU VM delays the odd frame.
    lags = sorted(ts - t for (_d, ts, _w, _q), t in zip(got, sent, strict=True))
    assert lags[0] >= 0 and lags[-1] < 10_000_000, lags
    assert sum(lag < 1_000_000 for lag in lags) >= 18 and lags[10] < 500_000, lags
    assert src.read_stats().delivered == 20


def test_every_queue_gets_a_socket(veth):
    for ns, ifname in ((veth.ns_a, veth.if_a), (veth.ns_b, veth.if_b)):
        set_channels(veth, ns, ifname, 2)
    src = open_source(veth)
    try:
        assert src.description == "AF_XDP native copy mode, queues 0-1"
        frames = [udp_frame(i, 70, dport=1000 + i) for i in range(80)]     # many flows
        veth.send(frames)
        wait_until(lambda: src.ring_occupancy()[0] >= 80, "80 frames in the RX rings")
        used, size = src.ring_occupancy()
        assert used == 80 and size == 2 * 8192          # 32 MiB of 2 KiB frames, 2 queues
        got = drain(src, len(frames))
        assert src.ring_occupancy()[0] == 0
    finally:
        src.close()
    assert sorted(seq_of(d) for d, *_ in got) == list(range(80))
    assert {q for *_, q in got} == {0, 1}


def test_one_queue_only_leaves_the_others_to_the_stack(veth):
    for ns, ifname in ((veth.ns_a, veth.if_a), (veth.ns_b, veth.if_b)):
        set_channels(veth, ns, ifname, 2)
    src = open_source(veth, queues=[1])
    try:
        assert src.description.endswith("queue 1")
        veth.send([udp_frame(i, 70, dport=1000 + i) for i in range(60)])
        got = drain(src, 60, timeout=1.0)
    finally:
        src.close()
    assert got and len(got) < 60 and {q for *_, q in got} == {1}
    with pytest.raises(ZcapError, match="no RX queue 5"):
        open_source(veth, queues=[5])


def test_drops_are_counted_once(veth):
    """A full RX ring, then an empty fill ring: received = delivered + dropped
    exactly (a fill-ring-empty drop is also in rx_dropped; it is not added twice)."""
    for frames, rx_size in ((64, 32), (32, 64)):
        src = open_source(veth, frames=frames, rx_size=rx_size)
        try:
            veth.send([udp_frame(i, 64) for i in range(200)])
            wait_until(lambda src=src: src.ring_occupancy()[0] + src.read_stats().dropped >= 200,
                       "every frame in the ring or counted dropped")
            got = drain(src, 200, timeout=0.5)
            stats = src.read_stats()
        finally:
            src.close()
        assert len(got) == min(frames, rx_size) == stats.delivered
        assert stats.received == 200 and stats.dropped == 200 - len(got)
        if frames > rx_size:
            assert stats.rx_ring_full == stats.dropped
        else:
            assert stats.rx_fill_ring_empty == stats.rx_dropped == stats.dropped


def test_filter_that_cannot_translate_runs_in_user_space(veth, caplog):
    # the ancillary load is on the non-IPv4 path only: IPv4 frames are accepted
    program = [(0x28, 0, 0, 12), (0x15, 1, 0, 0x0800), (0x20, 0, 0, 0xFFFFF004),
               (0x06, 0, 0, 262144)]
    src = open_source(veth, program=program)
    try:
        assert "filter in user space" in src.description
        arp_like = [f[:12] + b"\x08\x06" + f[14:] for f in (udp_frame(i, 60) for i in range(5))]
        veth.send([udp_frame(100 + i, 60) for i in range(5)] + arp_like)
        got = drain(src, 5, timeout=1.0)
    finally:
        src.close()
    assert sorted(seq_of(d) for d, *_ in got) == list(range(100, 105))
    assert "filter runs in user space" in caplog.text        # the library logs, never prints


# -- attaching and detaching ------------------------------------------------------
def test_refuses_to_replace_a_foreign_program(veth):
    prog = syscall.prog_load(6, [isa.mov64(isa.R0, imm=isa.XDP_PASS), isa.exit_()],
                             name="foreign")

    def attach() -> None:
        from pyroute2 import IPRoute
        with IPRoute() as ipr:
            idx = ipr.link_lookup(ifname=veth.if_b)[0]
            ipr.link("set", index=idx, xdp={"attrs": [("IFLA_XDP_FD", prog),
                                                      ("IFLA_XDP_FLAGS", 2)]})
    in_netns(veth.ns_b, attach)
    foreign = xdp_state(veth)["prog_id"]
    try:
        with pytest.raises(ZcapError, match=r"already has an XDP program attached \(id \d+, skb"):
            open_source(veth)
        with pytest.raises(ZcapError, match="already has an XDP program"):
            open_source(veth, mode="native")
        assert xdp_state(veth)["prog_id"] == foreign
    finally:
        os.close(prog)


def test_netlink_attach_is_detached_on_close(veth):
    src = open_source(veth, attach="netlink", mode="skb")
    try:
        assert xdp_state(veth)["attached"]
        veth.send([udp_frame(i, 60) for i in range(5)])
        assert len(drain(src, 5)) == 5
    finally:
        in_netns(veth.ns_b, src.close)       # netlink detaches in the capture's namespace
    assert not xdp_state(veth)["attached"]


def test_interface_removed_during_capture(veth):
    src = open_source(veth)
    try:
        subprocess.run(["ip", "-n", veth.ns_a, "link", "del", veth.if_a], check=True,
                       timeout=30)
        with pytest.raises(InterfaceError, match="was removed"):
            for _ in range(20):
                src.next_batch(100)
    finally:
        src.close()
    src.close()                                                # idempotent


CAPTURE_SCRIPT = """
import sys
import zcap
from zcap.capture import run
from zcap.sinks.pcapng import PcapngSink
cap = zcap.open_live(sys.argv[1], xdp=True, xdp_mode=sys.argv[3] or None)
try:
    sink = PcapngSink(sys.argv[2], [cap.describe()])
    print("listening on", sys.argv[1], file=sys.stderr, flush=True)
    summary = run(cap, [sink])
    sink.close(summary.per_interface)
finally:
    cap.close()
print("closed", file=sys.stderr, flush=True)
"""


def start_script(veth, path: str, mode: str = "") -> Zcap:
    proc = subprocess.Popen(["ip", "netns", "exec", veth.ns_b, sys.executable, "-c",
                             CAPTURE_SCRIPT, veth.if_b, path, mode],
                            stdout=subprocess.PIPE if path == "-" else subprocess.DEVNULL,
                            stderr=subprocess.PIPE, close_fds=True)
    veth.procs.append(proc)
    z = Zcap(proc)
    z.wait_listening()
    return z


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL", "error"])
def test_no_program_left_attached(veth, tmp_path, how):
    path = "-" if how == "error" else str(tmp_path / "k.pcapng")
    z = start_script(veth, path, "skb" if how == "SIGKILL" else "")
    assert xdp_state(veth)["attached"], z.stderr
    if how == "error":
        z.proc.stdout.close()                                # the reader goes away
        veth.send([udp_frame(i, 60) for i in range(3)])      # so the write fails
        rc = z.wait(20)
        assert rc != 0 and "broken pipe" in z.stderr and "closed" not in z.stderr
    else:
        veth.send([udp_frame(i, 60) for i in range(3)])
        wait_packets(path, 3)
        rc = z.stop(getattr(signal, how))
        if how == "SIGINT":
            assert rc == 0 and "closed" in z.stderr, z.stderr
            assert len(chk.parse(path).packets) == 3
        else:
            assert rc == -signal.SIGKILL
    assert not wait_detached(veth)["attached"]


# -- through the CLI ------------------------------------------------------------
def test_cli_filter_in_xdp(veth, tmp_path):
    path = str(tmp_path / "cli.pcapng")
    z = veth.zcap("-i", veth.if_b, "--xdp", "--xdp-mode", "skb", "-w", path, "-c", "5",
                  "vlan 10 and udp dst port 9")
    match = [udp_frame(i, 90, vlan=10, dport=9) for i in range(5)]
    other = [udp_frame(10 + i, 90, vlan=10, dport=7) for i in range(5)]
    veth.send([f for pair in zip(other, match, strict=True) for f in pair])
    assert z.wait(30) == 0, z.stderr
    # compiled for frames that keep their tag (kernel=False): it runs inside XDP
    assert "user space" not in z.stderr and "copy mode" in z.stderr, z.stderr
    got = chk.parse(path)
    assert [p[1] for p in got.packets] == match
    assert got.interfaces[0]["options"][3].decode().startswith("AF_XDP skb copy mode")
    assert z.summary() == {"captured": 5, "received": 5, "dropped": 0}
    assert not wait_detached(veth)["attached"]


def test_cli_one_queue_until_sigint(veth, tmp_path):
    path = str(tmp_path / "q.pcapng")
    z = veth.zcap("-i", veth.if_b, "--xdp", "--queue", "0", "-w", path)
    assert xdp_state(veth)["attached"] == "native"
    veth.send([udp_frame(i, 60) for i in range(3)])
    z.settle(3)
    assert z.stop(signal.SIGINT) == 0, z.stderr
    assert len(chk.parse(path).packets) == 3
    assert not wait_detached(veth)["attached"]


def test_cli_jumbo_mtu_is_refused(veth, tmp_path):
    """A frame must fit a 4 KiB UMEM chunk after the kernel's 256-byte headroom:
    MTU 3818 (a 3832-byte frame, room for a tag) is captured whole in skb mode,
    a jumbo MTU is refused before anything is attached."""
    path = str(tmp_path / "big.pcapng")
    veth.set_mtu(3818)
    z = veth.zcap("-i", veth.if_b, "--xdp", "--xdp-mode", "skb", "-w", path, "-c", "2")
    frames = [udp_frame(i, 3818 + 14) for i in range(2)]
    veth.send(frames)
    assert z.wait(30) == 0, z.stderr
    assert [p[1] for p in chk.parse(path).packets] == frames
    veth.set_mtu(9000)
    proc = subprocess.run(["ip", "netns", "exec", veth.ns_b, sys.executable, "-m", "zcap",
                           "-i", veth.if_b, "--xdp", "-w", path], capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"zcap: {veth.if_b}: MTU 9000 is too large for AF_XDP "
                                   "frames of 4096 bytes; capture it without --xdp")
    assert not xdp_state(veth)["attached"]


def test_cli_all_queues(veth, tmp_path):
    for ns, ifname in ((veth.ns_a, veth.if_a), (veth.ns_b, veth.if_b)):
        set_channels(veth, ns, ifname, 2)
    path = str(tmp_path / "all.pcapng")
    frames = [udp_frame(i, 70, dport=1000 + i) for i in range(80)]     # many flows
    z = veth.zcap("-i", veth.if_b, "--xdp", "--all-queues", "-w", path, "-c", "80")
    assert "AF_XDP native copy mode, queues 0-1" in z.stderr, z.stderr
    veth.send(frames)
    assert z.wait(30) == 0, z.stderr
    got = chk.parse(path)
    assert sorted(seq_of(p[1]) for p in got.packets) == list(range(80))
    assert got.interfaces[0]["options"][3] == b"AF_XDP native copy mode, queues 0-1"
    assert not wait_detached(veth)["attached"]
