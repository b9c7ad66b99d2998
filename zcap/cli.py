"""The zcap command line: tcpdump's flags over the library API."""

import contextlib
import os
import sys
from dataclasses import dataclass
from typing import Annotated

import typer

from bpf_filters.linktypes import DEFAULT_SNAPLEN, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2
from bpf_filters.linktypes import describe as linktype_text
from bpf_filters.linktypes import short_name as linktype_short_name

from . import __version__
from .errors import UsageError, ZcapError

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]})


def err(message: str) -> None:
    """One line on standard error."""
    print(f"zcap: {message}", file=sys.stderr, flush=True)


def _version(value: bool) -> None:
    if value:
        print(f"zcap {__version__}")
        raise typer.Exit(0)


def list_interfaces() -> int:
    """-D: one line per interface, tcpdump style, with the link type."""
    from .iface import list_interfaces as interfaces

    n = 0
    for n, itf in enumerate(interfaces(), 1):
        lt = linktype_short_name(itf.linktype)
        print(f"{n}.{itf.name} [{itf.state}] index {itf.index}, {lt}, "
              f"mtu {itf.mtu}, {itf.operstate.lower()}")
    print(f"{n + 1}.any (Pseudo-device that captures on all interfaces) [Up, Running]")
    return 0


def _positive(name: str, value: int | None, zero_ok: bool = False) -> None:
    if value is not None and (value < 0 or (value == 0 and not zero_ok)):
        raise UsageError(f"invalid {name} {value}: must be a positive number")


def filter_error(expression: str, exc: Exception) -> ZcapError:
    """A filter error as the expression, a caret under the fault, and the reason."""
    import bpf_filters

    text = bpf_filters.format_error(expression, exc)
    return ZcapError(text)


def _linktype(value: str) -> int:
    import bpf_filters

    try:
        return bpf_filters.linktype_number(value)
    except (bpf_filters.FilterError, ValueError, KeyError):
        raise UsageError(f"unknown link type {value!r} (try EN10MB, LINUX_SLL2, RAW)") from None


def dump_filter(expression: str, level: int, linktype: int | str, kernel: bool,
                snaplen: int) -> int:
    """-d, -dd, -ddd: the compiled program in tcpdump's three formats."""
    import bpf_filters

    try:
        prog = bpf_filters.compile(expression, linktype=linktype, kernel=kernel,
                                   snaplen=snaplen, max_insns=bpf_filters.USER_MAXINSNS)
    except bpf_filters.FilterError as exc:
        raise filter_error(expression, exc) from None
    text = {1: prog.disasm, 2: prog.as_c_array}.get(level, prog.as_decimal)()
    print(text.rstrip("\n"))
    return 0


@app.command(help="Capture packets at high speed, filter them in the kernel, write pcapng; "
                  "read capture files and print packets as tcpdump does.\n\n"
                  "EXPRESSION is a tcpdump (pcap-filter(7)) filter expression.")
