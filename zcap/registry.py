"""The one place where sources and sinks are registered, and the function that
builds a pipeline from a configuration.

A new source is one class that satisfies ``zcap.protocols.Source`` plus one
``SourceEntry`` in ``SOURCES``: when it is wanted (a test on the ``Config``)
and how it is opened. A new sink is one class that satisfies
``zcap.protocols.Sink`` plus one ``SinkEntry`` in ``SINKS``. Nothing else
changes: the pump, the CLI's run and the summary work with whatever is here.
Entries import their class when they are used, so that the command line
starts fast and ``-d``/``-D`` never load the C core; the records here are
plain classes, not dataclasses, for the same reason (issue 16).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from bpf_filters.linktypes import LINKTYPE_LINUX_SLL2
from bpf_filters.linktypes import describe as linktype_text

from .config import Config
from .errors import UsageError
from .filtering import compile_checked, compile_live, linktype_number
from .pipeline import StopFlag
from .protocols import Sink, Source


class Pipeline:
    """A source, its sinks, and the parts the CLI reports on."""

    def __init__(self, config: Config, source: Source, stop: StopFlag | None = None,
                 sinks: list[Sink] | None = None, writer: Sink | None = None,
                 stats: Sink | None = None) -> None:
        self.config = config
        self.source = source
        self.stop = StopFlag() if stop is None else stop
        self.sinks = [] if sinks is None else sinks
        self.writer = writer            # the file sink, whose count the summary reports
        self.stats = stats              # the live counters, for the screen


class SourceEntry:
    """A kind of source: ``wanted(config)`` says whether this config asks for
    it (the first entry that says yes is used); ``open(config)`` opens it."""

    def __init__(self, name: str, wanted: Callable[[Config], bool],
                 open: Callable[[Config], Source]) -> None:
        self.name = name
        self.wanted = wanted
        self.open = open


class SinkEntry:
    """A kind of sink: made, in this list's order, for every config that
    ``wanted`` it; ``make(pipeline)`` sees the source and the sinks made so far."""

    def __init__(self, name: str, wanted: Callable[[Config], bool],
                 make: Callable[[Pipeline], Sink]) -> None:
        self.name = name
        self.wanted = wanted
        self.make = make


# -- sources -----------------------------------------------------------------------
def _open_file(config: Config) -> Source:
    from .offline import FileSource

    if config.filter_expr:              # refuse a bad filter before reading anything
        import bpf_filters

        # run in user space: no kernel limit on length, as with tcpdump -r
        compile_checked(config.filter_expr, max_insns=bpf_filters.USER_MAXINSNS)
    return FileSource.open(config.read_file, config.filter_expr)


def _open_live(config: Config) -> Source:
    from .capture import LiveCapture
    from .iface import default_interface, lookup

    interface = config.interface or default_interface().name
    have = LINKTYPE_LINUX_SLL2 if interface == "any" else lookup(interface).linktype
    if config.linktype is not None and linktype_number(config.linktype) != have:
        raise UsageError(f"link type {config.linktype} is not available on {interface} "
                         f"(it has {linktype_text(have)})")
    program = None
    if config.filter_expr:              # the compiler's errors as one line, before any socket
        program = compile_live(config.filter_expr, xdp=config.xdp,
                               linktype="LINUX_DGRAM" if have == LINKTYPE_LINUX_SLL2 else have)
    try:
        return LiveCapture(interface, snaplen=config.snaplen, buffer_kib=config.ring_kib,
                           promisc=not config.no_promisc, filter=config.filter_expr,
                           program=program,
                           direction=config.direction, xdp=config.xdp,
                           xdp_mode=config.xdp_mode, queues=config.queues,
                           reserve=ring_reserve(config, have))
    except OverflowError as exc:        # a value cffi could not pass to the kernel
        raise UsageError(f"a value does not fit the kernel's field: {exc}") from None


def ring_reserve(config: Config, linktype: int) -> int:
    """The PACKET_RESERVE a live ring of this link type needs for the writer
    the configuration will use: the direct sink's headroom, or none. The ring
    is set up before any sink exists, so this is decided from the config."""
    if not config.direct:
        return 0
    from .sinks.direct import reserve_for_linktype

    return reserve_for_linktype(linktype)


SOURCES: list[SourceEntry] = [
    SourceEntry("file", lambda c: c.read_file is not None, _open_file),
    SourceEntry("live", lambda c: True, _open_live),       # TPACKET_V3, or AF_XDP with --xdp
]


# -- sinks -------------------------------------------------------------------------
def _file_sink(p: Pipeline) -> Sink:
    from .sinks.pcapng import PcapngSink

    c = p.config
    if c.rotating or c.postrotate is not None:
        from .sinks.rotate import RotatingPcapngSink
        live = c.read_file is None
        sink: Sink = RotatingPcapngSink(
            c.write, list(p.source.interfaces()), file_size=c.file_size_bytes,
            rotate_seconds=c.rotate_seconds, file_count=c.file_count,
            postrotate=c.postrotate, stats=p.source.stats if live else None,
            on_done=p.stop.set, direct=c.direct and _ring_batches(p.source),
            disk_buffer=c.disk_buffer_bytes)
    elif c.direct and _ring_batches(p.source):
        from .sinks.direct import DirectSink
        sink = DirectSink(c.write, list(p.source.interfaces()), disk_buffer=c.disk_buffer_bytes)
    else:
        sink = PcapngSink(c.write, list(p.source.interfaces()))   # the sink extends its list
    if c.read_file is None:
        sink.set_snaplen(p.source.snaplen)
    p.writer = sink
    return sink


def _ring_batches(source: Source) -> bool:
    """True when the source hands out TPACKET_V3 blocks, which the direct sink
    rewrites in place (a library user may pass any source to ``build``)."""
    from .sources.tpacket import TpacketSource

    return isinstance(getattr(source, "source", None), TpacketSource)


def print_options(c: Config):
    """The printer's options from the flags."""
    from .printer import PrintOptions

    return PrintOptions(numeric=c.numeric, link_header=c.link_header, hex=c.hex_,
                        hex_ascii=c.hex_ascii, verbose=c.verbose, quiet=c.quiet,
                        tstamp=c.tstamp, number=c.number, nano=c.precision == "nano",
                        line_buffered=c.line_buffered)


