"""zcap as a Wireshark extcap capture source (the `zcap-extcap` command).

Wireshark, tshark and dumpcap run every program in their extcap folders to
ask what it offers (extcap(4)): `--extcap-interfaces` (one `zcap-IFNAME` per
interface here), `--extcap-dlts` (that interface's link type),
`--extcap-config` (the options Wireshark shows in its dialog) and
`--extcap-capture-filter` (is this capture filter good?). To capture,
Wireshark makes a FIFO and runs `--capture --fifo PATH --extcap-interface
zcap-IFNAME [--extcap-capture-filter EXPR] [options]`; the program writes a
capture file into the FIFO until Wireshark ends it with SIGTERM.

The capture is zcap's own command line, `zcap -i IFNAME -w - ...`, run in
this process with the FIFO as its standard output, so Wireshark gets exactly
the pcapng stream `-w -` writes, from the same pipeline, with the same
statistics block at the end.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from dataclasses import dataclass

from . import __version__
from .errors import UsageError, ZcapError

PREFIX = "zcap-"        # Wireshark's interface names: zcap-eth0, zcap-any

# dumpcap reads a pcapng stream from a pipe one block at a time and refuses a
# block longer than 256 KiB. zcap writes each packet as one Enhanced Packet
# Block: a 28-byte header, the packet padded to 4 bytes, epb_flags and the end
# of options (12), the repeated length (4); the packet itself can grow by 20
# bytes of LINUX_SLL2 header (`any`) or 4 of a VLAN tag put back. The
# snapshot length given to zcap leaves 1 KiB for all of that and for options
# the writer may add later.
PIPE_BLOCK_MAX = 256 * 1024
SNAPLEN_MAX = PIPE_BLOCK_MAX - 1024
RING_KIB_DEFAULT = 32768


@dataclass(frozen=True)
class Arg:
    """One option of Wireshark's capture dialog for zcap (an extcap `arg` line)."""

    call: str
    display: str
    type: str           # extcap(4) type: unsigned, boolflag, ...
    default: str
    tooltip: str
    range: str | None = None


# What Wireshark shows in its "Interface Options" dialog for a zcap interface;
# the capture filter is Wireshark's own field and reaches us as
# --extcap-capture-filter. Every call here is an option of main()'s parser.
CONFIG = (
    Arg("--snaplen", "Snapshot length", "unsigned", str(SNAPLEN_MAX),
        "Bytes kept of each packet (the kernel truncates)", f"1,{SNAPLEN_MAX}"),
    Arg("--ring-kib", "Ring size (KiB)", "unsigned", str(RING_KIB_DEFAULT),
        "Size of the capture ring shared with the kernel, in KiB", "64,4194304"),
    Arg("--xdp", "AF_XDP capture", "boolflag", "false",
        "Capture with AF_XDP: packets that reach zcap no longer reach this host's own stack"),
)


def interfaces_text() -> str:
    """The answer to --extcap-interfaces: zcap's version and one line per interface."""
    # Names only: the kernel's index answers that without netlink (pyroute2
    # costs 0.2 s to import, and Wireshark asks at every start).
    lines = [f"extcap {{version={__version__}}}"]
    names = [name for _, name in sorted(socket.if_nameindex())] + ["any"]
    for name in names:
        lines.append(f"interface {{value={PREFIX}{name}}}{{display=zcap: {name}}}")
    return "\n".join(lines) + "\n"


def interface_name(extcap_interface: str | None) -> str:
    """The Linux interface behind Wireshark's `zcap-IFNAME`."""
    if not extcap_interface:
        raise UsageError("--extcap-interface zcap-IFNAME is needed")
    if not extcap_interface.startswith(PREFIX) or extcap_interface == PREFIX:
        raise UsageError(f"{extcap_interface}: not a zcap interface (zcap-IFNAME)")
    return extcap_interface[len(PREFIX):]


def linktype(name: str) -> int:
    """The pcapng link type zcap writes for interface ``name``."""
    from bpf_filters.linktypes import LINKTYPE_LINUX_SLL2

    from .iface import lookup

    return LINKTYPE_LINUX_SLL2 if name == "any" else lookup(name).linktype


def dlts_text(name: str) -> str:
    """The answer to --extcap-dlts: the one link type zcap writes for ``name``."""
    from bpf_filters.linktypes import LINKTYPES

    lt = LINKTYPES[linktype(name)]
    return f"dlt {{number={lt.number}}}{{name={lt.name}}}{{display={lt.description}}}\n"


