"""Warnings and status lines from the library go through one logger, ``zcap``.

The library never prints: a program that imports zcap sees nothing unless it
configures logging. The command line owns the output: ``to_stderr()`` sends
the records to standard error as ``zcap: message``, one line each.
"""

import sys

# ``logging`` costs a quick command some 11 M instructions to import, and most
# runs (-r of a file, -d, -D) log nothing: the logger is made on the first record.
_log = None          # the ``zcap`` logger once made
_cli = False         # to_stderr() was called: the logger gets the CLI's handler


def _logger():
    """The ``zcap`` logger, made on first use."""
    global _log
    if _log is None:
        import logging

        _log = logging.getLogger("zcap")
        _log.addHandler(logging.NullHandler())     # quiet by default, even for warnings
        if _cli:
            _add_stderr(_log)
    return _log


def _add_stderr(log) -> None:
    import logging

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

    handler = _Stderr(sys.stderr)
    handler.setFormatter(_Line())
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def to_stderr() -> None:
    """Send zcap's records to standard error, ``zcap: `` before each (the CLI)."""
    global _cli
    if _cli:
        return
    _cli = True
    if _log is not None:          # something was logged before: add the handler now
        _add_stderr(_log)


def info(message: str) -> None:
    """A status line (``listening on ...``)."""
    _logger().info(message)


def warn(message: str) -> None:
    """Something the user should know; the work goes on."""
    _logger().warning(message)


def error(message: str) -> None:
    """The line that says why zcap stopped."""
    _logger().error(message)
