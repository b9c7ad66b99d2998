"""Ring to disk through the command line: `zcap -i IF -w FILE` rewrites ring
blocks in place and writes them with direct I/O on the disk, with plain
writes on tmpfs and into a pipe, and with the buffered writer for --no-direct.
Each file is read back by tshark, capinfos, tcpdump -r, editcap and dpkt.

Files go to the machine's disk (/var/tmp, checked not to be tmpfs) or to
/dev/shm (tmpfs); the listening line says which writer the CLI chose."""

import os
import shutil
import signal
import subprocess
import sys

import pytest

from . import pcapng_check as chk
from .frames import udp_frame
from .test_direct import check_readers, disk_dir, mixed_frames, shm_dir, tiny_ext4  # noqa: F401

DIRECT = "writing pcapng with direct I/O"
PLAIN = "writing pcapng from the ring with plain writes"
BUFFERED = "writing pcapng buffered"

pytestmark = pytest.mark.skipif(not all(chk.have(t) for t in ("tshark", "capinfos", "tcpdump",
                                                                "editcap")),
                                reason="needs tshark, capinfos, editcap and tcpdump")


def fs_type(path: str) -> str:
    return subprocess.run(["stat", "-f", "-c", "%T", path], capture_output=True, text=True,
                          check=True, timeout=30).stdout.strip()


def listening(z) -> str:
    return next(line for line in z.stderr.splitlines() if "listening on" in line)


def test_disk_is_not_tmpfs_and_shm_is(disk_dir, shm_dir):  # noqa: F811
    """The premise of the tests below: /var/tmp is on the real disk."""
    assert fs_type(disk_dir) != "tmpfs" and fs_type(shm_dir) == "tmpfs"


@pytest.mark.parametrize("where, mode", [("disk", DIRECT), ("tmpfs", PLAIN),
                                         ("nodirect", BUFFERED)], ids=["disk", "tmpfs",
                                                                       "nodirect"])
def test_frames_byte_exact_in_every_mode(veth, where, mode, disk_dir, shm_dir):  # noqa: F811
    veth.set_mtu(9000)
    frames = mixed_frames() + [udp_frame(200 + i, 9000) for i in range(3)]
    frames += [udp_frame(300, 1514, vlan=99), udp_frame(301, 9000, vlan=4094)]
    path = os.path.join(shm_dir if where == "tmpfs" else disk_dir, "f.pcapng")
    extra = ["--no-direct"] if where == "nodirect" else []
    z = veth.zcap("-i", veth.if_b, "-w", path, "-c", str(len(frames)), *extra)
    veth.send(frames)
    assert z.wait(30) == 0, z.stderr
    assert listening(z).startswith(f"zcap: listening on {veth.if_b}, link-type EN10MB")
    assert listening(z).endswith(", " + mode), z.stderr
    assert z.summary()["captured"] == len(frames)
    check_readers(path, frames)
    assert chk.parse(path).isb[0]["usrdeliv"] == len(frames)


@pytest.mark.parametrize("count", [1, 17, 39])
def test_count_ends_inside_a_block(veth, disk_dir, count):  # noqa: F811
    """-c N with 40 frames in one burst: the block is cut after packet N."""
    frames = [udp_frame(i, [60, 1514, 300, 64][i % 4]) for i in range(40)]
    path = os.path.join(disk_dir, f"c{count}.pcapng")
    z = veth.zcap("-i", veth.if_b, "-w", path, "-c", str(count))
    veth.send(frames)
    assert z.wait(30) == 0, z.stderr
    assert DIRECT in listening(z)
    assert z.summary()["captured"] == count
    check_readers(path, frames[:count])


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_signal_mid_stream_writes_what_the_ring_holds(veth, disk_dir, sig):  # noqa: F811
    """Stopped while frames still arrive: every packet the filter let in is in
    the file or counted as dropped, and the file is whole."""
    frames = [udp_frame(i, 1514 if i % 3 else 60) for i in range(3000)]
    path = os.path.join(disk_dir, "sig.pcapng")
    z = veth.zcap("-i", veth.if_b, "-w", path)
    with veth.sender() as s:
        for i, f in enumerate(frames):
            s.send(f)
            if i == 2000:
                z.proc.send_signal(sig)
    assert z.wait(30) == 0, z.stderr
    s = z.summary()
    back = chk.dpkt_frames(path)
    assert len(back) == s["captured"] > 0
    assert s["captured"] + s["dropped"] == s["received"]
    assert back == frames[:len(back)]                 # in order, none lost in between
    check_readers(path, back)


