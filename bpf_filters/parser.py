"""Parser: tokens to a syntax tree, following libpcap's grammar and its quirks.

- `and` and `or` have equal precedence and group to the left; `not` binds tighter.
- A bare identifier after `and`/`or`/`not` inherits the qualifiers of the term
  before it (`host a or b`, `port 53 or 80`); after a parenthesised expression,
  the qualifiers in force before the parenthesis.
- `%` and `^` have no precedence in libpcap's grammar, so they always shift:
  their right operand is the whole rest of the arithmetic expression, and their
  left operand is the nearest operand (`12 / 3 % 2` is `12 / (3 % 2)`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from . import ast as A
from .errors import ParseError
from .lexer import Token, tokenize

R = TypeVar("R")

_PREC = {"|": 1, "&": 2, "LSH": 3, "RSH": 3, "+": 4, "-": 4, "*": 5, "/": 5}
_NOPREC = ("%", "^")
_OPNAME = {"LSH": "<<", "RSH": ">>"}
_RELOPS = {">": ("jgt", False), "GEQ": ("jge", False), "=": ("jeq", False),
           "LEQ": ("jgt", True), "<": ("jge", True), "NEQ": ("jeq", True)}
_DQUALS = {"SRC": "src", "DST": "dst", "RA": "ra", "TA": "ta", "ADDR1": "addr1",
           "ADDR2": "addr2", "ADDR3": "addr3", "ADDR4": "addr4"}
_AQUALS = {"HOST": "host", "NET": "net", "PORT": "port", "PORTRANGE": "portrange"}
_ID_START = ("NUM", "HID", "HID6", "EID", "ID")
_WLAN_KEYS = ("TYPE", "SUBTYPE", "DIR")


def _memo(fn: Callable[..., R]) -> Callable[..., R]:
    """Remember a rule's outcome at a position (packrat parsing): backtracking
    then re-reads nothing, so nested parentheses cost linear time, not
    quadratic (`((((1))))`, tried first as arithmetic, then as a boolean)."""
    name = fn.__name__

    @wraps(fn)
    def rule(self: Parser, *args: object) -> R:
        key = (name, self.pos, args)
        hit = self.memo.get(key)
        if hit is not None:
            ok, value, end = hit
            if not ok:
                raise value.with_traceback(None)
            self.pos = end
            return value
        try:
            value = fn(self, *args)
        except ParseError as e:
            self.memo[key] = (False, e, 0)
            raise
        self.memo[key] = (True, value, self.pos)
        return value

    return rule


class Parser:
    """Recursive descent over the token list, backtracking where yacc used lookahead."""

    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.toks = tokenize(expr)
        self.pos = 0
        self.furthest: ParseError | None = None
        self.memo: dict[tuple, tuple] = {}

    # -- helpers
    def peek(self, ahead: int = 0) -> Token:
        return self.toks[min(self.pos + ahead, len(self.toks) - 1)]

    def next(self) -> Token:
        t = self.toks[self.pos]
        if self.pos < len(self.toks) - 1:
            self.pos += 1
        return t

    def expect(self, kind: str) -> Token:
        t = self.peek()
        if t.kind != kind:
            self.fail(t, f"expected '{kind}'" if len(kind) == 1 else "syntax error")
        return self.next()

    def fail(self, t: Token, msg: str = "syntax error") -> None:
        err = ParseError(msg if t.kind != "EOF" else "syntax error: unexpected end of expression",
                         t.col)
        if self.furthest is None or (err.column or 0) >= (self.furthest.column or 0):
            self.furthest = err
        raise err

    def attempt(self, fn, *args):
        """Run fn; on a parse error restore the position and return None."""
        save = self.pos
        try:
            return fn(*args)
        except ParseError:
            self.pos = save
            return None

    # -- grammar
    def parse(self) -> A.Node | None:
        if self.peek().kind == "EOF":
            return None
        try:
            node, _q = self.expr_(A.QERR)
            if self.peek().kind != "EOF":
                self.fail(self.peek())
        except ParseError:
            raise self.furthest or ParseError("syntax error", 0) from None
        return node

    def expr_(self, q_before: A.Quals) -> tuple[A.Node, A.Quals]:
        node, q = self.term(q_before)
        while self.peek().kind in ("AND", "OR"):
            optok = self.next()
            right, q = self.term_or_id(q)
            cls = A.And if optok.kind == "AND" else A.Or
            node = cls(node, right, col=node.col)
        return node, q

    def term_or_id(self, q: A.Quals) -> tuple[A.Node, A.Quals]:
        t = self.peek()
        if t.kind == "!":
            self.next()
            inner, q2 = self.term_or_id(q)
            return A.Not(inner, col=t.col), q2
        if t.kind in _ID_START and not (t.kind == "NUM" and self._arith_follows()):
            return self.id_(q), q
        if t.kind == "(":
            got = self.attempt(self._paren_pid_checked, q)
            if got is not None:
                return got, q
        return self.term(q)

    def _arith_follows(self) -> bool:
        nxt = self.peek(1).kind
        return nxt in _PREC or nxt in _NOPREC or nxt in _RELOPS

    def _paren_pid_checked(self, q: A.Quals) -> A.Node:
        node = self.paren_pid(q)
        if self.peek().kind not in ("AND", "OR", ")", "EOF"):
            self.fail(self.peek())
        return node

    @_memo
    def paren_pid(self, q: A.Quals) -> A.Node:
        self.expect("(")
        t = self.peek()
        if t.kind == "(":
            # libpcap's pid starts with an address or a number: a group inside
            # may follow and/or, but may not come first unless it is a number
            node: A.Node = A.Prim(q, "NUM", self.pnum(), col=t.col)
        else:
            node = self.id_(q)
        while self.peek().kind in ("AND", "OR"):
            optok = self.next()
            right = self.id_(q)
            node = (A.And if optok.kind == "AND" else A.Or)(node, right, col=node.col)
        self.expect(")")
        return node

    @_memo
    def id_(self, q: A.Quals) -> A.Node:
        t = self.peek()
        if t.kind == "!":
            self.next()
            return A.Not(self.id_(q), col=t.col)
        if t.kind == "(":
            save = self.pos
            try:
                return self.paren_pid(q)
            except ParseError:
                self.pos = save
                n = self.pnum()
                return A.Prim(q, "NUM", n, col=t.col)
        if t.kind == "NUM":
            self.next()
            return A.Prim(q, "NUM", t.value, col=t.col)
        if t.kind in ("ID", "EID"):
            self.next()
            return A.Prim(q, t.kind, t.value, col=t.col)
        if t.kind == "HID":
            self.next()
            if self.peek().kind == "/":
                self.next()
                n = self.expect("NUM")
                return A.Prim(q, "HID", t.value, mask=n.value, mask_kind="len", col=t.col)
            if self.peek().kind == "NETMASK":
                self.next()
                m = self.expect("HID")
                return A.Prim(q, "HID", t.value, mask=m.value, mask_kind="mask", col=t.col)
            return A.Prim(q, "HID", t.value, col=t.col)
        if t.kind == "HID6":
            self.next()
            if self.peek().kind == "/":
                self.next()
                n = self.expect("NUM")
                return A.Prim(q, "HID6", t.value, mask=n.value, mask_kind="len", col=t.col)
            return A.Prim(q, "HID6", t.value, col=t.col)
        self.fail(t)
        raise AssertionError  # unreachable

    @_memo
    def pnum(self) -> int:
        t = self.peek()
        if t.kind == "(":
            self.next()
            v = self.pnum()
            self.expect(")")
            return v
        return self.expect("NUM").value  # type: ignore[return-value]

    def term(self, q_before: A.Quals) -> tuple[A.Node, A.Quals]:
        t = self.peek()
        if t.kind == "!":
            self.next()
            inner, q = self.term(q_before)
            return A.Not(inner, col=t.col), q
        if t.kind == "(":
            rel = self.attempt(self.relation)
            if rel is not None:
                return rel, A.QERR
            self.next()
            node, _q = self.expr_(q_before)
            self.expect(")")
            return node, q_before
        if t.kind in ("NUM", "LEN", "-"):
            return self.relation(), A.QERR
        if t.kind == "PNAME":
            nxt = self.peek(1).kind
            if nxt == "[":
                return self.relation(), A.QERR
            if nxt in ("BROADCAST", "MULTICAST"):
                self.next()
                self.next()
                return A.Other(nxt.lower(), (t.value,), col=t.col), A.QERR
            if nxt in _WLAN_KEYS:  # libpcap ignores a protocol before these
                self.next()
                return self.other(self.peek()), A.QERR
            if nxt in _DQUALS or nxt in _AQUALS or nxt in ("PROTO", "PROTOCHAIN", "GATEWAY"):
                self.next()
                return self.head_id(t.value, t.col)
            self.next()
            return A.ProtoAbbrev(t.value, col=t.col), A.QERR
        if t.kind in _DQUALS or t.kind in _AQUALS or t.kind in ("PROTO", "PROTOCHAIN", "GATEWAY"):
            return self.head_id(None, t.col)
        if t.kind in ("BROADCAST", "MULTICAST"):
            self.next()
            return A.Other(t.kind.lower(), (None,), col=t.col), A.QERR
        return self.other(t), A.QERR

    def head_id(self, proto: str | None, col: int) -> tuple[A.Node, A.Quals]:
        dq = aq = None
        t = self.peek()
        if t.kind in _DQUALS:
            self.next()
            dq = _DQUALS[t.kind]
            if t.kind in ("SRC", "DST") and self.peek().kind in ("AND", "OR") \
                    and self.peek(1).kind in ("SRC", "DST") and self.peek(1).kind != t.kind:
                conj = self.next().kind
                self.next()
                dq = "or" if conj == "OR" else "and"
            t = self.peek()
            if t.kind in _AQUALS:
                self.next()
                aq = _AQUALS[t.kind]
        elif t.kind in _AQUALS:
            self.next()
            aq = _AQUALS[t.kind]
        elif t.kind in ("PROTO", "PROTOCHAIN", "GATEWAY"):
            self.next()
            aq = t.kind.lower()
        q = A.Quals(proto, dq, aq)
        return self.id_(q), q

    def other(self, t: Token) -> A.Node:
        k = t.kind
        if k in ("LESS", "GREATER"):
            self.next()
            n = self.expect("NUM")
            return A.Other(k.lower(), (n.value,), col=t.col)
        if k == "CBYTE":
            self.next()
            idx = self.expect("NUM").value
            optok = self.next()
            if optok.kind not in ("&", "|", "<", ">", "="):
                self.fail(optok)
            val = self.expect("NUM").value
            return A.Other("byte", (idx, optok.kind, val), col=t.col)
        if k in _WLAN_KEYS:
            return self.wlan_fc(t)
        if k == "LLC":
            self.next()
            if self.peek().kind == "ID":
                return A.Other("llc", (self.next().value,), col=t.col)
            return A.Other("llc", (), col=t.col)
        if k in ("INBOUND", "OUTBOUND", "PPPOED"):
            self.next()
            return A.Other(k.lower(), (), col=t.col)
        if k == "IFINDEX":
            self.next()
            return A.Other("ifindex", (self.expect("NUM").value,), col=t.col)
        if k in ("VLAN", "MPLS", "PPPOES", "GENEVE"):
            self.next()
            if self.peek().kind == "NUM" or (self.peek().kind == "(" and
                                             self.peek(1).kind in ("NUM", "(")):
                save = self.pos
                try:
                    n = self.pnum()
                    return A.Other(k.lower(), (n,), col=t.col)
                except ParseError:
                    self.pos = save
            return A.Other(k.lower(), (), col=t.col)
        self.fail(t)
        raise AssertionError  # unreachable

    def wlan_fc(self, t: Token) -> A.Node:
        """`type T [subtype S]`, `subtype NAME`, `dir D` (802.11 frame control)."""
        self.next()
        if t.kind == "SUBTYPE":
            return A.Other("wlan_subtype", (self.expect("ID").value,), col=t.col)
        v = self.peek()
        if v.kind not in ("NUM", "ID"):
            self.fail(v)
        self.next()
        if t.kind == "DIR":
            return A.Other("wlan_dir", (v.value,), col=t.col)
        sub = None
        if self.peek().kind == "SUBTYPE":
            self.next()
            s = self.peek()
            if s.kind not in ("NUM", "ID"):
                self.fail(s)
            sub = self.next().value
        return A.Other("wlan_type", (v.value, sub), col=t.col)

    # -- arithmetic
    @_memo
    def relation(self) -> A.Node:
        start = self.peek().col
        left = self.arith(0)
        t = self.peek()
        if t.kind not in _RELOPS:
            self.fail(t)
        self.next()
        right = self.arith(0)
        op, neg = _RELOPS[t.kind]
        return A.Relation(op, left, right, neg, col=start)

    @_memo
    def arith(self, min_prec: int) -> A.Arith:
        left = self.unary()
        while True:
            t = self.peek()
            if t.kind in _NOPREC:
                self.next()
                right = self.arith(0)
                left = A.BinOp(t.kind, left, right, col=t.col)
                continue
            p = _PREC.get(t.kind)
            if p is None or p <= min_prec - 1 or p < min_prec:
                return left
            self.next()
            right = self.arith(p + 1)
            left = A.BinOp(_OPNAME.get(t.kind, t.kind), left, right, col=t.col)

    def unary(self) -> A.Arith:
        t = self.peek()
        if t.kind == "-":
            self.next()
            inner = self.unary_operand()
            return A.Neg(inner, col=t.col)
        return self.primary()

    def unary_operand(self) -> A.Arith:
        operand = self.unary()
        t = self.peek()
        if t.kind in _NOPREC:
            self.next()
            return A.BinOp(t.kind, operand, self.arith(0), col=t.col)
        return operand

    def primary(self) -> A.Arith:
        t = self.peek()
        if t.kind == "NUM":
            self.next()
            return A.Num(t.value, col=t.col)  # type: ignore[arg-type]
        if t.kind == "LEN":
            self.next()
            return A.Length(col=t.col)
        if t.kind == "PNAME" and self.peek(1).kind == "[":
            self.next()
            self.next()
            idx = self.arith(0)
            size = 1
            if self.peek().kind == ":":
                self.next()
                size = self.expect("NUM").value  # type: ignore[assignment]
            self.expect("]")
            return A.Load(t.value, idx, size, col=t.col)  # type: ignore[arg-type]
        if t.kind == "(":
            self.next()
            inner = self.arith(0)
            self.expect(")")
            return inner
        self.fail(t)
        raise AssertionError  # unreachable


def parse(expr: str) -> A.Node | None:
    """Parse an expression; None means the empty expression (match everything)."""
    return Parser(expr).parse()
