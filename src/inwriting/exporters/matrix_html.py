"""The position matrix as a standalone HTML page: a coloured grid, unanswered cells and contested
rows marked so they stand out in print as well as on screen (not by colour alone)."""

from __future__ import annotations

from jinja2 import Environment

from inwriting.domain.matrix import Matrix

_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Positions: {{ title }}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
thead th { position: sticky; top: 0; background: #f4f4f4; }
td.accept, td.noted { background: #d9f2d9; }
td.amend, td.clarify, td.defer { background: #fff3c4; }
td.counter { background: #f3d9f2; }
td.reject { background: #f7c6c6; font-weight: bold; }
td.unanswered { background: #c62828; color: #fff; font-weight: bold; }
td.proposed { color: #777; }
td.by-parts { background: #e0f0ff; }
tr.contested th { border-left: 6px solid #8e24aa; }
.inherited::after { content: " *"; }
</style>
</head>
<body>
<h1>Positions: {{ title }}</h1>
<p>{{ rows|length }} points, {{ columns|length }} parties; {{ contested }} contested, {{ unanswered }} with
unanswered cells. <span class="inherited"></span> position taken on the article as a whole.</p>
<table>
<thead><tr><th>version</th><th>point</th>{% for c in columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>
{% for r in rows %}<tr{% if r.contested %} class="contested"{% endif %}><th>{{ r.version }}</th>
<th id="{{ r.version }}-{{ r.eid }}">{{ r.label }}{% if r.contested %} (contested){% endif %}</th>
{% for c in r.cells %}<td class="{{ c.state }}{{ ' inherited' if c.inherited }}">{{ c.state }}</td>
{% endfor %}</tr>
{% endfor %}</tbody>
</table>
</body>
</html>
"""

_ENV = Environment(autoescape=True, trim_blocks=True)


def to_matrix_html(matrix: Matrix, *, title: str) -> str:
    template = _ENV.from_string(_TEMPLATE)
    return template.render(
        title=title,
        columns=matrix.columns,
        rows=matrix.rows,
        contested=sum(r.contested for r in matrix.rows),
        unanswered=sum(1 for r in matrix.rows if r.unanswered),
    )
