"""A ViewState drawn with rich: header, rates, protocol mix, top tables.

Everything here is a pure function of the state and the screen size, so a
recording console can check the numbers without a terminal.
"""

from rich.console import Group, RenderableType
from rich.table import Table
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


def _header(state: ViewState) -> Text:
    info = state.info
    t = Text()
    t.append(" zcap ", style="bold reverse")
    t.append(f"  {info.source}", style="bold")
    t.append(f"  {info.mode}", style="cyan")
    if info.filter:
        t.append("  filter ", style="dim")
        t.append(info.filter, style="yellow")
    if info.output:
        t.append("  → ", style="dim")
        t.append(info.output)
    t.append(f"  {duration(state.elapsed)}", style="bold")
    if state.finished:
        t.append("  finished", style="bold green")
    if state.paused:
        t.append("  PAUSED", style="bold reverse yellow")
    t.append("\n")
    t.append(f" {KEYS_HELP}", style="dim")
    t.append(f"   sort: {state.sort}", style="dim")
    return t


def _rates(state: ViewState, width: int) -> Table:
    snap, r = state.snap, state.rates
    spark_width = max(10, min(60, width - 40))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(justify="left", no_wrap=True)
    grid.add_column(justify="right", no_wrap=True, min_width=12)
    grid.add_column(no_wrap=True)
    grid.add_row("packets/s", f"{r.pps:,.0f}", Text(sparkline(r.pps_history, spark_width),
                                                     style="green"))
    grid.add_row("bits/s", human_bits(r.bps), Text(sparkline(r.bps_history, spark_width),
                                                   style="blue"))

    line = Text()
    packets = snap.packets if snap else 0
    line.append(f"total {packets:,} pkts {human_bytes(snap.bytes if snap else 0)}")
    dropped, received = state.since_reset("dropped"), state.since_reset("received")
    if dropped is not None:
        share = dropped / received * 100 if received else 0.0
        style = "bold red" if dropped else "green"
        line.append("   dropped ")
        line.append(f"{dropped:,} ({share:.2f}%)", style=style)
        if r.drops_per_s > 0:
            line.append(f" {r.drops_per_s:,.0f}/s", style=style)
    probe = snap.probe if snap else None
    if probe and probe.ring_total:
        line.append(f"   ring {probe.ring_used}/{probe.ring_total} blocks")
        if probe.ring_used * 2 > probe.ring_total:
            line.stylize("bold yellow", len(line) - len(f"{probe.ring_used}/"
                                                        f"{probe.ring_total} blocks"))
    if probe and probe.written is not None:
        line.append(f"   written {human_bytes(probe.written)} {human_bytes(r.write_bps)}/s")
    return Group(grid, line)


# -- fixed-width blocks: rich's Table measures every cell on every frame, which
# costs ~25 ms a screen; our columns are known, so lay them out directly. --------

Column = tuple[str, int, str]        # header, width (0 = share what is left), "<" or ">"


def _fit(text: str, width: int, align: str) -> str:
    if len(text) > width:
        return text[:max(width - 1, 0)] + "…" if width else ""
    return text.rjust(width) if align == ">" else text.ljust(width)


def _widths(columns: list[Column], width: int) -> list[int]:
    fixed = sum(w for _, w, _ in columns if w) + len(columns) - 1
    flexible = [i for i, (_, w, _) in enumerate(columns) if not w]
    out = [w for _, w, _ in columns]
    for n, i in enumerate(flexible):
        share = max(width - fixed, 0) // len(flexible)
        out[i] = share + (max(width - fixed, 0) % len(flexible) if n == 0 else 0)
    return out


def _block(title: str, columns: list[Column], rows: list[list], width: int,
           styles: dict[int, str] | None = None) -> list[Text]:
    """A titled table as lines of exactly ``width`` cells; a cell may be (text, style)."""
    widths = _widths(columns, width)
    lines = [Text(_fit(title, width, "<"), style="bold")]
    head = " ".join(_fit(h, w, a) for (h, _, a), w in zip(columns, widths, strict=True))
    lines.append(Text(head, style="bold"))
    lines.append(Text("─" * width, style="dim"))
    for row in rows:
        line = Text()
        for i, (cell, (_h, _w, align), w) in enumerate(zip(row, columns, widths, strict=True)):
            if i:
                line.append(" ")
            text, style = cell if isinstance(cell, tuple) else (cell, (styles or {}).get(i))
            line.append(_fit(text, w, align), style=style)
        lines.append(line)
    return lines


