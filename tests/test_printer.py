"""The printer against tcpdump itself: the same files, the same flags, the
same text. Both run with TZ=UTC."""

from __future__ import annotations

import io
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zcap.packet import Packet
from zcap.printer import Printer, PrintOptions
from zcap.printing.dispatch import record_problem

from . import read_corpus as rc
from .conftest import kernel_test_reason
from .netns import Zcap, create_pair, destroy_pair, in_netns
from .print_oracle import options_from_flags, tcpdump_text, zcap_text  # noqa: F401
from .waiting import wait_until

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
    subprocess.run(["editcap", "-F", "pcapng", str(files["eth"]), str(png)], check=True,
                   timeout=60)
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


END_MARK = b"zcap: end of test traffic"


def _loopback_traffic() -> None:
    """TCP with data both ways, a UDP datagram to a closed port (ICMP reply), the
    same over IPv6, and last a datagram to a bound port that ends the capture."""
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
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as end:
        sink.bind(("127.0.0.1", 0))
        end.sendto(END_MARK, sink.getsockname())


@pytest.fixture(scope="module")
def live_capture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Real packets: tcpdump records loopback traffic in a namespace of its own
    (the host's `lo` is never touched), with IPv6 on for that `lo` only."""
    assert shutil.which("tcpdump"), "tcpdump is a test requirement"
    reason = kernel_test_reason()
    if reason:
        pytest.skip(reason)
    path = tmp_path_factory.mktemp("live") / "lo.pcap"
    pair = create_pair()
    try:
        subprocess.run(["ip", "netns", "exec", pair.ns_b, "sysctl", "-qw",
                        "net.ipv6.conf.lo.disable_ipv6=0"], check=True, timeout=30)
        proc = subprocess.Popen(["ip", "netns", "exec", pair.ns_b, "tcpdump", "-i", "lo",
                                 "-U", "--immediate-mode", "-n", "-w", str(path)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        pair.procs.append(proc)
        Zcap(proc).wait_listening()            # tcpdump says it too, once bound
        in_netns(pair.ns_b, _loopback_traffic)
        wait_until(lambda: path.exists() and END_MARK in path.read_bytes(),
                   "the last datagram in tcpdump's file")
        proc.terminate()
        proc.wait(10)
        yield path
    finally:
        destroy_pair(pair)


@pytest.mark.parametrize("flags", ["", "-e", "-v", "-tt -q", "-X"])
def test_real_loopback_capture(live_capture: Path, flags: str) -> None:
    plain = tcpdump_text(live_capture, "")
    assert "Flags [S]" in plain and "udp port 9 unreachable" in plain
    assert "IP6 ::1" in plain and plain.count("\n") >= 12
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


HEX_LINE = re.compile(r"^\t0x([0-9a-f]{4}):  ((?:[0-9a-f]{2,4} )*[0-9a-f]{2,4})\s*(.*)$")


def check_text(text: str, ts_ns: int, flags: str, data: bytes, wirelen: int | None = None) -> None:
    """What any packet prints as, however damaged: a first line that starts with
    its time stamp (tcpdump's default format, UTC) and says something; then only
    indented continuation lines, no empty one. Hex dump lines count up 16 bytes at
    a time from 0x0000, their ASCII column matches their bytes, and each dump is
    a tail of the packet's bytes (-X: from the network header; tcpdump also dumps
    a payload it cannot decode)."""
    lines = text.split("\n")
    problem = record_problem(len(data), len(data) if wirelen is None else wirelen)
    if problem is not None:     # tcpdump names a senseless record and prints nothing else
        assert text == problem
        return
    secs, frac = divmod(ts_ns, 10**9)
    stamp = time.strftime("%H:%M:%S", time.gmtime(secs)) + f".{frac // 1000:06d} "
    assert lines[0].startswith(stamp) and len(lines[0]) > len(stamp), text
    dumps: list[bytes] = []
    with_ascii: list[bool] = []
    for line in lines[1:]:
        assert line[:1] in ("\t", " ") and line.strip(), text
        m = HEX_LINE.match(line)
        if not m:
            continue
        if int(m.group(1), 16) == 0:
            dumps.append(b"")
            with_ascii.append(bool(m.group(3)))
        assert dumps and int(m.group(1), 16) == len(dumps[-1]), text
        chunk = bytes.fromhex(m.group(2).replace(" ", ""))
        assert 0 < len(chunk) <= 16, text
        # A payload tcpdump cannot decode is dumped in hex alone (as
        # tcpdump's own unknown-data dump, without -X too); -X's has ASCII.
        ascii = "".join(chr(b) if 32 < b < 127 else "." for b in chunk)
        assert m.group(3) == (ascii if with_ascii[-1] else ""), text
        dumps[-1] += chunk
    assert all(data.endswith(d) for d in dumps), text
    if "-X" in flags and len(lines) > 1:
        assert dumps and with_ascii[-1], text


@settings(max_examples=300, deadline=None)
@given(linktype=st.sampled_from([0, 1, 101, 113, 228, 229, 276, 147]),
       data=st.binary(max_size=120), ts_ns=st.integers(0, 2**40 * 1000),
       flags=st.sampled_from(["", "-v -e", "-vv -X", "-q"]))
def test_garbage_prints_sound_text(linktype: int, data: bytes, ts_ns: int, flags: str) -> None:
    p = Printer(io.StringIO(), options_from_flags(flags))
    text = p.format_packet(Packet(ts_ns=ts_ns, wirelen=len(data), data=data, ifid=0,
                                  linktype=linktype))
    check_text(text, ts_ns, flags, data)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(rc.ethernet_frames()) - 1), st.data())
def test_mangled_real_frames_print_sound_text(index: int, data: st.DataObject) -> None:
    frame = bytearray(rc.ethernet_frames()[index])
    for _ in range(data.draw(st.integers(1, 6))):
        pos = data.draw(st.integers(0, len(frame) - 1))
        frame[pos] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(frame)))
    flags = data.draw(st.sampled_from(["", "-vv -e", "-X"]))
    p = Printer(io.StringIO(), options_from_flags(flags))
    text = p.format_packet(Packet(ts_ns=1_700_000_000_123_456_789, wirelen=len(frame),
                                  data=bytes(frame[:cut]), ifid=0, linktype=1))
    check_text(text, 1_700_000_000_123_456_789, flags, bytes(frame[:cut]), len(frame))
