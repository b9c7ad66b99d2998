"""Single keys from the terminal without Enter: cbreak mode while the display
runs, the terminal's own settings back afterwards, whatever happens."""

import os
import select
import termios
import tty


class KeyReader:
    """Reads keys from ``fd`` (a terminal); a no-op reader for anything else."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.enabled = os.isatty(fd)
        self._saved: list | None = None

    def __enter__(self) -> "KeyReader":
        if self.enabled:
            try:
                self._saved = termios.tcgetattr(self.fd)
                tty.setcbreak(self.fd, termios.TCSANOW)
            except termios.error:
                self.enabled = False
        return self

    def __exit__(self, *exc) -> None:
        if self._saved is not None:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
            self._saved = None

    def read(self, timeout: float) -> str:
        """Keys typed within ``timeout`` seconds ('' if none); waits only that long."""
        if not self.enabled:
            return ""
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return ""
        try:
            data = os.read(self.fd, 64)
        except OSError:
            return ""
        if not data:                       # the terminal went away: stop asking it
            self.enabled = False
        return data.decode(errors="ignore")
