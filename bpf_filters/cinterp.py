"""The C interpreter of zcap's core (zcap/csrc/bpf_interp.c), for reading files.

zcap._core is imported on first use, so bpf_filters works without the built
extension; only these functions need it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import FilterError
from .program import Program


def _core() -> Any:
    try:
        from zcap import _core
    except ImportError as e:  # pragma: no cover - depends on the build
        raise FilterError(f"zcap's C core is not built ({e}); run `pip install -e .`") from e
    return _core


class CFilter:
    """A program copied into a C `struct sock_filter[]`, validated once."""

    def __init__(self, program: Program | Sequence[Sequence[int]]) -> None:
        core = _core()
        self.ffi, self.lib = core.ffi, core.lib
        insns = program.instructions if isinstance(program, Program) else list(program)
        self.n = len(insns)
        self.insns = self.ffi.new("struct sock_filter[]", max(self.n, 1))
        for i, (code, jt, jf, k) in enumerate(insns):
            self.insns[i].code, self.insns[i].jt, self.insns[i].jf, self.insns[i].k = \
                code, jt, jf, k
        bad = self.lib.zc_bpf_validate(self.insns, self.n)
        if bad != 0:
            where = f" at instruction {-bad - 1}" if bad < -1 else ""
            raise FilterError(f"invalid BPF program{where}")

    def run(self, frame: bytes, wirelen: int | None = None) -> int:
        """Run over one frame (0 = reject)."""
        return int(self.lib.zc_bpf_run(self.insns, self.n, frame, len(frame),
                                       len(frame) if wirelen is None else wirelen))

    def filter_batch(self, pkts: Any, n: int) -> int:
        """Filter a `struct zc_pkt[]` in place; return how many were kept (at the front)."""
        return int(self.lib.zc_bpf_filter(self.insns, self.n, pkts, n))

    def filter_frames(self, frames: Sequence[bytes]) -> list[tuple[int, int]]:
        """Filter a list of frames in one C call; (index, kept caplen) per accepted frame."""
        n = len(frames)
        pkts = self.ffi.new("struct zc_pkt[]", max(n, 1))
        bufs = [self.ffi.from_buffer(f) for f in frames]
        base = {}
        for i, (f, b) in enumerate(zip(frames, bufs, strict=False)):
            pkts[i].data = b
            pkts[i].caplen = len(f)
            pkts[i].wirelen = len(f)
            pkts[i].ifid = i  # carries the index through the compaction
            base[i] = b
        kept = self.filter_batch(pkts, n)
        return [(int(pkts[j].ifid), int(pkts[j].caplen)) for j in range(kept)]
