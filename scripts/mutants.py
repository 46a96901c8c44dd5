"""Mutation testing of the core modules with mutmut: ``make mutants`` (slow; not part of CI).

The run happens in a copy of the checkout under ``build/mutation`` so that mutmut's
``mutants/`` folder and its config never touch the working tree. Each module is mutated and
tested against the test files that are meant to pin it down (the sample vault's golden tests
run vaultkit in a subprocess with its own environment, so they cannot see mutmut's switch and
are left out; explain's golden runs in process and takes part).
One child at a time by default: the suite's own tests share the machine.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutation"

# Module → the tests that pin it down.
TARGETS = {
    "resolve": [
        "tests/test_resolve.py",
        "tests/test_explain.py",
        "tests/test_explain_golden.py",
        "tests/test_messages_golden.py",
        "tests/test_rules_behaviour.py",
    ],
    "rules": [
        "tests/test_rules.py",
        "tests/test_rules_behaviour.py",
        "tests/test_rules_mutants.py",
        "tests/test_renames.py",
        "tests/test_identity.py",
        "tests/test_fix_meaning.py",
        "tests/test_explain_golden.py",
        "tests/test_messages_golden.py",
    ],
    "markdown": [
        "tests/test_markdown.py",
        "tests/test_markdown_mutants.py",
        "tests/test_messages_golden.py",
    ],
    "frontmatter": [
        "tests/test_frontmatter.py",
        "tests/test_frontmatter_parsers.py",
        "tests/test_frontmatter_mutants.py",
        "tests/test_messages_golden.py",
    ],
}
# Tests that time the code: mutmut's trampolines slow every call enough to fail them with no
# mutant active, so they are left out (mutmut's own timeout still catches a mutant that
# loops; the scanner cases and the corpus comparisons check the same links).
TIMED = [
    "tests/test_markdown.py::test_quadratic_shapes_scan_fast_and_agree_with_mistune",
    "tests/test_markdown.py::test_budget_table_note_lints_fast_and_keeps_its_links",
]
# A mutant may take this many times its tests' CPU time (mutmut's default is 15): the scanner's
# loops make many mutants loop forever, and each waited a minute before it counted as killed.
TIMEOUT_MULTIPLIER = 3
# mutmut's exit codes as its own ``results`` command names them.
STATUS = {0: "survived", 1: "killed", 3: "killed", 5: "no tests", 33: "no tests", 34: "skipped"}
STATUS |= dict.fromkeys((36, -24, 24, 152, 255), "timeout")
IGNORE = shutil.ignore_patterns("__pycache__", "*.egg-info", ".hypothesis")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", default=["resolve", "rules"], choices=[*TARGETS])
    parser.add_argument("--mutmut", default="mutmut", help="the mutmut command to run")
    parser.add_argument("--max-children", type=int, default=1)
    parser.add_argument(
        "--deselect", action="append", default=[], help="a test id to leave out (repeatable)"
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="test only the last run's survivors again, against the tests as they are now",
    )
    args = parser.parse_args()
    deselect = [*TIMED, *args.deselect]
    names = again(args.modules, deselect) if args.survivors else prepare(args.modules, deselect)
    command = [args.mutmut, "run", "--max-children", str(args.max_children), *names]
    env = {**os.environ, "VAULTKIT_SHARED": str(ROOT.parent / "shared")}
    subprocess.run(command, cwd=WORK, env=env, check=False)
    scores = score(args.modules)
    for module, counts in scores.items():
        print(format_score(module, counts))
    survivors = [name for name, status in statuses(args.modules) if status == "survived"]
    changes = mutations(args.modules)
    listing = "".join(f"{name}\n{changes.get(name, '')}\n" for name in survivors)
    (WORK / "survivors.txt").write_text(listing, encoding="utf-8")
    print(f"{len(survivors)} survivors, each with its change, in {WORK / 'survivors.txt'}")
    return 0


def prepare(modules: list[str], deselect: list[str]) -> list[str]:
    """A fresh copy of the sources, tests and sample vault; no names: every mutant is run."""
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    for folder in ("src", "tests", "vault"):
        shutil.copytree(ROOT / folder, WORK / folder, ignore=IGNORE)
    shutil.copy2(ROOT / "pyproject.toml", WORK / "pyproject.toml")
    configure(modules, deselect)
    return []


def again(modules: list[str], deselect: list[str]) -> list[str]:
    """The last run's survivors, and the mutants no test reached, to test again against the
    current tests.

    A mutant the earlier tests killed stays killed by more tests, so only these need another
    run; the sources must be the ones the earlier run mutated. mutmut forgets every
    verdict when its test selection changes, so the fingerprint it compares is dropped (it
    still finds the new tests and learns which functions they reach).
    """
    names = [name for name, status in statuses(modules) if status in ("survived", "no tests")]
    if not names:
        raise SystemExit(f"no survivors of an earlier run of {', '.join(modules)} in {WORK}")
    for path in sorted((ROOT / "src").rglob("*.py")):
        copy = WORK / path.relative_to(ROOT)
        if not copy.is_file() or copy.read_bytes() != path.read_bytes():
            raise SystemExit(f"{path.relative_to(ROOT)} changed since the last run: run them all")
    for folder in (WORK / "tests", WORK / "mutants" / "tests"):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(ROOT / "tests", WORK / "tests", ignore=IGNORE)
    configure(modules, deselect)
    stats = WORK / "mutants" / "mutmut-stats.json"
    data = json.loads(stats.read_text(encoding="utf-8"))
    data.pop("config_fingerprint", None)
    stats.write_text(json.dumps(data), encoding="utf-8")
    return names


def configure(modules: list[str], deselect: list[str]) -> None:
    """mutmut's config: the modules to mutate and the tests that pin them down."""
    tests = sorted(
        {test for module in modules for test in TARGETS[module] if (ROOT / test).is_file()}
    )
    mutate = [f"src/vaultkit/{module}.py" for module in modules]
    lines = [
        "[mutmut]",
        "source_paths = src",
        f"timeout_multiplier = {TIMEOUT_MULTIPLIER}",
        "also_copy =",
        "    vault",
        "only_mutate =",
        *(f"    {path}" for path in mutate),
        "pytest_add_cli_args =",
        "    -p",
        "    no:randomly",
        "    -p",
        "    no:cacheprovider",
        *(f"    --deselect={test}" for test in deselect),
        "pytest_add_cli_args_test_selection =",
        *(f"    {test}" for test in tests),
        "",
    ]
    (WORK / "setup.cfg").write_text("\n".join(lines), encoding="utf-8")


