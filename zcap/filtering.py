"""A filter expression compiled for the command line: every failure of the
compiler becomes one ZcapError or UsageError line (the expression, a caret
under the fault, the reason). Kept apart from ``zcap.registry`` so that
``zcap -d`` loads the compiler and nothing of the capture pipeline.
"""

from __future__ import annotations

from .errors import UsageError, ZcapError


def filter_error(expression: str, exc: Exception) -> ZcapError:
    """A filter error as the expression, a caret under the fault, and the reason."""
    import bpf_filters

    return ZcapError(bpf_filters.format_error(expression, exc))


def compile_checked(expression: str, **kwargs):
    """``bpf_filters.compile``, any failure of it turned into one ZcapError."""
    import bpf_filters

    try:
        return bpf_filters.compile(expression, **kwargs)
    except bpf_filters.FilterError as exc:
        raise filter_error(expression, exc) from None
    except RecursionError:
        raise ZcapError(f"bad filter expression: nested too deeply "
                        f"({len(expression)} characters)") from None
    except (ValueError, KeyError, IndexError, TypeError, OverflowError, MemoryError) as exc:
        raise ZcapError(f"bad filter expression: {exc}") from None


def compile_live(expression: str, *, xdp: bool, linktype):
    """The filter of a live capture, compiled once, to any length: one the
    kernel refuses runs in user space (see the sources), as with libpcap."""
    import bpf_filters

    return compile_checked(expression, kernel=not xdp, linktype=linktype,
                           max_insns=bpf_filters.USER_MAXINSNS)


def linktype_number(name: str) -> int:
    """-y's link type name (or number) as a LINKTYPE_* number; UsageError if unknown."""
    import bpf_filters

    try:
        return bpf_filters.linktype_number(name)
    except (bpf_filters.FilterError, ValueError, KeyError):
        raise UsageError(f"unknown link type {name!r} (try EN10MB, LINUX_SLL2, RAW)") from None