def zcap(
    expression: Annotated[list[str] | None, typer.Argument(
        help="Filter expression (pcap-filter(7)); several words are joined.",
        show_default=False)] = None,
    interface: Annotated[str | None, typer.Option(
        "-i", "--interface", metavar="IFACE",
        help="Capture on IFACE ('any' for every interface, LINUX_SLL2 frames). "
             "Default: the first interface that is up.")] = None,
    write: Annotated[str | None, typer.Option(
        "-w", metavar="FILE", help="Write packets to FILE as pcapng ('-' for standard output).")
    ] = None,
    read_file: Annotated[str | None, typer.Option(
        "-r", metavar="FILE", help="Read packets from a pcap or pcapng FILE ('-' for stdin).")
    ] = None,
    count: Annotated[int | None, typer.Option(
        "-c", metavar="N", help="Stop after exactly N packets.")] = None,
    snaplen: Annotated[int, typer.Option(
        "-s", "--snapshot-length", metavar="BYTES",
        help=f"Keep at most BYTES of each packet (0 = {DEFAULT_SNAPLEN}).")] = DEFAULT_SNAPLEN,
    buffer_kib: Annotated[int, typer.Option(
        "-B", "--buffer-size", metavar="KIB",
        help="Capture ring size in KiB (default 32768).")] = 32768,
    no_promisc: Annotated[bool, typer.Option(
        "-p", "--no-promiscuous-mode", help="Don't put the interface in promiscuous mode.")
    ] = False,
    duration: Annotated[float | None, typer.Option(
        "--duration", metavar="SECONDS", help="Stop after SECONDS.")] = None,
    list_ifaces: Annotated[bool, typer.Option(
        "-D", "--list-interfaces", help="List the interfaces zcap can capture on.")] = False,
    dump: Annotated[int, typer.Option(
        "-d", count=True, help="Print the compiled filter and exit: -d as assembly, "
                               "-dd as C, -ddd as decimal numbers.")] = 0,
    linktype: Annotated[str | None, typer.Option(
        "-y", "--linktype", metavar="TYPE",
        help="Link type to compile the filter for with -d (EN10MB, LINUX_SLL2, RAW...).")
    ] = None,
    filter_file: Annotated[str | None, typer.Option(
        "-F", metavar="FILE", help="Read the filter expression from FILE.")] = None,
    print_: Annotated[bool, typer.Option(
        "--print", help="Print packets also when writing them with -w.")] = False,
    xdp: Annotated[bool, typer.Option(
        "--xdp", help="Capture through AF_XDP, the filter running in an XDP program. Matching "
                      "packets do NOT reach this host's network stack.")] = False,
    xdp_mode: Annotated[str | None, typer.Option(
        "--xdp-mode", metavar="native|skb",
        help="Driver (native) or generic (skb) XDP; default: native where possible.")
    ] = None,
    queue: Annotated[int | None, typer.Option(
        "--queue", metavar="N", help="With --xdp: capture RX queue N only.")] = None,
    all_queues: Annotated[bool, typer.Option(
        "--all-queues", help="With --xdp: capture every RX queue (the default).")] = False,
    tui: Annotated[bool, typer.Option(
        "--tui", help="Live summary screen: rates, drops, protocols, top talkers "
                      "(q quits, p pauses, s sorts, r resets). Without a terminal: "
                      "a status line a second on stderr.")] = False,
    numeric: Annotated[int, typer.Option(
        "-n", count=True, help="Don't convert addresses or ports to names (never done "
                               "anyway; accepted for habit).")] = 0,
    link_header: Annotated[bool, typer.Option(
        "-e", help="Print the link-level header on each line.")] = False,
    hex_: Annotated[int, typer.Option(
        "-x", count=True, help="Print each packet in hex (-xx: with the link header).")] = 0,
    hex_ascii: Annotated[int, typer.Option(
        "-X", count=True, help="Print hex and ASCII (-XX: with the link header).")] = 0,
    verbose: Annotated[int, typer.Option(
        "-v", count=True, help="More detail: TTL, id, length, checksums (-vv, -vvv).")] = 0,
    quiet: Annotated[bool, typer.Option(
        "-q", help="Shorter lines: less protocol detail.")] = False,
    tstamp: Annotated[int, typer.Option(
        "-t", count=True, help="-t no time, -tt epoch seconds, -ttt delta to previous, "
                               "-tttt date and time, -ttttt delta to first.")] = 0,
    number: Annotated[bool, typer.Option(
        "-#", "--number", help="Print a packet number at the start of each line.")] = False,
    line_buffered: Annotated[bool, typer.Option(
        "-l", help="Line-buffer the printed output.")] = False,
    precision: Annotated[str, typer.Option(
        "--time-stamp-precision", metavar="micro|nano",
        help="Printed time stamp precision (files always hold nanoseconds).")] = "micro",
    file_size: Annotated[str | None, typer.Option(
        "-C", metavar="MB", help="New output file once the current one passes MB million "
                                 "bytes (k, m, g suffixes: KiB, MiB, GiB).")] = None,
    rotate_seconds: Annotated[float | None, typer.Option(
        "-G", metavar="SECONDS", help="New output file every SECONDS; -w is then a strftime "
                                      "pattern.")] = None,
    file_count: Annotated[int | None, typer.Option(
        "-W", metavar="N", help="With -C: keep a ring of N files. With -G alone: stop after "
                                "N files.")] = None,
    postrotate: Annotated[str | None, typer.Option(
        "-z", metavar="CMD", help="Run CMD FILE (no shell) after each output file is closed.")
    ] = None,
    fanout: Annotated[int | None, typer.Option(
        "-j", "--fanout", metavar="N",
        help="N capture processes on one interface (PACKET_FANOUT), each with its own ring "
             "and file (out.0.pcapng ...).")] = None,
    fanout_mode: Annotated[str, typer.Option(
        "--fanout-mode", metavar="hash|cpu|lb|qm",
        help="How the kernel spreads packets over the workers (default: hash of the flow).")
    ] = "hash",
    merge: Annotated[bool, typer.Option(
        "--merge", help="With --fanout: one output file ordered by time.")] = False,
    direction: Annotated[str, typer.Option(
        "-Q", "--direction", metavar="in|out|inout",
        help="Capture only packets received (in), sent (out), or both (inout, default).")
    ] = "inout",
    user: Annotated[str | None, typer.Option(
        "-Z", "--relinquish-privileges", metavar="USER",
        help="Become USER once the capture socket and the first file are open.")] = None,
    stats_interval: Annotated[float | None, typer.Option(
        "--stats-interval", metavar="SECONDS",
        help="Print the counters on stderr every SECONDS (SIGUSR1 prints them once).")
    ] = None,
    list_linktypes: Annotated[bool, typer.Option(
        "-L", "--list-data-link-types", help="List the link types of the interface.")
    ] = False,
    unbuffered: Annotated[bool, typer.Option(
        "-U", "--packet-buffered",
        help="Accepted for tcpdump habit: every batch is written when it arrives anyway.")
    ] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    install_extcap: Annotated[bool, typer.Option(
        "--install-extcap", help="Link zcap-extcap into Wireshark's personal extcap folder, "
        "or into the folder given as the argument (zcap --install-extcap [DIR]), and exit.")
    ] = False,
) -> int:
    if install_extcap:
        from .extcap import install_command
        return install_command(expression)
    if list_ifaces:
        return list_interfaces()
    _positive("packet count", count)
    _positive("snapshot length", snaplen, zero_ok=True)
    _positive("buffer size", buffer_kib)
    if duration is not None and duration <= 0:
        raise UsageError(f"invalid duration {duration}: must be positive")
    if stats_interval is not None and stats_interval <= 0:
        raise UsageError(f"invalid stats interval {stats_interval}: must be positive")
    if direction not in ("in", "out", "inout"):
        raise UsageError(f"invalid direction {direction!r}: in, out or inout")
    if user is not None:
        from .privs import lookup_user
        lookup_user(user)
    if list_linktypes:
        return list_link_types(interface)
    rotating = file_size is not None or rotate_seconds is not None or file_count is not None
    if (rotating or postrotate) and write is None:
        raise UsageError("-C, -G, -W and -z need -w FILE")
    if file_size is not None:
        from .sinks.rotate import parse_file_size
        parse_file_size(file_size)
    if postrotate is not None:
        from .sinks.rotate import check_postrotate
        check_postrotate(postrotate)
        if os.geteuid() == 0 and user is None:
            raise UsageError("refusing to run a -z command as root: give -Z USER to run it as")
    if fanout is not None:
        if read_file is not None or xdp or rotating or postrotate or tui or print_ \
                or direction != "inout" or user is not None:
            raise UsageError("--fanout goes with -i, -w, a filter, -c, -s, -B, -p and "
                             "--duration only")
    elif merge or fanout_mode != "hash":
        raise UsageError("--fanout-mode and --merge go with --fanout")
    if not xdp and (xdp_mode is not None or queue is not None or all_queues):
        raise UsageError("--xdp-mode, --queue and --all-queues go with --xdp")
    if queue is not None and all_queues:
        raise UsageError("--queue N or --all-queues, not both")
    if xdp_mode not in (None, "native", "skb"):
        raise UsageError(f"invalid XDP mode {xdp_mode!r}: native or skb")
    _positive("queue number", queue, zero_ok=True)
    if precision not in ("micro", "nano"):
        raise UsageError(f"invalid time stamp precision {precision!r}: micro or nano")
    snaplen = snaplen or DEFAULT_SNAPLEN
    filter_expr = " ".join(expression or []) or None
    if filter_file is not None:
        try:
            with open(filter_file) as f:
                text = " ".join(line.split("#", 1)[0] for line in f).strip()
        except OSError as exc:
            raise ZcapError(f"{filter_file}: {os.strerror(exc.errno or 0)}") from None
        if filter_expr:
            err("warning: -F given, the expression on the command line is ignored")
        filter_expr = text or None

    if dump:
        if linktype is not None:
            lt: int | str = _linktype(linktype)
        elif interface == "any":
            lt = "LINUX_DGRAM"
        elif interface is not None:
            from .iface import lookup
            lt = lookup(interface).linktype
        else:
            lt = LINKTYPE_ETHERNET
        return dump_filter(filter_expr or "", dump, lt, interface is not None, snaplen)

    printing = (write is None or print_) and not tui
    opts = None
    if printing:      # the printer and dpkt cost 45 ms of start-up: only when printing
        from .printer import PrintOptions
        opts = PrintOptions(numeric=numeric, link_header=link_header, hex=hex_,
                            hex_ascii=hex_ascii, verbose=verbose, quiet=quiet, tstamp=tstamp,
                            number=number, nano=precision == "nano",
                            line_buffered=line_buffered)
    if read_file is not None:
        if interface is not None:
            raise UsageError("-r and -i don't go together: read a file or capture live")
        if direction != "inout":
            raise UsageError("-Q applies to live captures: a file's packets are already taken")
        if rotate_seconds is not None:
            raise UsageError("-G applies to live captures (a file's time has passed)")
        rotation = dict(file_size=file_size, file_count=file_count, postrotate=postrotate) \
            if rotating or postrotate else None
        return read_offline(read_file, write, filter_expr, count=count,
                            print_opts=opts, tui=tui, quiet=quiet,
                            rotation=rotation, user=user)
    if linktype is not None:
        want = _linktype(linktype)
        from .iface import lookup
        have = LINKTYPE_LINUX_SLL2 if interface in (None, "any") else lookup(interface).linktype
        if want != have:
            raise UsageError(f"link type {linktype} is not available on {interface or 'any'} "
                             f"(it has {linktype_text(have)})")
    if interface is None:
        from .iface import default_interface
        interface = default_interface().name
    if fanout is not None:
        if write is None:
            raise UsageError("--fanout writes files: give -w FILE")
        from .fanout import run_fanout
        if filter_expr:            # refuse a bad filter before any worker starts
            import bpf_filters

            from .iface import lookup
            try:
                bpf_filters.compile(filter_expr, linktype=lookup(interface).linktype,
                                    kernel=True)
            except bpf_filters.FilterError as exc:
                raise filter_error(filter_expr, exc) from None
        return run_fanout(interface, write, fanout, mode=fanout_mode, merge=merge,
                          filter_expr=filter_expr, snaplen=snaplen, buffer_kib=buffer_kib,
                          promisc=not no_promisc, count=count, duration=duration)
    live = LiveOptions(count=count, snaplen=snaplen, buffer_kib=buffer_kib,
                       promisc=not no_promisc, duration=duration, direction=direction,
                       user=user, stats_interval=stats_interval, tui=tui, quiet=quiet,
                       xdp=xdp, xdp_mode=xdp_mode,
                       queues=[queue] if queue is not None else None,
                       rotation=dict(file_size=file_size, rotate_seconds=rotate_seconds,
                                     file_count=file_count, postrotate=postrotate)
                       if rotating or postrotate else None)
    return capture_live(interface, write, filter_expr, live, print_opts=opts)


