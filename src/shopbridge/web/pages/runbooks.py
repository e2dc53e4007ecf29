"""The runbooks, served as simple HTML at ``/runbooks/<team>`` so every problem can link to its section.

The Markdown is a copy of ``docs/runbooks/`` packaged in the wheel (``shopbridge/web/runbooks``; a
test keeps the copy equal to the docs), rendered with markdown-it (raw HTML in the Markdown is not
passed through). Each ``## <kind>`` heading gets ``id="<kind>"``, the anchor
:attr:`ProblemKind.runbook` names.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from shopbridge.web.dashboard import templates

__all__ = ["render_runbook", "routes", "runbook_names"]

_HEADING = re.compile(r"<h2>([a-z0-9_]+)</h2>")


def runbook_names() -> list[str]:
    folder = resources.files("shopbridge.web") / "runbooks"
    return sorted(p.name.removesuffix(".md") for p in folder.iterdir() if p.name.endswith(".md"))


@functools.cache
def render_runbook(name: str) -> str | None:
    """The runbook's HTML, or None when there is no runbook of that name."""
    if name not in runbook_names():
        return None
    text = (resources.files("shopbridge.web") / "runbooks" / f"{name}.md").read_text(encoding="utf-8")
    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    return _HEADING.sub(r'<h2 id="\1">\1</h2>', html)


def runbook_page(request: Request) -> Response:
    name = request.path_params["team"]
    html = render_runbook(name)
    if html is None:
        return Response(f"there is no runbook {name!r}", status_code=404, media_type="text/plain")
    body = Markup(html)  # markdown-it escaped the text itself (html=False)
    context = {"name": name, "body": body, "names": runbook_names()}
    return templates.TemplateResponse(request, "runbook.html", context)


def routes() -> list[BaseRoute]:
    return [Route("/runbooks/{team}", runbook_page, name="runbook")]
