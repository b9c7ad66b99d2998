"""Code generation: syntax tree to a DAG of blocks, primitive by primitive.

Each primitive expands the way libpcap expands it (same tests, same order), so
that even on truncated packets, where a load past the end rejects the packet,
the verdict is libpcap's. The code is naive on purpose: every test loads what
it needs; the optimiser removes what is redundant.

The families of primitives live in their own modules, mixed into CodeGen:
codegen_link (what "protocol X" means on each link type), codegen_wlan
(802.11 and radiotap), codegen_llc (802.2 LLC, ISO, IS-IS), codegen_tunnel
(PPPoE, Geneve), codegen_decnet; codegen_base has the fragments they build.
"""

from __future__ import annotations

import ipaddress

from . import ast as A
from . import linktypes as lt
from . import lists, names
from . import opcodes as op
from .codegen_base import Frag, and_, not_, or_, test
from .codegen_base import ld as _ld
from .codegen_base import patch as _patch
from .codegen_decnet import DecnetGen, parse_dnaddr
from .codegen_link import LinkGen
from .codegen_llc import ISO_NLPID, ISO_PROTOS, LlcGen
from .codegen_regs import Registers, RegsGen
from .codegen_tunnel import TunnelGen
from .codegen_wlan import WlanGen
from .errors import FilterError
from .ir import Block, Stmt, ret_block

JEQ, JGT, JGE, JSET = op.BPF_JEQ, op.BPF_JGT, op.BPF_JGE, op.BPF_JSET
_JOPS = {"jeq": JEQ, "jgt": JGT, "jge": JGE}
_ALUOPS = {"+": op.BPF_ADD, "-": op.BPF_SUB, "*": op.BPF_MUL, "/": op.BPF_DIV, "%": op.BPF_MOD,
           "&": op.BPF_AND, "|": op.BPF_OR, "^": op.BPF_XOR, "<<": op.BPF_LSH,
           ">>": op.BPF_RSH}
_SIZES = {1: op.BPF_B, 2: op.BPF_H, 4: op.BPF_W}

IPPROTO = {"tcp": 6, "udp": 17, "sctp": 132, "icmp": 1, "igmp": 2, "igrp": 9, "pim": 103,
           "vrrp": 112, "carp": 112, "icmp6": 58, "ah": 51, "esp": 50}
IPPROTO_FRAGMENT = 44
IPPROTO_AH = 51
IPPROTO_NONE = 59  # "no next header": where libpcap's protochain loop stops
# IPv6 headers protochain steps over: hop-by-hop, destination options, routing, fragment
_IP6_EXT_HDRS = (0, 60, 43, 44)
# protocols that `tcp`, `udp`... mean: (ip protocol number, families it applies to)
_ABBREV_FAMILY = {"tcp": "both", "udp": "both", "sctp": "both", "icmp": "ip", "igmp": "ip",
                  "igrp": "ip", "pim": "both", "vrrp": "ip", "carp": "ip", "icmp6": "ip6",
                  "ah": "both", "esp": "both"}
_LINK_PROTOS = {"ip": 0x0800, "ip6": 0x86DD, "arp": 0x0806, "rarp": 0x8035, "atalk": 0x809B,
                "aarp": 0x80F3, "decnet": 0x6003, "lat": 0x6004, "sca": 0x6007,
                "moprc": 0x6002, "mopdl": 0x6001}
_TRANSPORT = ("tcp", "udp", "sctp", "icmp", "igmp", "igrp", "pim", "vrrp", "carp")
# The compiler's link types by the layout code generation knows them as.
_LINK_KIND = {lt.EN10MB: "ether", lt.LINUX_SLL2: "sll2", lt.LINUX_DGRAM: "sll2",
              lt.LINUX_SLL: "sll", lt.RAW: "raw", lt.IPV4: "ipv4", lt.IPV6: "ipv6",
              lt.NULL: "null", lt.LOOP: "loop", lt.PPP: "ppp", lt.IEEE802_11: "wlan",
              lt.IEEE802_11_RADIO: "wlan"}
# Where the link-type field and the network header start (None: no link-type
# field). On 802.11 both count from the start of the link payload, known only
# at run time (after the 802.11 header and, with radiotap, the radiotap header).
_LAYOUT = {"ether": (12, 14), "sll2": (0, 20), "sll": (14, 16), "ppp": (2, 4), "null": (0, 4),
           "loop": (0, 4), "raw": (None, 0), "ipv4": (None, 0), "ipv6": (None, 0),
           "wlan": (6, 8)}
# what `proto[...]` accepts below the transport layer (not aarp, as libpcap)
_NETWORK = ("ip", "arp", "rarp", "atalk", "decnet", "lat", "sca", "moprc", "mopdl", "ip6")


class LazyCell:
    """A run-time offset whose cell is taken when code first reads it."""

    def __init__(self) -> None:
        self.reg: int | None = None


def _cell(name: str) -> property:
    def get(self: CodeGen) -> int | None:
        v = self.cells.get(name)
        if isinstance(v, LazyCell):
            if v.reg is None:
                v.reg = self.alloc(0)
            return v.reg
        return v

    def put(self: CodeGen, value: int | LazyCell | None) -> None:
        self.cells[name] = value

    return property(get, put)


