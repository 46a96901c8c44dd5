"""Turning one note's text into a frozen ``Note``: frontmatter first, then the body.

``parse_note`` can be given a time bound (``parse-timeout``, VK005). The bound really stops a
runaway parse: on the main thread a ``SIGALRM`` timer interrupts the parser wherever it is
(every stage is pure Python or a linear regex, so the interruption lands quickly). Where
signals are unavailable (other threads, Windows) the parse runs unbounded, relying on the
linear scanner and the file size cap.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from vaultkit.frontmatter import read_frontmatter
from vaultkit.markdown import scan_body
from vaultkit.model import Block, Note, Problem


class Timeout(Exception):
    """The work inside ``deadline`` ran past its time."""


def parse_note(
    path: str,
    text: str,
    parent_keys: frozenset[str] = frozenset({"up"}),
    timeout: float | None = None,
) -> Note:
    """Parse a note's text (``\\n`` line endings, no BOM); ``path`` is vault-relative."""
    if timeout is None:
        return _parse(path, text, parent_keys)
    try:
        with deadline(timeout):
            return _parse(path, text, parent_keys)
    except Timeout:
        message = f"parsing took longer than parse-timeout ({timeout:g} s); the note was skipped"
        return unreadable_note(path, Problem("VK005", 1, 1, message))


def _parse(path: str, text: str, parent_keys: frozenset[str]) -> Note:
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
        unspaced_blocks=body.unspaced_blocks,
        ignore=front.ignore,
    )


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise ``Timeout`` inside the block after ``seconds`` (main thread only; elsewhere none)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise Timeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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
