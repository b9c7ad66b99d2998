"""Optimiser over the block DAG.

Passes, repeated until nothing changes:
- value numbering with constant folding: every value a register can hold gets a
  number; a statement that leaves a register with the number it already has is
  dropped (redundant loads), constant operands become immediates, a test on a
  constant is decided;
- jump threading: what is known on an edge (the outcomes of earlier tests, by
  value number) decides later tests, and the edge skips them;
- dead statement removal (liveness of A, X and M[]);
- merging of equal blocks (equal tails), and blocks whose two branches agree.

Then, as libpcap's second phase, constant arithmetic is folded (while jumps
move, only `ld #k` and its copies are constants, as in libpcap's first
phase): a test it decides sends both branches to one block but stays, with
the reads before it, since no jump moves any more (fold_constants).

Its own deductions never change a verdict: a packet load that might run past
the end of the packet (and so reject it) is never removed or moved, unless the
same load already ran on every path to it. libpcap's optimiser does change
verdicts on short packets (its or/and pull-ups move loads; it drops a test
whose branches agree, load and all), and libpcap's verdicts are the ones to
give, so those moves are made too, but not where libpcap does not optimise
(keep_verdicts).
"""

from __future__ import annotations

from . import opcodes as op
from .errors import FilterError
from .ir import Block, Stmt, topo_order

M32 = 0xFFFFFFFF
NREGS = 2 + op.BPF_MEMWORDS  # A, X, M[0..15]
RA, RX = 0, 1

_SCRATCH = set(range(2, NREGS))  # a block that stores is kept: it computes offsets


def _defs(b: Block) -> set[int]:
    """The registers b's statements write."""
    out: set[int] = set()
    for s in b.stmts:
        out |= _defuse(s)[0]
    return out


class Values:
    """Global value numbering: a number per distinct expression."""

    def __init__(self) -> None:
        self.table: dict[tuple, int] = {}
        self.consts: dict[int, int] = {}
        self.loads: set[int] = set()

    def num(self, key: tuple) -> int:
        v = self.table.get(key)
        if v is None:
            v = len(self.table) + 1
            self.table[key] = v
            if key[0] == "k":
                self.consts[v] = key[1]
            elif key[0] in ("abs", "ind", "msh"):
                self.loads.add(v)
        return v

    def const(self, k: int) -> int:
        return self.num(("k", k & M32))

    def fresh(self) -> int:
        return self.num(("fresh", len(self.table)))


def _alu(o: int, a: int, b: int) -> int | None:
    if o == op.BPF_ADD:
        return (a + b) & M32
    if o == op.BPF_SUB:
        return (a - b) & M32
    if o == op.BPF_MUL:
        return (a * b) & M32
    if o == op.BPF_DIV:
        return a // b if b else None
    if o == op.BPF_MOD:
        return a % b if b else None
    if o == op.BPF_AND:
        return a & b
    if o == op.BPF_OR:
        return a | b
    if o == op.BPF_XOR:
        return a ^ b
    # a shift by 32 or more leaves 0, in libpcap's optimiser and its bpf_filter()
    if o == op.BPF_LSH:
        return (a << b) & M32 if b < 32 else 0
    if o == op.BPF_RSH:
        return a >> b if b < 32 else 0
    return None


_REFUSABLE = (op.BPF_DIV, op.BPF_MOD, op.BPF_LSH, op.BPF_RSH)


def _refuse_constant_operand(o: int, k: int, a_known: bool) -> None:
    """libpcap's optimiser refuses the filter when it learns that X, the right
    operand, is a constant it cannot use: 0 for / and %, and for a shift of an
    unknown A more than 31 (a known A it folds, shifting all bits out)."""
    if k == 0 and o == op.BPF_DIV:
        raise FilterError("division by zero", 0)
    if k == 0 and o == op.BPF_MOD:
        raise FilterError("modulus by zero", 0)
    if k > 31 and o in (op.BPF_LSH, op.BPF_RSH) and not a_known:
        raise FilterError("shift by more than 31 bits", 0)


def _jump(o: int, a: int, k: int) -> bool:
    if o == op.BPF_JEQ:
        return a == k
    if o == op.BPF_JGT:
        return a > k
    if o == op.BPF_JGE:
        return a >= k
    return (a & k) != 0