class CodeGen(LinkGen, WlanGen, LlcGen, TunnelGen, DecnetGen, RegsGen):
    """Walks the tree left to right, keeping libpcap's notion of where headers start."""

    ALUOPS = _ALUOPS
    # the run-time offsets (None, a cell, or a cell taken at first use)
    var_link = _cell("var_link")
    var_pl = _cell("var_pl")
    var_rt = _cell("var_rt")
    var_lt = _cell("var_lt")
    var_nl = _cell("var_nl")

    def __init__(self, linktype: int, netmask: int | None, kernel: bool,
                 savefile: bool = False, lists: bool = True, swapped: bool = False) -> None:
        self.linktype = linktype
        self.savefile = savefile
        self.swapped = swapped  # a file from a host of the other byte order
        # Runs of `or`-joined hosts or ports become set tests (bpf_filters.lists),
        # the shape libpcap's optimiser gives them; off, for unoptimised code.
        self.lists = lists
        self.value_set: tuple[int, ...] | None = None
        self.netmask = netmask
        self.kernel = kernel
        self.link = _LINK_KIND[linktype]
        # what libpcap's messages call the link type (PPP after `pppoes`)
        self.link_desc = lt.linktype_description(linktype)
        self.off_lt: int | None
        self.off_lt, self.nl = _LAYOUT[self.link]
        self.vlan_depth = 0
        self.mpls_depth = 0
        self.regs = Registers()
        self.needs: dict[int, int] = {}  # _regs_needed's memo
        self.cells: dict[str, int | LazyCell | None] = {}
        # Run-time parts of the link-type and network-header offsets (libpcap's
        # variable offsets): scratch registers added to off_lt / nl, or None.
        # Only a kernel-mode `vlan` makes them, as it cannot know at compile
        # time whether the kernel took the tag out of the frame.
        self.var_lt: int | None = None
        self.var_nl: int | None = None
        self.vlan_offsets = False  # var_lt/var_nl are the kernel-VLAN ones
        self.geneve_inner = False  # after `geneve`: the link layer is the inner frame's
        # Code libpcap's optimiser cannot reason about (802.11's run-time
        # offsets, protochain's loop, geneve's offsets, `byte` on A as it is):
        # an empty filter that contains it is not refused (see compile()).
        self.opaque = False
        self.loops = False     # protochain's loop: the program must not be optimised
        # libpcap does not optimise a program with 802.11's run-time offsets,
        # geneve's or protochain's loop: its verdicts are then the plain
        # code's, on short packets too, and it refuses no constant operand
        self.no_optimize = False
        # Where the link header starts at run time (radiotap: after the radiotap
        # header), or None when it starts the frame.
        self.var_link: int | None = None
        self.off_link = 0  # and its constant part (not 0 after `pppoes`)
        self.var_pl: int | None = None  # 802.11: where the link payload starts
        self.off_pl = 0  # and its constant part (4 more after each `vlan`)
        self.var_rt: int | None = None  # radiotap: the radiotap header's length
        # 802.11: comparisons coded in libpcap's shape, and the offset cells
        # taken when first used, as libpcap does (see codegen_regs)
        self.in_cells = self.link == "wlan"
        if self.link == "wlan":
            if linktype == lt.IEEE802_11_RADIO:
                self.var_rt = self.var_link = LazyCell()
            self.var_pl = self.var_lt = self.var_nl = LazyCell()

    # ---- entry
    def program(self, node: A.Node | None, snaplen: int) -> Block:
        """Code for a whole expression; accept returns snaplen."""
        if node is None:
            return ret_block(snaplen)
        if _mentions(node, "geneve"):
            # libpcap does not optimise it, so a comparison before `geneve`
            # shows its cells: freed, they become geneve's offset cells, and
            # where the comparison runs and geneve does not, what follows
            # reads the comparison's values as offsets (codegen_regs)
            self.in_cells = True
        frag = self.gen(node)
        _patch(frag.t, ret_block(snaplen))
        _patch(frag.f, ret_block(0))
        if self.vlan_offsets:
            assert self.var_nl is not None and self.var_lt is not None
            # both run-time offsets start at 0, before anything can add to them
            frag.head.stmts[:0] = [Stmt(op.BPF_LD | op.BPF_IMM, 0), Stmt(op.BPF_ST, self.var_nl),
                                   Stmt(op.BPF_ST, self.var_lt)]
        if self.linktype in (lt.IEEE802_11, lt.IEEE802_11_RADIO):
            return self.wlan_prologue(frag.head)
        return frag.head

    def gen(self, node: A.Node) -> Frag:
        if isinstance(node, (A.And, A.Or)):
            # a chain of and/or is a left spine: walk it in a loop, not a
            # recursion per term, still generating left to right
            spine = []
            while isinstance(node, (A.And, A.Or)):
                spine.append(node)
                node = node.left
            terms: list[tuple[str | None, A.Node]] = [(None, node)]
            terms += [("and" if isinstance(n, A.And) else "or", n.right) for n in reversed(spine)]
            frag: Frag | None = None
            i = 0
            while i < len(terms):
                conj, term = terms[i]
                j = self.list_end(terms, i)
                f = self.gen(term) if j == i + 1 else self.prim_list([t for _, t in terms[i:j]])
                frag = f if frag is None else (and_ if conj == "and" else or_)(frag, f)
                i = j
            assert frag is not None
            return frag
        if isinstance(node, A.Not):
            return not_(self.gen(node.inner))
        try:
            if isinstance(node, A.ProtoAbbrev):
                return self.proto_abbrev(node.proto, node.col)
            if isinstance(node, A.Prim):
                return self.prim(node)
            if isinstance(node, A.Relation):
                return self.relation(node)
            if isinstance(node, A.Other):
                return self.other(node)
        except FilterError as e:
            # every refusal points somewhere: a check deep in the code
            # generator that has no column of its own gets its primitive's
            if e.column is None:
                e.column = node.col
            raise
        raise FilterError("internal error: unknown node", node.col)

    def list_end(self, terms: list[tuple[str | None, A.Node]], i: int) -> int:
        """End of the run of terms from i that can be one list: primitives
        joined by `or`, or negated primitives joined by `and` (`not A and not
        B` is `not (A or B)`), joined the same way to what comes before, so
        that associativity allows the grouping."""
        conj = "or" if not isinstance(terms[i][1], A.Not) else "and"
        if not self.lists or terms[i][0] not in (None, conj):
            return i + 1

        def signature(node: A.Node) -> tuple | None:
            if conj == "and":
                if not isinstance(node, A.Not):
                    return None
                node = node.inner
            got = lists.listable(node)
            return None if got is None else got[0]

        first = signature(terms[i][1])
        if first is None:
            return i + 1
        j = i + 1
        while j < len(terms) and terms[j][0] == conj and signature(terms[j][1]) == first:
            j += 1
        return j

    def prim_list(self, prims: list[A.Node]) -> Frag:
        """Primitives that differ only in their value (or all negated such
        primitives): one primitive whose value compare is a set test."""
        negated = isinstance(prims[0], A.Not)
        inner = [p.inner if isinstance(p, A.Not) else p for p in prims]
        values = []
        for p in inner:
            got = lists.listable(p)
            assert got is not None
            values.append(got[1])
        self.value_set = tuple(values)
        try:
            frag = self.gen(inner[0])
        finally:
            self.value_set = None
        return not_(frag) if negated else frag

    def value_cmp(self, rel: str, off: int, size: int, v: int, mask: int | None = None) -> Frag:
        """A compare with the primitive's value: a set test inside prim_list."""
        f = self.cmp(rel, off, size, v, mask=mask)
        if self.value_set is not None:
            f.head.members = self.value_set
        return f

    # ---- loads and compares
    def load(self, rel: str, off: int, size: int) -> list[Stmt]:
        """Statements leaving in A the field at `off` from the start of `rel`."""
        sz = _SIZES[size]
        if rel == "pkt":
            return [_ld(sz, op.BPF_ABS, off)]
        if rel == "link":
            return self.at(self.var_link, sz, self.off_link + off)
        if rel == "pl":
            return self.at(self.var_pl, sz, self.off_pl + off)
        if rel == "lt":
            assert self.off_lt is not None
            return self.at(self.var_lt, sz, self.off_lt + off)
        if rel == "nl":
            return self.at(self.var_nl, sz, self.nl + off)
        if rel == "tran4":
            return self.ip_hdrlen() + [_ld(sz, op.BPF_IND, self.nl + off)]
        if rel == "tran6":
            return self.at(self.var_nl, sz, self.nl + 40 + off)
        raise AssertionError(rel)

    @staticmethod
    def at(var: int | None, sz: int, k: int) -> list[Stmt]:
        """Load at k, plus the run-time offset kept in M[var] if there is one."""
        if var is None:
            return [_ld(sz, op.BPF_ABS, k)]
        return [Stmt(op.BPF_LDX | op.BPF_MEM, var), _ld(sz, op.BPF_IND, k)]

    def ip_hdrlen(self) -> list[Stmt]:
        """X = the IPv4 header length, plus the run-time offset if any; loads
        relative to X then add self.nl."""
        if self.var_nl is None:
            return [Stmt(op.BPF_LDX | op.BPF_MSH | op.BPF_B, self.nl)]
        # 4*([k]&0xf) has no indexed form: compute it in A
        return [Stmt(op.BPF_LDX | op.BPF_MEM, self.var_nl), _ld(op.BPF_B, op.BPF_IND, self.nl),
                Stmt(op.BPF_ALU | op.BPF_AND | op.BPF_K, 0x0F),
                Stmt(op.BPF_ALU | op.BPF_LSH | op.BPF_K, 2),
                Stmt(op.BPF_ALU | op.BPF_ADD | op.BPF_X), Stmt(op.BPF_MISC | op.BPF_TAX)]

    def cmp(self, rel: str, off: int, size: int, v: int, jop: int = JEQ,
            mask: int | None = None, reverse: bool = False) -> Frag:
        stmts = self.load(rel, off, size)
        if mask == 0 and jop == JEQ and v == 0 and stmts[-1].code & 0xE0 == op.BPF_IND:
            # `x & 0 == 0` is always true, but the load can still fail: libpcap's
            # optimiser drops such a test only when the load is at a fixed offset
            f = test(stmts, JGE, 0)
            return not_(f) if reverse else f
        if mask is not None and mask != 0xFFFFFFFF:
            stmts.append(Stmt(op.BPF_ALU | op.BPF_AND | op.BPF_K, mask))
        f = test(stmts, jop, v)
        return not_(f) if reverse else f

    # ---- link layer
    def mpls_payload_test(self, ethertype: int, col: int) -> Frag:
        """Inside MPLS there is no type field: the bottom-of-stack bit, then the IP version."""
        if ethertype == 0x0800:
            ver = 0x40
        elif ethertype == 0x86DD:
            ver = 0x60
        else:
            raise FilterError("unsupported protocol over mpls", col)
        bos = self.cmp("nl", -2, 1, 1, mask=1)
        return and_(bos, self.cmp("nl", 0, 1, ver, mask=0xF0))

    def need_ether(self, col: int) -> None:
        if self.link not in ("ether", "wlan"):
            raise FilterError("ethernet addresses supported only on ethernet/FDDI/token ring/"
                              "802.11/ATM LANE/Fibre Channel", col)

    # ---- protocols
    def proto_abbrev(self, proto: str, col: int) -> Frag:
        """`tcp`, `ip6`, `arp`...: is the packet of that protocol."""
        if proto in _LINK_PROTOS:
            return self.linktype_test(_LINK_PROTOS[proto], col)
        if proto in IPPROTO:
            return self.ip_proto(IPPROTO[proto], _ABBREV_FAMILY[proto], col)
        if proto == "link":
            raise FilterError("link layer applied in wrong context", col)
        if proto in names.LLC_SAPS:
            return self.linktype_test(names.LLC_SAPS[proto], col)
        if proto in ISO_PROTOS:
            return self.iso_abbrev(proto, col)
        raise FilterError(f"'{proto}' is not supported by zcap", col)

    def ip_proto(self, v: int, family: str, col: int) -> Frag:
        """ip proto v / ip6 proto v / both (ip first, as libpcap)."""
        if family == "ip":
            return and_(self.linktype_test(0x0800, col), self.cmp("nl", 9, 1, v))
        if family == "ip6":
            b0 = self.linktype_test(0x86DD, col)
            frag_then = and_(self.cmp("nl", 6, 1, IPPROTO_FRAGMENT), self.cmp("nl", 40, 1, v))
            return and_(b0, or_(self.cmp("nl", 6, 1, v), frag_then))
        ip4 = self.ip_proto(v, "ip", col)
        return or_(ip4, self.ip_proto(v, "ip6", col))

    def ipfrag_first(self) -> Frag:
        """True when an IPv4 packet is not a later fragment."""
        return not_(self.cmp("nl", 6, 2, 0x1FFF, jop=JSET))

    # ---- qualified identifiers
    def prim(self, p: A.Prim) -> Frag:
        q = p.quals
        if q.err:
            raise FilterError("syntax error in filter expression", p.col)
        addr = q.addr
        if p.kind in ("HID", "HID6") and addr in ("port", "portrange", "proto", "protochain"):
            raise FilterError(f"'{addr}' modifier applied to ip host", p.col)
        if addr == "gateway":
            raise FilterError("'gateway' not supported in this configuration", p.col)
        if p.kind == "NUM":
            return self.ncode(p)
        if p.kind == "HID":
            return self.hid(p)
        if p.kind == "HID6":
            return self.hid6(p)
        if p.kind == "EID":
            return self.ecode(p)
        return self.scode(p)

    def _dir(self, q: A.Quals) -> str:
        d = q.dir or "or"
        if d not in ("src", "dst", "or", "and"):
            raise FilterError(f"'{d}' is only supported on 802.11 link types")
        return d

    def _link_dir(self, q: A.Quals, col: int) -> str:
        """The direction of a link-layer address: 802.11 has four more."""
        d = q.dir or "or"
        if d not in ("src", "dst", "or", "and") and self.link != "wlan":
            raise FilterError(f"'{d}' is only supported on 802.11 with 802.11 headers", col)
        return d

    def ncode(self, p: A.Prim) -> Frag:
        q, v = p.quals, int(p.value)  # type: ignore[arg-type]
        if q.addr in (None, "host", "net"):
            if q.proto == "link":
                raise FilterError("illegal link layer address", p.col)
            if q.proto == "decnet":
                return self.decnet_host(v & 0xFFFF, q, p.col)
            mask = 0xFFFFFFFF
            if q.addr == "net":
                while v and (v & 0xFF000000) == 0:
                    v = (v << 8) & 0xFFFFFFFF
                    mask = (mask << 8) & 0xFFFFFFFF
            return self.host(v, mask, q, p.col)
        if q.addr == "port":
            proto = self._port_proto(q, p.col)
            if v > 65535:
                raise FilterError(f"illegal port number {v} > 65535", p.col)
            return self.port_or_range(v, v, proto, self._dir(q), p.col)
        if q.addr == "portrange":
            proto = self._port_proto(q, p.col, "portrange")
            if v > 65535:
                raise FilterError(f"illegal port number {v} > 65535", p.col)
            return self.port_or_range(v, v, proto, self._dir(q), p.col, ranged=True)
        if q.addr == "proto":
            return self.proto_num(v, q.proto, p.col)
        if q.addr == "protochain":
            return self.protochain(v, q.proto, p.col)
        raise FilterError("syntax error in filter expression", p.col)

    def _port_proto(self, q: A.Quals, col: int, what: str = "port") -> str | None:
        if q.proto in ("tcp", "udp", "sctp"):
            return q.proto
        if q.proto is None:
            return None
        raise FilterError(f"illegal qualifier of '{what}'", col)

    def hid(self, p: A.Prim) -> Frag:
        q, text = p.quals, str(p.value)
        if q.proto == "link":
            raise FilterError("illegal link layer address", p.col)
        if q.proto == "decnet" and p.mask_kind is None:
            return self.decnet_host(parse_dnaddr(text, p.col), q, p.col)
        got = lists.ipv4_value(text)
        if got is None:
            raise FilterError(f"invalid IPv4 address '{text}'", p.col)
        v, mask = got
        if p.mask_kind is None:
            if q.addr not in (None, "host", "net"):
                raise FilterError(f"'{q.addr}' modifier applied to ip host", p.col)
            return self.host(v, mask, q, p.col)
        if p.mask_kind == "len":
            bits = int(p.mask)  # type: ignore[arg-type]
            if bits > 32:
                raise FilterError("mask length must be <= 32", p.col)
            mask = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF if bits else 0
        else:
            got = lists.ipv4_value(str(p.mask))
            if got is None:
                raise FilterError(f"invalid IPv4 address '{p.mask}'", p.col)
            mask = got[0]
        if v & ~mask & 0xFFFFFFFF:
            shown = f"{text}/{p.mask}" if p.mask_kind == "len" else f"{text} mask {p.mask}"
            raise FilterError(f'non-network bits set in "{shown}"', p.col)
        if q.addr != "net":  # libpcap: even `src 10.0.0.0/8` needs `net`
            raise FilterError("Mask syntax for networks only", p.col)
        if q.proto == "decnet":  # (libpcap reads it as IPv4, keeps 16 bits)
            return self.decnet_host(v & 0xFFFF, q, p.col)
        return self.host(v, mask, A.Quals(q.proto, q.dir, "net"), p.col)

    def hid6(self, p: A.Prim) -> Frag:
        q = p.quals
        addr = int(ipaddress.IPv6Address(str(p.value)))
        bits = 128 if p.mask_kind is None else int(p.mask)  # type: ignore[arg-type]
        if bits > 128:
            raise FilterError("mask length must be <= 128", p.col)
        mask = ((1 << 128) - 1) ^ ((1 << (128 - bits)) - 1)
        if addr & ~mask:
            raise FilterError(f'non-network bits set in "{p.value}/{bits}"', p.col)
        if q.addr not in (None, "host", "net"):
            raise FilterError(f"'{q.addr}' modifier applied to ip6 host", p.col)
        if bits != 128 and q.addr in (None, "host"):
            raise FilterError("Mask syntax for networks only", p.col)
        return self.host6(addr, mask, q, p.col)

    def host(self, v: int, mask: int, q: A.Quals, col: int) -> Frag:
        """IPv4 host or net: ip, then arp, then rarp when no protocol is given."""
        d = self._dir(q)
        if q.proto is None:
            b = self.host(v, mask, A.Quals("ip", q.dir, q.addr), col)
            if self.mpls_depth > 0:  # only IPv4 inside MPLS, as libpcap
                return b
            b = or_(b, self.host(v, mask, A.Quals("arp", q.dir, q.addr), col))
            return or_(b, self.host(v, mask, A.Quals("rarp", q.dir, q.addr), col))
        offs = {"ip": (12, 16, 0x0800), "arp": (14, 24, 0x0806), "rarp": (14, 24, 0x8035)}
        if q.proto not in offs:
            if q.proto == "ip6":
                raise FilterError("'ip6' modifier applied to ip host", col)
            raise FilterError(f"'{q.proto}' modifier applied to host", col)
        src, dst, et = offs[q.proto]

        def one(off: int) -> Frag:
            return and_(self.linktype_test(et, col), self.value_cmp("nl", off, 4, v, mask=mask))

        return self._dirop(d, lambda: one(src), lambda: one(dst))

    @staticmethod
    def _dirop(d: str, src, dst) -> Frag:
        if d == "src":
            return src()
        if d == "dst":
            return dst()
        a = src()
        return and_(a, dst()) if d == "and" else or_(a, dst())

    def host6(self, addr: int, mask: int, q: A.Quals, col: int) -> Frag:
        if q.proto not in (None, "ip6"):
            raise FilterError(f"'{q.proto}' modifier applied to ip6 host", col)
        words = [((addr >> (96 - 32 * i)) & 0xFFFFFFFF, (mask >> (96 - 32 * i)) & 0xFFFFFFFF)
                 for i in range(4)]

        def one(off: int) -> Frag:
            f = self.linktype_test(0x86DD, col)
            for i, (w, m) in enumerate(words):
                f = and_(f, self.cmp("nl", off + 4 * i, 4, w, mask=m))
            return f

        return self._dirop(self._dir(q), lambda: one(8), lambda: one(24))

    def ecode(self, p: A.Prim) -> Frag:
        q = p.quals
        if q.addr in (None, "host") and q.proto == "link":
            self.need_ether(p.col)
            mac = parse_mac(str(p.value), p.col)
            return self.ether_host(mac, self._link_dir(q, p.col))
        raise FilterError("ethernet address used in non-ether expression", p.col)

    def ether_host(self, mac: bytes, d: str) -> Frag:
        if self.link == "wlan":
            return self.wlan_host(mac, d)
        if self.geneve_inner:
            return and_(self.inner_ether_check(), self._ether_host(mac, d))
        return self._ether_host(mac, d)

    def _ether_host(self, mac: bytes, d: str) -> Frag:
        def at(off: int) -> Frag:
            f = and_(self.cmp("link", off + 2, 4, int.from_bytes(mac[2:], "big")),
                     self.cmp("link", off, 2, int.from_bytes(mac[:2], "big")))
            return f

        return self._dirop(d, lambda: at(6), lambda: at(0))

    def scode(self, p: A.Prim) -> Frag:
        """A name: host name, service, protocol name..."""
        q, name = p.quals, str(p.value)
        addr = q.addr
        if addr in (None, "host", "net"):
            if addr == "net":
                raise FilterError(f"unknown network '{name}'", p.col)
            if q.proto == "link":
                raise FilterError(f"unknown ether host '{name}'", p.col)
            addrs = names.host_addresses(name)
            if not addrs:
                raise FilterError(f"unknown host '{name}'", p.col)
            frag: Frag | None = None
            for a in addrs:
                ip = ipaddress.ip_address(a)
                if ip.version == 4:
                    if q.proto not in (None, "ip", "arp", "rarp"):
                        continue
                    f = self.host(int(ip), 0xFFFFFFFF, q, p.col)
                else:
                    if q.proto not in (None, "ip6"):
                        continue
                    f = self.host6(int(ip), (1 << 128) - 1, q, p.col)
                frag = f if frag is None else or_(frag, f)
            if frag is None:
                raise FilterError(f"unknown host '{name}' for protocol {q.proto}", p.col)
            return frag
        if addr in ("port", "portrange"):
            proto = self._port_proto(q, p.col, addr)
            if addr == "port":
                lo, pproto = self._service(name, proto, p.col)
                return self.port_or_range(lo, lo, pproto, self._dir(q), p.col)
            lo, hi, pproto = self._service_range(name, proto, p.col)
            return self.port_or_range(lo, hi, pproto, self._dir(q), p.col, ranged=True)
        if addr == "proto":
            return self.proto_num(self._proto_name(name, q.proto, p.col), q.proto, p.col)
        if addr == "protochain":
            v = names.ip_proto(name)
            if v is None:
                raise FilterError(f"unknown ip proto '{name}'", p.col)
            return self.protochain(v, q.proto, p.col)
        raise FilterError("syntax error in filter expression", p.col)

    def _service(self, name: str, proto: str | None, col: int) -> tuple[int, str | None]:
        got = names.service(name)
        if got is None:
            raise FilterError(f"unknown port '{name}'", col)
        port, sproto = got
        if proto is not None and sproto is not None and sproto != proto:
            # libpcap takes a name's tcp entry (else its udp one) whatever
            # protocol is asked for, and refuses a mismatch
            raise FilterError(f"port '{name}' is {sproto}", col)
        return port, proto if proto is not None else sproto

    def _service_range(self, text: str, proto: str | None, col: int
                       ) -> tuple[int, int, str | None]:
        lo_s, sep, hi_s = text.partition("-")
        if not sep:
            raise FilterError(f"unknown port in range '{text}'", col)
        ports = []
        protos: list[str | None] = []  # a number is for any protocol
        for s in (lo_s, hi_s):
            sp = None
            if s.isdigit():
                n = int(s)
            else:
                got = names.service(s)
                if got is None:
                    raise FilterError(f"unknown port in range '{text}'", col)
                n, sp = got
            if n > 65535:
                raise FilterError(f"illegal port number {n} > 65535", col)
            ports.append(n)
            protos.append(sp)
        # libpcap keeps the names' protocol only when both ends agree on it
        named = protos[0] if protos[0] == protos[1] else None
        if proto is not None and named is not None and named != proto:
            raise FilterError(f"port in range '{text}' is {named}", col)
        return ports[0], ports[1], proto if proto is not None else named

    def _proto_name(self, name: str, proto: str | None, col: int) -> int:
        if proto == "link":
            v = names.ETHERTYPE.get(name)
            if v is None:
                v = names.LLC_SAPS.get(name)
            if v is None:
                raise FilterError(f"unknown ether proto '{name}'", col)
            return v
        if proto == "iso" or proto in ISO_PROTOS:
            if name not in ISO_NLPID:
                raise FilterError(f"unknown protocol: {name}", col)
            return ISO_NLPID[name]
        v = names.ip_proto(name)
        if v is None:
            label = {None: "ip", "ip6": "ip6"}.get(proto, proto)
            raise FilterError(f"unknown {label} proto '{name}'", col)
        return v

    # ---- ports
    def port_or_range(self, lo: int, hi: int, proto: str | None, d: str, col: int,
                      ranged: bool = False) -> Frag:
        """IPv6 first, then IPv4, as libpcap orders them."""
        if lo > hi:
            lo, hi = hi, lo
        b6 = self._ports(lo, hi, proto, d, ranged, v6=True)
        return or_(b6, self._ports(lo, hi, proto, d, ranged, v6=False))

    def _ports(self, lo: int, hi: int, proto: str | None, d: str, ranged: bool,
               v6: bool) -> Frag:
        b0 = self.linktype_test(0x86DD if v6 else 0x0800)
        protos = [proto] if proto else ["sctp", "tcp", "udp"]
        body: Frag | None = None
        for pr in protos:
            f = self._portop(lo, hi, IPPROTO[pr], d, ranged, v6)
            body = f if body is None else or_(body, f)
        assert body is not None
        return and_(b0, body)

    def _portop(self, lo: int, hi: int, ipp: int, d: str, ranged: bool, v6: bool) -> Frag:
        rel = "tran6" if v6 else "tran4"
        if v6:
            b0 = self.cmp("nl", 6, 1, ipp)
        else:
            b0 = and_(self.cmp("nl", 9, 1, ipp), self.ipfrag_first())

        def atom(off: int) -> Frag:
            if not ranged:
                return self.value_cmp(rel, off, 2, lo)
            ge = self.cmp(rel, off, 2, lo, jop=JGE)
            return and_(ge, self.cmp(rel, off, 2, hi, jop=JGT, reverse=True))

        return and_(b0, self._dirop(d, lambda: atom(0), lambda: atom(2)))

    # ---- proto / protochain
    def proto_num(self, v: int, proto: str | None, col: int) -> Frag:
        if proto is None:
            return or_(self.proto_num(v, "ip", col), self.proto_num(v, "ip6", col))
        if proto == "ip":
            return self.ip_proto(v, "ip", col)
        if proto == "ip6":
            return self.ip_proto(v, "ip6", col)
        if proto == "link":
            return self.linktype_test(v, col)
        if proto == "iso" or proto in ISO_PROTOS:
            return self.iso_proto_num(v, proto, col)
        raise FilterError(f"'{proto} proto' is not supported by zcap", col)

    def protochain(self, v: int, proto: str | None, col: int) -> Frag:
        """Is v the protocol of some header in the IP header chain?

        As libpcap does, a loop: its `ja` back to the top is a backward jump,
        which the kernel refuses, so a live capture with protochain filters in
        user space (one warning), as tcpdump's does; the loop is one block
        whose statements jump within it, and a program with one is not
        optimised (libpcap's is not either). Each turn reads one header: on
        IPv6 hop-by-hop, destination options, routing and fragment headers,
        and AH (the only one on IPv4); the walk ends at v, at "no next header"
        or at any other protocol, and a header past the captured bytes
        rejects the packet. libpcap's hop over AH sets the offset to the AH
        length alone, forgetting where the AH started; that is kept, so that
        verdicts stay libpcap's (the interpreters bound such a loop).
        """
        if proto is None:
            return or_(self.protochain(v, "ip", col), self.protochain(v, "ip6", col))
        if proto not in ("ip", "ip6"):
            raise FilterError("bad protocol applied for 'protochain'", col)
        self.opaque = self.no_optimize = self.loops = True
        if self.var_nl is not None:
            raise FilterError("'protochain' not supported with variable length headers", col)
        v6 = proto == "ip6"
        b0 = self.linktype_test(0x86DD if v6 else 0x0800, col)
        nl = self.nl
        r = self.alloc(col)
        self.free(r)
        jeq = op.BPF_JMP | JEQ | op.BPF_K
        # (code, k, true label, false label); labels: "top", "ext", "ah", "end"
        # (the block's own test of v). A: the next-header value, X: where the
        # header it names starts, from nl.
        if v6:
            code: list[tuple] = [(op.BPF_LD | op.BPF_B | op.BPF_ABS, nl + 6),
                                 (op.BPF_LDX | op.BPF_IMM, 40)]
        else:
            code = [(op.BPF_LD | op.BPF_B | op.BPF_ABS, nl + 9),
                    (op.BPF_LDX | op.BPF_MSH | op.BPF_B, nl)]
        code += [("top",), (jeq, v, "end", None), (jeq, IPPROTO_NONE, "end", None)]
        if v6:
            code += [(jeq, h, "ext", None) for h in _IP6_EXT_HDRS]
        code += [(jeq, IPPROTO_AH, "ah", "end")]
        if v6:
            code += [("ext",), (op.BPF_LD | op.BPF_B | op.BPF_IND, nl), (op.BPF_ST, r),
                     (op.BPF_LD | op.BPF_B | op.BPF_IND, nl + 1),
                     (op.BPF_ALU | op.BPF_ADD | op.BPF_K, 1),
                     (op.BPF_ALU | op.BPF_MUL | op.BPF_K, 8),
                     (op.BPF_ALU | op.BPF_ADD | op.BPF_X, 0), (op.BPF_MISC | op.BPF_TAX, 0),
                     (op.BPF_LD | op.BPF_MEM, r), (op.BPF_JMP | op.BPF_JA, "top")]
        code += [("ah",), (op.BPF_LD | op.BPF_B | op.BPF_IND, nl), (op.BPF_ST, r),
                 (op.BPF_LD | op.BPF_B | op.BPF_IND, nl + 1),
                 (op.BPF_ALU | op.BPF_ADD | op.BPF_K, 2), (op.BPF_ALU | op.BPF_MUL | op.BPF_K, 4),
                 (op.BPF_MISC | op.BPF_TAX, 0), (op.BPF_LD | op.BPF_MEM, r),
                 (op.BPF_JMP | op.BPF_JA, "top")]
        loop = Block(_resolve(code), jeq, v)
        return and_(b0, Frag(loop, [(loop, True)], [(loop, False)]))

    # ---- fixed-form primitives
    def other(self, node: A.Other) -> Frag:
        w, args, col = node.what, node.args, node.col
        if w == "broadcast":
            return self.broadcast(args[0], col)
        if w == "multicast":
            return self.multicast(args[0], col)
        if w == "less":
            return not_(test([Stmt(op.BPF_LD | op.BPF_W | op.BPF_LEN)], JGT, args[0]))
        if w == "greater":
            return test([Stmt(op.BPF_LD | op.BPF_W | op.BPF_LEN)], JGE, args[0])
        if w == "byte":
            idx, o, val = args
            if o == "=":
                return self.cmp("link", idx, 1, val)
            if o == "<":
                return self.cmp("link", idx, 1, val, jop=JGE, reverse=True)
            if o == ">":
                return self.cmp("link", idx, 1, val, jop=JGT)
            # libpcap 1.10 drops the load here: the operator applies to
            # whatever A holds (0 at the start of the program)
            alu = op.BPF_AND if o == "&" else op.BPF_OR
            # whatever A holds, `& 0` leaves 0: libpcap's optimiser sees that
            # (`jset #0` never jumps) and refuses `byte N & 0` as empty
            self.opaque |= not (alu == op.BPF_AND and val == 0)
            f = test([Stmt(op.BPF_ALU | alu | op.BPF_K, val)], JEQ, 0)
            f.head.as_is = True
            return not_(f)
        if w in ("inbound", "outbound"):
            return self.direction(w == "outbound", col)
        if w == "ifindex":
            if self.link == "sll2":
                return self.cmp("pkt", 4, 4, args[0])
            return test([_ld(op.BPF_W, op.BPF_ABS, op.anc_offset(op.SKF_AD_IFINDEX))], JEQ,
                        args[0])
        if w == "vlan":
            return self.vlan(args[0] if args else None, col)
        if w == "llc":
            return self.llc(args[0] if args else None, col)
        if w == "pppoed":
            return self.pppoed(col)
        if w == "pppoes":
            return self.pppoes(args[0] if args else None, col)
        if w == "geneve":
            return self.geneve(args[0] if args else None, col)
        if w == "wlan_type":
            return self.wlan_type(args[0], args[1], col)
        if w == "wlan_subtype":
            return self.wlan_subtype(args[0], col)
        if w == "wlan_dir":
            return self.wlan_dir(args[0], col)
        if w == "mpls":
            return self.mpls(args[0] if args else None, col)
        raise FilterError(f"'{w}' is not supported by zcap", col)

    def broadcast(self, proto: str | None, col: int) -> Frag:
        if proto in (None, "link"):
            if self.link not in ("ether", "wlan"):
                raise FilterError("not a broadcast link", col)
            return self.ether_host(b"\xff" * 6, "dst")
        if proto == "ip":
            if self.netmask is None:
                raise FilterError("netmask not known, so 'ip broadcast' not supported", col)
            hostmask = ~self.netmask & 0xFFFFFFFF
            b0 = self.linktype_test(0x0800, col)
            b1 = self.cmp("nl", 16, 4, 0, mask=hostmask)
            b2 = or_(b1, self.cmp("nl", 16, 4, hostmask, mask=hostmask))
            return and_(b0, b2)
        raise FilterError("only link-layer/IP broadcast filters supported", col)

    def multicast(self, proto: str | None, col: int) -> Frag:
        if proto in (None, "link"):
            if self.link == "wlan":
                return self.wlan_multicast()
            if self.link != "ether":
                raise FilterError("link-layer multicast filters supported only on ethernet/FDDI/"
                                  "token ring/ARCNET/802.11/ATM LANE/Fibre Channel", col)
            f = self.cmp("link", 0, 1, 1, jop=JSET)
            # past `geneve`, only where there is an inner Ethernet header
            return and_(self.inner_ether_check(), f) if self.geneve_inner else f
        if proto == "ip":
            return and_(self.linktype_test(0x0800, col), self.cmp("nl", 16, 1, 224, jop=JGE))
        if proto == "ip6":
            return and_(self.linktype_test(0x86DD, col), self.cmp("nl", 24, 1, 255))
        raise FilterError("link-layer multicast filters supported only on ethernet", col)

    def direction(self, outbound: bool, col: int) -> Frag:
        if self.link == "sll2":
            f = self.cmp("pkt", 10, 1, op.PACKET_OUTGOING)
        elif self.link == "sll":
            f = self.cmp("pkt", 0, 2, op.PACKET_OUTGOING)
        elif self.var_link is not None:
            # libpcap reads the ancillary field relative to the radiotap header,
            # which no packet has: the load fails
            f = self.cmp("link", op.anc_offset(op.SKF_AD_PKTTYPE), 2, op.PACKET_OUTGOING)
        else:
            f = test([_ld(op.BPF_H, op.BPF_ABS, op.anc_offset(op.SKF_AD_PKTTYPE))], JEQ,
                     op.PACKET_OUTGOING)
        return f if outbound else not_(f)

    def vlan(self, vid: int | None, col: int) -> Frag:
        if self.link not in ("ether", "wlan"):
            raise FilterError(f"no VLAN support for {self.link_desc}", col)
        if vid is not None and vid > 0x0FFF:
            raise FilterError(f"VLAN tag {vid} greater than maximum 4095", col)
        if self.mpls_depth > 0:
            raise FilterError("no VLAN match after MPLS", col)
        if self.kernel and self.vlan_depth == 0:
            b = self.vlan_kernel(vid, col)
        else:
            b = self.vlan_tpid()
            if vid is not None:
                b = and_(b, self.cmp("nl", 0, 2, vid, mask=0x0FFF))
            assert self.off_lt is not None
            self.off_lt += 4
            self.nl += 4
            self.off_pl += 4
        self.vlan_depth += 1
        return b

    def vlan_tpid(self) -> Frag:
        """An 802.1Q, 802.1ad or old QinQ tag where the link type would be."""
        if self.link == "wlan":
            tpid = self.linktype_test(0x8100)
            tpid = or_(tpid, self.linktype_test(0x88A8))
            return or_(tpid, self.linktype_test(0x9100))
        tpid = self.cmp("lt", 0, 2, 0x8100)
        tpid = or_(tpid, self.cmp("lt", 0, 2, 0x88A8))
        return or_(tpid, self.cmp("lt", 0, 2, 0x9100))

    def vlan_kernel(self, vid: int | None, col: int) -> Frag:
        """The outer `vlan` on a live socket, as libpcap's BPF_SPECIAL_VLAN_HANDLING.

        The kernel usually takes the outer tag out of the frame and reports it
        as ancillary data, but not always (a TPID it does not strip, a QinQ
        inner tag seen as the outer one): the tag is either there or in the
        frame. Which one is known only at run time, so from here on the link
        type and network header are at a run-time offset, 0 or 4, kept in two
        scratch registers. libpcap adds 4 whenever the ancillary test fails,
        before it looks at the frame, so the shift also holds after `not vlan`:
        `not vlan and udp` reads an untagged frame 4 bytes too far, and a real
        tcpdump does the same.
        """
        present = test([_ld(op.BPF_B, op.BPF_ABS, op.anc_offset(op.SKF_AD_VLAN_TAG_PRESENT))],
                       JEQ, 1)
        in_frame = self.vlan_tpid()  # at the offsets before the tag
        vid_in_frame = self.cmp("nl", 0, 2, vid, mask=0x0FFF) if vid is not None else None
        self.var_nl = self.reserve(col)
        self.var_lt = self.reserve(col)
        self.vlan_offsets = True
        self.opaque = True
        shift: list[Stmt] = []
        for r in (self.var_nl, self.var_lt):
            shift += [Stmt(op.BPF_LD | op.BPF_MEM, r), Stmt(op.BPF_ALU | op.BPF_ADD | op.BPF_K, 4),
                      Stmt(op.BPF_ST, r)]
        in_frame.head.stmts[:0] = shift
        b = or_(present, in_frame)
        if vid_in_frame is None:
            return b
        which = test([_ld(op.BPF_B, op.BPF_ABS, op.anc_offset(op.SKF_AD_VLAN_TAG_PRESENT))],
                     JEQ, 1)
        vid_anc = test([_ld(op.BPF_H, op.BPF_ABS, op.anc_offset(op.SKF_AD_VLAN_TAG)),
                        Stmt(op.BPF_ALU | op.BPF_AND | op.BPF_K, 0x0FFF)], JEQ, vid)
        which.head.jt, which.head.jf = vid_anc.head, vid_in_frame.head
        return and_(b, Frag(which.head, vid_anc.t + vid_in_frame.t, vid_anc.f + vid_in_frame.f))

    def mpls(self, label: int | None, col: int) -> Frag:
        if self.mpls_depth > 0:
            b0 = self.cmp("nl", -2, 1, 0, mask=1)
        else:
            if self.link not in ("ether", "ppp"):
                raise FilterError(f"no MPLS support for {self.link_desc}", col)
            b0 = self.linktype_test(0x8847, col)
        if label is not None:
            if label > 0xFFFFF:
                raise FilterError(f"MPLS label {label} greater than maximum 1048575", col)
            b0 = and_(b0, self.cmp("nl", 0, 4, label << 12, mask=0xFFFFF000))
        self.nl += 4
        self.mpls_depth += 1
        return b0

    # ---- arithmetic
    def relation(self, rel: A.Relation) -> Frag:
        if self.in_cells:
            return self.relation_in_cells(rel)
        self.refuse_like_libpcap(rel, rel.col)  # first: a deep one is refused fast
        jop = _JOPS[rel.op]
        rk = _const_value(rel.right)
        # `=` as libpcap codes it, `A - right == 0`: A keeps the difference for
        # what reads it next (`byte N & M`); the optimiser makes it `A == right`
        # where nothing does
        if rk is not None:
            c0, s0 = self.arith(rel.left)
            c1 = None
            if jop == JEQ:
                f = test(s0 + [Stmt(op.BPF_ALU | op.BPF_SUB | op.BPF_K, rk)], JEQ, 0)
            else:
                f = test(s0, jop, rk)
        else:
            c0, c1, stmts = self.operands(rel.left, rel.right, rel.col)
            if jop == JEQ:
                f = test(stmts + [Stmt(op.BPF_ALU | op.BPF_SUB | op.BPF_X)], JEQ, 0)
            else:
                f = test(stmts, jop, 0, src=op.BPF_X)
        if rel.negate:
            f = not_(f)
        checks = c0 if c1 is None else (c1 if c0 is None else and_(c0, c1))
        return f if checks is None else and_(checks, f)

    def operands(self, left: A.Arith, right: A.Arith, col: int
                 ) -> tuple[Frag | None, Frag | None, list[Stmt]]:
        """(left's checks, right's checks, statements leaving left in A and
        right in X). One side's value waits in a scratch register while the
        other is computed: the side that needs more registers goes first, so
        a chain like `ip[0] + ip[1] + ...` needs one register at any length."""
        if _regs_needed(right, self.needs) >= _regs_needed(left, self.needs):
            c1, s1 = self.arith(right)
            r = self.alloc(col)  # taken while the left side is generated
            c0, s0 = self.arith(left)
            stmts = s1 + [Stmt(op.BPF_ST, r)] + s0 + [Stmt(op.BPF_LDX | op.BPF_MEM, r)]
        else:
            c0, s0 = self.arith(left)
            r = self.alloc(col)
            c1, s1 = self.arith(right)
            stmts = s0 + [Stmt(op.BPF_ST, r)] + s1 + [Stmt(op.BPF_MISC | op.BPF_TAX),
                                                      Stmt(op.BPF_LD | op.BPF_MEM, r)]
        self.free(r)
        return c0, c1, stmts

    def refuse_like_libpcap(self, rel: A.Relation, col: int) -> None:
        """libpcap gives every value of a comparison a scratch register of its
        own while it is computed (16 in all, less those the link layer keeps):
        refuse where it runs out, though zcap's code would need fewer."""
        if self.regs.held() + _libpcap_regs(rel) > op.BPF_MEMWORDS:
            raise FilterError("too many registers needed to evaluate expression", col)

    def alloc(self, col: int) -> int:
        return self.regs.alloc(col)

    def free(self, r: int) -> None:
        self.regs.free(r)

    def taken(self, name: str) -> int | None:
        """The cell of run-time offset `name` (var_pl, ...), without taking
        one for it: None if it has none (yet)."""
        v = self.cells.get(name)
        return v.reg if isinstance(v, LazyCell) else v

    def reserve(self, col: int) -> int:
        """A scratch register for the rest of the program."""
        return self.alloc(col)

    def arith(self, e: A.Arith) -> tuple[Frag | None, list[Stmt]]:
        """(protocol checks, statements leaving the value in A)."""
        if isinstance(e, A.Num):
            return None, [Stmt(op.BPF_LD | op.BPF_IMM, e.value & 0xFFFFFFFF)]
        if isinstance(e, A.Length):
            return None, [Stmt(op.BPF_LD | op.BPF_W | op.BPF_LEN)]
        if isinstance(e, A.Neg):
            c, s = self.arith(e.inner)
            return c, s + [Stmt(op.BPF_ALU | op.BPF_NEG)]
        if isinstance(e, A.BinOp):
            aop = _ALUOPS[e.op]
            rk = _const_value(e.right)
            if rk is not None:
                c0, s0 = self.arith(e.left)
                stmts = s0 + [Stmt(op.BPF_ALU | aop | op.BPF_K, rk)]
            else:
                c0, _c1, stmts = self.operands(e.left, e.right, e.col)
                stmts.append(Stmt(op.BPF_ALU | aop | op.BPF_X))
            # judged once both operands are generated, as libpcap does (an
            # error inside an operand comes first)
            self.arith_refusals(e)
            # libpcap keeps only the left operand's protocol checks: in
            # `4 * (ip[0] & 0xf) > 20` nothing says the packet is IP
            return c0, stmts
        if isinstance(e, A.Load):
            return self.packet_load(e)
        raise FilterError("internal error: bad arithmetic node", e.col)

    def load_base(self, e: A.Load) -> tuple[int, str, int | None]:
        """Where `proto[...]` counts from: (constant part, what it is relative
        to, the cell holding the run-time part or None)."""
        proto = e.proto
        if proto == "link":
            return self.off_link, "link", self.var_link
        if proto == "radio":
            # (by the link type as libpcap sees it here: `pppoes` makes it
            # PPP, `geneve` Ethernet)
            if self.linktype != lt.IEEE802_11_RADIO or self.link != "wlan" \
                    or self.geneve_inner:
                raise FilterError("radio information not present in capture", e.col)
            return 0, "pkt", None
        if proto in _NETWORK:
            return self.nl, "nl", self.var_nl
        if proto in _TRANSPORT:
            return self.nl, "tran4", self.var_nl
        if proto == "icmp6":
            return self.nl + 40, "nl40", self.var_nl
        raise FilterError(f"'{proto}' is not supported in a packet accessor", e.col)

    def load_checks(self, e: A.Load, ck: Frag | None) -> Frag | None:
        """The protocol tests of `proto[...]`, with the index's own (ck)."""
        proto = e.proto
        if proto in ("link", "radio"):
            return ck
        if proto in _NETWORK:
            b = self.proto_abbrev(proto, e.col)
            return b if ck is None else and_(ck, b)
        if proto in _TRANSPORT:
            b = and_(self.proto_abbrev(proto, e.col), self.ipfrag_first())
            if ck is not None:
                b = and_(ck, b)
            return and_(self.proto_abbrev("ip", e.col), b)
        b = self.proto_abbrev("ip6", e.col)
        if ck is not None:
            b = and_(ck, b)
        return and_(b, self.cmp("nl", 6, 1, 58))

    def load_at_cell(self, e: A.Load, cell: int) -> list[Stmt]:
        """`proto[M[cell]]` in A, as libpcap codes it (the index in a cell)."""
        if e.size not in _SIZES:
            raise FilterError("data size must be 1, 2, or 4", e.col)
        sz = _SIZES[e.size]
        base, rel, var = self.load_base(e)
        to_x = [Stmt(op.BPF_LD | op.BPF_MEM, cell), Stmt(op.BPF_ALU | op.BPF_ADD | op.BPF_X),
                Stmt(op.BPF_MISC | op.BPF_TAX)]
        if rel == "tran4":
            return self.ip_hdrlen() + to_x + [_ld(sz, op.BPF_IND, base)]
        if var is None:
            return [Stmt(op.BPF_LDX | op.BPF_MEM, cell), _ld(sz, op.BPF_IND, base)]
        return [Stmt(op.BPF_LDX | op.BPF_MEM, var)] + to_x + [_ld(sz, op.BPF_IND, base)]

    @staticmethod
    def arith_refusals(e: A.BinOp) -> None:
        """libpcap's code generator refuses `x / 0`, `x % 0` and shifts past 31
        bits, judging by the first number the right operand loads."""
        first = _first_number(e.right)
        if first == 0 and e.op in "/%":
            raise FilterError("division by zero" if e.op == "/" else "modulus by zero", e.col)
        if first is not None and e.op in ("<<", ">>") and first > 31:
            raise FilterError("shift by more than 31 bits", e.col)

    def packet_load(self, e: A.Load) -> tuple[Frag | None, list[Stmt]]:
        if e.size not in _SIZES:
            raise FilterError("data size must be 1, 2, or 4", e.col)
        sz = _SIZES[e.size]
        ck, sk = self.arith(e.index)
        kidx = _const_value(e.index)
        base, rel, var = self.load_base(e)
        checks = self.load_checks(e, ck)
        if rel == "tran4":
            if kidx is not None:
                stmts = self.ip_hdrlen() + [_ld(sz, op.BPF_IND, base + kidx)]
            else:
                r = self.alloc(e.col)
                stmts = sk + [Stmt(op.BPF_ST, r)] + self.ip_hdrlen() + [
                    Stmt(op.BPF_LD | op.BPF_MEM, r), Stmt(op.BPF_ALU | op.BPF_ADD | op.BPF_X),
                    Stmt(op.BPF_MISC | op.BPF_TAX), _ld(sz, op.BPF_IND, base)]
                self.free(r)
        elif kidx is not None:
            stmts = self.at(var, sz, base + kidx)
        elif var is None:
            stmts = sk + [Stmt(op.BPF_MISC | op.BPF_TAX), _ld(sz, op.BPF_IND, base)]
        else:
            stmts = sk + [Stmt(op.BPF_LDX | op.BPF_MEM, var),
                          Stmt(op.BPF_ALU | op.BPF_ADD | op.BPF_X),
                          Stmt(op.BPF_MISC | op.BPF_TAX), _ld(sz, op.BPF_IND, base)]
        return checks, stmts


