"""The sample vault's outputs equal the reviewed goldens (``make golden`` rewrites them)."""

from __future__ import annotations

import json

import pytest

from tests.golden.regenerate import COMMANDS, GOLDEN, render


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_golden(name: str) -> None:
    assert render(COMMANDS[name]) == (GOLDEN / name).read_text(encoding="utf-8")


def test_golden_lists_the_deliberate_problems() -> None:
    found = json.loads((GOLDEN / "lint.json").read_text(encoding="utf-8"))
    assert [(item["code"], item["path"], item["line"], item["column"]) for item in found] == [
        ("VK105", "AI-concept.md", 26, 28),
        ("VK102", "Architectures/Attention mechanism.md", 26, 66),
        ("VK101", "Models/AI-Model.md", 18, 389),
        ("VK214", "Models/Media/Audio models.md", 7, 5),
        ("VK201", "Scratch/Untitled idea.md", 1, 1),
    ]