class Optimizer:
    """One optimisation run over a DAG."""

    def __init__(self, root: Block, keep_verdicts: bool = False) -> None:
        self.root = root
        # no move of libpcap's that changes a short packet's verdict (pull-ups,
        # dropping a test whose load may fail), no refusal of its optimiser
        self.keep_verdicts = keep_verdicts
        self.vals = Values()
        self.changed = False
        # set for the last look at the finished program, where libpcap's
        # refusals of constant operands are judged (after dead code is gone,
        # as libpcap rewrites statements only once its jumps are settled)
        self.final = False
        # libpcap's two phases: while it moves jumps, arithmetic on constants
        # is not worked out (only `ld #k` and copies of it are constants), so
        # a test of `2 / 64` is decided only in the second phase, where no
        # jump moves any more: the test stays, with both branches to one
        # block, and so do the loads before it. Where libpcap does not
        # optimise (keep_verdicts) zcap folds from the start.
        self.fold = keep_verdicts
        self.moving = True

    # ---- symbolic execution of statements
    def step(self, s: Stmt, regs: list[int | None], avail: set[int],
             rewrite: bool) -> tuple[Stmt | None, bool]:
        """Execute one statement over value numbers. Returns (statement to keep or
        None to drop it, whether the statement may reject the packet)."""
        V = self.vals
        code, k = s.code, s.k
        cls = code & 0x07

        def setreg(r: int, v: int, stmt: Stmt | None, faulting: bool = False):
            if rewrite and regs[r] == v and not faulting:
                return None, False
            regs[r] = v
            return stmt, faulting

        if cls == op.BPF_LD:
            mode = code & 0xE0
            if mode == op.BPF_IMM:
                return setreg(RA, V.const(k), s)
            if mode == op.BPF_LEN:
                return setreg(RA, V.num(("len",)), s)
            if mode == op.BPF_MEM:
                v = regs[2 + k]
                if v is None:
                    v = V.fresh()
                    regs[2 + k] = v
                if rewrite and v in V.consts and regs[RA] != v:
                    s = Stmt(op.BPF_LD | op.BPF_IMM, V.consts[v])
                elif rewrite and v == regs[RX] and regs[RA] != v:
                    s = Stmt(op.BPF_MISC | op.BPF_TXA)
                return setreg(RA, v, s)
            if mode == op.BPF_ABS:
                if op.anc_field(k) is not None:
                    return setreg(RA, V.num(("anc", k)), s)
                v = V.num(("abs", code & 0x18, k))
            else:
                x = regs[RX]
                if x is None:
                    x = regs[RX] = V.fresh()
                if x in V.consts:
                    off = (V.consts[x] + k) & M32
                    if off < 0x80000000:
                        v = V.num(("abs", code & 0x18, off))
                        if rewrite:  # [x + k] with a known x is [x + k]: X may die
                            s = Stmt(op.BPF_LD | (code & 0x18) | op.BPF_ABS, off)
                    else:
                        v = V.fresh()
                else:
                    v = V.num(("ind", code & 0x18, k, x))
            faulting = v not in avail
            avail.add(v)
            return setreg(RA, v, s, faulting)
        if cls == op.BPF_LDX:
            mode = code & 0xE0
            if mode == op.BPF_IMM:
                return setreg(RX, V.const(k), s)
            if mode == op.BPF_LEN:
                return setreg(RX, V.num(("len",)), s)
            if mode == op.BPF_MEM:
                v = regs[2 + k]
                if v is None:
                    v = V.fresh()
                    regs[2 + k] = v
                if rewrite and v in V.consts and regs[RX] != v:
                    s = Stmt(op.BPF_LDX | op.BPF_IMM, V.consts[v])
                elif rewrite and v == regs[RA] and regs[RX] != v:
                    s = Stmt(op.BPF_MISC | op.BPF_TAX)  # the cell may then die
                return setreg(RX, v, s)
            v = V.num(("msh", k))
            faulting = v not in avail
            avail.add(v)
            return setreg(RX, v, s, faulting)
        if cls == op.BPF_ST:
            a = regs[RA]
            if a is None:
                a = regs[RA] = V.fresh()
            return setreg(2 + k, a, s)
        if cls == op.BPF_STX:
            x = regs[RX]
            if x is None:
                x = regs[RX] = V.fresh()
            return setreg(2 + k, x, s)
        if cls == op.BPF_MISC:
            if code & 0xF8 == op.BPF_TXA:
                x = regs[RX]
                if x is None:
                    x = regs[RX] = V.fresh()
                return setreg(RA, x, s)
            a = regs[RA]
            if a is None:
                a = regs[RA] = V.fresh()
            return setreg(RX, a, s)
        # ALU
        o = code & 0xF0
        a = regs[RA]
        if a is None:
            a = regs[RA] = V.fresh()
        if o == op.BPF_NEG:
            if a in V.consts and self.fold:
                c = (-V.consts[a]) & M32
                return setreg(RA, V.const(c), Stmt(op.BPF_LD | op.BPF_IMM, c) if rewrite else s)
            return setreg(RA, V.num(("neg", a)), s)
        if code & op.BPF_X:
            x = regs[RX]
            if x is None:
                x = regs[RX] = V.fresh()
            if x in V.consts and self.final:
                _refuse_constant_operand(o, V.consts[x], a in V.consts)
            if x in V.consts and self.fold:
                kk = V.consts[x]
                if rewrite and not (o in (op.BPF_DIV, op.BPF_MOD) and kk == 0) and not (
                        o in (op.BPF_LSH, op.BPF_RSH) and kk >= 32):
                    s = Stmt(op.BPF_ALU | o | op.BPF_K, kk)
                    return self._alu_k(s, o, kk, a, regs, rewrite)
            if rewrite and self.fold and V.consts.get(a) == 0 and \
                    o in (op.BPF_ADD, op.BPF_OR, op.BPF_XOR):
                return setreg(RA, x, Stmt(op.BPF_MISC | op.BPF_TXA))  # 0 + x is x
            if rewrite and self.fold and V.consts.get(a) == 0 and x not in V.consts and o in (
                    op.BPF_MUL, op.BPF_DIV, op.BPF_MOD, op.BPF_AND, op.BPF_LSH, op.BPF_RSH):
                # 0 * x is 0; libpcap says so of 0 / x too, x = 0 included
                return setreg(RA, V.const(0), Stmt(op.BPF_LD | op.BPF_IMM, 0))
            if a in V.consts and x in V.consts and self.fold:
                c = _alu(o, V.consts[a], V.consts[x])
                if c is not None:
                    return setreg(RA, V.const(c),
                                  Stmt(op.BPF_LD | op.BPF_IMM, c) if rewrite else s)
            if o in (op.BPF_DIV, op.BPF_MOD):
                # may reject at run time (division by zero): keep it
                regs[RA] = V.num(("alu", o, a, "x", x))
                return s, True
            return setreg(RA, V.num(("alu", o, a, "x", x)), s)
        return self._alu_k(s, o, k, a, regs, rewrite)

    def _alu_k(self, s: Stmt, o: int, k: int, a: int, regs: list[int | None],
               rewrite: bool) -> tuple[Stmt | None, bool]:
        V = self.vals
        if a in V.consts and self.fold:
            c = _alu(o, V.consts[a], k)
            if c is not None:
                v = V.const(c)
                if rewrite and regs[RA] == v:
                    return None, False
                regs[RA] = v
                return (Stmt(op.BPF_LD | op.BPF_IMM, c) if rewrite else s), False
        # (libpcap keeps `and #0xffffffff`: before `jeq #0` it becomes a
        # `jset #0xffffffff`, which libpcap takes as always true, A = 0 too)
        if rewrite and self.fold and (
                (o in (op.BPF_ADD, op.BPF_SUB, op.BPF_OR, op.BPF_XOR, op.BPF_LSH, op.BPF_RSH)
                 and k == 0) or (o in (op.BPF_MUL, op.BPF_DIV) and k == 1)
                or (o == op.BPF_AND and k == M32 and self.keep_verdicts)):
            return None, False
        if rewrite and self.fold and (o == op.BPF_MUL and k == 0 or o == op.BPF_AND and k == 0):
            regs[RA] = V.const(0)
            return Stmt(op.BPF_LD | op.BPF_IMM, 0), False
        v = V.num(("alu", o, a, "k", k))
        if rewrite and regs[RA] == v:
            return None, False
        regs[RA] = v
        return s, False

    # ---- analyses
    def analyse(self, order: list[Block]) -> None:
        """Value numbering forward: entry/exit register values and available loads."""
        self.preds: dict[int, list[Block]] = {b.id: [] for b in order}
        for b in order:
            for s in b.succs():
                self.preds[s.id].append(b)
        self.entry: dict[int, list[int | None]] = {}
        self.exit: dict[int, list[int | None]] = {}
        self.avail_in: dict[int, set[int]] = {}
        self.avail_out: dict[int, set[int]] = {}
        self.facts_in: dict[int, frozenset] = {}
        for b in order:
            ps = self.preds[b.id]
            if not ps:
                regs: list[int | None] = [None] * NREGS
                avail: set[int] = set()
                facts: frozenset = frozenset()
            else:
                regs = list(self.exit[ps[0].id])
                avail = set(self.avail_out[ps[0].id])
                facts = self.edge_facts(ps[0], b)
                for p in ps[1:]:
                    pe = self.exit[p.id]
                    for i in range(NREGS):
                        if regs[i] != pe[i]:
                            regs[i] = None
                    avail &= self.avail_out[p.id]
                    facts = facts & self.edge_facts(p, b)
            for i in range(NREGS):
                if regs[i] is None:
                    regs[i] = self.vals.fresh()
            self.entry[b.id] = list(regs)
            self.avail_in[b.id] = set(avail)
            self.facts_in[b.id] = facts
            new_stmts = []
            for s in b.stmts:
                kept, _ = self.step(s, regs, avail, rewrite=True)
                if kept is not None:
                    new_stmts.append(kept)
                    if kept is not s and kept != s:
                        self.changed = True
                else:
                    self.changed = True
            b.stmts = new_stmts
            if not b.is_ret:
                self._fold_test(b, regs)
            self.exit[b.id] = regs
            self.avail_out[b.id] = avail

    def _fold_test(self, b: Block, regs: list[int | None]) -> None:
        V = self.vals
        if b.code & op.BPF_X:
            x = regs[RX]
            if x in V.consts:
                b.code = (b.code & ~op.BPF_X) & 0xFFFF
                b.k = V.consts[x]
                self.changed = True
        a = regs[RA]
        if not (b.code & op.BPF_X) and a in V.consts and b.jt is not b.jf:
            c = V.consts[a]
            hit = c in b.members if b.members is not None else _jump(b.code & 0xF0, c, b.k)
            tgt = b.jt if hit else b.jf
            b.jt = b.jf = tgt
            self.changed = True

    def test_fact(self, b: Block) -> tuple | None:
        """(value number of A, op, k) for a K-form test, else None."""
        if b.is_ret or b.code & op.BPF_X or b.members is not None:
            return None
        a = self.exit[b.id][RA]
        return (a, b.code & 0xF0, b.k)

    def edge_facts(self, p: Block, s: Block) -> frozenset:
        facts = self.facts_in[p.id]
        f = self.test_fact(p)
        if f is None or p.jt is p.jf:
            return facts
        return facts | {f + (p.jt is s,)}

    def decide(self, test: tuple, facts: frozenset) -> bool | None:
        """The outcome of `test` if the facts imply it."""
        a, o, k = test
        for (fa, fo, fk, outcome) in facts:
            if fa != a:
                continue
            if fo == o and fk == k:
                return outcome
            r = self.implies(fo, fk, outcome, o, k)
            if r is not None:
                return r
        return None

    @staticmethod
    def decide_set(a: int | None, members: tuple[int, ...], facts: frozenset) -> bool | None:
        """The outcome of a set test ("is A one of members?", libpcap's run of
        `jeq`s on one load) if A is known equal to a value: each `jeq` of the
        run is then decided by libpcap's rule, the one for that value true
        and the others false."""
        for (fa, fo, fk, outcome) in facts:
            if fa == a and outcome and fo == op.BPF_JEQ:
                return fk in members
        return None

    @staticmethod
    def implies(fo: int, fk: int, outcome: bool, o: int, k: int) -> bool | None:
        """Does knowing (A fo fk) == outcome decide (A o k), the tests differing?
        libpcap's rule (its fold_edge), so that its tests are the ones skipped:
        only `A == fk` known true decides another `A == k` (false)."""
        if outcome and fo == op.BPF_JEQ and o == op.BPF_JEQ:
            return False
        return None

    def liveness(self, order: list[Block]) -> dict[int, set[int]]:
        """Registers live at the entry of each block."""
        live_in: dict[int, set[int]] = {}
        for b in reversed(order):
            live: set[int] = set()
            if not b.is_ret:
                live = live_in[b.jt.id] | live_in[b.jf.id]  # type: ignore[union-attr]
                live.add(RA)
                if b.code & op.BPF_X:
                    live.add(RX)
            elif b.code & 0x18 == op.BPF_A:
                live.add(RA)
            for s in reversed(b.stmts):
                d, u = _defuse(s)
                live -= d
                live |= u
            live_in[b.id] = live
        return live_in

    # ---- transformations
    def thread(self, order: list[Block], live_in: dict[int, set[int]]) -> None:
        """Send each edge past the tests its facts decide. The walk runs the
        skipped blocks' statements on the way (none of them may reject a
        packet), and lands on the farthest block that sees the same live
        values as it would through them: a test decided on one reload of a
        field may lead on to a block whose own loads make the reload moot."""
        for p in order:
            if p.is_ret:
                continue
            for which in (True, False):
                first = p.jt if which else p.jf
                assert first is not None
                facts = self.edge_facts(p, first)
                before = self.exit[p.id]
                regs = list(before)
                avail = set(self.avail_out[p.id])
                s, land, hops = first, first, 0
                while not s.is_ret and hops < 64:
                    hops += 1
                    dead_test = s.jt is s.jf
                    faulting = False
                    for st in s.stmts:
                        faulting |= self.step(st, regs, avail, rewrite=False)[1]
                    if faulting and (not dead_test or self.keep_verdicts):
                        break
                    if dead_test:
                        nxt = s.jt
                    else:
                        if s.code & op.BPF_X:
                            break
                        if s.members is not None:
                            d = self.decide_set(regs[RA], s.members, facts)
                        else:
                            d = self.decide((regs[RA], s.code & 0xF0, s.k), facts)
                        if d is None:
                            break
                        nxt = s.jt if d else s.jf
                    assert nxt is not None
                    if self.may_land(before, regs, nxt, live_in):
                        land = nxt
                        if any(regs[r] != before[r] for r in live_in[nxt.id]):
                            # landed by libpcap's laxness: nxt will see the
                            # edge's values, not the walk's; decide no further
                            break
                    s = nxt
                if land is not first:
                    if which:
                        p.jt = land
                    else:
                        p.jf = land
                    self.changed = True

    def may_land(self, before: list[int | None], regs: list[int | None], nxt: Block,
                 live_in: dict[int, set[int]]) -> bool:
        """May an edge leaving with registers `before` skip to nxt, which the
        walk reached with `regs`? libpcap's rule (its use_conflict): the
        registers read after nxt must hold on leaving nxt what they would
        have; nxt's own reads are not looked at, so its test (or `ret a`) may
        see another A than the code says, and libpcap's verdict with it."""
        if self.keep_verdicts or not nxt.as_is:
            # (elsewhere zcap may have dropped a load from nxt that libpcap,
            # which moves edges before it drops loads, would still have)
            return all(regs[r] == before[r] for r in live_in[nxt.id])
        if nxt.is_ret:
            return True
        after = live_in[nxt.jt.id] | live_in[nxt.jf.id]  # type: ignore[union-attr]
        out = list(regs)
        avail: set[int] = set()
        for s in nxt.stmts:
            self.step(s, out, avail, rewrite=False)
        moved = list(before)
        for s in nxt.stmts:
            self.step(s, moved, avail, rewrite=False)
        return all(out[r] == moved[r] for r in after)

    def dead_stmts(self, order: list[Block], live_in: dict[int, set[int]]) -> None:
        for b in order:
            if b.is_ret:
                live = {RA} if b.code & 0x18 == op.BPF_A else set()
            else:
                live = live_in[b.jt.id] | live_in[b.jf.id]  # type: ignore[union-attr]
                live.add(RA)
                if b.code & op.BPF_X:
                    live.add(RX)
            # which statements may reject the packet (loads not yet available)
            regs = list(self.entry[b.id])
            avail = set(self.avail_in[b.id])
            faulting = []
            for s in b.stmts:
                _, f = self.step(s, regs, avail, rewrite=False)
                faulting.append(f)
            # in libpcap's second phase a load whose value a folded
            # statement overwrites goes too (`wlan[1] & 0`), short packets
            # or not
            drop_loads = not self.moving and not self.keep_verdicts
            keep: list[Stmt] = []
            for s, f in zip(reversed(b.stmts), reversed(faulting), strict=False):
                d, u = _defuse(s)
                if (drop_loads or not f) and d and not (d & live):
                    self.changed = True
                    continue
                live -= d
                live |= u
                keep.append(s)
            keep.reverse()
            b.stmts = keep

    def merge(self, order: list[Block], equal: bool = True) -> Block:
        """Merge equal blocks bottom-up (only returns unless `equal`); drop
        blocks whose branches agree."""
        canon: dict[tuple, Block] = {}
        repl: dict[int, Block] = {}
        live_in = self.liveness(order)
        for b in reversed(order):
            if not b.is_ret:
                b.jt = repl.get(b.jt.id, b.jt)  # type: ignore[union-attr]
                b.jf = repl.get(b.jf.id, b.jf)  # type: ignore[union-attr]
                if b.jt is b.jf and not b.stmts and self.moving:
                    repl[b.id] = b.jt
                    self.changed = True
                    continue
                if self.moving and b.jt is b.jf and \
                        not _defs(b) & (live_in[b.jt.id] | _SCRATCH) and (  # type: ignore[union-attr]
                        not self.may_fault(b) if self.keep_verdicts else b is not self.root):
                    # libpcap drops such a test too, even when its load could
                    # have rejected a short packet: keep its verdicts. (A block
                    # whose results are used later is a step of a computation,
                    # e.g. the 802.11 prologue's or geneve's offsets, and stays.
                    # The first block is libpcap's exception: carry_root.)
                    repl[b.id] = b.jt
                    self.changed = True
                    continue
            key = (tuple(s.key() for s in b.stmts), b.code, b.k, b.members,
                   b.jt.id if b.jt else None, b.jf.id if b.jf else None)
            if b.is_ret:
                key = ((), b.code, b.k, None, None, None) if b.code & 0x18 == op.BPF_K else key
            elif not equal:
                continue
            c = canon.get(key)
            if c is not None and c is not b:
                repl[b.id] = c
                self.changed = True
            else:
                canon[key] = b
        return repl.get(self.root.id, self.root)

    def carry_root(self) -> None:
        """libpcap's last step: while the first block's test leads one way,
        the next block becomes the first, and takes the statements of the
        one it replaces, loads included (so a packet too short for them is
        still rejected); unless the program is down to a return. Of a
        block decided on the way (by the second phase, `1 % 15 <= 6`) only
        statements whose results are read later go along: libpcap has no
        such block with live results, it has already moved jumps past it."""
        carried = list(self.root.stmts)
        root = self.root
        passed = []
        while not root.is_ret and root.jt is root.jf:
            root = root.jt  # type: ignore[assignment]
            passed.append(root)
        live_in = self.liveness(topo_order(self.root))
        for b in passed[:-1]:
            if _defs(b) & live_in[b.jt.id]:  # type: ignore[union-attr]
                carried += b.stmts
        if root is not self.root and not root.is_ret:
            # the new first block had no other way in: it may take them
            root.stmts = carried + root.stmts
        self.root = root

    def may_fault(self, b: Block) -> bool:
        """Can one of b's statements reject the packet (a load not yet done)?"""
        regs = list(self.entry[b.id])
        avail = set(self.avail_in[b.id])
        return any([self.step(s, regs, avail, rewrite=False)[1] for s in b.stmts])

    def fold_constants(self) -> None:
        """libpcap's second phase: arithmetic on constants is worked out and
        the tests it decides lead both ways to one block, but no jump moves,
        so the decided test and the loads on the way to it stay."""
        self.fold, self.moving = True, False
        for _ in range(200):
            self.changed = False
            order, live = self.analysed()
            self.jset_peephole(order, live)
            self.store_peephole(order)
            order = topo_order(self.root)
            self.analyse(order)
            self.dead_stmts(order, self.liveness(order))
            self.root = self.merge(topo_order(self.root))
            if not self.changed:
                break

    def store_peephole(self, order: list[Block]) -> None:
        """`st M[k]; ld #c; ldx M[k]` becomes `st M[k]; tax; ld #c` (and the
        store may then die): zcap's arithmetic puts a constant operand where
        libpcap's code reloads it from memory, and once it is folded libpcap
        reaches `tax` (its `st M[k]; ldx M[k]` peephole)."""
        imm, ldx_mem, st = op.BPF_LD | op.BPF_IMM, op.BPF_LDX | op.BPF_MEM, op.BPF_ST
        for b in order:
            ss = b.stmts
            for i in range(len(ss) - 2):
                if ss[i].code == st and ss[i + 1].code == imm and \
                        ss[i + 2].code == ldx_mem and ss[i + 2].k == ss[i].k:
                    ss[i + 1:i + 3] = [Stmt(op.BPF_MISC | op.BPF_TAX), ss[i + 1]]
                    self.changed = True

    def statements_only(self, rounds: int = 20) -> None:
        """libpcap's last passes: statements only, jumps where they are
        (the subtraction peephole, then the loads it makes redundant)."""
        moved = False
        for _ in range(rounds):
            self.changed = False
            self.sub_peephole()
            if not self.changed:
                break
            moved = True
            order = topo_order(self.root)
            self.analyse(order)
            self.dead_stmts(order, self.liveness(order))
        if moved:
            self.root = self.merge(topo_order(self.root))

    def sub_peephole(self, constant_only: bool = False) -> None:
        """`sub #k; jeq #c` becomes `jeq #c+k`, `sub x; jeq #0` `jeq x`, where
        A's value is not read after. Done last, as libpcap does it once its
        jumps are settled: so a comparison `a = k` is never decided by an
        earlier test of a, as libpcap's never is. constant_only: only where
        A before the subtraction is a constant (`2 = 1`), while jumps still
        move: libpcap then decides the test in its first phase."""
        order = topo_order(self.root)
        live_in = self.liveness(order)
        for b in order:
            if b.is_ret or b.code != op.BPF_JMP | op.BPF_JEQ | op.BPF_K \
                    or b.members is not None or not b.stmts:
                continue
            last = b.stmts[-1]
            if RA in live_in[b.jt.id] or RA in live_in[b.jf.id]:  # type: ignore[union-attr]
                continue
            if constant_only:
                if last.code & ~op.BPF_X != op.BPF_ALU | op.BPF_SUB:
                    continue
                regs = list(self.entry[b.id])
                for st in b.stmts[:-1]:
                    self.step(st, regs, set(), rewrite=False)
                if regs[RA] not in self.vals.consts:
                    continue
            if last.code == op.BPF_ALU | op.BPF_SUB | op.BPF_K:
                b.stmts.pop()
                b.k = (b.k + last.k) & M32
                self.changed = True
            elif last.code == op.BPF_ALU | op.BPF_SUB | op.BPF_X and \
                    self.exit[b.id][RX] in self.vals.consts:
                # X a known constant (`ldx #k`), before the second phase
                # turns `sub x` into `sub #k`
                b.stmts.pop()
                b.k = (b.k + self.vals.consts[self.exit[b.id][RX]]) & M32
                self.changed = True
            elif last.code == op.BPF_ALU | op.BPF_SUB | op.BPF_X and b.k == 0:
                b.stmts.pop()
                b.code = op.BPF_JMP | op.BPF_JEQ | op.BPF_X
                self.changed = True

    def jset_peephole(self, order: list[Block], live_in: dict[int, set[int]]) -> None:
        """`and #k; jeq #0` becomes `jset #k` with the branches swapped; then
        `jset #0` never jumps and `jset #0xffffffff`, by libpcap's rule, always
        does (A = 0 included: libpcap's verdict)."""
        for b in order:
            if b.code == op.BPF_JMP | op.BPF_JSET | op.BPF_K and b.jt is not b.jf \
                    and (b.k == 0 or b.k == M32 and not self.keep_verdicts):
                if b.k:
                    b.jf = b.jt
                else:
                    b.jt = b.jf
                self.changed = True
                continue
            if b.is_ret or b.code != op.BPF_JMP | op.BPF_JEQ | op.BPF_K or b.k != 0 \
                    or b.members is not None:
                continue
            if not b.stmts or b.stmts[-1].code != op.BPF_ALU | op.BPF_AND | op.BPF_K:
                continue
            if RA in live_in[b.jt.id] or RA in live_in[b.jf.id]:  # type: ignore[union-attr]
                continue
            mask = b.stmts.pop().k
            b.code, b.k = op.BPF_JMP | op.BPF_JSET | op.BPF_K, mask
            b.jt, b.jf = b.jf, b.jt
            self.changed = True

    def index_peephole(self, order: list[Block], live_in: dict[int, set[int]]) -> None:
        """libpcap's peephole for a constant index added to X: `ld #k; [ldx
        ...;] add x; tax; ld [x + m]` becomes `[ldx ...;] ld [x + k+m]`
        where the X it leaves is used by nothing after (the same address, so
        the same verdict; X keeps its value, which later loads of it then
        find). Variable link headers (radiotap) make these sequences."""
        ind = op.BPF_IND
        for b in order:
            ss = b.stmts
            i = 0
            while i < len(ss):
                j = i + 1
                if ss[i].code != op.BPF_LD | op.BPF_IMM:
                    i += 1
                    continue
                if j < len(ss) and ss[j].code & 0x07 == op.BPF_LDX:   # leaves A alone
                    j += 1
                if j + 2 >= len(ss) or ss[j].code != op.BPF_ALU | op.BPF_ADD | op.BPF_X \
                        or ss[j + 1].code != op.BPF_MISC | op.BPF_TAX \
                        or ss[j + 2].code & 0x07 != op.BPF_LD or ss[j + 2].code & 0xE0 != ind \
                        or self._x_used_after(b, j + 3, live_in):
                    i += 1
                    continue
                ss[j + 2] = Stmt(ss[j + 2].code, (ss[j + 2].k + ss[i].k) & M32)
                del ss[j:j + 2]
                del ss[i]
                self.changed = True

    @staticmethod
    def _x_used_after(b: Block, start: int, live_in: dict[int, set[int]]) -> bool:
        """Is the X a block holds before statement `start` read after it?"""
        for s in b.stmts[start:]:
            d, u = _defuse(s)
            if RX in u:
                return True
            if RX in d:
                return False
        if b.is_ret:
            return False
        return bool(b.code & op.BPF_X) or RX in live_in[b.jt.id] or RX in live_in[b.jf.id]  # type: ignore[union-attr]

    def dominators(self, order: list[Block]) -> dict[int, set[int]]:
        dom: dict[int, set[int]] = {}
        for b in order:
            ps = self.preds[b.id]
            d = set.intersection(*(dom[p.id] for p in ps)) if ps else set()
            dom[b.id] = d | {b.id}
        return dom

    def pullup(self, order: list[Block], live_in: dict[int, set[int]], is_or: bool) -> bool:
        """libpcap's or/and pull-up: in a chain of tests sharing their true (or)
        or false (and) target, move a later test of the value already in A
        before a test of another value, so the value is not loaded twice."""
        dom = self.dominators(order)

        def nxt(b: Block) -> Block:
            return b.jf if is_or else b.jt  # type: ignore[return-value]

        def common(b: Block) -> Block:
            return b.jt if is_or else b.jf  # type: ignore[return-value]

        def set_nxt(b: Block, t: Block) -> None:
            if is_or:
                b.jf = t
            else:
                b.jt = t

        for b in reversed(order):
            ps = self.preds[b.id]
            if not ps or b.is_ret:
                continue
            val = self.exit[ps[0].id][RA]
            if any(self.exit[p.id][RA] != val for p in ps[1:]):
                continue
            cur, prev, at_top, ok = b, None, True, True
            while True:
                if cur.is_ret or common(cur) is not common(b) or b.id not in dom[cur.id]:
                    ok = False
                    break
                if self.exit[cur.id][RA] != val:
                    break
                prev, cur, at_top = cur, nxt(cur), False
            if not ok:
                continue
            diff, diff_prev = cur, prev
            same, same_prev = nxt(diff), diff
            while True:
                if same.is_ret or common(same) is not common(b) or b.id not in dom[same.id]:
                    ok = False
                    break
                if self.exit[same.id][RA] == val:
                    break
                same_prev, same = same, nxt(same)
            if not ok or same.code & op.BPF_X:
                continue
            # data dependencies: `same` must compute val where it lands, and
            # neither `diff` nor `same`'s old successor may see other values
            state0 = list(self.entry[b.id]) if at_top else list(self.exit[diff_prev.id])
            state1 = list(state0)
            for st in same.stmts:
                self.step(st, state1, set(), rewrite=False)
            if state1[RA] != val or any(state1[r] != state0[r] for r in live_in[diff.id]):
                continue
            after = nxt(same)
            if any(self.exit[same_prev.id][r] != self.exit[same.id][r]
                   for r in live_in[after.id]):
                continue
            set_nxt(same_prev, after)
            set_nxt(same, diff)
            if at_top:
                for p in ps:
                    if p.jt is b:
                        p.jt = same
                    if p.jf is b:
                        p.jf = same
                if self.root is b:
                    self.root = same
            else:
                assert diff_prev is not None
                set_nxt(diff_prev, same)
            self.changed = True
            return True
        return False

    def analysed(self) -> tuple[list[Block], dict[int, set[int]]]:
        """Analyse the DAG as it is (the analysis may decide tests): its blocks
        in order, and the registers live at each."""
        self.analyse(topo_order(self.root))
        order = topo_order(self.root)
        return order, self.liveness(order)

    def run(self) -> Block:
        for _ in range(200):
            self.changed = False
            order, live = self.analysed()
            self.thread(order, live)
            if not self.changed and not self.keep_verdicts:
                order = topo_order(self.root)
                self.analyse(order)
                live = self.liveness(order)
                if not self.pullup(order, live, True):
                    self.pullup(order, live, False)
            order = topo_order(self.root)
            self.analyse(order)
            live = self.liveness(order)
            self.jset_peephole(order, live)
            if not self.keep_verdicts:
                self.index_peephole(order, live)
            if not self.fold:
                self.analyse(topo_order(self.root))
                self.sub_peephole(constant_only=True)
            order = topo_order(self.root)
            self.analyse(order)
            live = self.liveness(order)
            self.dead_stmts(order, live)
            # libpcap merges equal blocks only at the end (intern_blocks):
            # until then each copy keeps what its own path knows
            self.root = self.merge(topo_order(self.root), equal=self.keep_verdicts)
            if not self.changed:
                break
        self.root = self.merge(topo_order(self.root))
        if self.fold:
            self.statements_only()
        else:
            # one subtraction per test while jumps still move (libpcap's
            # relation keeps its operands in memory, so its peephole sees
            # only the last one then): `1 - 1 = 0` is decided only later
            self.statements_only(rounds=1)
            self.fold_constants()
            self.statements_only()
        if not self.keep_verdicts:
            self.carry_root()
        order = topo_order(self.root)
        if not self.keep_verdicts and any(st.code & 0x07 == op.BPF_ALU and st.code & op.BPF_X
               and st.code & 0xF0 in _REFUSABLE for b in order for st in b.stmts):
            self.final = True
            self.analyse(order)
        return self.root


