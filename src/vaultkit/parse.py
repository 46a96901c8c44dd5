"""Turning one note's text into a frozen ``Note``: frontmatter first, then the body."""

from __future__ import annotations

from vaultkit.frontmatter import read_frontmatter
from vaultkit.markdown import scan_body
from vaultkit.model import Block, Note, Problem


def parse_note(path: str, text: str, parent_keys: frozenset[str] = frozenset({"up"})) -> Note:
    """Parse a note's text (``\\n`` line endings, no BOM); ``path`` is vault-relative."""
    front = read_frontmatter(text, parent_keys)
    body = scan_body(front.body, front.body_line)
    duplicates = _duplicate_blocks(body.blocks)
    return Note(
        path=path,
        links=front.links + body.links,
        headings=body.headings,
        blocks=body.blocks,
        aliases=tuple(alias for alias, _, _ in front.aliases),
        alias_positions=tuple((line, column) for _, line, column in front.aliases),
        tags=tuple(dict.fromkeys(front.tags + body.tags)),
        problems=front.problems + duplicates,
        suppressions=body.suppressions,
        ignore=front.ignore,
    )


def unreadable_note(path: str, problem: Problem) -> Note:
    """A note that could not be read or parsed: it exists, but holds nothing."""
    return Note(path=path, problems=(problem,), readable=False)


def _duplicate_blocks(blocks: tuple[Block, ...]) -> tuple[Problem, ...]:
    seen: set[str] = set()
    problems = []
    for block in blocks:
        if block.id in seen:
            message = f"block id {'^' + block.id!r} is defined again"
            problems.append(Problem("VK221", block.line, block.column, message))
        seen.add(block.id)
    return tuple(problems)