def list_link_types(interface: str | None) -> int:
    """-L: the link types an interface can be captured as (one each, on Linux)."""
    if interface in (None, "any"):
        linktype = LINKTYPE_LINUX_SLL2
    else:
        from .iface import lookup
        linktype = lookup(interface).linktype
    print(f"Data link types for {interface or 'any'} (use option -y to set):")
    print(f"  {linktype_text(linktype)}")
    return 0


@dataclass
class LiveOptions:
    """The live-capture flags, as given."""

    count: int | None = None
    snaplen: int = DEFAULT_SNAPLEN
    buffer_kib: int = 32768
    promisc: bool = True
    duration: float | None = None
    direction: str = "inout"
    user: str | None = None
    stats_interval: float | None = None
    tui: bool = False
    quiet: bool = False
    xdp: bool = False
    xdp_mode: str | None = None
    queues: list[int] | None = None
    rotation: dict | None = None


def _file_sink(path: str, interfaces: list, rotation: dict | None, **extra):
    """The pcapng sink: one file, or files in turn with -C/-G/-W/-z."""
    from .sinks.pcapng import PcapngSink

    if rotation is None:
        return PcapngSink(path, interfaces)
    from .sinks.rotate import RotatingPcapngSink, parse_file_size
    rot = dict(rotation)
    if rot.get("file_size") is not None:
        rot["file_size"] = parse_file_size(rot["file_size"])
    return RotatingPcapngSink(path, interfaces, **rot, **extra)


