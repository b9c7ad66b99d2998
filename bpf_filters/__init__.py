"""bpf_filters: the tcpdump filter language (pcap-filter(7)) compiled to classic BPF.

Stages, each its own module: lexer -> parser (syntax tree) -> codegen (blocks)
-> optimize -> assemble (instructions); disasm for the text forms; interp is
the reference interpreter and cinterp the C one from zcap's core.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import linktypes as _lt
from .errors import FilterError, ParseError, ProgramTooLong, format_error
from .linktypes import DEFAULT_SNAPLEN, linktype_name, linktype_number
from .opcodes import BPF_JA, BPF_JMP, BPF_MAXINSNS, USER_MAXINSNS, Insn

if TYPE_CHECKING:
    from .ir import Block
    from .program import Program

JA = BPF_JMP | BPF_JA

__all__ = ["compile", "run", "fits_kernel", "Program", "Insn", "FilterError", "ParseError",
           "ProgramTooLong", "format_error", "BPF_MAXINSNS", "USER_MAXINSNS",
           "linktype_number", "linktype_name", "validate", "DEFAULT_SNAPLEN"]

# The compiler's stages load when first used (PEP 562 for the names below, and
# inside the functions): `import bpf_filters.linktypes` (zcap -D, -r) must not
# pay for the code generator, about half of zcap's start-up otherwise.
_LAZY = {"Program": "program", "validate": "interp"}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bpf_filters' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def compile(expr: str, linktype: str | int = "EN10MB", netmask: int | None = None,  # noqa: A001
            optimize: bool = True, kernel: bool = False,
            snaplen: int = DEFAULT_SNAPLEN, savefile: bool = False, swapped: bool = False,
            max_insns: int = BPF_MAXINSNS) -> Program:
    """Compile a pcap-filter(7) expression to a classic BPF Program.

    linktype: name (EN10MB, LINUX_SLL, LINUX_SLL2, RAW, IPV4, IPV6, NULL, LOOP, PPP,
    IEEE802_11, IEEE802_11_RADIO, LINUX_DGRAM) or DLT number.
    netmask: the IPv4 netmask `ip broadcast` needs (None: unknown, as libpcap's
    PCAP_NETMASK_UNKNOWN). kernel: the program is for a live AF_PACKET socket
    (the outer VLAN tag from the ancillary data or the frame, as libpcap on
    Linux). snaplen: what a match returns. `protochain` is a loop, as in
    libpcap: a backward jump, which the kernel refuses (see fits_kernel).
    savefile: the program filters a capture file, as libpcap's do when reading
    one (`ip6` on NULL and LOOP then means the BSD values of AF_INET6).
    swapped: that file was written in the other byte order (NULL's address
    family word is in its writer's order: libpcap compares it so).
    max_insns: the longest program accepted, the kernel's limit by default;
    USER_MAXINSNS for a program run in user space (a file, or a live capture
    whose program the kernel refused: see fits_kernel).
    Raises ParseError/FilterError with the column of the fault, FilterError
    when the optimised program can match no packet (as libpcap does), and
    ProgramTooLong (a FilterError) past max_insns.
    """
    from . import deep, lists
    from . import optimize as _opt
    from .assemble import assemble
    from .codegen import CodeGen
    from .interp import validate
    from .parser import Parser
    from .program import Program
    from .scratch import zero_unwritten

    if not isinstance(expr, str):
        raise FilterError("filter expression must be a string")
    num = _lt.linktype_number(linktype)
    if num == _lt.LINUX_DGRAM:
        kernel = True
    if netmask is not None and not 0 <= netmask <= 0xFFFFFFFF:
        raise FilterError("netmask out of range")
    if not 0 < snaplen <= 0xFFFFFFFF:
        raise FilterError("snaplen must be positive")
    if not 0 < max_insns <= USER_MAXINSNS:
        raise FilterError(f"max_insns must be between 1 and {USER_MAXINSNS}")
    parser = Parser(expr)
    depth = len(parser.toks)
    tree = deep.call(parser.parse, depth)
    gen = CodeGen(num, netmask, kernel, savefile, lists=optimize, swapped=swapped)
    root = deep.call(lambda: gen.program(tree, snaplen), depth)
    if optimize and not gen.loops:     # libpcap does not optimise a protochain loop either
        root = _opt.optimize(root, keep_verdicts=gen.no_optimize)
    insns = _assemble_lists(root, max_insns) if lists.has_sets(root) else \
        assemble(root, limit=max_insns)
    if optimize and len(insns) == 1 and insns[0].k == 0 and not gen.opaque:
        # libpcap (and so tcpdump) refuses a filter its optimiser proves empty.
        # Where libpcap's optimiser cannot see through the code (see
        # CodeGen.opaque), or would not prove it, the filter stays. It is
        # judged on libpcap's one-by-one code, without set tests.
        from .empty import libpcap_proves_empty
        plain = CodeGen(num, netmask, kernel, savefile, lists=False, swapped=swapped)
        if libpcap_proves_empty(deep.call(lambda: plain.program(tree, snaplen), depth)):
            raise FilterError("expression rejects all packets", 0)
    insns = zero_unwritten(insns)
    if num == _lt.LINUX_DGRAM:
        from .cooked import to_dgram
        insns = to_dgram(insns)
    validate(insns, USER_MAXINSNS)
    return Program(tuple(insns), expr, num, snaplen, kernel)


def fits_kernel(program: Program | Sequence[Sequence[int]]) -> bool:
    """Will the kernel take this program as a socket filter (SO_ATTACH_FILTER)?
    Not one longer than its limit, nor protochain's loop (a backward jump). It
    can still run in user space (cinterp.CFilter), as libpcap falls back to
    when the kernel refuses a filter."""
    insns = getattr(program, "instructions", program)     # a Program, or bare tuples
    return 0 < len(insns) <= BPF_MAXINSNS and not any(
        i[0] == JA and i[3] & 0x80000000 for i in insns)


def _assemble_lists(root: Block, limit: int) -> list[Insn]:
    """Lists as runs of jeq, or as search trees where that costs no more than
    libpcap's runs (whose far jumps each take a trampoline: long lists)."""
    from . import lists
    from .assemble import assemble

    linear = lists.expand(root, trees=False)
    try:
        runs = assemble(linear, limit=limit)
    except ProgramTooLong:
        return assemble(lists.expand(root, trees=True), limit=limit)
    try:
        tree = assemble(lists.expand(root, trees=True), limit=limit)
    except ProgramTooLong:
        return runs
    try:
        libpcap_like = len(assemble(linear, share=False, limit=limit))
    except ProgramTooLong:
        return tree
    return tree if len(tree) <= libpcap_like else runs


def run(program: Program | Sequence[Sequence[int]], frame: bytes, wirelen: int | None = None,
        *, vlan_tci: int | None = None, vlan_tpid: int | None = None,
        pkttype: int | None = None, protocol: int | None = None,
        ifindex: int | None = None) -> int:
    """Run a program over one frame with the reference interpreter (0 = reject)."""
    from .interp import run as _run
    from .program import Program

    insns = program.instructions if isinstance(program, Program) else \
        [Insn(*i) for i in program]
    return _run(insns, frame, wirelen, vlan_tci=vlan_tci, vlan_tpid=vlan_tpid,
                pkttype=pkttype, protocol=protocol, ifindex=ifindex)
