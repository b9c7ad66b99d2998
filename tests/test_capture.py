"""Live capture on a veth pair: what is sent arrives in the file, exactly."""

import os
import signal
import struct
import subprocess
import time

import pytest

from . import pcapng_check as chk
from .frames import seq_of, udp_frame

EPB_IN = 1
EPB_PROMISC = 4 << 2


def capture(veth, frames, tmp_path, *args, name="out.pcapng"):
    """Run zcap -c len(frames) in B, send the frames from A; returns (zcap, path, t0, t1)."""
    path = str(tmp_path / name)
    z = veth.zcap("-i", veth.if_b, "-w", path, "-c", str(len(frames)), *args)
    t0 = time.time_ns()
    veth.send(frames)
    t1 = time.time_ns()
    assert z.wait(30) == 0, z.stderr
    return z, path, t0, t1


def check_readers(path, expected_count):
    assert chk.tshark_count(path) == expected_count
    assert chk.capinfos_count(path) == expected_count
    assert chk.tcpdump_count(path) == expected_count
    assert len(chk.dpkt_frames(path)) == expected_count


def test_frames_arrive_byte_identical(veth, tmp_path):
    frames = [udp_frame(i, size) for i, size in enumerate([60, 1500, 60, 1000, 1500, 64] * 5)]
    frames += [udp_frame(100 + i, 64, vlan=10 + i) for i in range(5)]
    z, path, t0, t1 = capture(veth, frames, tmp_path)
    cap = chk.parse(path)
    assert [p[1] for p in cap.packets] == frames
    assert [p[2] for p in cap.packets] == [len(f) for f in frames]
    assert chk.dpkt_frames(path) == frames
    check_readers(path, len(frames))
    stamps = [p[0] for p in cap.packets]
    assert stamps == sorted(stamps)
    assert all(t0 - 10**9 <= ts <= t1 + 10**9 for ts in stamps)
    # They were addressed to another host's MAC: inbound, seen in promiscuous mode.
    assert {p[3] for p in cap.packets} == {EPB_IN | EPB_PROMISC}
    idb = cap.interfaces[0]
    assert idb["linktype"] == 1 and idb["options"][2] == veth.if_b.encode()
    assert idb["options"][9] == b"\x09"
    summary = z.summary()
    assert summary == {"captured": len(frames), "received": len(frames), "dropped": 0}
    assert cap.isb[0]["filteraccept"] == summary["received"]
    assert cap.isb[0]["osdrop"] == summary["dropped"] == 0
    assert cap.isb[0]["usrdeliv"] == len(frames)
    assert cap.isb[0]["starttime"] <= stamps[0] <= stamps[-1] <= cap.isb[0]["endtime"]


def test_jumbo_frames(veth, tmp_path):
    veth.set_mtu(9000)
    frames = [udp_frame(i, 9000) for i in range(5)] + [udp_frame(9, 8000)]
    _z, path, *_ = capture(veth, frames, tmp_path)
    assert chk.dpkt_frames(path) == frames
    check_readers(path, len(frames))


def test_snaplen_truncates(veth, tmp_path):
    frames = [udp_frame(i, 1500) for i in range(10)] + [udp_frame(50, 70, vlan=7)]
    _z, path, *_ = capture(veth, frames, tmp_path, "-s", "100")
    cap = chk.parse(path)
    assert [len(p[1]) for p in cap.packets] == [100] * 10 + [70]
    assert [p[2] for p in cap.packets] == [1500] * 10 + [70]
    assert [p[1] for p in cap.packets] == [f[:100] for f in frames]
    assert cap.interfaces[0]["snaplen"] == 100
    check_readers(path, len(frames))


def test_count_is_exact_even_mid_block(veth, tmp_path):
    path = str(tmp_path / "c.pcapng")
    z = veth.zcap("-i", veth.if_b, "-w", path, "-c", "137")
    frames = [udp_frame(i, 60) for i in range(400)]
    veth.send(frames)
    assert z.wait(30) == 0, z.stderr
    assert [seq_of(f) for f in chk.dpkt_frames(path)] == list(range(137))
    assert z.summary()["captured"] == 137
    check_readers(path, 137)


def test_sigint_and_sigterm_close_the_file(veth, tmp_path):
    for sig in (signal.SIGINT, signal.SIGTERM):
        path = str(tmp_path / f"s{sig}.pcapng")
        z = veth.zcap("-i", veth.if_b, "-w", path)
        veth.send(udp_frame(i, 200) for i in range(50))
        z.settle(50)                       # the retire timer has handed over every block
        assert z.stop(sig) == 0, z.stderr
        cap = chk.parse(path)
        assert len(cap.packets) == 50 and len(cap.isb) == 1
        assert z.summary() == {"captured": 50, "received": 50, "dropped": 0}
        check_readers(path, 50)


