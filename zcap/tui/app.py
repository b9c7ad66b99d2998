"""The display thread: a full-screen view on a terminal, one status line a
second on stderr otherwise, nothing with ``quiet``.

The capture loop never waits for us: we read the counters through
``StatsSink.snapshot`` (a memcpy under a lock) and draw from the copy, so a
slow terminal only slows this thread.
"""

import sys
import threading
import time
from typing import TextIO

from rich.console import Console

from ..sinks.stats import StatsSink
from .keys import KeyReader
from .model import CaptureInfo, ViewState
from .paint import Painter
from .render import render_lines, status_line

REFRESH = 0.25                # seconds between frames
STATUS_EVERY = 1.0            # seconds between status lines without a terminal


class Dashboard:
    """Shows ``stats`` while a capture runs; use as a context manager around ``run``.

    ``stop`` is the capture's ``StopFlag`` (or any object with an ``event``, or
    a ``threading.Event``): ``q`` sets it. ``interactive`` defaults to "stdout
    is a terminal"; ``console``, ``stdin`` and ``stream`` are for tests.
    """

    def __init__(self, stats: StatsSink, info: CaptureInfo, *, stop=None, quiet: bool = False,
                 interactive: bool | None = None, console: Console | None = None,
                 stdin: TextIO | None = None, stream: TextIO | None = None,
                 refresh: float = REFRESH, status_every: float = STATUS_EVERY) -> None:
        self.stats = stats
        self.state = ViewState(info)
        self._stop_event = getattr(stop, "event", stop)
        self.quiet = quiet
        self.interactive = sys.stdout.isatty() if interactive is None else interactive
        self.console = console
        self._stdin = stdin if stdin is not None else sys.stdin
        self._stream = stream if stream is not None else sys.stderr
        self.refresh = refresh
        self.status_every = status_every
        self._done = threading.Event()
        self.quit = threading.Event()             # the user pressed q
        self._thread: threading.Thread | None = None
        self._keys: KeyReader | None = None       # close() wakes the screen's wait
        self.frames = 0                           # frames drawn (or status lines written)
        self.cpu_seconds = 0.0                    # the display thread's CPU, once it ended
        self.error: BaseException | None = None

    # -- lifetime ----------------------------------------------------------------
    def start(self) -> "Dashboard":
        """Start the display thread (nothing starts when quiet without a terminal)."""
        if self.quiet and not self.interactive:
            return self
        target = self._run_screen if self.interactive else self._run_status
        self._thread = threading.Thread(target=self._guard, args=(target,),
                                        name="zcap-display", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop the display and give the terminal back; safe to call twice."""
        self._done.set()
        keys = self._keys
        if keys is not None:
            keys.wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "Dashboard":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def finished(self) -> None:
        """The capture ended (e.g. a file was read to its end): say so on screen."""
        self.state.finished = True

    def wait_for_quit(self, timeout: float | None = None) -> bool:
        """On a terminal, keep showing the final numbers until ``q``; returns at
        once otherwise. True when the user quit."""
        if not self.interactive or self._thread is None:
            return False
        return self.quit.wait(timeout)

    # -- the thread --------------------------------------------------------------
    def _guard(self, target) -> None:
        try:
            target()
        except Exception as exc:     # noqa: BLE001 - reported by the caller via .error
            self.error = exc
        finally:
            self.cpu_seconds = time.thread_time()

    def _sample(self) -> None:
        self.state.update(self.stats.snapshot())

    def _handle(self, keys: str) -> None:
        for key in keys.lower():
            if key == "q":
                self.quit.set()
                if self._stop_event is not None:
                    self._stop_event.set()
            elif key == "p":
                self.state.paused = not self.state.paused
            elif key == "s":
                self.state.cycle_sort()
            elif key == "r":
                self.stats.reset()
                self.state.reset(self.stats.snapshot().probe)

    def _stdin_fd(self) -> int:
        try:
            return self._stdin.fileno()
        except (OSError, ValueError):       # closed, or not a real file: no keys then
            return -1

    def _draw(self, console: Console, painter: Painter) -> None:
        size = console.size
        painter.paint(render_lines(self.state, size.width, size.height), size.width,
                      size.height)

    def _run_screen(self) -> None:
        console = self.console or Console(file=sys.stdout, force_terminal=True)
        with KeyReader(self._stdin_fd()) as keys, Painter(console) as painter:
            self._keys = keys
            next_frame = time.monotonic()
            while not self._done.is_set():
                now = time.monotonic()
                if now >= next_frame:
                    self._sample()
                    if not self.state.paused or self.frames == 0:
                        self._draw(console, painter)
                        self.frames += 1
                    # Keep the pace without bunching up after a slow frame.
                    next_frame = max(next_frame + self.refresh, time.monotonic())
                # Sleeps until the next frame: a key or close() wakes it sooner.
                typed = keys.read(next_frame - time.monotonic())
                if typed:
                    self._handle(typed)
                    if not self.state.paused or "p" in typed.lower():
                        self._draw(console, painter)

    def _run_status(self) -> None:
        self._sample()
        while not self._done.wait(self.status_every):
            self.state.update(self.stats.snapshot(tables=False))
            print(status_line(self.state), file=self._stream, flush=True)
            self.frames += 1
