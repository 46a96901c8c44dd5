"""Resolution, one test per step of links.md, plus aliases, headings and blocks."""

from __future__ import annotations

import pytest

from tests.conftest import MakeVault
from vaultkit.index import build_index
from vaultkit.model import Heading, Note, Status
from vaultkit.resolve import has_heading_path, resolve_target
from vaultkit.text import heading_key


def _index(*paths: str, aliases: dict[str, tuple[str, ...]] | None = None) -> object:
    notes = [Note(path=p, aliases=(aliases or {}).get(p, ())) for p in paths if p.endswith(".md")]
    return build_index(notes, [p for p in paths if not p.endswith(".md")])


def _answer(
    paths: tuple[str, ...], folder: str, target: str, **kw: object
) -> tuple[str, str | None]:
    answer = resolve_target(_index(*paths), folder, target, **kw)  # type: ignore[arg-type]
    return answer.status.value, answer.path


def test_step0_outside_vault() -> None:
    assert _answer(("a/N.md",), "a", "../../outside") == ("outside-vault", None)
    assert _answer(("a/N.md",), "", "/../x") == ("outside-vault", None)


def test_step1_empty() -> None:
    assert _answer(("N.md",), "", "") == ("empty", None)


def test_step2_file_name_with_extension_first_then_plus_md() -> None:
    paths = ("LLM.md", "diagram.png", "Version 1.2.md", "Note.md", "Note.md.md")
    assert _answer(paths, "", "LLM") == ("resolved", "LLM.md")
    assert _answer(paths, "", "diagram.png") == ("resolved", "diagram.png")
    assert _answer(paths, "", "Version 1.2") == ("resolved", "Version 1.2.md")
    assert _answer(paths, "", "diagram") == ("broken", None)
    assert _answer(paths, "", "Note.md") == ("resolved", "Note.md")


def test_step2_nfc_and_casefold() -> None:
    nfd = "и\u0306"  # й as macOS writes it
    paths = ("ИИ МОДЕЛЬ.md", "Straße.md", f"{nfd}.md")
    assert _answer(paths, "", "ии модель") == ("resolved", "ИИ МОДЕЛЬ.md")
    assert _answer(paths, "", "STRASSE") == ("resolved", "Straße.md")
    assert _answer(paths, "", "\u0439") == ("resolved", f"{nfd}.md")


def test_step3_unique_name_anywhere() -> None:
    assert _answer(("deep/down/Note.md",), "other", "Note") == ("resolved", "deep/down/Note.md")


def test_step4_relative_to_the_note() -> None:
    paths = ("a/b/Note.md", "a/Note.md")
    assert _answer(paths, "a/b", "./Note") == ("resolved", "a/b/Note.md")
    assert _answer(paths, "a/b", "../Note.md") == ("resolved", "a/Note.md")
    assert _answer(paths, "a/b", "../../Note") == ("broken", None)


def test_step5_from_the_vault_root() -> None:
    paths = ("a/Note.md", "b/Note.md")
    assert _answer(paths, "x", "/b/Note") == ("resolved", "b/Note.md")
    assert _answer(paths, "x", "/Note") == ("broken", None)


def test_step6_path_suffix_on_folder_boundary() -> None:
    paths = ("ab/Note.md", "b/Note.md")
    assert _answer(paths, "", "b/Note") == ("resolved", "b/Note.md")
    assert _answer(("b/Note.md",), "", "x/Note") == ("broken", None)


def test_step7_own_folder_first_then_shortest_then_alphabetical() -> None:
    paths = ("z/Note.md", "mine/deep/Note.md", "b/Note.md", "a/Note.md")
    assert _answer(paths, "mine", "Note") == ("resolved", "mine/deep/Note.md")
    assert _answer(paths, "elsewhere", "Note") == ("ambiguous", "a/Note.md")


def test_step8_folder_alone_settles_it_without_ambiguity() -> None:
    assert _answer(("mine/Note.md", "other/Note.md"), "mine", "Note") == (
        "resolved",
        "mine/Note.md",
    )
    assert _answer(("a/Note.md", "bb/Note.md"), "", "Note") == ("ambiguous", "a/Note.md")


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("warn", ("alias", "AI-Model.md")),
        ("allow", ("alias", "AI-Model.md")),
        ("obsidian", ("broken", None)),
    ],
)
def test_alias_policy(policy: str, expected: tuple[str, str | None]) -> None:
    index = _index("AI-Model.md", "LLM.md", aliases={"AI-Model.md": ("ИИ Модель", "LLM")})
    answer = resolve_target(index, "", "ии модель", alias_links=policy)  # type: ignore[arg-type]
    assert (answer.status.value, answer.path) == expected
    # A note name always wins over an alias.
    assert resolve_target(index, "", "LLM").path == "LLM.md"  # type: ignore[arg-type]


def test_heading_key_strips_like_obsidian() -> None:
    assert heading_key("Q & A") == heading_key("q&a") == "q a"
    assert heading_key("My Heading") != heading_key("my-heading")
    assert heading_key("Модели: обзор") == "модели обзор"


def test_nested_heading_paths() -> None:
    headings = tuple(
        Heading(level, text, heading_key(text), line)
        for line, (level, text) in enumerate([(1, "A"), (2, "B"), (1, "C"), (2, "D")], 1)
    )
    assert has_heading_path(headings, ["A", "B"])
    assert not has_heading_path(headings, ["A", "D"])
    assert has_heading_path(headings, ["C", "D"])


def test_vault_statuses(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "S.md": "[[T#Real]] [[T#Gone]] [[T#^blk]] [[T#^nope]] [[#Own]] [[#Nope]]\n# Own\n",
            "T.md": "# Real\nparagraph ^blk\n",
            "pic.png": b"",
        }
    )
    statuses = [(e.link.text, e.status) for e in vault.edges if e.source == "S.md"]
    assert statuses == [
        ("[[T#Real]]", Status.RESOLVED),
        ("[[T#Gone]]", Status.BROKEN_HEADING),
        ("[[T#^blk]]", Status.RESOLVED),
        ("[[T#^nope]]", Status.BROKEN_BLOCK),
        ("[[#Own]]", Status.RESOLVED),
        ("[[#Nope]]", Status.BROKEN_HEADING),
    ]


def test_attachment_subpaths_are_never_headings(make_vault: MakeVault) -> None:
    vault = make_vault(
        {"S.md": "![[paper.pdf#page=3]] ![[pic.png|300]]", "paper.pdf": b"%PDF", "pic.png": b""}
    )
    assert {e.status for e in vault.edges} == {Status.RESOLVED}


def test_symlink_leading_outside_is_never_resolved(make_vault: MakeVault, tmp_path: object) -> None:
    import pathlib

    base = pathlib.Path(str(tmp_path))
    (base / "secret.md").write_text("secret", encoding="utf-8")
    (base / "vault").mkdir()
    (base / "vault" / "Leak.md").symlink_to(base / "secret.md")
    vault = make_vault({"S.md": "[[Leak]]"})
    (edge,) = vault.edges
    assert (edge.status, edge.resolved) == (Status.OUTSIDE_VAULT, None)
    assert "Leak.md" not in vault.notes
