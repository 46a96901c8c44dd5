"""Resolution, one test per step of links.md, plus aliases, headings and blocks."""

from __future__ import annotations

import pytest

from tests.conftest import MakeVault
from vaultkit.config import Config
from vaultkit.index import build_index
from vaultkit.model import Heading, Note, Status
from vaultkit.resolve import Resolver, attachment_extension, has_heading_path, resolve_target
from vaultkit.text import heading_key
from vaultkit.vault import load_vault


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


def test_a_dotted_name_is_a_note_unless_it_ends_in_a_file_type() -> None:
    assert attachment_extension("Version 1.2") is None
    assert attachment_extension("png") is None
    assert attachment_extension("v1.2/Notes") is None
    assert attachment_extension("v1.2/paper.PDF") == "pdf"
    assert attachment_extension("Board.canvas") == "canvas"


def _heading_tree(*rows: tuple[int, str]) -> tuple[Heading, ...]:
    return tuple(
        Heading(level, text, heading_key(text), line) for line, (level, text) in enumerate(rows, 1)
    )


def test_a_heading_path_goes_down_the_outline_in_order() -> None:
    headings = _heading_tree((1, "B"), (1, "A"), (2, "C"), (3, "D"), (2, "E"), (1, "F"), (2, "G"))
    assert has_heading_path(headings, ["A", "C", "D"])
    assert has_heading_path(headings, ["A", "D"])
    assert has_heading_path(headings, ["A", "E"])
    assert has_heading_path(headings, ["D"])
    assert has_heading_path(headings, ["A", " ", "E"])
    assert has_heading_path(headings, [])
    assert not has_heading_path(headings, ["A", "B"])  # B comes before A
    assert not has_heading_path(headings, ["A", "G"])  # G is under F, after A's section ends
    assert not has_heading_path(headings, ["C", "A"])
    assert not has_heading_path(headings, ["A", "D", "C"])
    assert not has_heading_path(headings, ["A", "C", "E"])  # E is C's sibling, not its child
    assert not has_heading_path(headings, ["E", "F"])  # F follows E at a higher level
    assert not has_heading_path(headings, ["B", "A"])  # siblings, one after the other
    assert not has_heading_path(headings, ["Z"])


def test_a_heading_path_tries_each_heading_of_the_name() -> None:
    # The first A has no C under it; the second has.
    headings = _heading_tree((1, "A"), (2, "X"), (1, "A"), (2, "C"))
    assert has_heading_path(headings, ["A", "C"])
    assert not has_heading_path(_heading_tree((1, "A"), (2, "X"), (1, "Y"), (2, "C")), ["A", "C"])


def test_heading_paths_in_a_vault(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "S.md": "[[N#A#B]] [[N#B#A]] [[N#A#C]] [[N#^b1]] [[N#^B1]] [[N#^b2]]",
            "N.md": "# B\n# A\n## C\npara ^b1\n",
        }
    )
    assert [edge.status for edge in vault.edges if edge.source == "S.md"] == [
        Status.BROKEN_HEADING,
        Status.BROKEN_HEADING,
        Status.RESOLVED,
        Status.RESOLVED,
        Status.RESOLVED,
        Status.BROKEN_BLOCK,
    ]


def _edges(vault: object, source: str) -> list[tuple[str, Status, str | None]]:
    return [
        (edge.link.text, edge.status, edge.resolved)
        for edge in vault.edges  # type: ignore[attr-defined]
        if edge.source == source
    ]


def test_an_answer_that_depends_on_the_folder_is_given_per_folder(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "p/a.md": "[[N]] [[./M]]",
            "q/b.md": "[[N]] [[./M]]",
            "r/c.md": "[[N]]",
            "p/N.md": "",
            "q/N.md": "",
            "p/M.md": "",
        }
    )
    assert _edges(vault, "p/a.md") == [
        ("[[N]]", Status.RESOLVED, "p/N.md"),
        ("[[./M]]", Status.RESOLVED, "p/M.md"),
    ]
    assert _edges(vault, "q/b.md") == [
        ("[[N]]", Status.RESOLVED, "q/N.md"),
        ("[[./M]]", Status.BROKEN, None),
    ]
    assert _edges(vault, "r/c.md") == [("[[N]]", Status.AMBIGUOUS, "p/N.md")]


