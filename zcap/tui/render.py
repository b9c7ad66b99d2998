"""A ViewState laid out as screen lines: header, rates, protocol mix, top tables.

A line is a list of (text, style name) pieces exactly as wide as the screen
minus its last column, so the painter only has to compare and copy strings.
Everything here is a pure function of the state and the screen size, so tests
check the numbers without a terminal.
"""

from dataclasses import dataclass
from functools import lru_cache
from itertools import zip_longest

from rich.cells import cell_len, set_cell_size
from rich.console import Group, RenderableType
from rich.text import Text

from ..sinks.stats import StatsSnapshot, TopTable
from .model import ViewState
from .names import (
    duration,
    ethertype_name,
    human_bits,
    human_bytes,
    human_count,
    protocol_name,
    service_name,
)

SPARKS = "▁▂▃▄▅▆▇█"
KEYS_HELP = "q quit · p pause · s sort · r reset"
MID_ROWS = 7                 # rows of the protocol-mix tables (every size bucket)
WIDE = 110                   # from this width tables sit side by side
NARROWEST = 8                # below this, three tables and their gaps do not fit

Piece = tuple[str, str]      # text, rich style name ("" for the terminal's default)
Line = list[Piece]           # one screen row


def sparkline(values, width: int) -> str:
    """The last ``width`` values as block characters, scaled to their maximum."""
    values = list(values)[-width:]
    if not values:
        return ""
    top = max(values)
    if top <= 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[min(len(SPARKS) - 1, int(v / top * (len(SPARKS) - 1) + 0.5))]
                   for v in values)


# -- widths: every character we draw ourselves (digits, addresses, arrows, blocks,
# box lines) takes one cell, so len() measures them. Only names a user gave us
# (interface, filter, file) can hold wide characters; those go through _flow,
# which measures with rich's cell_len. --------------------------------------------

def _crop(pieces: Line, width: int) -> Line:
    """The pieces cut to ``width`` cells, '…' marking the cut."""
    out, room = [], width
    for text, style in pieces:
        size = cell_len(text)
        if size > room:
            if room > 0:
                out.append((set_cell_size(text, room - 1) + "…", style))
            return out
        out.append((text, style))
        room -= size
    return out


def _flow(groups: list[Line], width: int) -> list[Line]:
    """Groups of pieces on as few lines of ``width`` as hold them: a group that
    does not fit starts the next line without its leading blanks, as a word wraps."""
    lines: list[Line] = []
    line: Line = []
    used = 0
    for group in groups:
        if line and used + sum(cell_len(t) for t, _ in group) > width:
            lines.append(line + [(" " * (width - used), "")])
            line, used = [], 0
            text, style = group[0]
            group = [(text.lstrip(" "), style), *group[1:]]
        if not line:
            group = _crop(group, width)
        line += group
        used += sum(cell_len(t) for t, _ in group)
    lines.append(line + [(" " * (width - used), "")])
    return lines


def _blank(width: int) -> Line:
    return [(" " * width, "")]


def _header(state: ViewState, width: int) -> list[Line]:
    info = state.info
    groups: list[Line] = [[(" zcap ", "bold reverse")], [(f"  {info.source}", "bold")],
                          [(f"  {info.mode}", "cyan")]]
    if info.filter:
        groups.append([("  filter ", "dim"), (info.filter, "yellow")])
    if info.output:
        groups.append([("  → ", "dim"), (info.output, "")])
    groups.append([(f"  {duration(state.elapsed)}", "bold")])
    if state.finished:
        groups.append([("  finished", "bold green")])
    if state.paused:
        groups.append([("  PAUSED", "bold reverse yellow")])
    keys = [[(f" {KEYS_HELP}", "dim")], [(f"   sort: {state.sort}", "dim")]]
    return _flow(groups, width) + _flow(keys, width)