def test_printer_and_file_both_see_every_packet(veth, disk_dir):  # noqa: F811
    """The printer runs before the rewrite: it sees intact tpacket headers
    (a tagged frame's VLAN, each length) while the file gets them all too."""
    frames = [udp_frame(i, 60 + 100 * (i % 15), vlan=20 if i % 4 == 0 else None,
                        dport=7000 + i) for i in range(60)]
    path = os.path.join(disk_dir, "p.pcapng")
    z = veth.zcap("-i", veth.if_b, "-w", path, "--print", "-n", "-e", "-c", "60",
                  stdout=subprocess.PIPE)
    veth.send(frames)
    assert z.wait(30) == 0, z.stderr
    assert DIRECT in listening(z)
    lines = z.stdout.decode().splitlines()
    assert len(lines) == 60
    for i, line in enumerate(lines):
        assert f"198.18.0.2.{7000 + i}:" in line, line
        assert ("vlan 20" in line) == (i % 4 == 0), line
    check_readers(path, frames)


def test_tui_counters_beside_the_file(veth, disk_dir):  # noqa: F811
    """--tui without a terminal prints status lines from the counters, which
    run before the rewrite; the file is whole."""
    frames = [udp_frame(i, 1000) for i in range(25)]
    path = os.path.join(disk_dir, "t.pcapng")
    z = veth.zcap("-i", veth.if_b, "--tui", "-w", path)
    veth.send(frames)
    z.wait_stderr(lambda err: "25 packets (" in err, "a status line with 25 packets")
    assert z.stop() == 0, z.stderr
    assert DIRECT in listening(z)
    assert z.summary()["captured"] == 25
    check_readers(path, frames)


def test_pipe_gets_the_plain_in_place_writes(veth):
    frames = mixed_frames()
    z = veth.zcap("-i", veth.if_b, "-w", "-", "-c", str(len(frames)), stdout=subprocess.PIPE)
    veth.send(frames)
    assert z.wait(30) == 0, z.stderr
    assert PLAIN in listening(z)
    read = subprocess.run(["tshark", "-r", "-", "-T", "fields", "-e", "frame.len"],
                          input=z.stdout, capture_output=True, timeout=60)
    assert read.returncode == 0 and b"warn" not in read.stderr.lower(), read.stderr
    assert [int(n) for n in read.stdout.split()] == [len(f) for f in frames]
    dump = subprocess.run(["tcpdump", "-n", "-r", "-"], input=z.stdout, capture_output=True,
                          timeout=60)
    assert dump.returncode == 0
    assert sum(1 for line in dump.stdout.splitlines() if not line[:1].isspace()) == len(frames)


def rotated(directory: str, stem: str) -> list[str]:
    """The files of a -C rotation, in order (stem, stem1, stem2, ...)."""
    names = [n for n in os.listdir(directory) if n.startswith(stem)]
    return [os.path.join(directory, n) for n in
            sorted(names, key=lambda n: int(n[len(stem):] or 0))]


@pytest.mark.parametrize("where, mode", [("disk", DIRECT), ("tmpfs", PLAIN),
                                         ("nodirect", BUFFERED)], ids=["disk", "tmpfs",
                                                                       "nodirect"])
def test_size_rotation_splits_blocks_between_files(veth, where, mode, disk_dir,  # noqa: F811
                                                   shm_dir):  # noqa: F811
    """-C 100k with 300 frames in a burst: ring blocks are cut between files;
    every file is whole and valid, and together they hold each frame once,
    in order, with tcpdump's size rule (a file passes the size by one packet
    at most)."""
    frames = [udp_frame(i, [1514, 60, 900][i % 3]) for i in range(300)]
    d = shm_dir if where == "tmpfs" else disk_dir
    extra = ["--no-direct"] if where == "nodirect" else []
    z = veth.zcap("-i", veth.if_b, "-w", os.path.join(d, "r.pcapng"), "-C", "100k",
                  "-c", "300", *extra)
    veth.send(frames)
    assert z.wait(30) == 0, z.stderr
    assert listening(z).endswith(", " + mode), z.stderr
    files = rotated(d, "r.pcapng")
    assert len(files) >= 3
    back = []
    for path in files:
        got = chk.dpkt_frames(path)
        assert got, path
        assert chk.tshark_count(path) == chk.capinfos_count(path) == len(got)
        back += got
    assert back == frames
    for path in files[:-1]:          # the last packet started below 100 KiB
        size = os.path.getsize(path)
        cap = chk.parse(path)
        assert size - len(cap.packets[-1][1]) - 400 < 100 * 1024 <= size   # EPB, ISB


