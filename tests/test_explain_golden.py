"""``vaultkit explain``'s full text for one link of each way a link resolves, or fails to.

The steps and reasons are what a person reads to learn why a link went where it did, so the
whole text is compared with a reviewed golden (``tests/golden/explain.txt``). It runs in
process, on a small vault written for it. After a deliberate change of wording, rewrite the
golden with ``python -m tests.test_explain_golden``, review the diff, then commit.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.conftest import write_files
from vaultkit.explain import explain, explain_text, parse_link
from vaultkit.vault import load_vault

GOLDEN = Path(__file__).resolve().parent / "golden" / "explain.txt"

FILES: dict[str, str | bytes] = {
    "Concepts/LLM.md": "# LLM\n## Types\n### Chat\ntext ^sum\n",
    "Concepts/Index.md": "",
    "Areas/Index.md": "",
    "Zones/Index.md": "",
    "Projects/Index.md": "",
    "Projects/Sub/Index.md": "",
    "Projects/Sub/Note.md": "",
    "Areas/Topic.md": "",
    "Zones/Topic.md": "",
    "Areas/Set {x}.md": "",
    "Zones/Set {x}.md": "",
    "AI-Model.md": "---\naliases: [ИИ Модель]\n---\n# Sizes\n",
    "Files/paper.pdf": b"%PDF",
}

# (link, the note it is written in; None: a note at the vault root)
LINKS: tuple[tuple[str, str | None], ...] = (
    # by name
    ("[[LLM]]", "Projects/Sub/Note.md"),
    ("[[LLM.md]]", None),
    ("[[Topic]]", None),
    ("[[Index]]", None),
    ("[[Index]]", "Projects/Sub/Note.md"),
    ("[[Index]]", "Projects/Index.md"),
    ("[[Index]]", "Concepts/LLM.md"),
    ("[[Set {x}]]", None),  # braces in a name are text, never a template's
    # by path
    ("[[Zones/Topic]]", None),
    ("[[Concepts/Index]]", "Projects/Index.md"),
    ("[[Nope/Topic]]", None),
    ("[[./Note]]", "Projects/Sub/Note.md"),
    ("[[../Index]]", "Projects/Sub/Note.md"),
    ("[[./LLM]]", "Projects/Sub/Note.md"),
    ("[[/Concepts/LLM]]", "Projects/Index.md"),
    ("[[/Concepts/LLM.md]]", None),
    ("[[/Elsewhere/LLM]]", None),
    ("[[../../../etc/passwd]]", "Projects/Sub/Note.md"),
    ("[[/../x]]", None),
    ("[t](../Concepts/LLM.md)", "Projects/Index.md"),
    # nothing, or no such note
    ("[[|x]]", None),
    ("[[Nowhere]]", None),
    ("up:: [[Nowhere]]", "Projects/Index.md"),
    ("up:: [[LLM]]", "Projects/Index.md"),
    # aliases
    ("[[ИИ Модель]]", None),
    ("[[ИИ Модель|the model]]", "Projects/Index.md"),
    ("[[Folder/ИИ Модель]]", None),
    ("[a](<ИИ Модель>)", None),
    # headings and blocks
    ("[[LLM#Types#Chat|chat]]", "Projects/Index.md"),
    ("[[LLM#Typs]]", None),
    ("[[AI-Model#Nope]]", None),
    ("[[LLM#^sum]]", None),
    ("[[LLM#^gone]]", None),
    ("[[#Types]]", "Concepts/LLM.md"),
    # attachments
    ("![[paper.pdf#page=3]]", None),
    ("[[paper.pdf]]", None),
    ("![[gone.png]]", None),
    # a symlink that leads out of the vault
    ("[[Secret]]", None),
)
# The same vault with ``alias-links = "obsidian"``: aliases do not resolve.
STRICT_LINKS: tuple[tuple[str, str | None], ...] = (
    ("[[ИИ Модель]]", None),
    ("[[ИИ Модель|the model]]", "Projects/Index.md"),
)


def render(base: Path) -> str:
    """Every explanation, each under a line that names the link and its note."""
    (base / "secret.md").write_text("outside the vault\n", encoding="utf-8")
    sections = []
    for name, settings, links in (
        ("vault", "", LINKS),
        ("vault with alias-links = obsidian", 'alias-links = "obsidian"\n', STRICT_LINKS),
    ):
        root = base / name.split()[0] / ("strict" if settings else "plain")
        files = {**FILES, ".vaultkit.toml": settings} if settings else FILES
        write_files(root, files)
        (root / "Secret.md").symlink_to(base / "secret.md")
        vault = load_vault(root, use_cache=False)
        for text, source in links:
            where = source or "the vault root"
            body = explain_text(explain(vault, parse_link(text), source))
            sections.append(f"=== {name}: {text} from {where}\n{body}")
    return "\n".join(sections)


def test_explain_text_equals_the_golden(tmp_path: Path) -> None:
    assert render(tmp_path) == GOLDEN.read_text(encoding="utf-8")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        GOLDEN.write_text(render(Path(folder)), encoding="utf-8")
    print(f"wrote {GOLDEN}")


if __name__ == "__main__":
    main()
