"""``vaultkit mv``: moving notes and folders, every link that pointed at them rewritten."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import CORPORA, SAMPLE
from tests.conftest import obsidian_vault as _vault
from vaultkit.cli import main
from vaultkit.config import load_config
from vaultkit.model import VaultkitError
from vaultkit.move import apply_move, plan_move
from vaultkit.vault import lint, load_vault


def _mv(root: Path, *args: str) -> int:
    return main(["mv", "--vault", str(root), *args])


def _read(root: Path, path: str) -> str:
    return (root / path).read_text(encoding="utf-8")


def test_a_note_rename_rewrites_every_kind_of_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _vault(
        tmp_path,
        {
            "Embeddings.md": "# Why\n\ntext ^b1\n",
            "a.md": (
                '---\nup: "[[Embeddings]]"\nrelated: ["[[Embeddings#Why]]"]\n---\n'
                "[[Embeddings]] [[Embeddings#Why|why]] ![[Embeddings#^b1]]\n"
                "[e](Embeddings.md) [f](<Embeddings.md#Why>)\nsee:: [[embeddings]]\n"
            ),
        },
    )
    monkeypatch.chdir(root)
    assert main(["mv", "Embeddings.md", "Vector embeddings.md"]) == 0
    assert not (root / "Embeddings.md").exists()
    assert _read(root, "Vector embeddings.md") == "# Why\n\ntext ^b1\n"
    assert _read(root, "a.md") == (
        '---\nup: "[[Vector embeddings]]"\nrelated: ["[[Vector embeddings#Why]]"]\n---\n'
        "[[Vector embeddings]] [[Vector embeddings#Why|why]] ![[Vector embeddings#^b1]]\n"
        "[e](Vector%20embeddings.md) [f](<Vector embeddings.md#Why>)\n"
        "see:: [[Vector embeddings]]\n"
    )


def test_a_move_to_another_folder_keeps_bare_unique_links(tmp_path: Path) -> None:
    root = _vault(tmp_path, {"Note.md": "", "a.md": "[[Note]] [[Note#x]]", "Archive/b.md": ""})
    assert _mv(root, str(root / "Note.md"), str(root / "Archive")) == 0
    assert (root / "Archive/Note.md").exists()
    assert _read(root, "a.md") == "[[Note]] [[Note#x]]"


def test_a_name_taken_elsewhere_makes_links_name_the_path(tmp_path: Path) -> None:
    root = _vault(tmp_path, {"x/Old.md": "", "y/New.md": "", "a.md": "[[Old]] [[New]]"})
    assert _mv(root, str(root / "x/Old.md"), str(root / "x/New.md")) == 0
    text = _read(root, "a.md")
    assert text == "[[x/New]] [[y/New]]"


def test_links_inside_the_moved_note_keep_their_targets(tmp_path: Path) -> None:
    root = _vault(
        tmp_path,
        {"p/a.md": "[s](./s.md) [[../top]] [[#Here]]\n# Here\n", "p/s.md": "", "top.md": ""},
    )
    assert _mv(root, str(root / "p/a.md"), str(root / "q/deep/a.md")) == 0
    assert _read(root, "q/deep/a.md") == "[s](../../p/s.md) [[../../top]] [[#Here]]\n# Here\n"


def test_a_folder_move(tmp_path: Path) -> None:
    root = _vault(
        tmp_path,
        {
            "Old/One.md": "[[Old/Two]] [t](Two.md)",
            "Old/Two.md": "![[Old/pic.png]]",
            "Old/pic.png": "",
            "a.md": "[[Old/One]] [[One|one]] [x](Old/Two.md) ![[pic.png]]",
        },
    )
    assert _mv(root, str(root / "Old"), str(root / "Sub/New")) == 0
    assert not (root / "Old").exists()
    assert _read(root, "a.md") == "[[Sub/New/One]] [[One|one]] [x](Sub/New/Two.md) ![[pic.png]]"
    assert _read(root, "Sub/New/One.md") == "[[Sub/New/Two]] [t](Two.md)"
    assert _read(root, "Sub/New/Two.md") == "![[Sub/New/pic.png]]"


def test_dry_run_prints_the_diff_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _vault(tmp_path, {"Old.md": "", "a.md": "[[Old]]\n"})
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert _mv(root, "--dry-run", str(root / "Old.md"), str(root / "New.md")) == 0
    out = capsys.readouterr().out
    assert "-[[Old]]\n" in out and "+[[New]]\n" in out
    assert "rename from" in out
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize(
    "target",
    ["b.md", "../outside.md", ".obsidian/x.md", "New.txt"],
)
def test_refusals_change_nothing(
    tmp_path: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _vault(tmp_path, {"a.md": "[[b]]", "b.md": "[[a]]"})
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert _mv(root, str(root / "a.md"), str(root / target)) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_a_source_outside_the_vault_is_refused(tmp_path: Path) -> None:
    root = _vault(tmp_path, {"a.md": ""})
    (tmp_path / "loose.md").write_text("")
    assert _mv(root, str(tmp_path / "loose.md"), str(root / "loose.md")) == 2
    assert (tmp_path / "loose.md").exists() and not (root / "loose.md").exists()


def test_a_note_changed_since_it_was_read_is_refused(tmp_path: Path) -> None:
    root = _vault(tmp_path, {"Old.md": "", "a.md": "[[Old]]"})
    vault = load_vault(root, load_config(root), use_cache=False)
    plan = plan_move(vault, "Old.md", "New.md")
    (root / "a.md").write_text("a line above\n[[Old]]")
    with pytest.raises(VaultkitError):
        apply_move(vault, plan)
    assert _read(root, "a.md") == "a line above\n[[Old]]"
    assert (root / "Old.md").exists() and not (root / "New.md").exists()


def test_plan_is_pure(tmp_path: Path) -> None:
    root = _vault(tmp_path, {"Old.md": "", "a.md": "x [[Old|o]]"})
    vault = load_vault(root, load_config(root), use_cache=False)
    plan = plan_move(vault, "Old.md", "New.md")
    assert plan.renames == (("Old.md", "New.md"),)
    ((path, (fix,)),) = plan.edits.items()
    assert path == "a.md"
    assert (fix.replacement, fix.line, fix.column, fix.end_column) == ("New", 1, 5, 8)
    assert (root / "Old.md").exists()


def _findings(root: Path, moved: dict[str, str]) -> Counter[tuple[str, int, str]]:
    vault = load_vault(root, load_config(root), use_cache=False)
    found: Counter[tuple[str, int, str]] = Counter()
    for item in lint(vault):
        path = item.path
        for old, new in moved.items():
            if path == old or path.startswith(old + "/"):
                path = new + path[len(old) :]
        found[path, item.line, item.code] += 1
    return found


def _moves_keep_findings(tmp_path: Path, source: Path, moves: list[tuple[str, str]]) -> None:
    root = tmp_path / "copy"
    shutil.copytree(source, root, symlinks=True)
    for old, new in moves:
        before = _findings(root, {old: new})
        assert _mv(root, "-q", str(root / old), str(root / new)) == 0
        assert (root / new).exists() and not (root / old).exists()
        after = _findings(root, {})
        assert not after - before
        # A link the move rewrote to keep its target may name it unambiguously now.
        assert {code for _, _, code in before - after} <= {"VK104"}


def test_sample_vault_moves_leave_no_new_finding(tmp_path: Path) -> None:
    _moves_keep_findings(
        tmp_path,
        SAMPLE,
        [
            ("Models/AI-Model.md", "Models/Machine model.md"),
            ("Architectures", "Library/Designs"),
            ("Library/Designs/Transformer.md", "Transformer.md"),
        ],
    )


@pytest.mark.parametrize("name", ["knowledge-garden", "kepano-obsidian", "obsidian-tasks-docs"])
def test_corpus_moves_leave_no_new_finding(tmp_path: Path, name: str) -> None:
    source = CORPORA / name
    if not source.is_dir():
        pytest.fail(f"the corpus is missing: {source}")
    notes = sorted(
        path.relative_to(source).as_posix()
        for path in source.rglob("*.md")
        if not any(part.startswith(".") for part in path.relative_to(source).parts)
    )
    # The note with the longest name moves to the root; the folder holding most notes moves
    # under a new one.
    note = max(notes, key=lambda path: (len(path.rsplit("/", 1)[-1]), path))
    folders = Counter(path.split("/")[0] for path in notes if "/" in path and path != note)
    folder = folders.most_common(1)[0][0]
    _moves_keep_findings(
        tmp_path,
        source,
        [(note, "moved note.md"), (folder, "Moved folder/" + folder)],
    )


def test_relative_links_that_led_nowhere_keep_leading_there(tmp_path: Path) -> None:
    root = _vault(tmp_path, {"p/a.md": "[[../../outside]] [[./gone]] [g](../none.md)"})
    assert _mv(root, str(root / "p/a.md"), str(root / "q/deep/a.md")) == 0
    assert _read(root, "q/deep/a.md") == "[[../../../outside]] [[../../p/gone]] [g](../../none.md)"


def test_relative_links_inside_a_moved_folder_stay_as_written(tmp_path: Path) -> None:
    root = _vault(tmp_path, {"Old/a.md": "[[./gone]] [[./b]]", "Old/b.md": "", "c.md": "[[b]]"})
    assert _mv(root, str(root / "Old"), str(root / "x/New")) == 0
    assert _read(root, "x/New/a.md") == "[[./gone]] [[./b]]"


def test_a_refused_move_creates_no_folder(tmp_path: Path) -> None:
    root = _vault(tmp_path, {"Old.md": "", "a.md": "[[Old]]"})
    vault = load_vault(root, load_config(root), use_cache=False)
    plan = plan_move(vault, "Old.md", "New/Deep/Other.md")
    (root / "a.md").write_text("a line above\n[[Old]]")
    with pytest.raises(VaultkitError):
        apply_move(vault, plan)
    assert not (root / "New").exists()


def test_a_target_under_a_file_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    root = _vault(tmp_path, {"Old.md": "", "a.md": "[[Old]]"})
    assert _mv(root, str(root / "Old.md"), str(root / "a.md/New.md")) == 2
    assert _read(root, "a.md") == "[[Old]]"
    assert (root / "Old.md").exists()


def test_a_name_that_is_another_notes_alias_is_refused(tmp_path: Path) -> None:
    root = _vault(
        tmp_path,
        {"Old.md": "", "LLM.md": "---\naliases: [Language model]\n---\n", "a.md": "[[Old]]"},
    )
    assert _mv(root, str(root / "Old.md"), str(root / "Language model.md")) == 2
    assert (root / "Old.md").exists() and _read(root, "a.md") == "[[Old]]"


def test_a_note_may_take_its_own_alias(tmp_path: Path) -> None:
    root = _vault(tmp_path, {"LLM.md": "---\naliases: [Language model]\n---\n", "a.md": "[[LLM]]"})
    assert _mv(root, str(root / "LLM.md"), str(root / "Language model.md")) == 0
    assert _read(root, "a.md") == "[[Language model]]"