def _printer_sink(opts, write: str | None):
    from .printer import Printer
    from .sinks.printer import PrintSink

    # With -w - the packets own standard output; the lines go to stderr.
    out = sys.stderr if write == "-" else sys.stdout
    if opts.line_buffered and out is sys.stdout:
        sys.stdout.reconfigure(line_buffering=True)
    return PrintSink(Printer(out, opts))


def _screen_error(screen) -> None:
    """The display thread failed (the capture went on without it): say so."""
    error = getattr(screen, "error", None)
    if error is not None:
        err(f"warning: the live summary stopped: {error}")


def _report(captured: int, received: int, dropped: int, on_signal: bool) -> None:
    """The counters so far, one line, for --stats-interval; a SIGUSR1 answer says so,
    so that it can be told from the periodic line."""
    print(f"zcap: {'SIGUSR1: ' if on_signal else ''}{captured} packets captured, "
          f"{received} received by filter, {dropped} dropped by kernel",
          file=sys.stderr, flush=True)


def _summary(captured: int, received: int, dropped: int) -> None:
    sys.stdout.flush()
    print(f"{captured} packets captured", file=sys.stderr)
    print(f"{received} packets received by filter", file=sys.stderr)
    print(f"{dropped} packets dropped by kernel", file=sys.stderr, flush=True)