def test_time_rotation_through_direct_files(veth, disk_dir):  # noqa: F811
    """-G 1 over ~2.5 s of traffic: each file holds the packets of its
    interval, none lost or doubled."""
    import time

    frames = [udp_frame(i, 1000) for i in range(250)]
    z = veth.zcap("-i", veth.if_b, "-w", os.path.join(disk_dir, "g-%s.pcapng"), "-G", "1")
    with veth.sender() as s:
        for f in frames:
            s.send(f)
            time.sleep(0.01)
    z.settle(len(frames))
    assert z.stop() == 0, z.stderr
    assert DIRECT in listening(z)
    files = sorted(os.path.join(disk_dir, n) for n in os.listdir(disk_dir))
    assert len(files) >= 2
    back = []
    for path in files:
        start = int(os.path.basename(path)[2:-7])
        cap = chk.parse(path)
        stamps = [ts for ts, *_ in cap.packets]
        if not stamps:                # a quiet interval at the end (-G rotates on time)
            continue
        # an interval starts when its file is named, so within the second after
        assert start <= stamps[0] // 10**9 and stamps[-1] - stamps[0] < 10**9, path
        assert chk.tshark_count(path) == len(cap.packets)
        back += [p[1] for p in cap.packets]
    assert back == frames


def fill_until_full(veth, z, frames) -> None:
    """Send until zcap gives up on a full disk: exit 1, the last line says so."""
    with veth.sender() as s:
        for f in frames:
            if z.proc.poll() is not None:
                break
            s.send(f)
    assert z.wait(30) == 1, z.stderr
    assert "disk full" in z.stderr.strip().splitlines()[-1]
    assert "Traceback" not in z.stderr


@pytest.mark.skipif(not shutil.which("mkfs.ext4"), reason="needs mkfs.ext4")
def test_disk_full_through_the_cli(veth):
    """A small ext4 fills up: exit 1 with one line, the file cut back to its
    last whole packet, the summary's counts add up (the 4th line counts what
    the error kept out of the file)."""
    frames = [udp_frame(i, 1514) for i in range(8000)]      # ~12 MB into 8 MiB
    with tiny_ext4(8) as mnt:
        path = os.path.join(mnt, "full.pcapng")
        z = veth.zcap("-i", veth.if_b, "-w", path, "-B", "16384")
        assert DIRECT in listening(z)
        fill_until_full(veth, z, frames)
        s = z.summary()
        back = chk.dpkt_frames(path)
        assert 0 < len(back) == s["captured"]
        assert back == frames[:len(back)]
        assert s["captured"] + s["dropped"] + s.get("unwritten", 0) == s["received"]
        assert s.get("unwritten", 0) > 0
        assert chk.tshark_count(path) == len(back)


@pytest.mark.skipif(not shutil.which("mkfs.ext4"), reason="needs mkfs.ext4")
def test_disk_full_while_rotating(veth):
    """-C 2 on a small ext4 that fills up: the files before the last are
    whole, the last is cut back to its last whole packet, and together they
    hold the frames sent, in order, as many as the summary says."""
    frames = [udp_frame(i, 1514) for i in range(8000)]
    with tiny_ext4(8) as mnt:
        z = veth.zcap("-i", veth.if_b, "-w", os.path.join(mnt, "r.pcapng"), "-C", "2",
                      "-B", "16384")
        assert DIRECT in listening(z)
        fill_until_full(veth, z, frames)
        files = rotated(mnt, "r.pcapng")
        assert len(files) >= 2
        back = []
        for path in files:
            got = chk.dpkt_frames(path)
            assert chk.tshark_count(path) == len(got)
            back += got
        s = z.summary()
        assert 0 < len(back) == s["captured"]
        assert back == frames[:len(back)]
        assert s["captured"] + s["dropped"] + s.get("unwritten", 0) == s["received"]