def _beside(blocks: list[list[Text]], widths: list[int], gap: int = 2) -> list[Text]:
    """Blocks side by side, the shorter ones padded with blank lines."""
    out = []
    for n in range(max(len(b) for b in blocks)):
        line = Text()
        for i, (block, w) in enumerate(zip(blocks, widths, strict=True)):
            if i:
                line.append(" " * gap)
            line.append_text(block[n] if n < len(block) else Text(" " * w))
        out.append(line)
    return out


def _split(width: int, parts: int, gap: int = 2) -> list[int]:
    each = (width - gap * (parts - 1)) // parts
    return [each] * (parts - 1) + [width - gap * (parts - 1) - each * (parts - 1)]


def _mix_block(title: str, rows: list[tuple[str, int, int]], total: int, sort: str,
               width: int) -> list[Text]:
    body = []
    for name, packets, nbytes in rows:
        share = (nbytes if sort == "bytes" else packets) / total * 100 if total else 0.0
        body.append([name, human_count(packets), f"{share:.0f}"])
    return _block(title, [("", 0, "<"), ("pkts", 6, ">"), ("%", 3, ">")], body, width)


def _protocol_mix(snap: StatsSnapshot, sort: str, rows: int, wide: bool,
                  width: int) -> list[Text]:
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
        size_rows.append([label, human_count(n), (bar, "magenta")])
    blocks = [
        _mix_block("IP protocols", [(protocol_name(p), n, b) for p, n, b in protos],
                   total, sort, widths[-3]),
        _mix_block("Top dst ports" + approx, port_rows, total, sort, widths[-2]),
        _block("Sizes", [("bytes", 9, "<"), ("pkts", 6, ">"), ("", 0, "<")], size_rows,
               widths[-1]),
    ]
    if wide:        # EtherTypes only where there is room: IP carries most traffic
        blocks.insert(0, _mix_block("EtherTypes", [(ethertype_name(t), p, b)
                                                   for t, p, b in etypes], total, sort,
                                    widths[0]))
    return _beside(blocks, widths)


def _top_block(title: str, table: TopTable, sort: str, rows: int, columns: list[Column],
               cells, width: int) -> list[Text]:
    approx = table.approximate
    body = []
    for e in table.ranked(sort)[:rows]:
        if approx and e.error:
            packets = f"~{e.estimate:,}" if sort == "packets" else f"{e.packets:,}"
            nbytes = "~" + human_bytes(e.estimate) if sort == "bytes" else human_bytes(e.bytes)
        else:
            packets, nbytes = f"{e.packets:,}", human_bytes(e.bytes)
        body.append([*cells(e.key), packets, nbytes])
    columns = columns + [("pkts", 11, ">"), ("bytes", 9, ">")]
    return _block(title + (" ≈ approximate" if approx else ""), columns, body, width)


def _endpoint(addr: str, port: int, proto: int) -> str:
    if proto not in (6, 17, 33, 132, 136):
        return addr
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


def _tops(snap: StatsSnapshot, sort: str, rows: int, wide: bool, width: int) -> list[Text]:
    talkers = snap.talkers_by_bytes if sort == "bytes" else snap.talkers_by_packets
    widths = _split(width, 2) if wide else [width, width]
    left = _top_block(f"Top talkers by {sort}", talkers, sort, rows,
                      [("source", 0, "<"), ("→ destination", 0, "<")],
                      lambda k: (k[0], "→ " + k[1]), widths[0])
    right = _top_block("Top conversations", snap.conversations, sort, rows,
                       [("proto", 5, "<"), ("endpoint A", 0, "<"), ("endpoint B", 0, "<")],
                       lambda k: (protocol_name(k[0]), _endpoint(k[1], k[2], k[0]),
                                  "↔ " + _endpoint(k[3], k[4], k[0])), widths[1])
    if not wide:
        return left + right
    return _beside([left, right], widths)


def render(state: ViewState, width: int = 120, height: int = 40) -> RenderableType:
    """The whole screen for ``state`` at ``width`` x ``height`` characters."""
    parts: list[RenderableType] = [_header(state), Text(), _rates(state, width), Text()]
    if state.snap is None:
        parts.append(Text("waiting for packets…", style="dim"))
        return Group(*parts)
    wide = width >= WIDE
    mid_rows = MID_ROWS if height >= 34 else 3
    left = height - (2 + 1 + 3 + 1) - (mid_rows + 3) - 1
    top_rows = max(2, left - 3 if wide else left // 2 - 3)
    width -= 1                   # the last column stays free: some terminals wrap there
    parts += _protocol_mix(state.snap, state.sort, mid_rows, wide, width)
    parts.append(Text())
    parts += _tops(state.snap, state.sort, top_rows, wide, width)
    return Group(*parts)


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
