"""Every rule's message, as a person reads it in the report, equals a reviewed golden.

A small vault gives each rule something to say, with the parts a message is built of: the
notes a broken link probably meant, a remark instead, an alias link's hint, the alias reason
of a link Obsidian does not follow, lists of several names. It runs in process, on every rule
(those off by default too). After a deliberate change of wording, rewrite the golden with
``python -m tests.test_messages_golden``, review the diff, then commit.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.conftest import write_files
from vaultkit.config import Config
from vaultkit.vault import lint, load_vault

GOLDEN = Path(__file__).resolve().parent / "golden" / "messages.txt"

FILES: dict[str, str | bytes] = {
    "Model.md": "---\naliases: [The model, Shared]\n---\n# Sizes\n",
    "Other.md": "---\naliases: [Shared]\n---\n",
    "Third.md": "---\naliases: [Shared, Model]\n---\n",
    "Topic.md": "",
    "TOPIC.md": "",
    "topic.md": "",
    "P1.md": "",
    "P2.md": "",
    "Blocks.md": "[[Model]]^blk\n\n[[Other]]\n",
    "X/Dup.md": "",
    "Y/Dup.md": "",
    "a.md": (
        '---\nup: ["[[P1]]", "[[P2]]"]\nalias: x\n---\n'
        "[[The model]] [[Modle]] [[Blocks#^blk]] [[Model#Size]] [[Nowhere]]\n"
    ),
    "b.md": "---\nup: [[P1]]\n---\n[[Gone]] ![[gone.png]] [[../../out]] [[|x]] ^b1\n\ntext ^b1\n",
    "c.md": '---\nup: "[[d]]"\n---\n[[Dup]]\n',
    "d.md": '---\nup: "[[c]]"\n---\n',
    "e.md": '---\nup: "[[Nope]]"\naliases: [[[x]]]\n---\n',
    "f.md": "---\n[a]: x\n---\n",
    "g.md": "---\naliases: [1984, {a: b}]\n---\n",
    "h.md": "---\naliases: {a: b}\n---\n",
    "i.md": "---\naliases: Just one\n---\n",
    "j.md": "---\naliases: 1984\n---\n",
    "k.md": "---\nkey: [unclosed\n---\n",
    "l.md": "---\nkey: &a x\n---\n",
    "m.md": "---\nkey: !local x\n---\n",
    "n.md": "---\nkey: " + "[" * 64 + "]" * 64 + "\n---\n",
    "o.md": "---\na: 1\n...\n--- b: 2\n---\n",
    "p.md": "---\na: 1\n",
    "q.md": "---\n- a\n---\n",
    "r.md": "---\na: " + "x" * 70_000 + "\n---\n",
}


def render(base: Path) -> str:
    """Each finding as ``path:line:column: CODE message``, for the vault as written and for
    the same vault with ``alias-links = "obsidian"``."""
    lines = []
    for name, settings in (("warn", {}), ("obsidian", {"alias_links": "obsidian"})):
        root = base / name
        write_files(root, FILES)
        vault = load_vault(root, Config(**settings), use_cache=False)  # type: ignore[arg-type]
        lines.append(f"=== alias-links = {name}")
        lines += [
            f"{item.path}:{item.line}:{item.column}: {item.code} {item.message}"
            for item in lint(vault, select=["VK", "VK202", "VK303"])
        ]
    return "\n".join(lines) + "\n"


def test_every_rule_s_message_equals_the_golden(tmp_path: Path) -> None:
    assert render(tmp_path) == GOLDEN.read_text(encoding="utf-8")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        GOLDEN.write_text(render(Path(folder)), encoding="utf-8")
    print(f"wrote {GOLDEN}")


if __name__ == "__main__":
    main()
