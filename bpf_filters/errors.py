"""The filter compiler's exceptions and the caret-style message the CLI prints."""

from __future__ import annotations


class FilterError(Exception):
    """A filter expression zcap cannot compile; `column` is a 0-based offset or None."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


class ProgramTooLong(FilterError):
    """The program compiled but is longer than the limit asked for (`length`)."""

    def __init__(self, message: str, length: int) -> None:
        super().__init__(message)
        self.length = length


class ParseError(FilterError):
    """The expression is not in the filter language (lexical or syntax error)."""


def format_error(expr: str, err: FilterError) -> str:
    """The expression, a caret under the fault (when known), and the reason: three lines."""
    one_line = " ".join(expr.split("\n"))
    lines = [one_line]
    if err.column is not None:
        col = max(0, min(err.column, len(one_line)))
        lines.append(" " * col + "^")
    lines.append(f"filter error: {err.message}")
    return "\n".join(lines)
