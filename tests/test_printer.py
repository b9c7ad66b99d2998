"""The printer against tcpdump itself: the same files, the same flags, the
same text. Both run with TZ=UTC."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zcap.packet import Packet
from zcap.printer import Printer, PrintOptions

from . import read_corpus as rc
from .print_oracle import options_from_flags, tcpdump_text, zcap_text  # noqa: F401

FLAG_SETS = ["", "-e", "-v", "-vv", "-q", "-q -e", "-e -v", "-t", "-tt", "-ttt", "-tttt",
             "-ttttt", "-x", "-xx", "-X", "-XX", "-#", "-e -x", "-v -X"]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("corpus")
    files = {
        "eth": d / "eth.pcap", "sll2": d / "sll2.pcap", "raw": d / "raw.pcap",
        "ipv4": d / "ipv4.pcap", "ipv6": d / "ipv6.pcap", "nano": d / "nano.pcap",
    }
    rc.write_pcap(str(files["eth"]), rc.ethernet_frames())
    rc.write_pcap(str(files["nano"]), rc.ethernet_frames(), nano=True, big_endian=True,
                  step_ns=777_777_777)
    rc.write_pcap(str(files["sll2"]), rc.sll2_frames(), linktype=rc.LINKTYPE_LINUX_SLL2)
    rc.write_pcap(str(files["raw"]), rc.raw_frames(), linktype=rc.LINKTYPE_RAW)
    rc.write_pcap(str(files["ipv4"]), rc.raw_frames()[:1], linktype=rc.LINKTYPE_IPV4)
    rc.write_pcap(str(files["ipv6"]), rc.raw_frames()[1:], linktype=rc.LINKTYPE_IPV6)
    png = d / "eth.pcapng"
    subprocess.run(["editcap", "-F", "pcapng", str(files["eth"]), str(png)], check=True)
    files["pcapng"] = png
    return files


@pytest.mark.parametrize("flags", FLAG_SETS)
@pytest.mark.parametrize("name", ["eth", "sll2", "raw", "ipv4", "ipv6", "pcapng"])
def test_same_text_as_tcpdump(corpus: dict[str, Path], name: str, flags: str) -> None:
    ours, theirs = zcap_text(corpus[name], flags), tcpdump_text(corpus[name], flags)
    assert ours.splitlines() == theirs.splitlines()


@pytest.mark.parametrize("flags", ["--nano", "-tt --nano", "-ttttt --nano", "-tttt --nano"])
def test_nanosecond_stamps(corpus: dict[str, Path], flags: str) -> None:
    ours, theirs = zcap_text(corpus["nano"], flags), tcpdump_text(corpus["nano"], flags)
    assert ours.splitlines() == theirs.splitlines()


def _loopback_traffic() -> None:
    """TCP with data both ways, a UDP datagram to a closed port (ICMP reply)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    port = srv.getsockname()[1]

    def serve() -> None:
        c, _ = srv.accept()
        c.recv(100)
        c.sendall(b"HTTP/1.0 200 OK\r\n\r\nhello")
        c.close()

    t = threading.Thread(target=serve)
    t.start()
    cli = socket.create_connection(("127.0.0.1", port))
    cli.sendall(b"GET / HTTP/1.0\r\n\r\n")
    cli.recv(100)
    cli.close()
    t.join()
    srv.close()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"x" * 20, ("127.0.0.1", 9))  # discard port: nobody listens -> ICMP
    u.close()
    u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u6.sendto(b"y" * 20, ("::1", 9))
    u6.close()


@pytest.fixture(scope="module")
def live_capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real packets: tcpdump records our own loopback traffic."""
    assert shutil.which("tcpdump"), "tcpdump is a test requirement"
    path = tmp_path_factory.mktemp("live") / "lo.pcap"
    proc = subprocess.Popen(["tcpdump", "-i", "lo", "-U", "--immediate-mode", "-n", "-w",
                             str(path), "not port 22"], stderr=subprocess.PIPE)
    # wait until tcpdump says it listens, so no packet is missed
    assert proc.stderr is not None
    proc.stderr.readline()
    time.sleep(0.3)
    _loopback_traffic()
    time.sleep(0.5)
    proc.terminate()
    proc.wait(10)
    return path


@pytest.mark.parametrize("flags", ["", "-e", "-v", "-tt -q", "-X"])
def test_real_loopback_capture(live_capture: Path, flags: str) -> None:
    plain = tcpdump_text(live_capture, "")
    assert "Flags [S]" in plain and "udp port 9 unreachable" in plain
    theirs = tcpdump_text(live_capture, flags)
    assert zcap_text(live_capture, flags).splitlines() == theirs.splitlines()


def test_numbering_and_line_buffering() -> None:
    class Spy(io.StringIO):
        flushes = 0

        def flush(self) -> None:
            Spy.flushes += 1

    out = Spy()
    p = Printer(out, PrintOptions(number=True, tstamp=2, line_buffered=True))
    frame = rc.ethernet_frames()[14]
    for i in range(3):
        p.print_packet(Packet(ts_ns=i * 1_500_000_000, wirelen=len(frame), data=frame,
                              ifid=0, linktype=1))
    lines = out.getvalue().splitlines()
    assert [ln[:19] for ln in lines] == ["    1  0.000000 IP ", "    2  1.500000 IP ",
                                         "    3  3.000000 IP "]
    assert Spy.flushes == 3


@settings(max_examples=300, deadline=None)
@given(linktype=st.sampled_from([0, 1, 101, 113, 228, 229, 276, 147]),
       data=st.binary(max_size=120),
       flags=st.sampled_from(["", "-v -e", "-vv -X", "-q"]))
def test_garbage_never_raises(linktype: int, data: bytes, flags: str) -> None:
    p = Printer(io.StringIO(), options_from_flags(flags))
    text = p.format_packet(Packet(ts_ns=0, wirelen=len(data), data=data, ifid=0,
                                  linktype=linktype))
    assert isinstance(text, str)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(rc.ethernet_frames()) - 1), st.data())
def test_mangled_real_frames_never_raise(index: int, data: st.DataObject) -> None:
    frame = bytearray(rc.ethernet_frames()[index])
    for _ in range(data.draw(st.integers(1, 6))):
        pos = data.draw(st.integers(0, len(frame) - 1))
        frame[pos] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(frame)))
    p = Printer(io.StringIO(), options_from_flags(data.draw(st.sampled_from(["", "-vv -e"]))))
    assert p.format_packet(Packet(ts_ns=0, wirelen=len(frame), data=bytes(frame[:cut]),
                                  ifid=0, linktype=1))