def _regs_needed(e: A.Arith, memo: dict[int, int]) -> int:
    """Scratch registers zcap's code for e takes at once (CodeGen.operands);
    memo (by node id) keeps a deep expression from being walked per level."""
    got = memo.get(id(e))
    if got is not None:
        return got
    if isinstance(e, A.Neg):
        n = _regs_needed(e.inner, memo)
    elif isinstance(e, A.Load):
        n = _regs_needed(e.index, memo)
        if e.proto in _TRANSPORT and _const_value(e.index) is None:
            n = max(n, 1)
    elif isinstance(e, A.BinOp) and _const_value(e.right) is None:
        left, right = _regs_needed(e.left, memo), _regs_needed(e.right, memo)
        n = min(max(right, 1 + left), max(left, 1 + right))
    elif isinstance(e, A.BinOp):
        n = _regs_needed(e.left, memo)
    else:
        n = 0
    memo[id(e)] = n
    return n


def _libpcap_regs(e: A.Arith | A.Relation) -> int:
    """Scratch registers libpcap's code generator holds at once for e: one per
    value being computed, the left operand's kept while the right one is
    computed, and a load's index kept while its result gets one."""
    if isinstance(e, (A.BinOp, A.Relation)):
        return max(_libpcap_regs(e.left), 1 + _libpcap_regs(e.right))
    if isinstance(e, A.Neg):
        return _libpcap_regs(e.inner)
    if isinstance(e, A.Load):
        return max(_libpcap_regs(e.index), 2)
    return 1


