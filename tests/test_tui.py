"""The live summary: rendering of a known state, rates, keys, the fallback
status line, a terminal that blocks, and the whole thing in tmux on a veth."""

import io
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from zcap.sinks.stats import StatsSink
from zcap.tui import CaptureInfo, Dashboard, ViewState, render
from zcap.tui.render import sparkline

from . import pcapng_check as chk
from .frames import udp_frame
from .test_stats import PktBatch, known_mix

REPO = Path(__file__).resolve().parent.parent


def screen(state: ViewState, width: int = 160, height: int = 50) -> str:
    console = Console(record=True, width=width, height=height, force_terminal=True)
    console.print(render(state, width, height))
    return console.export_text()


def known_state() -> tuple[StatsSink, ViewState]:
    """known_mix x10 counted twice, one second apart; drops, ring and file probed."""
    sink = StatsSink(kernel_stats=lambda: (100, 3), ring=lambda: (2, 32),
                     written=lambda: 123456)
    batch = PktBatch(known_mix() * 10)
    state = ViewState(CaptureInfo("veth0", "TPACKET_V3", "udp or tcp", "out.pcapng"))
    sink.consume(batch, batch.count)
    first = sink.snapshot()
    state.started = first.taken
    state.update(first)
    sink.consume(batch, batch.count)
    state.update(replace(sink.snapshot(), taken=first.taken + 1.0))
    return sink, state


def test_render_shows_the_numbers():
    _sink, state = known_state()
    text = screen(state)
    assert re.search(r"packets/s\s+190\b", text)                     # 190 frames in 1 s
    bits = sum(len(f) for f in known_mix()) * 10 * 8
    assert f"bits/s        {bits / 1000:.1f} kb/s" in text
    assert "total 380 pkts" in text
    assert "dropped 3 (3.00%)" in text and "ring 2/32 blocks" in text
    assert "written 123.5 kB" in text
    for header in ("veth0", "TPACKET_V3", "udp or tcp", "out.pcapng", "00:00:01"):
        assert header in text
    assert re.search(r"IPv4\s+320\s+82", text)                         # 82% of the bytes
    assert re.search(r"UDP\s+240\b", text) and re.search(r"ICMP\s+40\b", text)
    assert re.search(r"53/udp domain\s+100\b", text)
    assert re.search(r"443/tcp https\s+80\b", text)
    assert re.search(r"Top talkers by bytes\s", text)
    lines = text.splitlines()
    talker = next(i for i, line in enumerate(lines) if line.startswith("source"))
    assert re.match(r"198\.18\.0\.1\s+→ 198\.18\.0\.2\s+140\s+7\.3 kB", lines[talker + 2])
    assert re.search(r"UDP\s+198\.18\.0\.1:40000\s+↔ 198\.18\.0\.2:53\s+160\b", text)
    assert "approximate" not in text
    assert re.search(r"64-127\s+80\b", text)


def test_sort_key_changes_tables():
    _sink, state = known_state()
    assert state.cycle_sort() == "packets"
    text = screen(state)
    assert "Top talkers by packets" in text and "sort: packets" in text
    assert re.search(r"IPv4\s+320\s+84", text)                         # 84% of the packets


def test_narrow_screen_fits():
    _sink, state = known_state()
    text = screen(state, 80, 24)
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "Top talkers" in text and "Top conversations" in text
    assert re.search(r"198\.18\.0\.1\s+→ 198\.18\.0\.2", text)


def test_big_population_is_marked_approximate():
    from .test_stats import eth, ipv4, udp
    frames = [eth(ipv4(f"198.19.{i >> 8 & 255}.{i & 255}", "198.18.0.2", 17, udp(i, 9)), 0x0800)
              for i in range(3000)]
    sink = StatsSink()
    sink.consume(PktBatch(frames), len(frames))
    state = ViewState(CaptureInfo("f.pcap", "file"))
    state.update(sink.snapshot())
    text = screen(state)
    assert "Top talkers by bytes ≈ approximate" in text
    assert "Top conversations ≈ approximate" in text
    assert "Top dst ports" in text and "Top dst ports ≈" not in text   # one port: exact
    assert "~" in text


