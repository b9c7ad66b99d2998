"""The live summary: rendering of a known state, rates, keys, the painter's
escapes, the fallback status line, a terminal that blocks, and the whole thing
in tmux on a veth."""

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

import dpkt
import pytest
from rich.console import Console

from zcap.sinks.stats import StatsSink
from zcap.tui import CaptureInfo, Dashboard, ViewState, render
from zcap.tui.paint import Painter
from zcap.tui.render import render_lines, sparkline

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
        assert dash._thread is None                  # no thread: nothing can ever print
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


# -- the painter: what a terminal shows after its escapes ----------------------

ALT_SCREEN_ON, ALT_SCREEN_OFF = "\x1b[?1049h", "\x1b[?1049l"
CURSOR_HIDE, CURSOR_SHOW = "\x1b[?25l", "\x1b[?25h"
CSI = re.compile(r"\x1b\[([?\d;]*)([A-Za-z])")


def terminal(output: str, width: int, height: int) -> list[str]:
    """The rows a terminal shows after ``output``, for the escapes the painter uses;
    fails on a newline (the screen would scroll) or a write into the last column."""
    rows = [[" "] * width for _ in range(height)]
    row = col = 0
    at = 0
    for m in [*CSI.finditer(output), None]:
        for ch in output[at:m.start() if m else len(output)]:
            assert ch not in "\r\n", "the painter moved the cursor with a newline"
            assert col < width - 1, f"row {row + 1} written into the last column"
            rows[row][col] = ch
            col += 1
        if m is None:
            break
        at = m.end()
        args, command = m.groups()
        if command == "H":
            row, col = (int(n) - 1 for n in args.split(";")) if args else (0, 0)
        elif command == "J" and args == "2":
            rows = [[" "] * width for _ in range(height)]
        elif command == "K":
            rows[row][col:] = [" "] * (width - col)
        # "m" (colours) and "h"/"l" (screen modes) change no cell
    return ["".join(r).rstrip() for r in rows]


def texts(lines) -> list[str]:
    return ["".join(text for text, _ in line).rstrip() for line in lines]