def capture_live(interface: str, path: str | None, filter_expr: str | None,
                 opt: LiveOptions, print_opts=None) -> int:
    """Live capture into a pcapng file and/or printed lines; tcpdump's summary at the end."""
    import bpf_filters

    from .capture import StopFlag, Summary, open_live, run

    stop = StopFlag()
    try:
        cap = open_live(interface, snaplen=opt.snaplen, buffer_kib=opt.buffer_kib,
                        promisc=opt.promisc, filter=filter_expr, direction=opt.direction,
                        xdp=opt.xdp, xdp_mode=opt.xdp_mode, queues=opt.queues)
    except bpf_filters.FilterError as exc:
        raise filter_error(filter_expr or "", exc) from None
    with stop, cap:
        sinks: list = []
        writer = None
        if path is not None:
            writer = _file_sink(path, [cap.describe()], opt.rotation, stats=cap.stats,
                                on_done=stop.event.set)
            writer.set_snaplen(cap.snaplen)
            sinks.append(writer)
        if print_opts is not None:
            sinks.append(_printer_sink(print_opts, path))
        screen = contextlib.nullcontext()
        if opt.tui:
            from .sinks.stats import StatsSink
            from .tui import CaptureInfo, Dashboard
            stats = StatsSink.for_live(cap, writer=writer)
            sinks.append(stats)
            screen = Dashboard(stats, CaptureInfo.for_live(cap, output=path), stop=stop,
                               quiet=opt.quiet)
        if opt.user is not None:
            from .privs import drop_privileges
            drop_privileges(opt.user, [writer.fd] if writer is not None else [])
        how = cap.describe().description
        err(f"listening on {interface}, link-type {linktype_text(cap.linktype)}, "
            f"snapshot length {cap.snaplen} bytes" + (f", {how}" if how else ""))
        failure: ZcapError | None = None
        try:
            with screen:
                summary = run(cap, sinks, count=opt.count, duration=opt.duration, stop=stop,
                              report=lambda s, sig: _report(
                                  writer.packets if writer else s.captured, s.received,
                                  s.dropped, sig),
                              report_every=opt.stats_interval)
            _screen_error(screen)
            failure = summary.error
            if writer is not None:
                writer.close(summary.per_interface)
        except ZcapError as exc:
            failure = exc
            received, dropped = cap.stats()
            summary = Summary(captured=writer.packets if writer else 0, received=received,
                              dropped=dropped)
            if writer is not None:
                writer.close()
        if writer is not None:
            summary.captured = writer.packets
    _summary(summary.captured, summary.received, summary.dropped)
    if failure is not None:
        err(str(failure))
        return failure.exit_code
    return 0