def _rates(state: ViewState, width: int, screen_width: int) -> list[Line]:
    snap, r = state.snap, state.rates
    spark_width = max(10, min(60, screen_width - 40))
    pps, bps = f"{r.pps:,.0f}", human_bits(r.bps)
    numbers = max(12, len(pps), len(bps))
    lines = []
    for label, value, history, style in (("packets/s", pps, r.pps_history, "green"),
                                         ("bits/s", bps, r.bps_history, "blue")):
        head = f"{label:<9}  {value:>{numbers}}  "
        spark = sparkline(history, spark_width)[:max(width - len(head), 0)]
        lines.append([(head[:width], ""), (spark, style),
                      (" " * max(width - len(head) - len(spark), 0), "")])

    packets = snap.packets if snap else 0
    groups: list[Line] = [[(f"total {packets:,} pkts {human_bytes(snap.bytes if snap else 0)}",
                            "")]]
    dropped, received = state.since_reset("dropped"), state.since_reset("received")
    if dropped is not None:
        share = dropped / received * 100 if received else 0.0
        style = "bold red" if dropped else "green"
        group = [("   dropped ", ""), (f"{dropped:,} ({share:.2f}%)", style)]
        if r.drops_per_s > 0:
            group.append((f" {r.drops_per_s:,.0f}/s", style))
        groups.append(group)
    probe = snap.probe if snap else None
    if probe and probe.ring_total:
        busy = "bold yellow" if probe.ring_used * 2 > probe.ring_total else ""
        groups.append([("   ring ", ""), (f"{probe.ring_used}/{probe.ring_total} blocks", busy)])
    if probe and probe.written is not None:
        groups.append([(f"   written {human_bytes(probe.written)} "
                        f"{human_bytes(r.write_bps)}/s", "")])
    return lines + _flow(groups, width)


# -- fixed-width blocks: our columns are known, so they are laid out with plain
# string padding; a rich Table measured every cell on every frame. ------------------

Column = tuple[str, int, str]        # header, width (0 = share what is left), "<" or ">"


def _fit(text: str, width: int, align: str) -> str:
    if len(text) > width:
        return text[:max(width - 1, 0)] + "…" if width else ""
    return text.rjust(width) if align == ">" else text.ljust(width)


def _widths(columns: tuple[Column, ...], width: int) -> list[int]:
    fixed = sum(w for _, w, _ in columns if w) + len(columns) - 1
    flexible = [i for i, (_, w, _) in enumerate(columns) if not w]
    out = [w for _, w, _ in columns]
    for n, i in enumerate(flexible):
        share = max(width - fixed, 0) // len(flexible)
        out[i] = share + (max(width - fixed, 0) % len(flexible) if n == 0 else 0)
    return out


@dataclass(frozen=True)
class _Layout:
    """What a block's columns look like at one width; the same on every frame."""

    widths: list[int]
    aligns: list[str]
    head: list[Line]                 # column headers and rule; shared, never mutated
    row_format: str                  # pads a whole row in one call
    spans: list[tuple[int, int, str]]  # where the styled columns sit in a row


@lru_cache(maxsize=64)
def _layout(columns: tuple[Column, ...], width: int,
            styles: tuple[tuple[int, str], ...]) -> _Layout:
    widths = _widths(columns, width)
    aligns = [a for _, _, a in columns]
    # On a very narrow screen the fixed columns alone can be wider than the block.
    head = _fit(" ".join(_fit(h, w, a) for (h, _, a), w in zip(columns, widths, strict=True)),
                width, "<")
    row_format = " ".join(f"{{:{a}{w}}}" for a, w in zip(aligns, widths, strict=True))
    spans = []
    for i, style in styles:
        start = sum(widths[:i]) + i
        if start < width:
            spans.append((start, min(start + widths[i], width), style))
    return _Layout(widths, aligns, [[(head, "bold")], [("─" * width, "dim")]], row_format,
                   spans)


def _cut(text: str, spans: list[tuple[int, int, str]]) -> Line:
    line: Line = []
    at = 0
    for start, end, style in spans:
        if start > at:
            line.append((text[at:start], ""))
        line.append((text[start:end], style))
        at = end
    if at < len(text):
        line.append((text[at:], ""))
    return line


