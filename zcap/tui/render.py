"""A ViewState drawn with rich: header, rates, protocol mix, top tables.

Everything here is a pure function of the state and the screen size, so a
recording console can check the numbers without a terminal.
"""

from rich import box
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


def _mix_table(title: str, rows: list[tuple[str, int, int]], total: int, sort: str) -> Table:
    t = Table(title=title, box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False,
              title_style="bold", title_justify="left")
    t.add_column("", no_wrap=True, overflow="ellipsis", ratio=3)
    t.add_column("pkts", justify="right", no_wrap=True)
    t.add_column("%", justify="right", no_wrap=True)
    for name, packets, nbytes in rows:
        share = (nbytes if sort == "bytes" else packets) / total * 100 if total else 0.0
        t.add_row(name, human_count(packets), f"{share:.0f}")
    return t


def _protocol_mix(snap: StatsSnapshot, sort: str, rows: int, wide: bool) -> Table:
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

    sizes = Table(title="Sizes", box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False,
                  title_style="bold", title_justify="left")
    sizes.add_column("bytes", no_wrap=True)
    sizes.add_column("pkts", justify="right", no_wrap=True)
    sizes.add_column("", no_wrap=True, ratio=1)
    biggest = max((n for _, _, n in snap.sizes), default=0)
    # With room, every bucket up to jumbo frames shows the shape; else the busy ones.
    shown = [b for b in snap.sizes if b[2] or (rows >= MID_ROWS and b[1] is not None)]
    for low, high, n in shown[:rows]:
        label = f"{low}-{high - 1}" if high is not None else f"{low}+"
        bar = "█" * (round(n / biggest * 8) if biggest else 0)
        sizes.add_row(label, human_count(n), Text(bar, style="magenta"))

    tables = [
        _mix_table("IP protocols", [(protocol_name(p), n, b) for p, n, b in protos],
                   total, sort),
        _mix_table("Top dst ports" + approx, port_rows, total, sort),
        sizes,
    ]
    if wide:        # EtherTypes only where there is room: IP carries most traffic
        tables.insert(0, _mix_table("EtherTypes", [(ethertype_name(t), p, b)
                                                   for t, p, b in etypes], total, sort))
    grid = Table.grid(expand=True, padding=(0, 1))
    for _ in tables:
        grid.add_column(ratio=1)
    grid.add_row(*tables)
    return grid


def _top_table(title: str, table: TopTable, sort: str, rows: int,
               columns: list[tuple[str, int]], cells) -> Table:
    approx = table.approximate
    t = Table(title=title + (" ≈ approximate" if approx else ""), box=box.SIMPLE_HEAD,
              expand=True, pad_edge=False, show_edge=False, title_style="bold",
              title_justify="left")
    for name, ratio in columns:
        t.add_column(name, no_wrap=True, overflow="ellipsis", ratio=ratio or None,
                     min_width=None if ratio else len(name))
    t.add_column("pkts", justify="right", no_wrap=True)
    t.add_column("bytes", justify="right", no_wrap=True)
    for e in table.ranked(sort)[:rows]:
        if approx and e.error:
            packets = f"~{e.estimate:,}" if sort == "packets" else f"{e.packets:,}"
            nbytes = "~" + human_bytes(e.estimate) if sort == "bytes" else human_bytes(e.bytes)
        else:
            packets, nbytes = f"{e.packets:,}", human_bytes(e.bytes)
        t.add_row(*cells(e.key), packets, nbytes)
    return t


def _endpoint(addr: str, port: int, proto: int) -> str:
    if proto not in (6, 17, 33, 132, 136):
        return addr
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


def _tops(snap: StatsSnapshot, sort: str, rows: int, wide: bool) -> Table:
    talkers = snap.talkers_by_bytes if sort == "bytes" else snap.talkers_by_packets
    left = _top_table(f"Top talkers by {sort}", talkers, sort, rows,
                      [("source", 3), ("→ destination", 3)], lambda k: (k[0], "→ " + k[1]))
    right = _top_table("Top conversations", snap.conversations, sort, rows,
                       [("proto", 0), ("endpoint A", 4), ("endpoint B", 4)],
                       lambda k: (protocol_name(k[0]), _endpoint(k[1], k[2], k[0]),
                                  "↔ " + _endpoint(k[3], k[4], k[0])))
    if not wide:
        return Group(left, right)
    grid = Table.grid(expand=True, padding=(0, 2))
    grid.add_column(ratio=1)
    grid.add_column(ratio=1)
    grid.add_row(left, right)
    return grid


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
    parts += [_protocol_mix(state.snap, state.sort, mid_rows, wide), Text(),
              _tops(state.snap, state.sort, top_rows, wide)]
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
