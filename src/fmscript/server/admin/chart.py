"""The loss curve as an SVG drawn by the server.

Why server-drawn SVG rather than a vendored chart library: the chart is two polylines with axes —
about a hundred lines of Python — while the smallest libraries are tens of kilobytes of minified
JavaScript to vendor, license and keep up to date. Drawn here, the chart is unit-tested like any
other function (one ``<circle>`` per reported step), needs no script to be readable (``<title>``
per point, a ``<desc>`` summary for screen readers), and looks the same in every browser.
Colours come from CSS classes, so the page's stylesheet themes it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

Point = tuple[int, float]

WIDTH, HEIGHT = 720, 300
MIN_WIDTH, MAX_WIDTH = 320, 1200
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 40


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2 or 5 times a power of ten apart)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 12))
    return ticks


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def loss_chart_svg(
    train: Sequence[Point],
    val: Sequence[Point] = (),
    total_steps: int | None = None,
    title: str = "Loss per step",
    width: int = WIDTH,
) -> str:
    """An SVG document: training loss (and validation loss) against the step, drawn ``width``
    units wide (the page asks for its own width, so text keeps its size on a narrow window)."""
    width = max(MIN_WIDTH, min(MAX_WIDTH, int(width)))
    height = max(220, min(HEIGHT, round(width * 0.42)))
    points = [*train, *val]
    if not points:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="loss-chart empty" viewBox="0 0 {width} 80" '
            f'role="img" aria-label="{escape(title)}: no loss reported yet">'
            f'<text x="{width / 2}" y="44" text-anchor="middle" class="note">No loss reported yet</text></svg>'
        )
    max_step = max([total_steps or 0, *(s for s, _ in points), 1])
    low = min(loss for _, loss in points)
    high = max(loss for _, loss in points)
    if high - low < 1e-9:  # one point (or a flat line): a narrow axis around it, not 0–2× its value
        pad = max(abs(high) * 0.1, 1e-3)
        low, high = low - pad, high + pad
    y_ticks = nice_ticks(min(0.0, low) if low >= 0 and low < high * 0.25 else low, high)
    y_low, y_high = y_ticks[0], y_ticks[-1]
    x_ticks = [t for t in nice_ticks(0, max_step, 6 if width >= 560 else 4) if t <= max_step] or [0.0]
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM

    def x(step: float) -> float:
        return LEFT + plot_w * step / max_step

    def y(loss: float) -> float:
        return TOP + plot_h * (1 - (loss - y_low) / ((y_high - y_low) or 1.0))

    desc = [f"{len(train)} training loss reports"]
    if train:
        desc.append(
            f"training loss {_fmt(train[0][1])} at step {train[0][0]} to {_fmt(train[-1][1])} at step {train[-1][0]}"
        )
    if val:
        desc.append(f"{len(val)} validation loss reports, last {_fmt(val[-1][1])} at step {val[-1][0]}")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="loss-chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape("; ".join(desc))}</desc>',
        '<g class="grid">',
    ]
    for tick in y_ticks:
        out.append(f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>')
    out.append('</g><g class="axis">')
    for tick in y_ticks:
        out.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{_fmt(tick)}</text>')
    for tick in x_ticks:
        out.append(
            f'<text x="{x(tick):.1f}" y="{height - BOTTOM + 16}" text-anchor="middle">{int(tick)}</text>'
        )
    out.append(
        f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>'
        f'<text x="{LEFT + plot_w / 2}" y="{height - 6}" text-anchor="middle" class="label">step</text>'
        f'<text x="14" y="{TOP + plot_h / 2}" text-anchor="middle" class="label" '
        f'transform="rotate(-90 14 {TOP + plot_h / 2})">loss</text></g>'
    )
    for name, series in (("train", train), ("val", val)):
        if not series:
            continue
        label = "training" if name == "train" else "validation"
        path = " ".join(f"{x(s):.1f},{y(v):.1f}" for s, v in series)
        out.append(f'<g class="series {name}"><polyline points="{path}"/>')
        for step, loss in series:
            out.append(
                f'<circle class="pt {name}" cx="{x(step):.1f}" cy="{y(loss):.1f}" r="3" data-step="{step}" '
                f'data-loss="{loss:.6g}"><title>step {step}: {label} loss {_fmt(loss)}</title></circle>'
            )
        out.append("</g>")
    legend_x = max(LEFT, width - RIGHT - 250)
    out.append(f'<g class="legend" transform="translate({legend_x} 8)">')
    out.append(
        '<g class="series train"><line x1="0" x2="18" y1="6" y2="6"/></g><text x="24" y="10">training loss</text>'
    )
    if val:
        out.append(
            '<g class="series val"><line x1="126" x2="144" y1="6" y2="6"/></g><text x="150" y="10">validation loss</text>'
        )
    out.append("</g></svg>")
    return "".join(out)