def _block(title: str, columns: tuple[Column, ...], rows: list[list[str]], width: int,
           styles: tuple[tuple[int, str], ...] = ()) -> list[Line]:
    """A titled table as lines of exactly ``width`` cells; ``styles`` colours whole
    columns, as (column index, style) pairs."""
    layout = _layout(columns, width, styles)
    lines = [[(_fit(title, width, "<"), "bold")], *layout.head]
    for row in rows:
        text = layout.row_format.format(*row)
        if len(text) != width:          # some cell is too long for its column: cut it
            text = _fit(" ".join(_fit(c, w, a) for c, w, a in zip(row, layout.widths,
                                                                  layout.aligns, strict=True)),
                        width, "<")
        lines.append(_cut(text, layout.spans) if layout.spans else [(text, "")])
    return lines


def _beside(blocks: list[list[Line]], widths: list[int], gap: int = 2) -> list[Line]:
    """Blocks side by side, the shorter ones padded with blank lines."""
    space = [(" " * gap, "")]
    blanks = [_blank(w) for w in widths]
    out = []
    for row in zip_longest(*blocks):
        line = row[0] or blanks[0]
        for part, blank in zip(row[1:], blanks[1:], strict=True):
            line = line + space + (part or blank)
        out.append(line)
    return out


def _split(width: int, parts: int, gap: int = 2) -> list[int]:
    each = (width - gap * (parts - 1)) // parts
    return [each] * (parts - 1) + [width - gap * (parts - 1) - each * (parts - 1)]


def _mix_block(title: str, rows: list[tuple[str, int, int]], total: int, sort: str,
               width: int) -> list[Line]:
    body = []
    for name, packets, nbytes in rows:
        share = (nbytes if sort == "bytes" else packets) / total * 100 if total else 0.0
        body.append([name, human_count(packets), f"{share:.0f}"])
    return _block(title, (("", 0, "<"), ("pkts", 6, ">"), ("%", 3, ">")), body, width)


def _protocol_mix(snap: StatsSnapshot, sort: str, rows: int, wide: bool,
                  width: int) -> list[Line]:
    total = snap.bytes if sort == "bytes" else snap.packets
    key = 2 if sort == "bytes" else 1
    etypes = sorted(snap.ethertypes, key=lambda e: e[key], reverse=True)[:rows]
    protos = sorted(snap.ip_protocols, key=lambda e: e[key], reverse=True)[:rows]
    ports = snap.ports.ranked(sort)[:rows]
    approx = " ≈" if snap.ports.approximate else ""
    port_rows = []
    for e in ports:
        proto, port = e.key
        name = service_name(proto, port)
        label = f"{port}/{protocol_name(proto).lower()}" + (f" {name}" if name else "")
        port_rows.append((label, e.estimate if snap.ports.approximate else e.packets, e.bytes))

    parts = 4 if wide else 3
    widths = _split(width, parts)
    biggest = max((n for _, _, n in snap.sizes), default=0)
    # With room, every bucket up to jumbo frames shows the shape; else the busy ones.
    shown = [b for b in snap.sizes if b[2] or (rows >= MID_ROWS and b[1] is not None)]
    size_rows = []
    for low, high, n in shown[:rows]:
        label = f"{low}-{high - 1}" if high is not None else f"{low}+"
        bar = "█" * (round(n / biggest * 8) if biggest else 0)
        size_rows.append([label, human_count(n), bar])
    blocks = [
        _mix_block("IP protocols", [(protocol_name(p), n, b) for p, n, b in protos],
                   total, sort, widths[-3]),
        _mix_block("Top dst ports" + approx, port_rows, total, sort, widths[-2]),
        _block("Sizes", (("bytes", 9, "<"), ("pkts", 6, ">"), ("", 0, "<")), size_rows,
               widths[-1], styles=((2, "magenta"),)),
    ]
    if wide:        # EtherTypes only where there is room: IP carries most traffic
        blocks.insert(0, _mix_block("EtherTypes", [(ethertype_name(t), p, b)
                                                   for t, p, b in etypes], total, sort,
                                    widths[0]))
    return _beside(blocks, widths)