def read_offline(path: str, write: str | None, filter_expr: str | None, *,
                 count: int | None, print_opts=None, tui: bool = False,
                 quiet: bool = False, rotation: dict | None = None,
                 user: str | None = None) -> int:
    """-r: print and/or convert (filtered) packets of a pcap or pcapng file."""
    import bpf_filters

    from . import offline
    from .readers import open_offline

    if filter_expr:
        try:   # refuse a bad filter before reading anything
            bpf_filters.compile(filter_expr, max_insns=bpf_filters.USER_MAXINSNS)
        except bpf_filters.FilterError as exc:
            raise filter_error(filter_expr, exc) from None
    with open_offline(path) as reader:
        reader.read_header()

        announced = False

        def announce() -> None:
            """tcpdump's 'reading from file' line, once the first interface is known
            (a pcap header has it; pcapng describes interfaces as it goes)."""
            nonlocal announced
            if announced or not reader.interfaces:
                return
            announced = True
            first = reader.interfaces[0]
            err(f"reading from file {path}, link-type {linktype_text(first.linktype)}, "
                f"snapshot length {first.snaplen}")

        announce()
        sinks: list = []
        writer = None
        if write is not None:
            writer = _file_sink(write, offline.describe(reader, 0, filter_expr), rotation)
            sinks.append(writer)
        if print_opts is not None:
            sinks.append(_printer_sink(print_opts, write))
        if user is not None:
            from .privs import drop_privileges
            drop_privileges(user, [writer.fd] if writer is not None else [])
        screen = None
        if tui:
            from .capture import StopFlag
            from .sinks.stats import StatsSink
            from .tui import CaptureInfo, Dashboard
            stats = StatsSink()
            sinks.append(stats)
            stop = StopFlag()
            screen = Dashboard(stats, CaptureInfo.for_file(path, filter=filter_expr,
                                                           output=write), stop=stop, quiet=quiet)
        try:
            with screen or contextlib.nullcontext():
                result = offline.read(
                    reader, sinks, filter_expr=filter_expr, count=count,
                    stop=stop if screen else None,
                    before_first=announce)
                if screen is not None:
                    screen.finished()
                    screen.wait_for_quit()
            _screen_error(screen)
        except bpf_filters.FilterError as exc:
            raise filter_error(filter_expr or "", exc) from None
        finally:
            if writer is not None:
                writer.close()
        sys.stdout.flush()
        announce()          # a file with no packets names its interfaces only at the end
    if result.error is not None:
        err(str(result.error))
        return result.error.exit_code
    return 0


def main(argv: list[str] | None = None) -> None:
    """Console entry point: errors become one line on stderr and an exit code."""
    command = typer.main.get_command(app)
    try:
        rc = command.main(args=argv, prog_name="zcap", standalone_mode=False)
    except typer.Exit as exc:
        rc = exc.exit_code
    except typer.TyperException as exc:      # bad flag or value, from the parser
        err(exc.format_message())
        rc = 2
    except (typer.Abort, KeyboardInterrupt):
        rc = 130
    except ZcapError as exc:
        text = str(exc)
        if "\n" in text:                      # a filter error: expression, caret, reason
            print(text, file=sys.stderr, flush=True)
        else:
            err(text)
        rc = exc.exit_code
    except BrokenPipeError:
        # Our reader went away (e.g. `zcap ... | head`): not an error worth a line.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        rc = 1
    sys.exit(rc or 0)
