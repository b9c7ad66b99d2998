"""What the screen shows, as plain data: the capture's description, rates
computed from successive snapshots, a 60 s history, and the user's choices
(sort, pause). No rich here, so it tests without a terminal."""

import time
from collections import deque
from dataclasses import dataclass, field

from ..sinks.stats import Probe, StatsSnapshot

SORTS = ("bytes", "packets")
HISTORY_SECONDS = 60
RATE_WINDOW = 1.0            # seconds of samples a "now" rate is averaged over


@dataclass
class CaptureInfo:
    """The header line: where packets come from and where they go."""

    source: str                    # interface name(s) or the file read
    mode: str                      # "TPACKET_V3", "AF_XDP" or "file"
    filter: str | None = None
    output: str | None = None

    @classmethod
    def for_live(cls, capture, output: str | None = None) -> "CaptureInfo":
        """Describe a LiveCapture (and the file it writes, if any)."""
        kind = type(capture.source).__name__
        mode = "AF_XDP" if "Xdp" in kind else "TPACKET_V3"
        return cls(capture.interface, mode, capture.filter, output)

    @classmethod
    def for_file(cls, path: str, filter: str | None = None,
                 output: str | None = None) -> "CaptureInfo":
        """Describe a file being read (``-r``)."""
        return cls(path, "file", filter, output)


@dataclass(frozen=True)
class Sample:
    t: float
    packets: int
    bytes: int
    dropped: int
    received: int
    written: int


def _sample(snap: StatsSnapshot) -> Sample:
    p = snap.probe
    return Sample(snap.taken, snap.packets, snap.bytes, p.dropped or 0, p.received or 0,
                  p.written or 0)


@dataclass
class Rates:
    """Rates now (over the last ``RATE_WINDOW`` s) and one value per second of history."""

    samples: deque = field(default_factory=deque)
    pps_history: deque = field(default_factory=lambda: deque(maxlen=HISTORY_SECONDS))
    bps_history: deque = field(default_factory=lambda: deque(maxlen=HISTORY_SECONDS))
    pps: float = 0.0
    bps: float = 0.0
    drops_per_s: float = 0.0
    write_bps: float = 0.0
    _next_history: float | None = None

    def update(self, snap: StatsSnapshot) -> None:
        """Fold in a snapshot (taken later than the previous one)."""
        s = _sample(snap)
        self.samples.append(s)
        while len(self.samples) > 2 and s.t - self.samples[1].t >= RATE_WINDOW:
            self.samples.popleft()
        first = self.samples[0]
        dt = s.t - first.t
        if dt > 0:
            self.pps = (s.packets - first.packets) / dt
            self.bps = (s.bytes - first.bytes) * 8 / dt
            self.drops_per_s = (s.dropped - first.dropped) / dt
            self.write_bps = (s.written - first.written) / dt
        if self._next_history is None:
            self._next_history = s.t + 1.0
        while s.t >= self._next_history:
            self.pps_history.append(self.pps)
            self.bps_history.append(self.bps)
            self._next_history += 1.0

    def reset(self) -> None:
        """Forget every sample and the history."""
        self.samples.clear()
        self.pps_history.clear()
        self.bps_history.clear()
        self.pps = self.bps = self.drops_per_s = self.write_bps = 0.0
        self._next_history = None


@dataclass
class ViewState:
    """Everything a frame is drawn from."""

    info: CaptureInfo
    started: float = field(default_factory=time.monotonic)
    snap: StatsSnapshot | None = None
    rates: Rates = field(default_factory=Rates)
    sort: str = SORTS[0]
    paused: bool = False
    finished: bool = False
    baseline: Probe = field(default_factory=Probe)    # source counters at the last reset
    now: float = field(default_factory=time.monotonic)

    def update(self, snap: StatsSnapshot) -> None:
        """A new snapshot arrived."""
        self.snap = snap
        self.now = snap.taken
        self.rates.update(snap)

    def cycle_sort(self) -> str:
        """Next sort order; returns it."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        return self.sort

    def reset(self, probe: Probe) -> None:
        """Counters were zeroed: rates start over, source counters count from here."""
        self.rates.reset()
        self.snap = None
        self.baseline = probe
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        """Seconds since the start (or the last reset)."""
        return max(0.0, self.now - self.started)

    def since_reset(self, name: str) -> int | None:
        """A source counter (``dropped``, ``received``) minus its value at the last reset."""
        if self.snap is None:
            return None
        value = getattr(self.snap.probe, name)
        if value is None:
            return None
        return value - (getattr(self.baseline, name) or 0)
