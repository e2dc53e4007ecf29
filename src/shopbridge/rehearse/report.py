"""``rehearsal.json`` and ``rehearsal.html`` (inline SVG charts from ``web/charts.py``), written whole.

Each file is written to a temporary name and renamed, so an interrupted rehearsal never leaves half a
report; the files of an earlier run are removed when a new one starts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from shopbridge.rehearse.store_report import html_section
from shopbridge.web.charts import bar_chart

__all__ = ["REPORT_FILES", "clear_reports", "render_html", "write_reports"]

REPORT_FILES = ("rehearsal.json", "rehearsal.html")
MAX_BARS = 120
MAX_FLOWS = 8


def clear_reports(workdir: Path) -> None:
    for name in REPORT_FILES:
        (workdir / name).unlink(missing_ok=True)


def write_reports(workdir: Path, result: dict[str, Any]) -> tuple[Path, Path]:
    json_path, html_path = (workdir / name for name in REPORT_FILES)
    _write_whole(json_path, json.dumps(result, indent=2, default=str))
    _write_whole(html_path, render_html(result))
    return json_path, html_path


def _write_whole(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def render_html(result: dict[str, Any]) -> str:
    peak, limits, over = result["peak"], result["limits"], result["oversells"]
    verdict = "PASS" if result["ok"] else "FAIL"
    queue = result["series"]["queue"]
    charts = [
        bar_chart(_thin([(f"{at:g}s", depth) for at, depth, _age in queue]), title="Queue depth (jobs)"),
        bar_chart(_thin([(f"{at:g}s", age) for at, _depth, age in queue]), title="Oldest job age", unit=" s"),
    ]
    flows = sorted(result["series"]["throughput"].items(), key=lambda kv: -sum(r for _, r in kv[1]))
    for kind, points in flows[:MAX_FLOWS]:
        charts.append(
            bar_chart(_thin([(f"{at:g}s", rate) for at, rate in points]), title=f"{kind} per second")
        )
    rows = [
        ("orders placed in the peak", peak["orders_placed"]),
        ("orders per second sustained", peak["orders_per_second_sustained"]),
        ("peak backlog (jobs)", peak["peak_backlog"]),
        ("peak queue age (s)", peak["peak_queue_age_seconds"]),
        ("time to drain (s)", peak["time_to_drain_seconds"]),
        ("ERP concurrency share used", limits["erp_concurrency_share_used"]),
        ("ERP slot held per request (s)", limits.get("erp_slot_seconds_per_request", "")),
        ("ERP latency set (s)", limits.get("erp_latency_seconds", "")),
        ("Shopify budget share used", limits["shopify_budget_share_used"]),
        ("Shopify budget share used by the stock push", limits["shopify_budget_share_used_by_stock_push"]),
        ("the stock push against the budget", limits.get("stock_push_budget_verdict", "")),
        ("Shopify THROTTLED answers", limits["shopify_throttled"]),
        ("bound by", limits["bound_by"]),
        ("oversold units", over["units"]),
        ("workers killed (SIGKILL)", result["workers_killed"]),
    ]
    table = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows)
    findings = "".join(f"<li>{escape(_finding(f))}</li>" for f in result["findings"]) or "<li>none</li>"
    oversold = "".join(
        f"<tr><td>{escape(r['sku'])}</td><td>{r['erp_stock']}</td><td>{r['sold']}</td><td>{r['oversold']}</td>"
        f"<td>{escape(r['cause'])}</td></tr>"
        for r in over["by_sku"]
    )
    events = "".join(
        f"<li>{e['at']} s: {escape(e['event'])} {escape(e['detail'])}</li>" for e in peak["events"]
    )
    dead = "".join(
        f"<li>{escape(j['kind'])} {escape(j['entity'])}: {escape(j['error'])}</li>"
        for j in result.get("dead_jobs", [])
    )
    title = escape(f"shopbridge rehearsal: {result['scenario']['name']} on {result['erp']}")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
svg.chart{{width:100%;height:auto}} svg.chart rect{{fill:#3a6ea5}} .axis{{stroke:#888}}
.chart-title,.chart-label{{font-size:12px}} th{{text-align:left;padding-right:1rem}}
.pass{{color:#17692b}} .fail{{color:#a11}}</style></head><body>
<h1>{title}</h1>
<p class="{verdict.lower()}"><strong>{verdict}</strong>: {len(result["findings"])} findings against
the sandboxes' own state; {result["workers"]} worker processes on {escape(result["database"])}.</p>
<h2>Findings</h2><ul>{findings}</ul>
<h2>Figures</h2><table>{table}</table>
{html_section(result.get("stores"))}
<h2>Oversells</h2><table><tr><th>SKU</th><th>ERP stock</th><th>sold</th><th>oversold</th><th>cause</th></tr>
{oversold}</table><p>{escape(over.get("note", ""))}</p>
<h2>Dead jobs</h2><ul>{dead or "<li>none</li>"}</ul>
<h2>Faults</h2><ul>{events or "<li>none</li>"}</ul>
<h2>Over time</h2>{Markup("").join(charts)}
</body></html>
"""


def _finding(finding: dict[str, Any]) -> str:
    named = f": {', '.join(finding['entities'][:50])}" if finding["entities"] else ""
    return f"{finding['check']}: {finding['detail']}{named}"


def _thin(series: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """At most :data:`MAX_BARS` bars: each the largest value of its stretch (peaks stay visible)."""
    if len(series) <= MAX_BARS:
        return series
    step = -(-len(series) // MAX_BARS)
    return [max(series[i : i + step], key=lambda p: p[1]) for i in range(0, len(series), step)]