def test_interface_removed_closes_the_file(veth, disk_dir):  # noqa: F811
    frames = [udp_frame(i, 700) for i in range(30)]
    path = os.path.join(disk_dir, "gone.pcapng")
    z = veth.zcap("-i", veth.if_b, "-w", path)
    veth.send(frames)
    z.settle(30)
    subprocess.run(["ip", "-n", veth.ns_a, "link", "del", veth.if_a], check=True, timeout=30)
    assert z.wait(15) == 1, z.stderr
    assert "went down or was removed" in z.stderr.strip().splitlines()[-1]
    assert "Traceback" not in z.stderr
    check_readers(path, frames)


def test_fanout_workers_each_write_directly(veth, disk_dir):  # noqa: F811
    """-j 2: each worker writes its own file from its own ring; together they
    hold every packet once, and the listening line names the write mode."""
    frames = [udp_frame(i, 300 + i % 1200, dport=30000 + i % 50) for i in range(400)]
    path = os.path.join(disk_dir, "j.pcapng")
    proc = subprocess.Popen(["ip", "netns", "exec", veth.ns_b, sys.executable, "-m", "zcap",
                             "-i", veth.if_b, "-j", "2", "-w", path, "-c", "400"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, close_fds=True)
    veth.procs.append(proc)
    err = b""
    while b"listening on" not in err and proc.poll() is None:
        err += os.read(proc.stderr.fileno(), 4096)
    veth.send(frames)
    _out, rest = proc.communicate(timeout=60)
    err += rest
    assert proc.returncode == 0, err
    line = next(ln for ln in err.decode().splitlines() if "listening on" in ln)
    assert line.endswith("2 fanout workers (hash), " + DIRECT), line
    parts = [os.path.join(disk_dir, f"j.{i}.pcapng") for i in range(2)]
    back = [f for p in parts for f in chk.dpkt_frames(p)]
    assert sorted(back) == sorted(frames)
    for p in parts:
        assert chk.tshark_count(p) == len(chk.dpkt_frames(p))


def test_write_trace_logs_every_write(veth, disk_dir, shm_dir, monkeypatch):  # noqa: F811
    """ZCAP_DIRECT_TRACE (a debug aid, off by default): a line per write with
    its duration, size, file offset, the ring's fill and the spill buffers in
    use; the logged writes tile the file from its start, with nothing missing
    or written twice."""
    trace = os.path.join(shm_dir, "trace.txt")
    monkeypatch.setenv("ZCAP_DIRECT_TRACE", trace)
    frames = [udp_frame(i, 1514) for i in range(600)]
    path = os.path.join(disk_dir, "traced.pcapng")
    z = veth.zcap("-i", veth.if_b, "-w", path, "-c", str(len(frames)))
    veth.send(frames)
    assert z.wait(30) == 0, z.stderr
    rows = [line.split() for line in open(trace).read().splitlines()]
    assert rows and all(len(r) == 7 and float(r[1]) >= 0 and int(r[6]) >= 0 for r in rows)
    kinds = {r[2] for r in rows}
    assert kinds <= {"ring", "spill", "staged", "unstage", "show", "fdatasync"}
    assert "fdatasync" in kinds
    assert kinds & {"ring", "spill", "staged", "unstage"}, kinds
    # The shown bytes are written again by the next aligned write: leave them out.
    writes = [(int(r[4]), int(r[3])) for r in rows if r[2] not in ("show", "fdatasync")]
    assert writes[0][0] == 0
    for (off, n), (nxt, _) in zip(writes, writes[1:], strict=False):
        assert off + n == nxt
    assert writes[-1][0] + writes[-1][1] == os.path.getsize(path)
    # Read while the sink rewrites a block: the block in hand at least.
    held, blocks = (int(x) for x in rows[-1][5].split("/"))
    assert 1 <= held <= blocks
    check_readers(path, frames)


def test_a_write_trace_that_cannot_be_opened_is_one_error_line(veth, disk_dir, monkeypatch):  # noqa: F811
    monkeypatch.setenv("ZCAP_DIRECT_TRACE", os.path.join(disk_dir, "no-such-dir", "t.txt"))
    z = veth.zcap("-i", veth.if_b, "-w", os.path.join(disk_dir, "t.pcapng"), "-c", "1")
    assert z.wait(30) == 1
    lines = z.stderr.strip().splitlines()
    assert lines == [f"zcap: ZCAP_DIRECT_TRACE={disk_dir}/no-such-dir/t.txt: "
                     "No such file or directory"], z.stderr
