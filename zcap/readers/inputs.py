"""Where a reader's bytes come from: a regular file mapped into memory, or a
pipe (stdin, a FIFO) read in chunks. Both hand the C walker one contiguous
buffer; only the stream ever replaces it, and only between batches.
"""

from __future__ import annotations

import mmap
import os

# A stream record may not need more than this much buffered to be complete;
# without a cap, a damaged length field would make us swallow the whole pipe.
STREAM_MAX_PENDING = 64 << 20
STREAM_CHUNK = 1 << 20


class MappedInput:
    """A regular, non-empty file, mapped read-only; never copied."""

    streaming = False

    def __init__(self, fd: int, size: int) -> None:
        self.base = 0
        self._map = mmap.mmap(fd, size, access=mmap.ACCESS_READ)
        if hasattr(mmap, "MADV_SEQUENTIAL"):
            self._map.madvise(mmap.MADV_SEQUENTIAL)
        self.buf: bytes | mmap.mmap = self._map

    def refill(self, keep_from: int) -> bool:
        """A mapped file is complete: there is never more to read."""
        return False

    def close(self) -> None:
        """Unmap, unless packets handed out still view the mapping.

        Those views keep the mapping alive; it goes away with the last one.
        """
        try:
            self._map.close()
        except BufferError:
            pass


class StreamInput:
    """A pipe or other unmappable file, read as it arrives."""

    streaming = True

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self.base = 0  # file offset of buf[0]
        self.buf: bytes = b""
        self.eof = False

    def refill(self, keep_from: int) -> bool:
        """Drop the bytes before ``keep_from``, append what the pipe has.

        Returns False at end of input. Batches already handed out keep the
        old buffer object alive, so their pointers stay valid.
        """
        if self.eof:
            return False
        if len(self.buf) - keep_from > STREAM_MAX_PENDING:
            return False
        chunk = os.read(self._fd, STREAM_CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[keep_from:] + chunk
        self.base += keep_from
        return True

    def close(self) -> None:
        """Nothing to release but the buffer; the caller owns the fd."""
        self.buf = b""
