"""End to end through the CLI: filters in the kernel, printing, reading files back."""

import io
import os
import struct
import subprocess
import sys

from . import pcapng_check as chk
from .frames import seq_of, udp_frame
from .waiting import wait_until

ENV = {**os.environ, "TZ": "UTC"}


def zcap(*args, stdin=None, timeout=60):
    return subprocess.run([sys.executable, "-m", "zcap", *args], capture_output=True,
                          text=True, timeout=timeout, env=ENV, stdin=stdin)


def mixed_frames():
    """UDP to ports 9 and 5001, some of them VLAN-tagged, with known sequence numbers."""
    frames = []
    for i in range(40):
        frames.append(udp_frame(i, 80, dport=5001 if i % 4 == 0 else 9,
                                vlan=10 if i % 5 == 0 else None))
    return frames


def _frames_of(path):
    """The frames of a pcap file (of its whole records, while tcpdump writes it)."""
    import dpkt
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    if len(data) < 24:
        return []
    out = []
    try:
        for _ts, b in dpkt.pcap.Reader(io.BytesIO(data)):
            out.append(bytes(b))
    except (dpkt.NeedData, dpkt.UnpackError):
        pass                                # a record cut by the end of what is written
    return out


def test_kernel_filter_matches_what_tcpdump_captures(veth, tmp_path):
    """The reference is tcpdump itself on the same link at the same time: on
    Linux the kernel strips the outer tag, so `udp port 5001` also matches
    tagged frames, as with libpcap; `vlan` tests the tag the kernel kept aside."""
    from .netns import Zcap

    frames = mixed_frames()
    tagged = {seq_of(f) for f in frames if f[12:14] == b"\x81\x00"}
    expected = {
        "udp port 5001": {i for i in range(40) if i % 4 == 0},
        "vlan 10": tagged,
        "vlan and udp dst port 5001": {i for i in tagged if i % 4 == 0},
        # libpcap moves the headers 4 bytes after `vlan`, even after `not vlan`:
        # untagged frames are then read 4 bytes off and nothing matches.
        "not vlan and udp port 9": set(),
        "udp and not port 5001": {i for i in range(40) if i % 4},
    }
    for expr, want in expected.items():
        path, ref = str(tmp_path / "f.pcapng"), str(tmp_path / "ref.pcap")
        td = Zcap(subprocess.Popen(
            ["ip", "netns", "exec", veth.ns_b, "tcpdump", "-i", veth.if_b, "--immediate-mode",
             "-U", "-w", ref,
             expr], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        veth.procs.append(td.proc)
        td.wait_listening()
        z = veth.zcap("-i", veth.if_b, "-w", path, expr)
        veth.send(frames)
        z.settle(len(want))
        # tcpdump saw the same frames; -U writes each as it comes
        n_want = len(want)
        wait_until(lambda ref=ref, n=n_want: len(_frames_of(ref)) >= n,
                   f"tcpdump's file for {expr}")
        assert z.stop() == 0, z.stderr
        td.stop()
        got = chk.dpkt_frames(path)
        assert got == _frames_of(ref), expr
        assert {seq_of(f) for f in got} == want, expr
        assert z.summary()["received"] == len(want)
        idb = chk.parse(path).interfaces[0]
        assert idb["options"][11] == b"\x00" + expr.encode()          # if_filter


def test_filter_on_any(veth, tmp_path):
    path = str(tmp_path / "any.pcapng")
    frames = mixed_frames()
    z = veth.zcap("-i", "any", "-w", path, "udp port 5001")
    veth.send(frames)
    z.settle(10)
    assert z.stop() == 0, z.stderr
    got = [d[20:] for _ts, d, _w, _f in chk.parse(path).packets]
    # Cooked frames start at the network header; tags are never in them.
    assert got == [f[18:] if f[12:14] == b"\x81\x00" else f[14:]
                   for f in frames if seq_of(f) % 4 == 0]


def test_filter_syntax_error_points_at_the_fault(veth):
    proc = subprocess.run(["ip", "netns", "exec", veth.ns_b, sys.executable, "-m", "zcap",
                           "-i", veth.if_b, "-w", "/tmp/never.pcapng", "tcp", "port", "99999"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    lines = proc.stderr.rstrip("\n").splitlines()
    assert lines[0] == "tcp port 99999"
    assert lines[1] == " " * 9 + "^"
    assert "99999" in lines[2] and "Traceback" not in proc.stderr


def test_live_printing_and_default_interface(veth):
    frames = [udp_frame(i, 100, dport=5001 if i % 2 else 9) for i in range(6)]
    z = veth.zcap("-n", "-c", "6", "udp", stdout=subprocess.PIPE)   # no -i: the veth
    veth.send(frames)
    assert z.wait(30) == 0, z.stderr
    out = z.stdout.decode().splitlines()
    assert len(out) == 6
    assert all("IP 198.18.0.1.40000 > 198.18.0.2." in line for line in out)
    assert "listening on " + veth.if_b in z.stderr


def test_write_and_print_together(veth, tmp_path):
    path = str(tmp_path / "wp.pcapng")
    z = veth.zcap("-i", veth.if_b, "-w", path, "--print", "-c", "4", stdout=subprocess.PIPE)
    veth.send(udp_frame(i, 90) for i in range(4))
    assert z.wait(30) == 0, z.stderr
    assert len(z.stdout.decode().splitlines()) == 4
    assert len(chk.parse(path).packets) == 4


def _tcpdump_lines(*args):
    return subprocess.run(["tcpdump", "-n", *args], capture_output=True, text=True, env=ENV,
                          check=True, timeout=60).stdout.splitlines()


def test_read_prints_like_tcpdump_and_filters_like_it(veth, tmp_path):
    path = str(tmp_path / "r.pcapng")
    z = veth.zcap("-i", veth.if_b, "-w", path, "-c", "40")
    veth.send(mixed_frames())
    assert z.wait(30) == 0, z.stderr
    for flags in ([], ["-e"], ["-tt"], ["-v"]):
        proc = zcap("-n", "-r", path, *flags)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == _tcpdump_lines("-r", path, *flags), flags
    for expr in ("udp port 5001", "vlan", "vlan 10 and udp", "not vlan and port 9"):
        mine = zcap("-n", "-r", path, expr).stdout.splitlines()
        assert mine == _tcpdump_lines("-r", path, expr), expr
        out = str(tmp_path / "conv.pcapng")
        proc = zcap("-r", path, "-w", out, expr)
        assert proc.returncode == 0, proc.stderr
        assert chk.tshark_count(out) == len(mine)


def test_read_from_stdin_and_count(tmp_path, veth):
    path = str(tmp_path / "s.pcapng")
    z = veth.zcap("-i", veth.if_b, "-w", path, "-c", "10")
    veth.send(udp_frame(i, 70) for i in range(10))
    assert z.wait(30) == 0
    with open(path, "rb") as f:
        proc = zcap("-r", "-", "-c", "3", "-q", stdin=f)
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 3


def test_corrupt_file_reports_offset_after_good_packets(tmp_path, veth):
    path = str(tmp_path / "c.pcapng")
    z = veth.zcap("-i", veth.if_b, "-w", path, "-c", "5")
    veth.send(udp_frame(i, 200) for i in range(5))
    assert z.wait(30) == 0
    data = open(path, "rb").read()
    cut = str(tmp_path / "cut.pcapng")
    end = len(data) - 400
    open(cut, "wb").write(data[:end])
    # the block the cut falls in, and the packets in the whole blocks before it
    off = packets = 0
    while True:
        btype, total = struct.unpack_from("=II", data, off)
        if off + total > end:
            break
        packets += btype == 6
        off += total
    proc = zcap("-n", "-r", cut)
    assert proc.returncode == 1
    assert len(proc.stdout.splitlines()) == packets == 3
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("zcap: ") and last.endswith(f" at byte offset {off}")
    assert "Traceback" not in proc.stderr


def test_dump_takes_an_expression_after_double_dash():
    """(The text of -d/-dd/-ddd is compared with libpcap's in tests/filters.)"""
    import bpf_filters
    proc = zcap("-ddd", "--", "-len", "<", "0")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == bpf_filters.compile("-len < 0").as_decimal() + "\n"


def test_filter_from_file(tmp_path):
    f = tmp_path / "expr"
    f.write_text("udp and\n  port 53  # DNS only\n")
    assert zcap("-d", "-F", str(f)).stdout == zcap("-d", "udp and port 53").stdout
