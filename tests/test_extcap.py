"""zcap inside Wireshark: the extcap program, driven by the real tshark.

tshark finds `zcap-extcap` in a personal extcap folder under a temporary
HOME (never the system's folders), lists the zcap interfaces, and captures
through it inside a test namespace.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dpkt
import pytest

from zcap.extcap import SNAPLEN_MAX

from .frames import seq_of, udp_frame

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not shutil.which("tshark"), reason="needs tshark")


@pytest.fixture(scope="module")
def wireshark_home(tmp_path_factory):
    """A HOME whose personal extcap folder holds zcap-extcap, put there by zcap itself."""
    home = tmp_path_factory.mktemp("home")
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    proc = subprocess.run([sys.executable, "-m", "zcap", "--install-extcap"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    installed = [p for p in home.rglob("zcap-extcap")]
    assert len(installed) == 1 and os.access(installed[0], os.X_OK), proc.stderr
    return env


def extcap(env, *args: str, ns: str | None = None) -> subprocess.CompletedProcess:
    """The installed zcap-extcap, run as Wireshark runs it."""
    program = next(Path(env["HOME"]).rglob("zcap-extcap"))
    cmd = (["ip", "netns", "exec", ns] if ns else []) + [str(program), *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)


def tshark(env, ns: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", "netns", "exec", ns, "tshark", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_tshark_lists_the_zcap_interfaces(veth, wireshark_home):
    listed = tshark(wireshark_home, veth.ns_b, "-D")
    assert listed.returncode == 0, listed.stderr
    zcap_names = {line.split()[1] for line in listed.stdout.splitlines()
                  if len(line.split()) > 1 and line.split()[1].startswith("zcap-")}
    assert zcap_names == {"zcap-lo", f"zcap-{veth.if_b}", "zcap-any"}


def test_tshark_sees_the_link_types(veth, wireshark_home):
    types = tshark(wireshark_home, veth.ns_b, "-i", f"zcap-{veth.if_b}", "-L")
    assert types.returncode == 0, types.stderr
    assert "EN10MB" in types.stdout
    cooked = extcap(wireshark_home, "--extcap-dlts", "--extcap-interface", "zcap-any",
                    ns=veth.ns_b)
    assert cooked.stdout == "dlt {number=276}{name=LINUX_SLL2}{display=Linux cooked v2}\n"


def _packet_socket_on(ns: str, ifindex: int) -> bool:
    """Whether a packet socket in ``ns`` is bound to ``ifindex`` (zcap's, once it listens)."""
    table = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/packet"],
                           capture_output=True, text=True, check=True).stdout
    return any(line.split()[4] == str(ifindex) for line in table.splitlines()[1:])


def test_tshark_captures_every_frame_through_zcap(veth, wireshark_home, tmp_path):
    out = tmp_path / "out.pcapng"
    ifindex = veth.ifindex(veth.ns_b, veth.if_b)
    proc = subprocess.Popen(["ip", "netns", "exec", veth.ns_b, "tshark", "-i",
                             f"zcap-{veth.if_b}", "-c", "100", "-w", str(out)],
                            env=wireshark_home, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        end = time.monotonic() + 30
        while not _packet_socket_on(veth.ns_b, ifindex):
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < end, "zcap never bound its socket"
            time.sleep(0.05)
        sent = [udp_frame(seq, 200) for seq in range(100)]
        veth.send(sent)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    with open(out, "rb") as f:
        reader = dpkt.pcapng.Reader(f)
        assert reader.datalink() == dpkt.pcap.DLT_EN10MB
        got = [bytes(buf) for _, buf in reader]
    assert sorted(seq_of(frame) for frame in got) == list(range(100))
    assert sorted(got) == sorted(sent)
    # Wireshark passed the snapshot length zcap-extcap offers, which keeps
    # every block within dumpcap's 256 KiB limit for pipes.
    assert reader.idb.snaplen == SNAPLEN_MAX
    # Stopping the capture in Wireshark stops zcap.
    end = time.monotonic() + 10
    while _captures_on(f"zcap-{veth.if_b}"):
        assert time.monotonic() < end, "zcap-extcap still runs after tshark stopped"
        time.sleep(0.1)


def _captures_on(iface: str) -> list[int]:
    """Processes running an extcap capture of ``iface``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--capture" in argv and iface.encode() in argv:
            found.append(int(pid))
    return found


def test_a_bad_capture_filter_is_refused(veth, wireshark_home):
    iface = f"zcap-{veth.if_b}"
    # Wireshark's filter check: the first line of stdout is the reason, none means valid.
    bad = extcap(wireshark_home, "--extcap-capture-filter", "tcp port",
                 "--extcap-interface", iface, ns=veth.ns_b)
    assert bad.returncode == 0 and bad.stdout.startswith("filter error"), bad
    assert "end of expression" in bad.stdout.splitlines()[0]
    good = extcap(wireshark_home, "--extcap-capture-filter", "udp port 9 and not vlan",
                  "--extcap-interface", iface, ns=veth.ns_b)
    assert good.returncode == 0 and good.stdout == "", good
    # tshark hands the filter to the capture itself: zcap refuses it there too.
    run = tshark(wireshark_home, veth.ns_b, "-i", iface, "-f", "tcp port", "-c", "1",
                 timeout=30)
    assert run.returncode != 0
    assert "filter error: syntax error" in run.stderr


def test_bad_requests_get_one_line(wireshark_home):
    too_long = extcap(wireshark_home, "--capture", "--fifo", "/nonexistent/fifo",
                      "--extcap-interface", "zcap-lo", "--snaplen", str(SNAPLEN_MAX + 1))
    assert too_long.returncode == 2
    assert too_long.stderr.count("\n") == 1 and "256 KiB" in too_long.stderr
    not_ours = extcap(wireshark_home, "--extcap-dlts", "--extcap-interface", "eth0")
    assert not_ours.returncode == 2 and "not a zcap interface" in not_ours.stderr
    assert "Traceback" not in too_long.stderr + not_ours.stderr


def test_config_offers_what_capture_accepts(wireshark_home):
    config = extcap(wireshark_home, "--extcap-config")
    assert config.returncode == 0
    calls = [line.split("{call=")[1].split("}")[0] for line in config.stdout.splitlines()]
    assert calls == ["--snaplen", "--ring-kib", "--xdp"]
    assert f"{{default={SNAPLEN_MAX}}}" in config.stdout
