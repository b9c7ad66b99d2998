"""zcap: high-speed packet capture for Linux.

TPACKET_V3 ring read a block at a time (or AF_XDP), filters compiled to
classic BPF and run in the kernel, pcapng written by writev() straight from
the ring. The library API, the same pipeline the command line runs:

- ``open_live(interface, filter=..., ...)``: a live source (``LiveCapture``)
- ``open_offline(path, filter=...)``: a pcap/pcapng file as a source (``FileSource``)
- ``PcapngSink(path, source.interfaces())``, ``PrintSink(Printer(...))``: sinks
- ``pump(source, sinks, count=..., duration=...)``: the loop between them
- ``bpf_filters.compile(expression)``: the filter compiler

Names are imported when first used, so ``import zcap`` (and the command
line's start) stays fast.
"""

__version__ = "0.1.0"

from .errors import ZcapError  # noqa: E402

# name -> module that defines it (imported on first use, PEP 562)
_LAZY = {
    "LiveCapture": "capture", "open_live": "capture",
    "FileSource": "offline", "open_offline": "offline",
    "PcapngSink": "sinks.pcapng", "RotatingPcapngSink": "sinks.rotate",
    "PrintSink": "sinks.printer", "StatsSink": "sinks.stats",
    "Printer": "printer", "PrintOptions": "printer",
    "pump": "pipeline", "StopFlag": "pipeline", "Summary": "pipeline",
    "Batch": "protocols", "Source": "protocols", "Sink": "protocols",
    "Config": "config",
}

__all__ = ["ZcapError", "__version__", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'zcap' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
