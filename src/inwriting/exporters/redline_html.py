"""Render a `Redline` as one standalone HTML5 page: a summary, then every point with its word diff
(`<ins>`/`<del>`) and badges for added, removed, changed, moved and renumbered points.
"""

from __future__ import annotations

from jinja2 import Environment

from inwriting.domain.redline import Redline

# Autoescape is on for every value, so the drafts' text can never be read as markup.
_ENV = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)

_TEMPLATE = _ENV.from_string(
    """\
{% macro diff(words) %}{% for w in words %}{% if w.op == "insert" %}<ins>{{ w.text }}</ins>\
{% elif w.op == "delete" %}<del>{{ w.text }}</del>{% else %}{{ w.text }}{% endif %}{% endfor %}{% endmacro %}
{% macro label(c) %}{% if c.old_label == c.new_label %}{{ c.new_label }}{% else %}\
{% if c.old_label %}<del>{{ c.old_label }}</del>{% endif %}{% if c.old_label and c.new_label %} {% endif %}\
{% if c.new_label %}<ins>{{ c.new_label }}</ins>{% endif %}{% endif %}{% endmacro %}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Redline {{ old_version }} → {{ new_version }}: {{ r.new_title }}</title>
<style>
body { font: 16px/1.5 Georgia, serif; max-width: 50em; margin: 2em auto; padding: 0 1em; color: #1a1a1a; }
ins { background: #dff6dd; color: #0b5d1e; text-decoration: underline; }
del { background: #fde2e1; color: #8a1c1c; text-decoration: line-through; }
.summary { font-family: system-ui, sans-serif; font-size: 14px; border: 1px solid #ccc; padding: .5em 1em; }
.summary span { margin-right: 1.2em; }
.text { white-space: pre-wrap; }
.point { margin: .6em 0; padding-left: calc(var(--depth) * 1.6em); }
.point.removed { opacity: .85; }
.label { font-weight: bold; margin-right: .4em; }
.heading { font-weight: bold; }
.badge { font: 11px system-ui, sans-serif; border-radius: 3px; padding: 0 .4em; margin-left: .4em;
         color: #fff; }
.badge.added { background: #1f7a35; } .badge.removed { background: #a32121; }
.badge.changed { background: #6b6b6b; } .badge.moved { background: #1f4fa3; }
.badge.renumbered { background: #8a5a00; }
</style>
</head>
<body>
<header>
<p class="versions">Redline from <strong>{{ old_version }}</strong> to <strong>{{ new_version }}</strong></p>
<div class="summary">
{% for name, count in counts %}
<span class="count {{ name }}">{{ count }} {{ name }}</span>
{% endfor %}
</div>
</header>
<main>
<h1 class="title">{{ diff(r.title_words) }}</h1>
{% if r.preamble_words %}
<section class="preamble text">{{ diff(r.preamble_words) }}</section>
{% endif %}
{% for c in r.points %}
<section class="point {{ c.status }}" style="--depth: {{ c.depth }}" \
id="{{ 'new-' ~ c.new_eid if c.new_eid else 'old-' ~ c.old_eid }}">
<div class="head"><span class="label">{{ label(c) }}</span>
{% if c.heading_words %}<span class="heading">{{ diff(c.heading_words) }}</span>{% endif %}
{% if c.status != "unchanged" %}<span class="badge {{ c.status }}">{{ c.status }}</span>{% endif %}
{% if c.moved %}<span class="badge moved">moved</span>{% endif %}
{% if c.renumbered %}<span class="badge renumbered" title="was {{ c.old_label }} ({{ c.old_eid }})">\
renumbered</span>{% endif %}
</div>
{% if c.words %}<div class="text">{{ diff(c.words) }}</div>{% endif %}
</section>
{% endfor %}
</main>
</body>
</html>
"""
)


def to_redline_html(r: Redline, *, old_version: str, new_version: str) -> str:
    """The redline as a standalone HTML5 page; `old_version`/`new_version` name the versions."""
    s = r.summary
    counts = [
        ("unchanged", s.unchanged),
        ("changed", s.changed),
        ("added", s.added),
        ("removed", s.removed),
        ("moved", s.moved),
        ("renumbered", s.renumbered),
    ]
    return _TEMPLATE.render(r=r, old_version=old_version, new_version=new_version, counts=counts)


__all__ = ["to_redline_html"]