def _print_sink(p: Pipeline) -> Sink:
    from .printer import Printer
    from .sinks.printer import PrintSink

    opts = print_options(p.config)
    # With -w - the packets own standard output; the lines go to stderr.
    out = sys.stderr if p.config.write == "-" else sys.stdout
    if opts.line_buffered and out is sys.stdout:
        sys.stdout.reconfigure(line_buffering=True)
    return PrintSink(Printer(out, opts))


def _stats_sink(p: Pipeline) -> Sink:
    from .sinks.stats import StatsSink

    if p.config.read_file is not None:
        sink = StatsSink()
    else:
        sink = StatsSink.for_live(p.source, writer=p.writer)
    p.stats = sink
    return sink


SINKS: list[SinkEntry] = [
    SinkEntry("pcapng", lambda c: c.write is not None, _file_sink),   # -w, or -C/-G/-W/-z
    SinkEntry("printer", lambda c: c.printing, _print_sink),
    SinkEntry("stats", lambda c: c.tui, _stats_sink),                  # --tui's counters
]


def open_source(config: Config) -> Source:
    """The source this configuration asks for, opened."""
    for entry in SOURCES:
        if entry.wanted(config):
            return entry.open(config)
    raise UsageError("nothing to capture from")        # unreachable while 'live' is last


def build(config: Config, source: Source | None = None) -> Pipeline:
    """Open the source (unless given) and make every sink the configuration wants.
    On failure, whatever was opened is closed again."""
    source = source if source is not None else open_source(config)
    pipeline = Pipeline(config, source)
    try:
        for entry in SINKS:
            if entry.wanted(config):
                pipeline.sinks.append(entry.make(pipeline))
    except BaseException:
        for sink in pipeline.sinks:
            sink.close()
        source.close()
        raise
    return pipeline
