"""Self-contained HTML building blocks shared by every report (comparison, model card, tuning).

Pages carry everything inline: CSS in a ``<style>`` block and figures as base64 PNG ``<img>``
tags rendered with matplotlib's Agg backend, so a report is one file that opens offline and
reads on a phone-width screen (below 600 px data tables stack: one labelled block per row). Nothing here
computes results; callers pass numbers and figures in.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "escape",
    "fmt",
    "figure_img",
    "new_figure",
    "table",
    "kv_table",
    "section",
    "page",
    "markdown_table",
]

CSS = """
:root { --fg:#1d232a; --muted:#5b6675; --line:#d9dee5; --accent:#2c6fbb; --bg:#ffffff; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       background: var(--bg); margin: 0 auto; padding: 12px; max-width: 1100px; line-height: 1.45; }
h1 { font-size: 1.5rem; margin: .4em 0; } h2 { font-size: 1.2rem; margin-top: 1.6em;
       border-bottom: 1px solid var(--line); padding-bottom: .2em; } h3 { font-size: 1.05rem; }
p.note, .muted { color: var(--muted); font-size: .9rem; }
.tbl { overflow-x: auto; -webkit-overflow-scrolling: touch; margin: .6em 0; }
table { border-collapse: collapse; font-size: .9rem; min-width: 50%; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f5f8; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: .8em 0; } figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .85rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; }
.sig { color: #0a7a32; font-weight: 600; } .nosig { color: var(--muted); }
.warn { background: #fff4e0; border-left: 4px solid #c8811a; padding: 6px 10px; }
code { background: #f3f5f8; padding: 0 3px; border-radius: 3px; }
table.kv { width: 100%; table-layout: fixed; } table.kv td:first-child { width: 42%; color: var(--muted); }
table.kv td { overflow-wrap: anywhere; text-align: left; }
@media (max-width: 600px) { body { padding: 6px; } table { font-size: .8rem; } h1 { font-size: 1.25rem; }
  /* data tables stack: one block per row, each cell labelled, so no column is off-screen */
  table.data, table.data tbody, table.data tr, table.data td { display: block; width: 100%; min-width: 0; }
  table.data thead { position: absolute; left: -10000px; }
  table.data tr { border-bottom: 2px solid var(--line); padding: 4px 0; }
  table.data td { display: flex; border: none; padding: 1px 4px; text-align: left; overflow-wrap: anywhere; }
  table.data td::before { content: attr(data-label); flex: 0 0 38%; color: var(--muted); font-weight: 600;
                          padding-right: 6px; } }
"""


def escape(value: Any) -> str:
    """HTML-escape ``str(value)``."""
    return html.escape(str(value), quote=True)


def fmt(value: Any, digits: int = 3) -> str:
    """Format a number compactly (``nan``/``None`` as an em dash); other values as text."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "—"
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 10 ** (-digits)):
            return f"{value:.{digits}g}"
        return f"{value:.{digits}f}"
    return str(value)


def new_figure(width: float = 6.0, height: float = 3.6) -> tuple[Any, Any]:
    """A matplotlib (figure, axes) pair on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig, fig.add_subplot(1, 1, 1)


def figure_img(fig: Any, alt: str, caption: str = "") -> str:
    """Render a matplotlib figure as an inline base64 PNG ``<figure>`` block."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img alt="{escape(alt)}" src="data:image/png;base64,{data}">{cap}</figure>'


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str], raw: bool = False) -> str:
    """An HTML table in a horizontally scrolling box; numbers right-aligned.

    With ``raw=True`` string cells are inserted as HTML (callers escape them).
    """
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    labels = [escape(h) for h in headers]
    body = []
    for row in rows:
        cells = []
        for i, v in enumerate(row):
            label = f' data-label="{labels[i]}"' if i < len(labels) and labels[i] else ""
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append(f'<td class="num"{label}>{fmt(v)}</td>')
            else:
                cells.append(f"<td{label}>{v if raw else escape(fmt(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="tbl"><table class="data"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def kv_table(rows: Iterable[Sequence[Any]], raw: bool = False) -> str:
    """A two-column key / value table without a header row, aligned the same everywhere
    (fixed key column, long values wrap): model-card summaries, hyperparameters, corpus."""
    body = []
    for key, value in rows:
        v = value if raw else escape(fmt(value))
        body.append(f"<tr><td>{escape(key)}</td><td>{v}</td></tr>")
    return f'<div class="tbl"><table class="kv"><tbody>{"".join(body)}</tbody></table></div>'


def markdown_table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> str:
    """The same table as GitHub-flavoured Markdown."""

    def cell(v: Any) -> str:
        return fmt(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def section(title: str, *parts: str, note: str = "") -> str:
    """A titled section; ``parts`` are HTML fragments."""
    n = f'<p class="note">{escape(note)}</p>' if note else ""
    return f"<section><h2>{escape(title)}</h2>{n}{''.join(parts)}</section>"


def page(title: str, body: Sequence[str], subtitle: str = "") -> str:
    """A complete self-contained HTML5 document (inline CSS, no scripts, no external links)."""
    sub = f'<p class="muted">{escape(subtitle)}</p>' if subtitle else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><h1>{escape(title)}</h1>{sub}{''.join(body)}</body></html>\n"
    )