def test_rates_and_history():
    sink = StatsSink()
    state = ViewState(CaptureInfo("x", "file"))
    batch = PktBatch(known_mix())
    t0 = time.monotonic()
    for step in range(13):                           # 3 s of snapshots, 4 a second
        sink.consume(batch, batch.count)
        state.update(replace(sink.snapshot(), taken=t0 + step * 0.25))
    assert state.rates.pps == pytest.approx(19 * 4)
    assert state.rates.bps == pytest.approx(sum(len(f) for f in known_mix()) * 4 * 8)
    assert len(state.rates.pps_history) == 3
    state.reset(sink.snapshot().probe)
    assert state.rates.pps == 0 and not state.rates.pps_history and state.snap is None


def test_sparkline():
    assert sparkline([0, 5, 10], 10) == "▁▅█"
    assert sparkline([0, 0], 10) == "▁▁"
    assert sparkline(range(8), 4) == "▅▆▇█"              # the last 4, scaled to the top
    assert sparkline([], 5) == ""


def test_status_line_without_terminal():
    sink = StatsSink(kernel_stats=lambda: (7, 2), ring=lambda: (1, 8), written=lambda: 5000)
    out = io.StringIO()
    with Dashboard(sink, CaptureInfo("veth0", "TPACKET_V3"), interactive=False, stream=out,
                   status_every=0.1) as dash:
        batch = PktBatch(known_mix())
        deadline = time.monotonic() + 5
        while dash.frames < 3 and time.monotonic() < deadline:
            sink.consume(batch, batch.count)
            time.sleep(0.02)
    lines = out.getvalue().splitlines()
    assert len(lines) >= 3
    assert re.match(r"zcap: \d\d:\d\d:\d\d [\d,]+ packets \([\d,]+ pkt/s, ", lines[-1])
    assert "2 dropped" in lines[-1] and "ring 1/8" in lines[-1] and "5.0 kB written" in lines[-1]


def test_quiet_without_terminal_says_nothing():
    out = io.StringIO()
    with Dashboard(StatsSink(), CaptureInfo("x", "file"), interactive=False, quiet=True,
                   stream=out, status_every=0.05) as dash:
        time.sleep(0.2)
        assert dash._thread is None
    assert out.getvalue() == ""


def wait_for(cond, timeout: float = 5) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.01)
    return False


def test_keys_on_a_terminal():
    master, slave = os.openpty()
    stdin = os.fdopen(slave, "rb", buffering=0)
    console = Console(file=io.StringIO(), force_terminal=True, width=120, height=40)
    sink = StatsSink()
    stop = threading.Event()
    batch = PktBatch(known_mix())
    sink.consume(batch, batch.count)
    try:
        with Dashboard(sink, CaptureInfo("x", "TPACKET_V3"), stop=stop, interactive=True,
                       console=console, stdin=stdin, refresh=0.05) as dash:
            assert wait_for(lambda: dash.frames >= 2)
            os.write(master, b"s")
            assert wait_for(lambda: dash.state.sort == "packets")
            os.write(master, b"p")
            assert wait_for(lambda: dash.state.paused)
            frames = dash.frames
            time.sleep(0.3)
            assert dash.frames == frames                 # paused: nothing drawn
            os.write(master, b"p")
            assert wait_for(lambda: dash.frames > frames)
            os.write(master, b"r")
            assert wait_for(lambda: sink.snapshot().packets == 0)
            assert not stop.is_set()
            os.write(master, b"q")
            assert wait_for(stop.is_set) and dash.quit.is_set()
            assert dash.wait_for_quit(0) is True
        assert "Top talkers by packets" in console.file.getvalue()
        assert dash.error is None
    finally:
        stdin.close()
        os.close(master)


