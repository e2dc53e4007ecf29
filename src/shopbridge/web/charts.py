"""Small server-rendered SVG charts (no JavaScript library, no CDN): bars for a series of counts.

Labels and titles are escaped; the SVG scales to its container (``viewBox``, width 100%), so the same
chart works at 1280 px and at a phone's 390 px.
"""

from __future__ import annotations

from markupsafe import Markup, escape

__all__ = ["bar_chart", "verdict_grid"]

_W, _H, _PAD = 600, 220, 30


def bar_chart(series: list[tuple[str, float]], *, title: str, unit: str = "", css_class: str = "") -> Markup:
    """Bars of ``series`` with the top value, first and last labels, and a title for screen readers."""
    top = max((value for _, value in series), default=0) or 1
    width = (_W - 2 * _PAD) / max(len(series), 1)
    bars = []
    for n, (label, value) in enumerate(series):
        height = (_H - 2 * _PAD) * value / top
        x, y = _PAD + n * width, _H - _PAD - height
        tip = escape(f"{label}: {value:g}{unit}")
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width - 2, 1):.1f}" height="{height:.1f}">'
            f"<title>{tip}</title></rect>"
        )
    first = escape(series[0][0]) if series else ""
    last = escape(series[-1][0]) if series else ""
    peak = max((value for _, value in series), default=0)
    svg = (
        f'<svg class="chart {escape(css_class)}" viewBox="0 0 {_W} {_H}" role="img" '
        f'aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
        f'<text x="{_PAD}" y="22" class="chart-title">{escape(title)} (max {peak:g}{escape(unit)})</text>'
        f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_W - _PAD}" y2="{_H - _PAD}" class="axis"/>'
        + "".join(bars)
        + f'<text x="{_PAD}" y="{_H - 6}" class="chart-label">{first}</text>'
        f'<text x="{_W - _PAD}" y="{_H - 6}" text-anchor="end" class="chart-label">{last}</text></svg>'
    )
    return Markup(svg)  # every value interpolated above is a number or escaped


_VERDICT_FILL = {"pass": "#2e7d32", "fail": "#b00020", "not_checkable": "#e0a000"}
_ROW_H, _LABEL_W = 26, 140


def verdict_grid(days: list[tuple[str, dict[str, str]]], rows: list[str], *, title: str) -> Markup:
    """One row per checkpoint, one column per day: green pass, red fail, amber not checkable, grey none.

    Each cell has a ``<title>`` ("2026-11-02 orders: fail") so the colour is never the only signal.
    """
    width = (_W - _LABEL_W - _PAD) / max(len(days), 1)
    height = 40 + _ROW_H * len(rows) + 24
    cells, labels = [], []
    for r, name in enumerate(rows):
        y = 40 + r * _ROW_H
        labels.append(f'<text x="4" y="{y + _ROW_H * 0.65:.1f}" class="chart-label">{escape(name)}</text>')
        for n, (day, verdicts) in enumerate(days):
            verdict = verdicts.get(name, "none")
            fill = _VERDICT_FILL.get(verdict, "#ddd")
            x = _LABEL_W + n * width
            cells.append(
                f'<rect x="{x:.1f}" y="{y + 2}" width="{max(width - 2, 1):.1f}" height="{_ROW_H - 4}" '
                f'fill="{fill}" class="verdict-{escape(verdict)}"><title>{escape(f"{day} {name}: {verdict}")}'
                "</title></rect>"
            )
    first = escape(days[0][0]) if days else ""
    last = escape(days[-1][0]) if days else ""
    svg = (
        f'<svg class="chart verdicts" viewBox="0 0 {_W} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
        f'<text x="4" y="22" class="chart-title">{escape(title)}</text>'
        + "".join(labels)
        + "".join(cells)
        + f'<text x="{_LABEL_W}" y="{height - 6}" class="chart-label">{first}</text>'
        f'<text x="{_W - _PAD}" y="{height - 6}" text-anchor="end" class="chart-label">{last}</text></svg>'
    )
    return Markup(svg)  # every value interpolated above is a number, a fixed colour or escaped
