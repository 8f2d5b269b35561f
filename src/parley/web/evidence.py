"""The evidence view's highlighted text, built from offsets.

Scraped article text is hostile input: it may hold `<script>`, event-handler attributes or
`javascript:` links. The text is never inserted raw. It is cut at every span boundary and each piece is
escaped with markupsafe before it is wrapped in markup this module writes; attribute values (classes,
tooltips, anchors) go through `Markup.format`, which escapes them too.

Spans overlap freely (a mention inside a quote inside an event sentence), so the text is split into
segments between consecutive boundaries, and each segment carries the kinds of every span covering it.
An empty anchor marks where each span starts, so `#anchor` links scroll to it with or without
JavaScript, and `focus` (a span's anchor) marks every segment of that span for the reader's eye.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

LABELLED = ("quote", "event", "position", "proposal", "step")  # kinds with a visible tag at their start
KIND_NAMES = {"mention": "actor", "quote": "quote", "event": "event", "position": "position",
              "proposal": "plan", "step": "plan step"}


def highlight(text: str, spans: Sequence[dict[str, Any]], focus: str | None = None) -> Markup:
    """`text` as HTML with every span highlighted, typed and anchored."""
    n = len(text)
    usable = []
    for span in spans:
        start, end = int(span["start"]), int(span["end"])
        start, end = max(0, min(start, n)), max(0, min(end, n))
        if end > start:
            usable.append((start, end, span))
    bounds = sorted({0, n, *(s for s, _, _ in usable), *(e for _, e, _ in usable)})
    starts: dict[int, list[dict[str, Any]]] = {}
    for start, _, span in usable:
        starts.setdefault(start, []).append(span)
    active: list[tuple[int, int, dict[str, Any]]] = []
    pending = sorted(usable, key=lambda x: (x[0], -x[1]))
    i = 0
    out: list[Markup] = []
    for left, right in zip(bounds, bounds[1:]):
        while i < len(pending) and pending[i][0] <= left:
            active.append(pending[i])
            i += 1
        active = [a for a in active if a[1] > left]
        for span in starts.get(left, []):
            out.append(Markup('<a class="anchor" id="{}"></a>').format(span["anchor"]))
            if span["kind"] in LABELLED:
                out.append(Markup('<span class="tag tag-{}" aria-hidden="true">{}</span>').format(
                    span["kind"], _tag(span)))
        piece = escape(text[left:right])
        if not active:
            out.append(piece)
            continue
        kinds = sorted({a[2]["kind"] for a in active})
        classes = ["hl", *(f"k-{k}" for k in kinds)]
        if focus and any(a[2]["anchor"] == focus for a in active):
            classes.append("focus")
        title = "; ".join(f"{KIND_NAMES.get(a[2]['kind'], a[2]['kind'])}: {a[2]['label']}" for a in active)
        out.append(Markup('<span class="{}" title="{}">{}</span>').format(" ".join(classes), title, piece))
    return Markup("").join(out)


def _tag(span: dict[str, Any]) -> str:
    kind = span["kind"]
    if kind == "event":
        return str(span.get("type") or "event")
    if kind == "position":
        return str(span.get("position_kind") or "position").replace("_", " ")
    if kind == "quote":
        return "quote"
    if kind == "step":
        return "step " + str(span["id"]).rsplit("-", 1)[-1]
    return "plan"


def snippet_html(snippet: str | None) -> Markup:
    """A search snippet whose [matched] terms are marked; every piece escaped."""
    if not snippet:
        return Markup("")
    out: list[Markup] = []
    rest = snippet
    while True:
        start = rest.find("[")
        end = rest.find("]", start + 1) if start >= 0 else -1
        if start < 0 or end < 0:
            out.append(escape(rest))
            break
        out.append(escape(rest[:start]))
        out.append(Markup("<mark>{}</mark>").format(rest[start + 1:end]))
        rest = rest[end + 1:]
    return Markup("").join(out)