def _first_number(e: A.Arith) -> int | None:
    """The number libpcap's code generator looks at to refuse `x / 0` or
    `x << 40`: the first statement of the operand's code, which loads its
    leftmost leaf (so `x << (40 - 20)` is refused, `x << (len + 40)` is not),
    or a packet load's index first (so even `ip[0] / ip[0]` is refused)."""
    while True:
        if isinstance(e, A.BinOp):
            e = e.left
        elif isinstance(e, A.Neg):
            e = e.inner
        elif isinstance(e, A.Load):
            e = e.index
        else:
            break
    return e.value & 0xFFFFFFFF if isinstance(e, A.Num) else None


def _mentions(node: A.Node, what: str) -> bool:
    """Does the expression hold the fixed-form primitive `what` anywhere?"""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (A.And, A.Or)):
            stack += (n.left, n.right)
        elif isinstance(n, A.Not):
            stack.append(n.inner)
        elif isinstance(n, A.Other) and n.what == what:
            return True
    return False


def _const_value(e: A.Arith) -> int | None:
    """The value of a constant arithmetic expression, else None (no folding of
    division by zero: that stays a runtime reject, as in libpcap)."""
    if isinstance(e, A.Num):
        return e.value & 0xFFFFFFFF
    return None


def parse_mac(text: str, col: int) -> bytes:
    """A MAC address in any of libpcap's notations."""
    t = text.replace("-", ":")
    if ":" in t:
        parts = t.split(":")
    elif t.count(".") == 5:
        parts = t.split(".")
    else:
        hexs = t.replace(".", "")
        parts = [hexs[i:i + 2] for i in range(0, len(hexs), 2)]
    if len(parts) != 6 or any(not p or len(p) > 2 for p in parts):
        raise FilterError(f"bogus ethernet address {text}", col)
    try:
        return bytes(int(p, 16) for p in parts)
    except ValueError:
        raise FilterError(f"bogus ethernet address {text}", col) from None


def _resolve(code: list[tuple]) -> list[Stmt]:
    """A loop's statements with their labels made relative jumps: a 1-tuple is a
    label, a conditional jump's missing target is the next statement, and
    "end" is the block's own test, right after the last statement."""
    stmts = [c for c in code if len(c) > 1]
    where: dict[str, int] = {"end": len(stmts)}
    for c in code:
        if len(c) == 1:
            where[c[0]] = sum(1 for d in code[:code.index(c)] if len(d) > 1)
    out = []
    for i, c in enumerate(stmts):
        if op.bpf_class(c[0]) != op.BPF_JMP:
            out.append(Stmt(c[0], c[1] if len(c) > 1 else 0))
        elif op.bpf_op(c[0]) == op.BPF_JA:
            out.append(Stmt(c[0], where[c[1]] - (i + 1)))
        else:
            jt, jf = (where[t] - (i + 1) if t else 0 for t in c[2:])
            out.append(Stmt(c[0], c[1], jt, jf))
    return out