def _defuse(s: Stmt) -> tuple[set[int], set[int]]:
    """Registers a statement defines and uses."""
    code, k = s.code, s.k
    cls = code & 0x07
    if cls == op.BPF_LD:
        mode = code & 0xE0
        if mode == op.BPF_IND:
            return {RA}, {RX}
        if mode == op.BPF_MEM:
            return {RA}, {2 + k}
        return {RA}, set()
    if cls == op.BPF_LDX:
        if code & 0xE0 == op.BPF_MEM:
            return {RX}, {2 + k}
        return {RX}, set()
    if cls == op.BPF_ST:
        return {2 + k}, {RA}
    if cls == op.BPF_STX:
        return {2 + k}, {RX}
    if cls == op.BPF_MISC:
        return ({RA}, {RX}) if code & 0xF8 == op.BPF_TXA else ({RX}, {RA})
    # ALU
    if code & 0xF0 == op.BPF_NEG:
        return {RA}, {RA}
    return {RA}, ({RA, RX} if code & op.BPF_X else {RA})


def optimize(root: Block, keep_verdicts: bool = False) -> Block:
    """Return an equivalent, smaller DAG: libpcap's optimised program's verdict
    on every packet, or with keep_verdicts the plain program's (where libpcap
    does not optimise)."""
    return Optimizer(root, keep_verdicts).run()

