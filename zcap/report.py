"""Warnings and status lines from the library go through one logger, ``zcap``.

The library never prints: a program that imports zcap sees nothing unless it
configures logging. The command line owns the output: ``to_stderr()`` sends
the records to standard error as ``zcap: message``, one line each.
"""

import logging
import sys

log = logging.getLogger("zcap")
log.addHandler(logging.NullHandler())     # quiet by default, even for warnings


class _Stderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when the record comes (tests swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


class _Line(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        # A filter error is several lines (expression, caret, reason): as is.
        return text if "\n" in text else f"zcap: {text}"


def to_stderr() -> None:
    """Send zcap's records to standard error, ``zcap: `` before each (the CLI)."""
    if any(getattr(h, "_zcap_cli", False) for h in log.handlers):
        return
    handler = _Stderr(sys.stderr)
    handler.setFormatter(_Line())
    handler._zcap_cli = True                  # type: ignore[attr-defined]
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def info(message: str) -> None:
    """A status line (``listening on ...``)."""
    log.info(message)


def warn(message: str) -> None:
    """Something the user should know; the work goes on."""
    log.warning(message)


def error(message: str) -> None:
    """The line that says why zcap stopped."""
    log.error(message)