def statuses(modules: list[str]) -> list[tuple[str, str]]:
    """Each mutant's name and outcome, from the metadata mutmut leaves beside the mutants."""
    found = []
    for module in modules:
        meta = WORK / "mutants" / "src" / "vaultkit" / f"{module}.py.meta"
        if not meta.is_file():
            continue
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        for name, code in sorted(codes.items()):
            found.append((name, "not run" if code is None else STATUS.get(code, f"exit {code}")))
    return found


def mutations(modules: list[str]) -> dict[str, str]:
    """Each mutant's changed lines against the original function, from mutmut's copy."""
    found: dict[str, str] = {}
    for module in modules:
        path = WORK / "mutants" / "src" / "vaultkit" / f"{module}.py"
        if not path.is_file():
            continue
        source = path.read_text(encoding="utf-8")
        rows = source.splitlines()
        functions = {
            node.name: "\n".join(rows[node.lineno - 1 : node.end_lineno])
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.FunctionDef) and "__mutmut_" in node.name
        }
        for name, text in functions.items():
            stem, _, number = name.rpartition("__mutmut_")
            original = functions.get(f"{stem}__mutmut_orig")
            if number == "orig" or original is None:
                continue
            text = text.replace(name, f"{stem}__mutmut_orig", 1)
            lines = difflib.unified_diff(original.splitlines(), text.splitlines(), n=0)
            changed = [line for line in lines if line[:1] in "+-" and line[:3] not in "+++---"]
            found[f"vaultkit.{module}.{name}"] = "\n".join(changed)
    return found


def score(modules: list[str]) -> dict[str, Counter[str]]:
    result: dict[str, Counter[str]] = {module: Counter() for module in modules}
    for name, status in statuses(modules):
        result[name.split(".")[1]][status] += 1
    return result


def format_score(module: str, counts: Counter[str]) -> str:
    total = sum(counts.values())
    killed = counts["killed"] + counts["timeout"]
    share = f"{100 * killed / total:.1f}%" if total else "-"
    rest = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    return f"{module}.py: {share} killed ({killed} of {total}: {rest})"


if __name__ == "__main__":
    sys.exit(main())
