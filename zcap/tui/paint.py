"""Screen lines onto a terminal: a frame rewrites only the rows that changed
since the one before, in one write.

rich's Live re-renders and re-wraps the whole screen through its Segment
machinery on every frame (about 8 ms at 160x50), for text that render_lines
has already laid out to fixed widths; here a frame costs a list comparison per
row and a string join per changed row.
"""

from rich.console import COLOR_SYSTEMS, Console
from rich.style import Style

from .render import Line

CSI = "\x1b["
CLEAR = CSI + "H" + CSI + "2J"        # cursor home, erase the whole screen
ERASE_TO_END = CSI + "K"              # erase from the cursor to the end of its row
SGR_RESET = CSI + "0m"


def _goto(row: int) -> str:
    return f"{CSI}{row + 1};1H"


class Painter:
    """Draws frames of ``render_lines`` output on ``console``'s terminal.

    Use as a context manager: it enters the alternate screen and hides the
    cursor, and gives both back on exit, also when drawing failed.
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self._color_system = COLOR_SYSTEMS.get(console.color_system or "")
        self._reset = SGR_RESET if self._color_system else ""
        self._codes: dict[str, str] = {"": ""}
        self._shown: list[Line] = []
        self._size: tuple[int, int] | None = None

    def __enter__(self) -> "Painter":
        self.console.set_alt_screen(True)
        self.console.show_cursor(False)
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.console.show_cursor(True)
        finally:
            self.console.set_alt_screen(False)

    def code(self, style: str) -> str:
        """The SGR sequence that starts ``style`` on this console ('' without colours)."""
        code = self._codes.get(style)
        if code is None:
            parsed = Style.parse(style)
            if self.console.no_color:           # NO_COLOR: as rich does, keep bold & co.
                parsed = parsed.without_color
            # rich renders a style around a text; what comes before the text is the code.
            code = parsed.render("\0", color_system=self._color_system).partition("\0")[0]
            self._codes[style] = code
        return code

    def paint(self, lines: list[Line], width: int, height: int) -> None:
        """Show ``lines`` (``render_lines`` for this ``width`` x ``height``).

        Rows equal to the previous frame's are not written; a new size clears
        the screen and writes every row. Everything goes out in one write and
        one flush. The cursor is only ever placed, never moved by a newline,
        so the screen cannot scroll.
        """
        shown = self._shown
        out = []
        if (width, height) != self._size:
            self._size = (width, height)
            out.append(CLEAR)
            shown = []
        lines = lines[:height]
        for row, line in enumerate(lines):
            if row < len(shown) and shown[row] == line:
                continue
            out.append(_goto(row))
            self._encode(line, out)
        for row in range(len(lines), len(shown)):       # the new frame is shorter
            out.append(_goto(row) + ERASE_TO_END)
        self._shown = lines
        if out:
            file = self.console.file
            file.write("".join(out))
            file.flush()

    def _encode(self, line: Line, out: list[str]) -> None:
        current = ""
        last = len(line) - 1
        for i, (text, style) in enumerate(line):
            if style != current:
                if current:
                    out.append(self._reset)
                out.append(self._codes.get(style) or self.code(style))
                current = style
            # Trailing blanks need not travel: the erase below clears the row's rest.
            out.append(text.rstrip(" ") if i == last and not style else text)
        if current:
            out.append(self._reset)
        out.append(ERASE_TO_END)