def test_duration_stops_by_itself(veth, tmp_path):
    path = str(tmp_path / "d.pcapng")
    start = time.monotonic()
    z = veth.zcap("-i", veth.if_b, "-w", path, "--duration", "1")
    listening = time.monotonic()
    veth.send(udp_frame(i, 100) for i in range(10))
    assert z.wait(15) == 0, z.stderr
    end = time.monotonic()
    # The second starts when zcap listens (it said so before `listening`); only
    # the time to notice its line can come off the lower bound.
    assert end - start >= 1.0 and end - listening >= 0.9
    assert end - start < 10
    assert len(chk.parse(path).packets) == 10


def test_write_to_pipe_for_tshark(veth):
    z = veth.zcap("-i", veth.if_b, "-w", "-", "-c", "20", stdout=subprocess.PIPE)
    tshark = subprocess.Popen(["tshark", "-r", "-", "-T", "fields", "-e", "frame.len"],
                              stdin=z.proc.stdout, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    z.proc.stdout.close()
    veth.send(udp_frame(i, 300) for i in range(20))
    out, errs = tshark.communicate(timeout=60)
    assert z.wait(30) == 0, z.stderr
    assert out.split() == ["300"] * 20, errs


def test_any_writes_linux_sll2(veth, tmp_path):
    path = str(tmp_path / "any.pcapng")
    frames = [udp_frame(i, 120) for i in range(8)]
    z = veth.zcap("-i", "any", "-w", path, "-c", "8")
    veth.send(frames)
    assert z.wait(30) == 0, z.stderr
    cap = chk.parse(path)
    assert cap.interfaces[0]["linktype"] == 276
    ifindex = veth.ifindex(veth.ns_b, veth.if_b)
    for (_ts, data, wirelen, flags), sent in zip(cap.packets, frames, strict=True):
        proto, _res, idx, hatype, pkttype, halen = struct.unpack_from("!HHiHBB", data)
        assert (proto, idx, hatype, pkttype, halen) == (0x0800, ifindex, 1, 3, 6)
        assert data[12:18] == sent[6:12]             # the sender's MAC
        assert data[20:] == sent[14:]                # network header onwards
        assert wirelen == len(sent) - 14 + 20
        assert flags == EPB_IN | EPB_PROMISC
    check_readers(path, 8)


def test_drops_are_counted_not_lost(veth, tmp_path):
    """Sent = written + dropped, with a tiny ring overrun on purpose."""
    path = str(tmp_path / "drop.pcapng")
    z = veth.zcap("-i", veth.if_b, "-w", path, "-B", "128")
    pid = z.proc.pid                          # `ip netns exec` execs: same process
    os.kill(pid, signal.SIGSTOP)              # the reader stalls; the ring overflows
    try:
        sent = 3000
        veth.send(udp_frame(i, 1500) for i in range(sent))
    finally:
        os.kill(pid, signal.SIGCONT)
    z.settle(sent)                            # every one written or counted dropped
    assert z.stop() == 0, z.stderr
    written = len(chk.parse(path).packets)
    s = z.summary()
    assert s["dropped"] > 0
    assert s["captured"] == written
    assert written + s["dropped"] == sent == s["received"]
    assert chk.parse(path).isb[0]["osdrop"] == s["dropped"]
    check_readers(path, written)


def test_disk_full_leaves_a_readable_file(veth, tmp_path):
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)], check=True,
                   timeout=30)
    try:
        path = str(mnt / "full.pcapng")
        z = veth.zcap("-i", veth.if_b, "-w", path)
        veth.send(udp_frame(i, 1500) for i in range(400))
        rc = z.wait(30)
        assert rc == 1, z.stderr
        last = z.stderr.strip().splitlines()[-1]
        assert "disk full" in last and "Traceback" not in z.stderr
        written = z.summary()["captured"]
        assert 0 < written < 400
        assert chk.tshark_count(path) == written == len(chk.parse(path).packets)
    finally:
        subprocess.run(["umount", str(mnt)], check=True, timeout=30)


@pytest.mark.parametrize("how", ["down", "deleted"])
def test_interface_gone_during_capture(veth, tmp_path, how):
    path = str(tmp_path / "gone.pcapng")
    z = veth.zcap("-i", veth.if_b, "-w", path)
    veth.send(udp_frame(i, 100) for i in range(5))
    z.settle(5)
    if how == "down":
        subprocess.run(["ip", "-n", veth.ns_b, "link", "set", veth.if_b, "down"], check=True,
                       timeout=30)
    else:
        subprocess.run(["ip", "-n", veth.ns_a, "link", "del", veth.if_a], check=True,
                       timeout=30)
    rc = z.wait(15)
    assert rc == 1, z.stderr
    assert "went down or was removed" in z.stderr.strip().splitlines()[-1]
    assert "Traceback" not in z.stderr
    assert len(chk.parse(path).packets) == 5
    check_readers(path, 5)
