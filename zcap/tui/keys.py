"""Single keys from the terminal without Enter: cbreak mode while the display
runs, the terminal's own settings back afterwards, whatever happens.

A wait for keys is also the display thread's sleep between frames; ``wake``
ends it from another thread, so closing needs no polling."""

import os
import select
import termios
import threading
import tty


class KeyReader:
    """Reads keys from ``fd`` (a terminal); for anything else it only waits."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.enabled = os.isatty(fd)
        self._saved: list | None = None
        self._wake_r = self._wake_w = -1
        # wake() and __exit__ may race: never write to a descriptor after it was closed
        # (its number may already belong to another file).
        self._lock = threading.Lock()

    def __enter__(self) -> "KeyReader":
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        if self.enabled:
            try:
                self._saved = termios.tcgetattr(self.fd)
                tty.setcbreak(self.fd, termios.TCSANOW)
            except termios.error:
                self.enabled = False
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._saved is not None:
                termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
                self._saved = None
        finally:
            with self._lock:
                for fd in (self._wake_r, self._wake_w):
                    if fd >= 0:
                        os.close(fd)
                self._wake_r = self._wake_w = -1

    def wake(self) -> None:
        """Make a ``read`` waiting in another thread return now; safe after exit."""
        with self._lock:
            if self._wake_w < 0:
                return
            try:
                os.write(self._wake_w, b"w")
            except BlockingIOError:
                pass                    # the pipe is full: a wake-up is pending anyway

    def read(self, timeout: float) -> str:
        """Keys typed within ``timeout`` seconds ('' if none, or when woken)."""
        fds = [fd for fd in (self._wake_r, self.fd if self.enabled else -1) if fd >= 0]
        ready, _, _ = select.select(fds, [], [], max(0.0, timeout))
        if self._wake_r in ready:
            os.read(self._wake_r, 64)
        if not self.enabled or self.fd not in ready:
            return ""
        try:
            data = os.read(self.fd, 64)
        except OSError:
            return ""
        if not data:                       # the terminal went away: stop asking it
            self.enabled = False
        return data.decode(errors="ignore")
