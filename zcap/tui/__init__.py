"""The live summary: a full-screen view of a running capture (or a file being
read), fed by ``zcap.sinks.stats.StatsSink``.

    stats = StatsSink.for_live(cap, writer=pcapng_sink)
    with Dashboard(stats, CaptureInfo.for_live(cap, output=path), stop=stop):
        run(cap, [pcapng_sink, stats], stop=stop)
"""

from .app import Dashboard
from .model import CaptureInfo, ViewState
from .render import render, status_line

__all__ = ["CaptureInfo", "Dashboard", "ViewState", "render", "status_line"]