class StuckTerminal(io.StringIO):
    """A terminal that stops reading: every write blocks until released."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked = threading.Event()
        self.release = threading.Event()

    def write(self, s: str) -> int:
        self.blocked.set()
        self.release.wait(10)
        return super().write(s)

    def isatty(self) -> bool:
        return True


def test_stuck_terminal_never_stalls_the_capture_thread():
    term = StuckTerminal()
    console = Console(file=term, force_terminal=True, width=120, height=40)
    sink = StatsSink()
    batch = PktBatch(known_mix())
    with Dashboard(sink, CaptureInfo("x", "TPACKET_V3"), interactive=True, console=console,
                   stdin=io.StringIO(), refresh=0.05) as dash:
        sink.consume(batch, batch.count)
        assert term.blocked.wait(5)                     # the display thread is stuck in write
        t0 = time.monotonic()
        for _ in range(2000):
            sink.consume(batch, batch.count)
        took = time.monotonic() - t0
        snap = sink.snapshot()
        term.release.set()
    assert took < 1.0
    assert snap.packets == 2001 * 19
    assert dash.error is None


# -- end to end: the view in tmux on a veth capture -----------------------------

def e2e_reason() -> str | None:
    for tool in ("tmux", "tshark"):
        if not shutil.which(tool):
            return f"needs {tool}"
    return None


def tmux(sock: str, *args: str) -> str:
    return subprocess.run(["tmux", "-L", sock, *args], capture_output=True, text=True,
                          check=False).stdout


def test_tui_in_tmux_on_a_veth(veth, tmp_path):
    reason = e2e_reason()
    if reason:
        pytest.skip(reason)
    path, err, rc = tmp_path / "tui.pcapng", tmp_path / "err", tmp_path / "rc"
    sock = f"zcap-tui-{os.getpid()}"
    runner = f"{sys.executable} -m zcap -i {veth.if_b} -w {path} --tui"
    cmd = (f"cd {REPO} && ip netns exec {veth.ns_b} {runner} 2>{err}; echo $? >{rc}; "
           f"sleep 5")
    frames = [udp_frame(i, 300, dport=53) for i in range(50)]
    sending = threading.Event()
    sending.set()
    sent = [0]

    def send() -> None:
        with veth.sender() as s:
            while sending.is_set():
                for f in frames:
                    s.send(f)
                sent[0] += len(frames)
                time.sleep(0.005)

    sender = threading.Thread(target=send)
    try:
        subprocess.run(["tmux", "-L", sock, "new-session", "-d", "-s", "zcap", "-x", "160",
                        "-y", "50", cmd], check=True)
        assert wait_for(lambda: err.exists() and "listening on" in err.read_text(), 20)
        sender.start()
        shot = ""

        def talker_on_screen() -> bool:
            nonlocal shot
            shot = tmux(sock, "capture-pane", "-p", "-t", "zcap")
            rate = re.search(r"packets/s\s+([\d,]+)", shot)
            return bool(rate and int(rate.group(1).replace(",", "")) > 0 and
                        re.search(r"^198\.18\.0\.1\s+→ 198\.18\.0\.2\s+[\d,]+", shot, re.M))

        assert wait_for(talker_on_screen, 20), shot
        assert "53/udp domain" in shot and "TPACKET_V3" in shot and veth.if_b in shot
        tmux(sock, "send-keys", "-t", "zcap", "q")
        assert wait_for(rc.exists, 20), tmux(sock, "capture-pane", "-p", "-t", "zcap")
    finally:
        sending.clear()
        if sender.is_alive():
            sender.join()
        tmux(sock, "kill-server")
    assert rc.read_text().strip() == "0", err.read_text()
    captured = int(re.search(r"(\d+) packets captured", err.read_text()).group(1))
    assert 0 < captured <= sent[0]
    assert chk.tshark_count(str(path)) == captured
    cap = chk.parse(str(path))
    assert cap.isb and cap.isb[0]["usrdeliv"] == captured       # the orderly close wrote it
