"""Screenshots of a vault's graph page at 1400x900: docs/graph.png, or a chosen set of views.

``python scripts/screenshot.py`` regenerates docs/graph.png (the sample vault, mid-search).
``python scripts/screenshot.py --vault DIR --out FOLDER map hierarchy search:ИИ problems dark``
writes one PNG per view named ``<vault>-<view>.png`` and prints what the page reports for it
(``viewport()``: scale, drawn box, smallest label, labels drawn).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from vaultkit.html import graph_page, write_file
from vaultkit.vault import lint, load_vault

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.browser.conftest import ARGS, CHROMIUM, wait_ready  # noqa: E402  (one set of flags)


def _show(page: Page, view: str) -> None:
    """Put the page in ``view``: map, hierarchy, problems, dark, search:T, rule:C or local:P."""
    name, _, value = view.partition(":")
    if name == "hierarchy":
        page.evaluate("window.vaultkit.setView('hierarchy')")
    elif name == "problems":
        page.evaluate("window.vaultkit.setFilter('problems', true)")
    elif name == "rule":
        page.evaluate("code => window.vaultkit.setFilter('rule', code)", value)
    elif name == "local":
        page.evaluate("key => window.vaultkit.localGraph(key, 2)", value)
    elif name == "dark":
        page.evaluate("window.vaultkit.setTheme('dark')")
    elif name == "search":
        page.fill("#search", value)
        page.press("#search", "Enter")
        page.wait_for_timeout(500)
    elif name != "map":
        raise SystemExit(f"unknown view {view!r}")
    wait_ready(page, timeout=120)
    page.wait_for_timeout(300)


def shoot(vault_root: Path, views: list[str], out: Path | None) -> None:
    """Write the page ``vaultkit graph`` writes for ``vault_root`` and save one screenshot per
    view."""
    vault = load_vault(vault_root, use_cache=False)
    with tempfile.TemporaryDirectory() as folder:
        page_path = Path(folder) / "graph.html"
        write_file(page_path, graph_page(vault, lint(vault), vault.config))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            for view in views:
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(page_path.as_uri())
                wait_ready(page, timeout=120)
                _show(page, view)
                if out is None:
                    target = ROOT / "docs" / "graph.png"
                else:
                    slug = view.replace(":", "-").replace("/", "-")
                    target = out / f"{vault_root.name}-{slug}.png"
                page.screenshot(path=str(target))
                report = page.evaluate("window.vaultkit.viewport()")
                report["shown"] = page.evaluate("window.vaultkit.visibleNodeCount()")
                del report["labelBoxes"]
                print(target, json.dumps(report, ensure_ascii=False))
                page.close()
            browser.close()


def main() -> None:
    """Parse the arguments and take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("views", nargs="*", help=_show.__doc__)
    parser.add_argument("--vault", type=Path, default=ROOT / "vault")
    parser.add_argument("--out", type=Path, help="folder for <vault>-<view>.png files")
    args = parser.parse_args()
    if args.out is None:
        shoot(args.vault, ["search:ИИ"], None)
        return
    args.out.mkdir(parents=True, exist_ok=True)
    shoot(args.vault, args.views or ["map"], args.out)


if __name__ == "__main__":
    main()
