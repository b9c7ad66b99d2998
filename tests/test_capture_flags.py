"""Flags for long captures: direction, privilege drop, counters on demand, link types."""

import gzip
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from pyroute2 import NetNS

from . import pcapng_check as chk
from .frames import seq_of, udp_frame
from .netns import MAC_B
from .waiting import wait_packets, wait_until


def test_direction_in_and_out(veth, tmp_path):
    inbound = [udp_frame(i, 90) for i in range(5)]
    outbound = [udp_frame(100 + i, 90, src_mac=MAC_B) for i in range(7)]
    for direction, want, flags in (("in", inbound, 1 | 4 << 2), ("out", outbound, 2)):
        path = str(tmp_path / f"{direction}.pcapng")
        z = veth.zcap("-i", veth.if_b, "-Q", direction, "-w", path)
        veth.send(inbound)
        veth.send(outbound, ns=veth.ns_b, ifname=veth.if_b)
        z.settle(len(want))           # and no more: the other direction stayed out
        assert z.stop() == 0, z.stderr
        cap = chk.parse(path)
        assert [p[1] for p in cap.packets] == want, direction
        assert {p[3] for p in cap.packets} == {flags}
    both = str(tmp_path / "both.pcapng")
    z = veth.zcap("-i", veth.if_b, "-w", both, "udp")
    veth.send(inbound)
    veth.send(outbound, ns=veth.ns_b, ifname=veth.if_b)
    z.settle(len(inbound) + len(outbound))
    assert z.stop() == 0
    assert sorted(seq_of(p[1]) for p in chk.parse(both).packets) == list(range(5)) + list(
        range(100, 107))


