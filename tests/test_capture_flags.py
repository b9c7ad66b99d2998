"""Flags for long captures: direction, privilege drop, counters on demand, link types."""

import signal
import subprocess
import sys
import time

from . import pcapng_check as chk
from .frames import seq_of, udp_frame
from .netns import MAC_B
from .waiting import wait_packets


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
