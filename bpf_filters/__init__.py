"""bpf_filters: the tcpdump filter language (pcap-filter(7)) compiled to classic BPF.

Stages, each its own module: lexer -> parser (syntax tree) -> codegen (blocks)
-> optimize -> assemble (instructions); disasm for the text forms; interp is
the reference interpreter and cinterp the C one from zcap's core.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import linktypes as _lt
from .codegen import CodeGen
from .errors import FilterError, ParseError, format_error
from .interp import run as _run
from .interp import validate
from .linktypes import DEFAULT_SNAPLEN, linktype_name, linktype_number
from .opcodes import Insn
from .program import Program

__all__ = ["compile", "run", "Program", "Insn", "FilterError", "ParseError", "format_error",
           "linktype_number", "linktype_name", "validate", "DEFAULT_SNAPLEN"]


def compile(expr: str, linktype: str | int = "EN10MB", netmask: int | None = None,  # noqa: A001
            optimize: bool = True, kernel: bool = False,
            snaplen: int = DEFAULT_SNAPLEN, savefile: bool = False) -> Program:
    """Compile a pcap-filter(7) expression to a classic BPF Program.

    linktype: name (EN10MB, LINUX_SLL, LINUX_SLL2, RAW, IPV4, IPV6, NULL, LOOP, PPP,
    IEEE802_11, IEEE802_11_RADIO, LINUX_DGRAM) or DLT number.
    netmask: the IPv4 netmask `ip broadcast` needs (None: unknown, as libpcap's
    PCAP_NETMASK_UNKNOWN). kernel: the program is for a live AF_PACKET socket
    (the outer VLAN tag from the ancillary data or the frame, as libpcap on
    Linux). snaplen: what a match returns. `protochain` steps over at most
    codegen.PROTOCHAIN_HOPS (8) headers: a chain longer than that matches only
    if the protocol is found within the first 8 steps.
    savefile: the program filters a capture file, as libpcap's do when reading
    one (`ip6` on NULL and LOOP then means the BSD values of AF_INET6).
    Raises ParseError/FilterError with the column of the fault, and FilterError
    when the optimised program can match no packet (as libpcap does).
    """
    from . import optimize as _opt
    from .assemble import assemble
    from .parser import parse

    if not isinstance(expr, str):
        raise FilterError("filter expression must be a string")
    num = _lt.linktype_number(linktype)
    if num == _lt.LINUX_DGRAM:
        kernel = True
    if netmask is not None and not 0 <= netmask <= 0xFFFFFFFF:
        raise FilterError("netmask out of range")
    if not 0 < snaplen <= 0xFFFFFFFF:
        raise FilterError("snaplen must be positive")
    tree = parse(expr)
    gen = CodeGen(num, netmask, kernel, savefile)
    root = gen.program(tree, snaplen)
    if optimize:
        root = _opt.optimize(root)
    insns = assemble(root)
    if optimize and len(insns) == 1 and insns[0].k == 0 and not gen.opaque:
        # libpcap (and so tcpdump) refuses a filter its optimiser proves empty.
        # Where libpcap's optimiser cannot see through the code (see
        # CodeGen.opaque), or would not prove it, the filter stays.
        from .empty import libpcap_proves_empty
        if libpcap_proves_empty(CodeGen(num, netmask, kernel, savefile).program(tree, snaplen)):
            raise FilterError("expression rejects all packets", 0)
    if num == _lt.LINUX_DGRAM:
        from .cooked import to_dgram
        insns = to_dgram(insns)
    validate(insns)
    return Program(tuple(insns), expr, num, snaplen, kernel)


def run(program: Program | Sequence[Sequence[int]], frame: bytes, wirelen: int | None = None,
        *, vlan_tci: int | None = None, vlan_tpid: int | None = None,
        pkttype: int | None = None, protocol: int | None = None,
        ifindex: int | None = None) -> int:
    """Run a program over one frame with the reference interpreter (0 = reject)."""
    insns = program.instructions if isinstance(program, Program) else \
        [Insn(*i) for i in program]
    return _run(insns, frame, wirelen, vlan_tci=vlan_tci, vlan_tpid=vlan_tpid,
                pkttype=pkttype, protocol=protocol, ifindex=ifindex)