def _uid(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    raise AssertionError("no Uid line")


def test_relinquish_privileges(veth, tmp_path):
    tmp_path.chmod(0o777)
    path = str(tmp_path / "z.pcapng")
    z = veth.zcap("-i", veth.if_b, "-Z", "nobody", "-w", path)
    assert _uid(z.proc.pid) == 65534
    veth.send(udp_frame(i, 100) for i in range(12))
    z.settle(12)
    assert z.stop() == 0, z.stderr
    assert len(chk.parse(path).packets) == 12
    assert (tmp_path / "z.pcapng").stat().st_uid == 65534


def test_unknown_user_is_refused():
    proc = subprocess.run([sys.executable, "-m", "zcap", "-i", "lo", "-Z", "no-such-user-x",
                           "-w", "/tmp/x"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "zcap: -Z no-such-user-x: no such user"


def _reports(stderr: str, sigusr1: bool) -> list[str]:
    """The counter lines of --stats-interval (or, with ``sigusr1``, of SIGUSR1)."""
    prefix = "zcap: SIGUSR1: " if sigusr1 else "zcap: "
    return [ln for ln in stderr.splitlines() if ln.startswith(prefix)
            and ln.endswith("dropped by kernel") and (sigusr1 or "SIGUSR1" not in ln)]


def test_sigusr1_prints_counters_once_and_goes_on(veth, tmp_path):
    path = str(tmp_path / "u.pcapng")
    z = veth.zcap("-i", veth.if_b, "-w", path)
    veth.send(udp_frame(i, 100) for i in range(9))
    wait_packets(path, 9)
    z.proc.send_signal(signal.SIGUSR1)
    z.wait_stderr(lambda err: _reports(err, True), "the SIGUSR1 line")
    assert z.proc.poll() is None                      # still capturing
    veth.send(udp_frame(i, 100) for i in range(9, 12))
    wait_packets(path, 12)
    assert z.stop() == 0, z.stderr
    assert _reports(z.stderr, True) == [
        "zcap: SIGUSR1: 9 packets captured, 9 received by filter, 0 dropped by kernel"]
    assert _reports(z.stderr, False) == []            # no interval asked for
    assert len(chk.parse(path).packets) == 12


def test_stats_interval_lines_are_not_the_sigusr1_line(veth, tmp_path):
    path = str(tmp_path / "i.pcapng")
    z = veth.zcap("-i", veth.if_b, "-w", path, "--stats-interval", "0.2")
    veth.send(udp_frame(i, 100) for i in range(5))
    wait_packets(path, 5)
    line = "zcap: 5 packets captured, 5 received by filter, 0 dropped by kernel"
    z.wait_stderr(lambda err: _reports(err, False).count(line) >= 2, "two interval lines")
    assert _reports(z.stderr, True) == []             # no signal, no SIGUSR1 line
    z.proc.send_signal(signal.SIGUSR1)
    z.wait_stderr(lambda err: _reports(err, True), "the SIGUSR1 line")
    assert z.stop() == 0, z.stderr
    assert _reports(z.stderr, True) == [
        "zcap: SIGUSR1: 5 packets captured, 5 received by filter, 0 dropped by kernel"]


def test_list_link_types(veth):
    proc = subprocess.run(["ip", "netns", "exec", veth.ns_b, sys.executable, "-m", "zcap",
                           "-L", "-i", veth.if_b], capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == [
        f"Data link types for {veth.if_b} (use option -y to set):", "  EN10MB (Ethernet)"]


def test_rotation_through_the_cli(veth, tmp_path):
    path = tmp_path / "rot.pcapng"
    z = veth.zcap("-i", veth.if_b, "-w", str(path), "-C", "20k")
    veth.send(udp_frame(i, 300) for i in range(300))
    z.settle(300)
    assert z.stop() == 0, z.stderr
    files = sorted(tmp_path.glob("rot.pcapng*"), key=lambda p: (len(p.name), p.name))
    assert len(files) >= 4
    seqs = [seq_of(p[1]) for f in files for p in chk.parse(str(f)).packets]
    assert seqs == list(range(300))
    assert all(chk.tshark_count(str(f)) > 0 for f in files)


def test_time_rotation_with_file_count_stops_by_itself(veth, tmp_path):
    start = time.monotonic()
    z = veth.zcap("-i", veth.if_b, "-w", str(tmp_path / "g-%s.pcapng"), "-G", "1", "-W", "2")
    assert z.wait(20) == 0, z.stderr
    assert 1.5 < time.monotonic() - start < 15
    assert len(list(tmp_path.glob("g-*.pcapng"))) == 2


def test_postrotate_as_root_needs_a_user():
    proc = subprocess.run([sys.executable, "-m", "zcap", "-i", "lo", "-w", "/tmp/x.pcapng",
                           "-C", "1", "-z", "true"], capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("zcap: refusing to run a -z command as root: give -Z USER "
                                   "to run it as")


def _promiscuity(veth) -> int:
    """How many times B's end has been put into promiscuous mode (IFLA_PROMISCUITY)."""
    with NetNS(veth.ns_b) as ipr:
        link = ipr.get_links(ipr.link_lookup(ifname=veth.if_b)[0])[0]
        return link.get_attr("IFLA_PROMISCUITY")


def test_promiscuous_unless_p_and_snaplen_zero(veth, tmp_path):
    assert _promiscuity(veth) == 0
    frames = [udp_frame(i, 1500) for i in range(3)]
    path = str(tmp_path / "promisc.pcapng")
    z = veth.zcap("-i", veth.if_b, "-w", path)
    assert _promiscuity(veth) == 1                  # set while capturing...
    veth.send(frames)
    z.settle(3)
    assert z.stop() == 0, z.stderr
    assert _promiscuity(veth) == 0                  # ...and given back
    # -p leaves the interface alone; -s 0 is the default 262144 bytes
    path = str(tmp_path / "p.pcapng")
    z = veth.zcap("-i", veth.if_b, "-p", "-s", "0", "-w", path)
    assert "snapshot length 262144 bytes" in z.stderr
    assert _promiscuity(veth) == 0
    veth.send(frames)
    z.settle(3)
    assert z.stop() == 0, z.stderr
    cap = chk.parse(path)
    assert [p[1] for p in cap.packets] == frames and cap.interfaces[0]["snaplen"] == 262144


def test_linktype_for_a_live_capture(veth, tmp_path):
    path = str(tmp_path / "y.pcapng")
    z = veth.zcap("-i", veth.if_b, "-y", "EN10MB", "-w", path, "-c", "2")
    veth.send(udp_frame(i, 80) for i in range(2))
    assert z.wait(30) == 0, z.stderr
    assert chk.parse(path).interfaces[0]["linktype"] == 1
    proc = subprocess.run(["ip", "netns", "exec", veth.ns_b, sys.executable, "-m", "zcap",
                           "-i", veth.if_b, "-y", "LINUX_SLL2", "-w", path],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"zcap: link type LINUX_SLL2 is not available on "
                                   f"{veth.if_b} (it has EN10MB (Ethernet))")


@pytest.fixture
def open_dir():
    """A directory `nobody` can reach and write (pytest's own are root's only)."""
    path = Path(tempfile.mkdtemp(prefix="zcap-z-", dir="/tmp"))
    path.chmod(0o777)
    try:
        yield path
    finally:
        shutil.rmtree(path)


def test_postrotate_command_runs_as_the_user(veth, open_dir):
    """-C with -z gzip -Z nobody: every finished file, the last one included, is
    gzipped by `nobody`, and together they hold every packet once."""
    path = open_dir / "z.pcapng"
    z = veth.zcap("-i", veth.if_b, "-w", str(path), "-C", "20k", "-z", "gzip",
                  "-Z", "nobody")
    veth.send(udp_frame(i, 300) for i in range(200))
    z.settle(200)
    assert z.stop() == 0, z.stderr

    def all_gzipped() -> list[Path]:
        names = sorted(open_dir.iterdir(), key=lambda p: (len(p.name), p.name))
        return names if names and all(p.suffix == ".gz" for p in names) else []

    files = wait_until(all_gzipped, "every file gzipped")
    assert len(files) >= 3
    seqs = []
    for gz in files:
        assert gz.stat().st_uid == 65534                    # gzip ran as nobody
        plain = gz.with_suffix("")
        plain.write_bytes(gzip.decompress(gz.read_bytes()))
        seqs += [seq_of(p[1]) for p in chk.parse(str(plain)).packets]
        plain.unlink()
    assert seqs == list(range(200))
