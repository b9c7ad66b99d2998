"""Running the recursive stages (parser, code generation) at any nesting depth.

The parser and code generation recurse once per level of parentheses, `not`
or arithmetic operand; chains of `and`/`or` are loops and cost no depth. An
expression nested thousands deep would end in a RecursionError, so those
stages run on a thread whose stack and recursion limit grow with the length
of the expression. Beyond MAX_TOKENS the expression is refused with a
FilterError, never a traceback.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from .errors import FilterError

T = TypeVar("T")

# Depth at which the calling thread is left alone: ordinary expressions.
SHALLOW_TOKENS = 150
# Longest expression accepted (each token at most one level deep).
MAX_TOKENS = 400_000
# Python frames per nesting level, with a margin (term -> expr_ -> term ...)
FRAMES_PER_TOKEN = 6
# C stack per Python frame in the worst case seen, with a margin
STACK_PER_FRAME = 512

_lock = threading.Lock()


def call(fn: Callable[[], T], ntokens: int) -> T:
    """fn(), on a thread with room for ntokens levels of recursion."""
    if ntokens > MAX_TOKENS:
        raise FilterError(f"expression too long: {ntokens} tokens (at most {MAX_TOKENS})", 0)
    if ntokens <= SHALLOW_TOKENS:
        return fn()
    frames = 1000 + FRAMES_PER_TOKEN * ntokens
    result: list[T] = []
    error: list[BaseException] = []

    def body() -> None:
        try:
            result.append(fn())
        except RecursionError:
            error.append(FilterError("expression nested too deeply", 0))
        except BaseException as e:  # noqa: BLE001 - handed back to the caller's thread
            error.append(e)

    # The recursion limit is per interpreter: raise it only while a deep
    # stage runs, and one deep stage at a time.
    with _lock:
        old = sys.getrecursionlimit()
        old_stack = threading.stack_size()
        try:
            sys.setrecursionlimit(max(old, frames))
            threading.stack_size(max(1 << 23, min(1 << 30, frames * STACK_PER_FRAME)))
            t = threading.Thread(target=body, name="bpf_filters-deep", daemon=True)
            try:
                t.start()
            finally:
                threading.stack_size(old_stack)
            t.join()
        finally:
            sys.setrecursionlimit(old)
    if error:
        raise error[0]
    return result[0]
