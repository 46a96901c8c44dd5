"""The graph as one self-contained, script-safe interactive HTML page."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from vaultkit.graph import Graph

# Only the page itself is loaded; inline scripts are allowed by hash, nothing else.
_CSP = "default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:"
_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def page_data(graph: Graph, *, vault_name: str, obsidian: bool) -> dict[str, Any]:
    """The data the page draws: nodes with small integer ids, edges, and vault settings.

    Paths are vault-relative; ghosts have an empty path and are keyed by their label.
    """
    ids = {key: number for number, key in enumerate(graph.nodes)}
    nodes = []
    for key, data in graph.nodes(data=True):
        nodes.append(
            {
                "id": ids[key],
                "kind": data["kind"],
                "label": data["label"],
                "path": data["path"],
                "top": data["top"],
                "aliases": list(data["aliases"]),
                "tags": list(data["tags"]),
                "diagnostics": list(data["diagnostics"]),
                "orphan": bool(data["orphan"]),
                "in": int(data["in_degree"]),
            }
        )
    edges = [
        {"from": ids[s], "to": ids[t], "kind": d["kind"], "weight": d["weight"]}
        for s, t, d in graph.edges(data=True)
    ]
    return {"vault": vault_name, "obsidian": obsidian, "nodes": nodes, "edges": edges}


def _json(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _ESCAPES.items():
        text = text.replace(char, escaped)
    return text


def _sha(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def render_page(graph: Graph, *, vault_name: str, obsidian: bool) -> str:
    """The page as text; every script is inline and allowed by its sha256 in the CSP."""
    package = resources.files("vaultkit")
    vis = (package / "static" / "vis-network.min.js").read_text(encoding="utf-8")
    app = (package / "static" / "page.js").read_text(encoding="utf-8")
    css = (package / "static" / "graph.css").read_text(encoding="utf-8")
    # A script body must not contain a closing tag; escape it the way JavaScript allows.
    vis = vis.replace("</script", "<\\/script")
    csp = _CSP.format(hashes=f"{_sha(vis)} {_sha(app)}")
    env = jinja2.Environment(loader=jinja2.PackageLoader("vaultkit", "templates"), autoescape=True)
    return env.get_template("page.html").render(
        csp=csp,
        title=vault_name,
        css=Markup(css),
        vis=Markup(vis),
        app=Markup(app),
        data=Markup(_json(page_data(graph, vault_name=vault_name, obsidian=obsidian))),
    )


def write_page(graph: Graph, path: Path, *, vault_name: str, obsidian: bool) -> None:
    """Write the page atomically (a temporary file beside it, then ``os.replace``)."""
    text = render_page(graph, vault_name=vault_name, obsidian=obsidian)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a page is meant to be shared
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
