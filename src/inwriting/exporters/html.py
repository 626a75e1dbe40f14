"""Render a `DraftText` as one standalone, print-friendly HTML5 page with its CSS inline.

Each top-level point is an `<article>` and every point carries its eId as element id, so links such as
`#art_4__para_2` work; amendments stand beside their point. All text is escaped by Jinja2's autoescape.
"""

from __future__ import annotations

import re

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup, escape

from inwriting.domain.documents import Amendment, DraftText, Point
from inwriting.errors import InvalidInput

_LANG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")

_TEMPLATE = """\
<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="inwriting">
<title>{{ draft.title or "Untitled draft" }}{% if version %} ({{ version }}){% endif %}</title>
<style>
body { font: 1rem/1.5 Georgia, "Times New Roman", serif; max-width: 56rem; margin: 2rem auto;
  padding: 0 1rem; color: #111; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; }
h2, h3, h4, h5, h6 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
.version { color: #555; margin-top: 0; }
dl.source { font-size: .85rem; color: #444; display: grid; grid-template-columns: max-content 1fr;
  gap: .1rem 1rem; border-bottom: 1px solid #ccc; padding-bottom: .75rem; }
dl.source dt { font-weight: bold; }
dl.source dd { margin: 0; }
.preamble { margin-bottom: 1.5rem; }
article { break-inside: avoid-page; }
.point { margin-left: 1.5rem; }
.own { display: grid; grid-template-columns: minmax(0, 1fr); }
.own.amended { grid-template-columns: minmax(0, 1fr) 15rem; gap: 1rem; }
a.num { color: inherit; text-decoration: none; font-weight: bold; }
aside.amendment { font-size: .85rem; border-left: 3px solid #b58900; background: #fdf6e3;
  padding: .25rem .6rem; align-self: start; }
aside.amendment .by { font-style: italic; margin: 0; }
footer { margin-top: 2rem; font-size: .85rem; color: #555; border-top: 1px solid #ccc; }
@media (max-width: 40rem) { .own.amended { grid-template-columns: minmax(0, 1fr); } }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  a.num { font-weight: bold; }
  aside.amendment { background: none; }
}
</style>
</head>
<body>
<header>
<h1>{{ draft.title }}</h1>
{% if version %}
<p class="version">Version {{ version }}</p>
{% endif %}
{% if draft.source_header %}
<dl class="source">
{% for key, value in draft.source_header %}
<dt>{{ key }}</dt>
<dd>{{ lines(value) }}</dd>
{% endfor %}
</dl>
{% endif %}
</header>
{% if draft.preamble %}
<section class="preamble">
{% for para in paragraphs(draft.preamble) %}
<p>{{ lines(para) }}</p>
{% endfor %}
</section>
{% endif %}
{% macro render(point, depth) %}
{% set amended = amendments.get(point.eid, []) %}
{% set own = paragraphs(point.text) %}
{% if headed(point) %}
<h{{ [depth + 2, 6] | min }}><a class="num" href="#{{ point.eid }}">{{ point.label }}</a>
{%- if point.heading %} {{ point.heading }}{% endif %}</h{{ [depth + 2, 6] | min }}>
{% endif %}
{% if own or amended or not headed(point) %}
<div class="own{% if amended %} amended{% endif %}">
<div class="text">
{% for para in own or [""] %}
{% if loop.first and not headed(point) %}
<p>{% if point.label %}<a class="num" href="#{{ point.eid }}">{{ point.label }}</a> {% endif %}
{{- lines(para) }}</p>
{% elif para %}
<p>{{ lines(para) }}</p>
{% endif %}
{% endfor %}
</div>
{% for a in amended %}
<aside class="amendment">
<p class="by">Proposed change{% if a.author %} by {{ a.author }}{% endif %}
{%- if a.date %}, {{ a.date }}{% endif %}</p>
{% for para in paragraphs(a.text) %}
<p>{{ lines(para) }}</p>
{% endfor %}
</aside>
{% endfor %}
</div>
{% endif %}
{% for child in point.children %}
<section class="point" id="{{ child.eid }}">
{{ render(child, depth + 1) }}
</section>
{% endfor %}
{% endmacro %}
<main>
{% for point in draft.points %}
<article id="{{ point.eid }}">
{{ render(point, 0) }}
</article>
{% endfor %}
</main>
{% if draft.notes %}
<footer>
<h2>Notes from the import</h2>
<ul>
{% for note in draft.notes %}
<li>{{ note }}</li>
{% endfor %}
</ul>
</footer>
{% endif %}
</body>
</html>
"""

# autoescape=True: every value from the draft is text, never markup, whatever it contains.
_ENV = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)
_PAGE = _ENV.from_string(_TEMPLATE)


def to_html(draft: DraftText, *, version: str | None = None, lang: str = "en") -> str:
    """The draft as an HTML5 page; `version` is shown under the title, `lang` (BCP 47) on `<html>`.

    Raises InvalidInput for a `lang` that is not a language tag.
    """
    if not _LANG.fullmatch(lang):
        raise InvalidInput(f"language {lang!r} must be a language tag such as 'en' or 'ru'")
    by_point: dict[str, list[Amendment]] = {}
    for amendment in draft.amendments:
        by_point.setdefault(amendment.eid, []).append(amendment)
    return _PAGE.render(
        draft=draft,
        version=version,
        lang=lang,
        amendments=by_point,
        paragraphs=_paragraphs,
        lines=_lines,
        headed=_headed,
    )


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def _lines(text: str) -> Markup:
    """A paragraph with its line breaks as `<br>`; the lines themselves are escaped."""
    return Markup("<br>\n").join(escape(line) for line in text.split("\n"))


def _headed(point: Point) -> bool:
    """Articles and headed points get a heading line; other points start their text with the number."""
    return point.heading is not None or point.eid.rsplit("__", 1)[-1].startswith("art_")


__all__ = ["to_html"]
