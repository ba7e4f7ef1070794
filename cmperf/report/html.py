"""One self-contained HTML page (charts embedded as data URIs) with the tables and statements."""
import base64
import html
import os
from dataclasses import dataclass, field

from .atomic import write_text


@dataclass
class Section:
    """A unit of a report: what it says, the tables that back it and the charts that show it."""
    name: str
    title: str
    statements: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    charts: list = field(default_factory=list)    # PNG paths

    def text(self):
        lines = [f"== {self.title} =="]
        lines += [f"* {s}" for s in self.statements]
        lines += ["", *[t.text() for t in self.tables]]
        lines += [f"chart: {c}" for c in self.charts]
        return "\n".join(lines) + "\n"


STYLE = """
body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;font-size:12px;margin:1em 0}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}
th{background:#eef}
img{max-width:100%;border:1px solid #ddd}
.src{color:#666;font-size:12px}
"""


def _img(path):
    with open(path, "rb") as f:
        data = base64.b64encode(f.read()).decode("ascii")
    alt = html.escape(os.path.basename(path))
    return f'<p><img alt="{alt}" src="data:image/png;base64,{data}"></p>'


def render(title, sections, sources=()):
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"]
    if sources:
        parts.append("<p class='src'>Data: " + "; ".join(html.escape(s) for s in sources) + "</p>")
    parts.append("<ul>" + "".join(f"<li><a href='#{html.escape(s.name)}'>{html.escape(s.title)}</a></li>"
                                  for s in sections) + "</ul>")
    for s in sections:
        parts.append(f"<h2 id='{html.escape(s.name)}'>{html.escape(s.title)}</h2>")
        if s.statements:
            parts.append("<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in s.statements) + "</ul>")
        parts += [_img(c) for c in s.charts]
        for t in s.tables:
            parts.append(f"<h3>{html.escape(t.title)}</h3>{t.html()}")
            parts += [f"<p class='src'>{html.escape(n)}</p>" for n in t.notes]
    parts.append("</body></html>")
    return "\n".join(parts)


def write_page(path, title, sections, sources=()):
    return write_text(path, render(title, sections, sources))