class Writes(io.StringIO):
    """A terminal that keeps each write apart and counts flushes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []
        self.flushes = 0

    def write(self, s: str) -> int:
        self.writes.append(s)
        return super().write(s)

    def flush(self) -> None:
        self.flushes += 1


def painter_console(width: int = 120, height: int = 40, **kw) -> Console:
    return Console(file=Writes(), force_terminal=True, width=width, height=height, **kw)


def test_render_lines_are_one_cell_short_of_the_width():
    from rich.cells import cell_len

    _sink, state = known_state()
    for info in (state.info, CaptureInfo("eth0", "TPACKET_V3", "host 漢字 and port 53",
                                         "/tmp/出力出力出力.pcapng")):
        state.info = info
        for width in range(1, 200, 3):
            for height in (1, 24, 50):
                lines = render_lines(state, width, height)
                assert len(lines) <= height
                assert {sum(cell_len(text) for text, _ in line) for line in lines} <= \
                    {max(width - 1, 0)}, (width, height)


def test_painter_shows_exactly_the_rendered_lines():
    _sink, state = known_state()
    console = painter_console(color_system="truecolor")
    lines = render_lines(state, 120, 40)
    with Painter(console) as painter:
        painter.paint(lines, 120, 40)
    shown = terminal(console.file.getvalue(), 120, 40)
    assert shown[:len(lines)] == texts(lines)
    assert not any(shown[len(lines):])
    assert re.search(r"packets/s\s+190\b", shown[3])


def test_painter_writes_only_the_rows_that_changed():
    _sink, state = known_state()
    console = painter_console(color_system="truecolor")
    with Painter(console) as painter:
        painter.paint(render_lines(state, 120, 40), 120, 40)
        term = console.file
        before, writes, flushes = term.getvalue(), len(term.writes), term.flushes
        painter.paint(render_lines(state, 120, 40), 120, 40)
        assert len(term.writes) == writes                   # nothing changed: nothing sent
        state.snap = replace(state.snap, probe=replace(state.snap.probe, written=987654))
        lines = render_lines(state, 120, 40)
        painter.paint(lines, 120, 40)
        assert (len(term.writes), term.flushes) == (writes + 1, flushes + 1)
        frame = term.writes[-1]
    row = next(i for i, text in enumerate(texts(lines)) if text.startswith("total "))
    assert re.findall(r"\x1b\[(\d+);1H", frame) == [str(row + 1)]
    assert "written 987.7 kB" in frame and "\x1b[2J" not in frame
    assert terminal(before + frame, 120, 40)[:len(lines)] == texts(lines)


def test_painter_repaints_everything_after_a_resize():
    _sink, state = known_state()
    console = painter_console(color_system="truecolor")
    with Painter(console) as painter:
        painter.paint(render_lines(state, 120, 40), 120, 40)
        first = console.file.getvalue()
        lines = render_lines(state, 90, 30)
        painter.paint(lines, 90, 30)
        frame = console.file.getvalue()[len(first):]
    assert frame.startswith("\x1b[H\x1b[2J")
    rows = {int(n) for n in re.findall(r"\x1b\[(\d+);1H", frame)}
    assert rows == {i + 1 for i, text in enumerate(texts(lines))}
    assert terminal(frame, 90, 30)[:len(lines)] == texts(lines)


def test_painter_never_writes_the_last_row_with_a_newline_or_past_the_height():
    _sink, state = known_state()
    console = painter_console(80, 24)
    lines = render_lines(state, 80, 30)          # a frame taller than the screen
    with Painter(console) as painter:
        painter.paint(lines, 80, 24)
    out = console.file.getvalue()
    assert "\n" not in out
    assert max(int(n) for n in re.findall(r"\x1b\[(\d+);1H", out)) == 24
    assert terminal(out, 80, 24) == texts(lines[:24])   # and nothing in the last column


def test_painter_erases_what_a_shorter_row_or_frame_leaves_behind():
    console = painter_console(20, 5)
    with Painter(console) as painter:
        painter.paint([[("abcdefgh" + " " * 11, "")], [("second" + " " * 13, "bold")],
                       [("third" + " " * 14, "")]], 20, 5)
        painter.paint([[("ab" + " " * 17, "")], [("second" + " " * 13, "bold")]], 20, 5)
    assert terminal(console.file.getvalue(), 20, 5) == ["ab", "second", "", "", ""]


def sgr_codes(out: str) -> list[str]:
    return [args for args, command in CSI.findall(out) if command == "m"]


def test_painter_styles_follow_the_colour_system():
    _sink, state = known_state()
    lines = render_lines(state, 120, 40)

    def painted(**kw) -> str:
        console = painter_console(**kw)
        with Painter(console) as painter:
            painter.paint(lines, 120, 40)
        return console.file.getvalue()

    colour = sgr_codes(painted(color_system="truecolor"))
    assert "1;7" in colour and "36" in colour and "0" in colour     # bold reverse, cyan, reset
    assert "1;31" in colour                                          # dropped packets
    plain = painted(color_system=None)
    assert sgr_codes(plain) == []
    assert terminal(plain, 120, 40)[:len(lines)] == texts(lines)
    # NO_COLOR takes the colours, as rich does, and keeps bold and reverse.
    no_colour = sgr_codes(painted(color_system="truecolor", no_color=True))
    assert "1;7" in no_colour
    assert not [c for c in no_colour if re.search(r"(^|;)(3\d|4\d|9\d)(;|$)", c)]


def dashboard_output(console: Console, **kw) -> Dashboard:
    sink = StatsSink()
    batch = PktBatch(known_mix())
    sink.consume(batch, batch.count)
    return Dashboard(sink, CaptureInfo("x", "TPACKET_V3"), interactive=True, console=console,
                     stdin=io.StringIO(), refresh=0.02, **kw)


def test_terminal_is_given_back_after_close():
    console = painter_console(color_system="truecolor")
    with dashboard_output(console) as dash:
        assert wait_for(lambda: dash.frames >= 3)
    out = console.file.getvalue()
    assert out.startswith(ALT_SCREEN_ON)
    assert out.index(CURSOR_HIDE) < out.index("Top talkers")
    assert out.endswith(CURSOR_SHOW + ALT_SCREEN_OFF)
    assert dash.error is None


def test_terminal_is_given_back_when_the_display_thread_fails(monkeypatch):
    from zcap.tui import app

    drawn = []

    def failing(state, width, height):
        if drawn:
            raise RuntimeError("layout bug")
        drawn.append(1)
        return render_lines(state, width, height)

    monkeypatch.setattr(app, "render_lines", failing)
    console = painter_console(color_system="truecolor")
    dash = dashboard_output(console).start()
    assert wait_for(lambda: dash.error is not None)
    dash.close()
    assert str(dash.error) == "layout bug"
    assert console.file.getvalue().endswith(CURSOR_SHOW + ALT_SCREEN_OFF)


def test_close_and_keys_wake_the_display_at_once():
    master, slave = os.openpty()
    stdin = os.fdopen(slave, "rb", buffering=0)
    console = painter_console()
    stop = threading.Event()
    try:
        dash = Dashboard(StatsSink(), CaptureInfo("x", "TPACKET_V3"), stop=stop,
                         interactive=True, console=console, stdin=stdin, refresh=30).start()
        assert wait_for(lambda: dash.frames == 1)
        t0 = time.monotonic()
        os.write(master, b"q")
        assert wait_for(stop.is_set, 1)
        assert time.monotonic() - t0 < 0.05                    # not at the next frame
        t0 = time.monotonic()
        dash.close()
        assert time.monotonic() - t0 < 0.5
        assert dash.frames == 1 and dash.error is None
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
                          check=False, timeout=30).stdout


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
                        "-y", "50", cmd], check=True, timeout=30)
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


def test_read_a_file_with_tui_in_tmux(tmp_path):
    """`-r FILE --tui`: the summary of the (filtered) file, marked finished, until q."""
    reason = e2e_reason()
    if reason:
        pytest.skip(reason)
    src, err, rc = tmp_path / "in.pcap", tmp_path / "err", tmp_path / "rc"
    with open(src, "wb") as f:
        w = dpkt.pcap.Writer(f)
        for i in range(50):
            w.writepkt(udp_frame(i, 300, dport=53), ts=1_700_000_000 + i / 100)
        for i in range(30):
            w.writepkt(udp_frame(100 + i, 100, dport=9), ts=1_700_000_001 + i / 100)
    sock = f"zcap-tui-r-{os.getpid()}"
    cmd = (f"cd {REPO} && {sys.executable} -m zcap -r {src} --tui 'udp port 53' 2>{err}; "
           f"echo $? >{rc}; sleep 5")
    shot = ""

    def summary_on_screen() -> bool:
        nonlocal shot
        shot = tmux(sock, "capture-pane", "-p", "-t", "zcap")
        return "finished" in shot and "total 50 pkts 15.0 kB" in shot

    try:
        subprocess.run(["tmux", "-L", sock, "new-session", "-d", "-s", "zcap", "-x", "160",
                        "-y", "50", cmd], check=True, timeout=30)
        assert wait_for(summary_on_screen, 20), shot
        assert re.search(r"53/udp domain\s+50 100", shot) and "9/udp" not in shot, shot
        assert not rc.exists()                        # it waits for q
        tmux(sock, "send-keys", "-t", "zcap", "q")
        assert wait_for(rc.exists, 20), tmux(sock, "capture-pane", "-p", "-t", "zcap")
    finally:
        tmux(sock, "kill-server")
    assert rc.read_text().strip() == "0", err.read_text()


STATUS_LINE = re.compile(r"^zcap: \d\d:\d\d:\d\d ([\d,]+) packets \(", re.M)


def test_status_line_without_a_terminal_and_quiet(veth, tmp_path):
    """--tui with stderr not a terminal: a status line every second; -q: none."""
    talk = veth.zcap("-i", veth.if_b, "--tui", "-w", str(tmp_path / "a.pcapng"))
    quiet = veth.zcap("-i", veth.if_b, "--tui", "-q", "-w", str(tmp_path / "b.pcapng"))
    veth.send(udp_frame(i, 100) for i in range(25))
    # Two lines with all 25: the second comes over a second after the quiet one
    # started (before the frames were sent), time enough for a line of its own.
    talk.wait_stderr(lambda err: STATUS_LINE.findall(err).count("25") >= 2,
                     "two status lines with 25 packets")
    assert talk.stop() == 0 and quiet.stop() == 0, talk.stderr + quiet.stderr
    assert STATUS_LINE.findall(quiet.stderr) == [], quiet.stderr
    assert talk.summary()["captured"] == quiet.summary()["captured"] == 25