def _top_block(title: str, table: TopTable, sort: str, rows: int,
               columns: tuple[Column, ...], cells, width: int) -> list[Line]:
    approx = table.approximate
    body = []
    for e in table.ranked(sort)[:rows]:
        if approx and e.error:
            packets = f"~{e.estimate:,}" if sort == "packets" else f"{e.packets:,}"
            nbytes = "~" + human_bytes(e.estimate) if sort == "bytes" else human_bytes(e.bytes)
        else:
            packets, nbytes = f"{e.packets:,}", human_bytes(e.bytes)
        body.append([*cells(e.key), packets, nbytes])
    columns = columns + (("pkts", 11, ">"), ("bytes", 9, ">"))
    return _block(title + (" ≈ approximate" if approx else ""), columns, body, width)


def _endpoint(addr: str, port: int, proto: int) -> str:
    if proto not in (6, 17, 33, 132, 136):
        return addr
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


# The same flows top the tables frame after frame: their labels are made once.
@lru_cache(maxsize=1024)
def _talker_cells(key: tuple[str, str]) -> tuple[str, str]:
    return key[0], "→ " + key[1]


@lru_cache(maxsize=1024)
def _conversation_cells(key: tuple[int, str, int, str, int]) -> tuple[str, str, str]:
    proto, addr_a, port_a, addr_b, port_b = key
    return (protocol_name(proto), _endpoint(addr_a, port_a, proto),
            "↔ " + _endpoint(addr_b, port_b, proto))


def _tops(snap: StatsSnapshot, sort: str, rows: int, wide: bool, width: int) -> list[Line]:
    talkers = snap.talkers_by_bytes if sort == "bytes" else snap.talkers_by_packets
    widths = _split(width, 2) if wide else [width, width]
    left = _top_block(f"Top talkers by {sort}", talkers, sort, rows,
                      (("source", 0, "<"), ("→ destination", 0, "<")), _talker_cells,
                      widths[0])
    right = _top_block("Top conversations", snap.conversations, sort, rows,
                       (("proto", 5, "<"), ("endpoint A", 0, "<"), ("endpoint B", 0, "<")),
                       _conversation_cells, widths[1])
    if not wide:
        return left + right
    return _beside([left, right], widths)


def render_lines(state: ViewState, width: int = 120, height: int = 40) -> list[Line]:
    """The screen for ``state`` at ``width`` x ``height``: at most ``height`` lines, each
    exactly ``width - 1`` cells wide, since some terminals wrap when the last column
    is written."""
    screen_width, width = width, max(width - 1, 0)
    lines = _header(state, width) + [_blank(width)]
    lines += _rates(state, width, screen_width) + [_blank(width)]
    if state.snap is None:
        lines.append([(_fit("waiting for packets…", width, "<"), "dim")])
        return lines[:height]
    if width < NARROWEST:
        return lines[:height]
    wide = screen_width >= WIDE
    mid_rows = MID_ROWS if height >= 34 else 3
    left = height - len(lines) - (mid_rows + 3) - 1
    top_rows = max(2, left - 3 if wide else left // 2 - 3)
    lines += _protocol_mix(state.snap, state.sort, mid_rows, wide, width)
    lines.append(_blank(width))
    lines += _tops(state.snap, state.sort, top_rows, wide, width)
    return lines[:height]


def render(state: ViewState, width: int = 120, height: int = 40) -> RenderableType:
    """The screen of ``render_lines`` as a rich renderable (for a recording console)."""
    return Group(*(Text.assemble(*line, no_wrap=True) for line in
                   render_lines(state, width, height)))


def status_line(state: ViewState) -> str:
    """One line for a log when there is no terminal to draw on."""
    snap, r = state.snap, state.rates
    packets = snap.packets if snap else 0
    parts = [f"{packets:,} packets ({r.pps:,.0f} pkt/s, {human_bits(r.bps)})"]
    dropped = state.since_reset("dropped")
    if dropped is not None:
        parts.append(f"{dropped:,} dropped")
    probe = snap.probe if snap else None
    if probe and probe.ring_total:
        parts.append(f"ring {probe.ring_used}/{probe.ring_total}")
    if probe and probe.written is not None:
        parts.append(f"{human_bytes(probe.written)} written")
    return f"zcap: {duration(state.elapsed)} " + ", ".join(parts)