def test_the_resolver_answers_each_folder_whatever_it_was_asked_first() -> None:
    notes = {path: Note(path=path) for path in ("p/N.md", "q/N.md", "p/M.md", "M.md")}
    index = build_index(list(notes.values()), [])
    for order in (["p/a.md", "q/b.md", "r/c.md"], ["r/c.md", "q/b.md", "p/a.md"]):
        resolver = Resolver(index, notes, Config())
        answers = {source: resolver.target(source, "N", True) for source in order}
        assert (answers["p/a.md"].status, answers["p/a.md"].path) == (Status.RESOLVED, "p/N.md")
        assert (answers["q/b.md"].status, answers["q/b.md"].path) == (Status.RESOLVED, "q/N.md")
        assert (answers["r/c.md"].status, answers["r/c.md"].path) == (Status.AMBIGUOUS, "p/N.md")
        relative = {source: resolver.target(source, "./M", True).path for source in order}
        assert relative == {"p/a.md": "p/M.md", "q/b.md": None, "r/c.md": None}
        # The same answer twice: remembered, not recomputed into something else.
        assert resolver.target("q/b.md", "N", True).path == "q/N.md"


def test_only_a_bare_wikilink_may_name_an_alias(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "T.md": "---\naliases: [Alias]\n---\n",
            "S.md": "[[Alias]] [x](Alias) [[sub/Alias]] ![[Alias]] [y](Alias.md)",
            "R.md": "[x](Alias) [[Alias]]",
        }
    )
    assert _edges(vault, "S.md") == [
        ("[[Alias]]", Status.ALIAS, "T.md"),
        ("[x](Alias)", Status.BROKEN, None),
        ("[[sub/Alias]]", Status.BROKEN, None),
        ("![[Alias]]", Status.ALIAS, "T.md"),
        ("[y](Alias.md)", Status.BROKEN, None),
    ]
    assert _edges(vault, "R.md") == [
        ("[x](Alias)", Status.BROKEN, None),
        ("[[Alias]]", Status.ALIAS, "T.md"),
    ]


def test_a_link_with_a_folder_never_names_an_alias() -> None:
    index = _index("T.md", aliases={"T.md": ("AI/ML", "ML")})
    assert resolve_target(index, "", "AI/ML").status is Status.BROKEN  # type: ignore[arg-type]
    assert resolve_target(index, "", "ML").status is Status.ALIAS  # type: ignore[arg-type]


def test_an_alias_answer_names_its_owners() -> None:
    index = _index("A.md", "B.md", aliases={"A.md": ("Dup",), "B.md": ("dup",)})
    answer = resolve_target(index, "", "DUP")  # type: ignore[arg-type]
    assert (answer.status, answer.path, answer.candidates) == (
        Status.ALIAS,
        "A.md",
        ("A.md", "B.md"),
    )
    refused = resolve_target(index, "", "DUP", alias_links="obsidian")  # type: ignore[arg-type]
    assert (refused.status, refused.path, refused.candidates) == (
        Status.BROKEN,
        None,
        ("A.md", "B.md"),
    )
    assert resolve_target(index, "", "Nope").candidates == ()  # type: ignore[arg-type]


def test_paths_that_leave_the_vault_from_any_folder() -> None:
    assert _answer(("a/N.md",), "a", "/../N") == ("outside-vault", None)
    assert _answer(("a/N.md",), "a", "../..") == ("outside-vault", None)
    assert _answer(("a/N.md",), "", "../") == ("outside-vault", None)
    assert _answer(("a/N.md",), "", "./../N") == ("outside-vault", None)
    assert _answer(("a/N.md",), "a/b", "../../a/N") == ("resolved", "a/N.md")


def test_a_path_from_the_root_or_the_folder_is_taken_as_written() -> None:
    paths = ("Xa/Note.md", "b/Note.md", "a/diagram.png", "b/diagram.png", "Note.md")
    assert _answer(paths, "b", "/Xa/Note") == ("resolved", "Xa/Note.md")
    assert _answer(paths, "", "./Note") == ("resolved", "Note.md")
    assert _answer(paths, "", "b/diagram.png") == ("resolved", "b/diagram.png")
    assert _answer(paths, "Xa", "../b/diagram.png") == ("resolved", "b/diagram.png")