def config_text() -> str:
    """The answer to --extcap-config: CONFIG in extcap(4)'s `arg` syntax."""
    lines = []
    for number, arg in enumerate(CONFIG):
        line = (f"arg {{number={number}}}{{call={arg.call}}}{{display={arg.display}}}"
                f"{{type={arg.type}}}{{default={arg.default}}}{{tooltip={arg.tooltip}}}")
        if arg.range:
            line += f"{{range={arg.range}}}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def filter_problem(name: str, expression: str) -> str | None:
    """Why ``expression`` is no capture filter for ``name`` (one line), or None if it is."""
    import bpf_filters

    try:
        bpf_filters.compile(expression, linktype=linktype(name), kernel=name != "any")
    except bpf_filters.FilterError as exc:
        where = f" at column {exc.column + 1}" if exc.column is not None else ""
        return f"filter error{where}: {exc.message}"
    return None


def zcap_argv(name: str, snaplen: int, ring_kib: int, xdp: bool,
              expression: str | None) -> list[str]:
    """The zcap command line that captures as Wireshark asked, pcapng on stdout."""
    if not 1 <= snaplen <= SNAPLEN_MAX:
        raise UsageError(f"invalid snapshot length {snaplen}: 1 to {SNAPLEN_MAX} "
                         "(Wireshark reads no block over 256 KiB from a pipe)")
    argv = ["-i", name, "-w", "-", "-s", str(snaplen)]
    # AF_XDP sizes its own frames: zcap refuses -B with --xdp.
    argv += ["--xdp"] if xdp else ["-B", str(ring_kib)]
    if expression and expression.strip():
        argv += ["--", expression]
    return argv


def capture(fifo: str, argv: list[str]) -> int:
    """Run zcap with ``argv`` and the FIFO as its standard output; its exit status."""
    from .cli import main as zcap_main

    # Opening blocks until Wireshark opens its end for reading.
    try:
        fd = os.open(fifo, os.O_WRONLY)
    except OSError as exc:
        raise ZcapError(f"{fifo}: {os.strerror(exc.errno or 0)}") from None
    sys.stdout.flush()
    os.dup2(fd, sys.stdout.fileno())
    os.close(fd)
    try:
        zcap_main(argv)
    except SystemExit as exc:
        return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
    return 0


def parser() -> argparse.ArgumentParser:
    """Wireshark's extcap flags, plus CONFIG's options."""
    p = argparse.ArgumentParser(prog="zcap-extcap", description="zcap as a Wireshark extcap "
                                "capture source; Wireshark runs this, see zcap(8).")
    p.add_argument("--extcap-interfaces", action="store_true")
    p.add_argument("--extcap-dlts", action="store_true")
    p.add_argument("--extcap-config", action="store_true")
    p.add_argument("--extcap-interface")
    p.add_argument("--extcap-capture-filter")
    p.add_argument("--extcap-version")
    p.add_argument("--capture", action="store_true")
    p.add_argument("--fifo")
    p.add_argument("--snaplen", type=int, default=SNAPLEN_MAX)
    p.add_argument("--ring-kib", type=int, default=RING_KIB_DEFAULT)
    p.add_argument("--xdp", action="store_true")
    return p


def run(argv: list[str] | None) -> int:
    """One extcap request; its exit status."""
    args, unknown = parser().parse_known_args(argv)
    # Wireshark adds flags of its own over versions (--debug, --extcap-...):
    # ignore those, refuse anything else.
    strange = [a for a in unknown if not a.startswith(("--extcap-", "--debug"))]
    if strange:
        raise UsageError(f"unknown argument {strange[0]!r}")
    if args.extcap_interfaces:
        sys.stdout.write(interfaces_text())
        return 0
    if args.extcap_config:
        sys.stdout.write(config_text())
        return 0
    name = interface_name(args.extcap_interface)
    if args.extcap_dlts:
        sys.stdout.write(dlts_text(name))
        return 0
    if args.capture:
        if not args.fifo:
            raise UsageError("--capture needs --fifo PATH")
        argv = zcap_argv(name, args.snaplen, args.ring_kib, args.xdp,
                         args.extcap_capture_filter)
        return capture(args.fifo, argv)
    if args.extcap_capture_filter is not None:
        # Wireshark takes the first line of our standard output as the reason
        # the filter is refused, and an empty output as "valid"; it reads that
        # output only from a successful run, so the status is 0 either way.
        problem = filter_problem(name, args.extcap_capture_filter)
        if problem:
            print(problem)
        return 0
    raise UsageError("nothing to do: --extcap-interfaces, --extcap-dlts, --extcap-config, "
                     "--extcap-capture-filter or --capture")


def main(argv: list[str] | None = None) -> None:
    """Console entry point `zcap-extcap`: errors become one line on stderr."""
    try:
        rc = run(argv)
    except ZcapError as exc:
        print(f"zcap-extcap: {exc}", file=sys.stderr, flush=True)
        rc = exc.exit_code
    sys.exit(rc)


if __name__ == "__main__":
    main()
