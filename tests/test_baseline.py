"""``vaultkit baseline`` and how ``lint`` reads it: known problems hidden, new ones shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write_files
from vaultkit.cli import main
from vaultkit.identity import BASELINE_FILE, parse_baseline

# Orphans (VK201) would make every tiny vault noisy: these vaults link every note.
_VAULT = {
    ".vaultkit.toml": "",
    "a.md": "[[b]] [[Gone]]\n[[Gone]]\n",
    "b.md": "[[a]] [[Lost#x]] [[c]]\n",
    "c.md": "[[a]] [[b]]\n",
}


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "v"
    write_files(root, _VAULT)
    monkeypatch.chdir(root)
    return root


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], list[str]]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err.splitlines()


def _found(lines: list[str]) -> list[str]:
    return [line for line in lines if ": VK" in line]


def test_baseline_writes_every_finding_sorted_one_a_line(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "baseline")[0] == 0
    text = (vault / BASELINE_FILE).read_text(encoding="utf-8")
    entries = parse_baseline(text, "baseline")
    assert sorted(entries) == [
        ("a.md", "VK101", "[[Gone]]", 0),
        ("a.md", "VK101", "[[Gone]]", 1),
        ("b.md", "VK101", "[[Lost#x]]", 0),
    ]
    rows = [line for line in text.splitlines() if line.startswith("  [")]
    assert len(rows) == 3
    assert rows == sorted(rows)


def test_baseline_goes_where_o_says(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "baseline", "-o", "elsewhere.json")[0] == 0
    assert not (vault / BASELINE_FILE).exists()
    assert len(parse_baseline((vault / "elsewhere.json").read_text(), "x")) == 3


def test_lint_hides_what_the_baseline_holds_and_shows_what_is_new(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "baseline")
    status, out, err = _run(capsys, "lint")
    assert (status, _found(out)) == (0, [])
    assert err[-1].startswith("3 known problems hidden by .vaultkit-baseline.json")

    # A new broken link of the same rule in the same note is new, whatever the baseline holds.
    (vault / "a.md").write_text("[[b]] [[Gone]]\n[[Gone]] [[Other]]\n", encoding="utf-8")
    status, out, err = _run(capsys, "lint")
    assert status == 1
    assert _found(out) == ["a.md:2:10: VK101 [broken-link] no note matches 'Other'"]
    assert err[-1].startswith("3 known problems hidden")


def test_a_moved_finding_stays_hidden(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "baseline")
    (vault / "a.md").write_text("intro\n\n[[b]] [[Gone]]\n\n[[Gone]]\n", encoding="utf-8")
    assert _run(capsys, "lint")[:2] == (0, ["no problems in 3 notes"])


def test_fixed_findings_are_counted_until_the_baseline_is_rerun(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "baseline")
    (vault / "b.md").write_text("[[a]] [[c]]\n", encoding="utf-8")
    status, _, err = _run(capsys, "lint")
    assert status == 0
    assert err[-1] == (
        "2 known problems hidden by .vaultkit-baseline.json "
        "(1 fixed since: run vaultkit baseline to shrink it)"
    )
    # Lint never edits the baseline: the link that comes back is still known.
    before = (vault / BASELINE_FILE).read_bytes()
    (vault / "b.md").write_text("[[a]] [[Lost#x]] [[c]]\n", encoding="utf-8")
    assert _run(capsys, "lint")[0] == 0
    assert (vault / BASELINE_FILE).read_bytes() == before
    # Once the baseline is rerun without it, it is new when it comes back.
    (vault / "b.md").write_text("[[a]] [[c]]\n", encoding="utf-8")
    _run(capsys, "baseline")
    (vault / "b.md").write_text("[[a]] [[Lost#x]] [[c]]\n", encoding="utf-8")
    assert _run(capsys, "lint")[0] == 1


def test_paths_count_hidden_and_fixed_only_within_them(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "baseline")
    (vault / "b.md").write_text("[[a]] [[c]]\n", encoding="utf-8")
    status, out, err = _run(capsys, "lint", "--", "a.md")
    assert (status, _found(out)) == (0, [])
    assert err[-1] == "2 known problems hidden by .vaultkit-baseline.json"
    status, out, err = _run(capsys, "lint", "--", "b.md")
    assert err[-1] == (
        "0 known problems hidden by .vaultkit-baseline.json "
        "(1 fixed since: run vaultkit baseline to shrink it)"
    )
    # Rules not run fix nothing: the broken links are not checked by VK201 alone.
    status, out, err = _run(capsys, "lint", "--select", "VK201")
    assert status == 0
    assert not any("fixed since" in line for line in err)


def test_no_baseline_shows_everything(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "baseline")
    status, out, err = _run(capsys, "lint", "--no-baseline")
    assert (status, len(_found(out))) == (1, 3)
    assert not any("hidden" in line for line in err)


def test_config_names_the_baseline_or_turns_it_off(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (vault / ".vaultkit.toml").write_text('baseline = "known/problems.json"\n', encoding="utf-8")
    (vault / "known").mkdir()
    assert _run(capsys, "baseline")[0] == 0
    assert (vault / "known" / "problems.json").is_file()
    assert not (vault / BASELINE_FILE).exists()
    assert _run(capsys, "lint")[0] == 0
    (vault / ".vaultkit.toml").write_text("baseline = false\n", encoding="utf-8")
    assert _run(capsys, "lint")[0] == 1


@pytest.mark.parametrize(
    "value",
    ['"../outside.json"', '"/tmp/anywhere.json"', '".git/hooks/pre-commit"', '"a.md"', "true"],
)
def test_a_baseline_path_from_config_stays_in_the_vault(
    vault: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    (vault / ".git" / "hooks").mkdir(parents=True)
    (vault / ".vaultkit.toml").write_text(f"baseline = {value}\n", encoding="utf-8")
    before = {path: path.read_bytes() for path in vault.rglob("*") if path.is_file()}
    status, _, err = _run(capsys, "baseline")
    assert status == 2
    assert len(err) == 1 and "baseline" in err[0]
    assert not (vault.parent / "outside.json").exists()
    assert {path: path.read_bytes() for path in vault.rglob("*") if path.is_file()} == before
    assert _run(capsys, "lint")[0] == 2


def test_a_symlinked_baseline_leading_outside_is_refused(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = vault.parent / "secret.json"
    outside.write_text("{}", encoding="utf-8")
    (vault / BASELINE_FILE).symlink_to(outside)
    assert _run(capsys, "baseline")[0] == 2
    assert outside.read_text(encoding="utf-8") == "{}"


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"version": 2, "findings": []}',
        '{"version": 1, "findings": [["a.md", "VK101"]]}',
        '{"version": 1, "findings": {}}',
    ],
)
def test_a_malformed_baseline_is_exit_2_in_one_line(
    vault: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    (vault / BASELINE_FILE).write_text(text, encoding="utf-8")
    status, out, err = _run(capsys, "lint")
    assert (status, out, len(err)) == (2, [], 1)
    assert BASELINE_FILE in err[0]


def test_a_baseline_that_is_no_file_is_refused(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (vault / BASELINE_FILE).mkdir()
    status, _, err = _run(capsys, "lint")
    assert (status, len(err)) == (2, 1)


def test_json_findings_carry_their_identity(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _run(capsys, "lint", "--no-baseline", "--format", "json")
    first = json.loads("\n".join(out))
    (vault / "a.md").write_text("moved down\n\n[[b]] [[Gone]]\n[[Gone]]\n", encoding="utf-8")
    _, out, _ = _run(capsys, "lint", "--no-baseline", "--format", "json")
    second = json.loads("\n".join(out))
    assert [item["line"] for item in first] != [item["line"] for item in second]
    assert [item["id"] for item in first] == [item["id"] for item in second]
    assert len({item["id"] for item in first}) == 3
    _, out, _ = _run(capsys, "lint", "--no-baseline", "--format", "sarif")
    results = json.loads("\n".join(out))["runs"][0]["results"]
    assert [result["partialFingerprints"]["vaultkitId/v1"] for result in results] == [
        item["id"] for item in second
    ]


def test_json_ids_are_the_same_for_one_note_as_for_the_vault(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _run(capsys, "lint", "--format", "json")
    whole = {item["id"] for item in json.loads("\n".join(out)) if item["path"] == "a.md"}
    _, out, _ = _run(capsys, "lint", "--format", "json", "--", "a.md")
    assert {item["id"] for item in json.loads("\n".join(out))} == whole