def test_the_linking_note_s_own_folder_is_its_whole_path() -> None:
    notes = {path: Note(path=path) for path in ("a/b/N.md", "a/N.md", "N.md", "a/b/M.md")}
    resolver = Resolver(build_index(list(notes.values()), []), notes, Config())
    answers = [
        (source, target, resolver.target(source, target, True))
        for source in ("a/b/s.md", "a/s.md", "s.md", "a/b/c/s.md")
        for target in ("N", "./M", "../M")
    ]
    assert [(source, target, answer.status, answer.path) for source, target, answer in answers] == [
        ("a/b/s.md", "N", Status.RESOLVED, "a/b/N.md"),
        ("a/b/s.md", "./M", Status.RESOLVED, "a/b/M.md"),
        ("a/b/s.md", "../M", Status.BROKEN, None),
        ("a/s.md", "N", Status.AMBIGUOUS, "a/N.md"),
        ("a/s.md", "./M", Status.BROKEN, None),
        ("a/s.md", "../M", Status.BROKEN, None),
        ("s.md", "N", Status.AMBIGUOUS, "N.md"),
        ("s.md", "./M", Status.BROKEN, None),
        ("s.md", "../M", Status.OUTSIDE_VAULT, None),
        ("a/b/c/s.md", "N", Status.AMBIGUOUS, "N.md"),  # only below its own folder
        ("a/b/c/s.md", "./M", Status.BROKEN, None),
        ("a/b/c/s.md", "../M", Status.RESOLVED, "a/b/M.md"),
    ]


def test_an_extension_is_the_last_one_of_the_name() -> None:
    assert attachment_extension("report.v2.PDF") == "pdf"
    assert attachment_extension("Chapter 1.pdf.notes") is None


def test_the_plain_pipeline_resolves_as_the_cached_one(make_vault: MakeVault) -> None:
    files = {
        "S.md": "[[T#Real]] [[T#Gone]] [[Alias]] [[Nope]] [[]] [[../../x]] [[N]] [[T#^blk]]",
        "T.md": "---\naliases: [Alias]\n---\n# Real\nparagraph ^blk\n\n[[S]]",
        "p/N.md": "[[S]]",
        "q/N.md": "",
    }
    cached = make_vault(files)
    plain = load_vault(cached.root, use_cache=False)
    assert plain.edges == cached.edges
    assert (plain.root, plain.config, plain.attachments) == (
        cached.root,
        cached.config,
        cached.attachments,
    )
    assert dict(plain.notes) == dict(cached.notes)
    assert plain.index == cached.index
    assert [edge.status for edge in plain.edges if edge.source == "S.md"] == [
        Status.RESOLVED,
        Status.BROKEN_HEADING,
        Status.ALIAS,
        Status.BROKEN,
        Status.EMPTY,
        Status.OUTSIDE_VAULT,
        Status.AMBIGUOUS,
        Status.RESOLVED,
    ]
    for vault in (plain, cached):
        for status in Status:
            expected = tuple(edge for edge in vault.edges if edge.status is status)
            assert vault.with_status(status) == expected
            assert vault.with_status(status) == expected  # asked again: the same


def test_every_answer_says_why_and_names_its_candidates() -> None:
    notes = [Note(path=path) for path in ("a/N.md", "b/N.md", "T.md", "Al.md")]
    notes[3] = Note(path="Al.md", aliases=("Alias",))
    index = build_index(notes, ["pic.png"], frozenset({"Leak.md"}))
    both = ("a/N.md", "b/N.md")
    cases = [
        ("", "", Status.EMPTY, ()),
        ("", "../x", Status.OUTSIDE_VAULT, ()),
        ("", "Nope", Status.BROKEN, ()),
        ("", "Alias", Status.ALIAS, ("Al.md",)),
        ("", "T", Status.RESOLVED, ("T.md",)),
        ("", "/c/N", Status.BROKEN, both),
        ("", "c/N", Status.BROKEN, both),
        ("", "/a/N", Status.RESOLVED, both),
        ("", "N", Status.AMBIGUOUS, both),
        ("a", "N", Status.RESOLVED, both),
        ("", "Leak", Status.OUTSIDE_VAULT, ("Leak.md",)),
    ]
    for folder, target, status, candidates in cases:
        answer = resolve_target(index, folder, target)
        assert (answer.status, answer.candidates) == (status, candidates), target
        assert isinstance(answer.reason, str), target
        assert answer.steps and all(isinstance(step, str) and step for step in answer.steps)
        # A link with one clear answer needs no reason; every other answer gives one.
        assert (answer.reason == "") is (status is Status.RESOLVED and target != "N"), target
        quiet = resolve_target(index, folder, target, trace=False)
        assert (quiet.status, quiet.path, quiet.reason) == (status, answer.path, answer.reason)
        assert quiet.steps == (() if target else answer.steps)
