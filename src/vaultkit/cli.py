"""The ``vaultkit`` command: argument parsing, the subcommands, exit codes.

Exit codes: 0 nothing enabled fired, 1 findings at or above ``fail-on``, 2 a usage, config or
internal error (one line on stderr; a traceback only with ``--debug``), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from vaultkit import progress
from vaultkit.config import Config, glob_matcher, load_config
from vaultkit.discover import vaults_of
from vaultkit.explain import explain, explain_json, explain_text, find_note, parse_link
from vaultkit.files import write_output
from vaultkit.fix import fix_diff, fix_report, plan_fixes, write_fixes
from vaultkit.git import (
    changed_files,
    inner_vaults,
    repository_vaults,
    top_level,
    untracked_patterns,
)
from vaultkit.identity import (
    Identity,
    apply_baseline,
    baseline_text,
    finding_id,
    identities,
    parse_baseline,
)
from vaultkit.model import Diagnostic, Severity, Vault, VaultkitError, diagnostic_order
from vaultkit.move import move_command
from vaultkit.report import LINK_REPORTERS, REPORTERS, Context, printable, printable_graph
from vaultkit.rules import RULES, Rule, find_rule, select_rules
from vaultkit.vault import check_vault, left_out_summary, load_and_lint, load_vault
from vaultkit.version import __version__


def run() -> None:
    """Console entry point."""
    raise SystemExit(main())


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    command: Callable[[argparse.Namespace], int] | None = getattr(args, "command", None)
    if command is None:
        parser.print_help()
        return 2
    try:
        return command(args)
    except VaultkitError as error:
        print(f"vaultkit: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as error:
        if getattr(args, "debug", False):
            raise
        print(
            f"vaultkit: internal error: {type(error).__name__}: {error} (run with --debug)",
            file=sys.stderr,
        )
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vaultkit",
        description="Keep an Obsidian-style markdown vault healthy: check every link, "
        "alias and up-hierarchy, and draw the vault as a graph.",
    )
    parser.add_argument("--version", action="version", version=f"vaultkit {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--vault", type=Path, help="the vault folder (default: found from here)")
    common.add_argument("--select", action="append", help="rules to run (codes, names, prefixes)")
    common.add_argument("--ignore", action="append", help="rules to skip")
    common.add_argument("--output", "-o", type=Path, help="write to FILE instead of stdout")
    common.add_argument("--no-cache", action="store_true", help="do not use the parse cache")
    common.add_argument("--quiet", "-q", action="store_true", help="print findings only")
    common.add_argument("--debug", action="store_true", help="show tracebacks")

    lint_parser = commands.add_parser(
        "lint", parents=[common], help="check the vault", description=_doc(lint_command)
    )
    lint_parser.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    lint_parser.add_argument("--format", choices=sorted(REPORTERS), default="text")
    lint_parser.add_argument("--exit-zero", action="store_true", help="exit 0 despite findings")
    lint_parser.add_argument(
        "--fail-on", choices=("info", "warning", "error"), help="lowest severity that fails"
    )
    lint_parser.add_argument(
        "--fix", action="store_true", help="rewrite what can be fixed safely, then lint again"
    )
    lint_parser.add_argument(
        "--diff", action="store_true", help="print what --fix would change as a diff; write nothing"
    )
    lint_parser.add_argument(
        "--unsafe-fixes", action="store_true", help="with --fix or --diff: the unsafe fixes too"
    )
    lint_parser.add_argument(
        "--no-baseline", action="store_true", help="also show the findings the baseline hides"
    )
    lint_parser.add_argument(
        "--not-changed",
        action="store_true",
        help="the whole-vault hook: every vault git tracks, findings outside the changed files",
    )
    lint_parser.set_defaults(command=lint_command)

    baseline_parser = commands.add_parser(
        "baseline",
        parents=[common],
        help="accept the current findings: lint then shows only new ones",
        description=_doc(baseline_command),
    )
    baseline_parser.set_defaults(command=baseline_command)

    links_parser = commands.add_parser(
        "links",
        parents=[common],
        help="list every link and where it resolved",
        description=_doc(links_command),
    )
    links_parser.add_argument("--format", choices=sorted(LINK_REPORTERS), default="text")
    links_parser.set_defaults(command=links_command)

    rule_parser = commands.add_parser(
        "rule", help="show a rule's documentation", description=_doc(rule_command)
    )
    rule_parser.add_argument("rule", nargs="?", metavar="CODE|NAME")
    rule_parser.add_argument("--all", action="store_true", help="list every rule")
    rule_parser.set_defaults(command=rule_command)

    explain_parser = commands.add_parser(
        "explain",
        parents=[common],
        help="show how one link resolves, step by step",
        description=_doc(explain_command),
    )
    explain_parser.add_argument(
        "link", metavar="LINK", help='the link as written: "[[T#h]]", "![[T]]" or "[t](T.md)"'
    )
    explain_parser.add_argument(
        "--from",
        dest="source",
        metavar="NOTE",
        help="the note that holds the link: a path or a note name (default: the vault root)",
    )
    explain_parser.add_argument("--format", choices=("text", "json"), default="text")
    explain_parser.set_defaults(command=explain_command)

    watch_parser = commands.add_parser(
        "watch",
        parents=[common],
        help="lint, then re-lint on every change and print what changed",
        description=_doc(watch_command),
    )
    watch_parser.add_argument("--format", choices=("text", "json"), default="text")
    watch_parser.add_argument(
        "--graph", type=Path, metavar="FILE", help="keep the graph page at FILE up to date"
    )
    watch_parser.add_argument(
        "--no-baseline", action="store_true", help="also show the findings the baseline hides"
    )
    watch_parser.set_defaults(command=watch_command)

    graph_parser = commands.add_parser(
        "graph", parents=[common], help="draw the vault as a graph", description=_doc(graph_command)
    )
    graph_parser.add_argument(
        "--format", choices=("html", "json", "graphml", "gexf"), default="html"
    )
    graph_parser.add_argument("--open", action="store_true", help="open the page in a browser")
    graph_parser.set_defaults(command=graph_command)

    lsp_parser = commands.add_parser(
        "lsp",
        help="run the language server (LSP on stdin and stdout) for editors",
        description=_doc(lsp_command),
    )
    lsp_parser.add_argument("--vault", type=Path, help="the vault folder (default: the editor's)")
    lsp_parser.add_argument("--select", action="append", help="rules to run")
    lsp_parser.add_argument("--ignore", action="append", help="rules to skip")
    lsp_parser.add_argument("--debug", action="store_true", help="show tracebacks")
    lsp_parser.set_defaults(command=lsp_command)

    mv_parser = commands.add_parser(
        "mv",
        parents=[common],
        help="move a note or folder and rewrite every link to it",
        description=_doc(move_command),
    )
    mv_parser.add_argument("old", metavar="OLD", help="the note or folder to move")
    mv_parser.add_argument("new", metavar="NEW", help="where it goes (an existing folder: into it)")
    mv_parser.add_argument(
        "--dry-run", action="store_true", help="print what would change as a diff; write nothing"
    )
    mv_parser.set_defaults(command=move_command)
    return parser


def lsp_command(args: argparse.Namespace) -> int:
    """Serve the vault to an editor: findings as you type, completion, navigation, rename."""
    from vaultkit.lsp import serve  # pygls is loaded only by the command that needs it

    if args.vault is not None and not args.vault.is_dir():
        raise VaultkitError(f"{args.vault}: the vault folder does not exist")
    return serve(args.vault, args.select, args.ignore or ())


def _doc(function: Callable[..., object]) -> str:
    return (function.__doc__ or "").strip().splitlines()[0]


def _settings(args: argparse.Namespace, paths: Sequence[Path] = ()) -> tuple[Path, Config]:
    if args.vault is not None:
        root = args.vault
        if not root.is_dir():
            raise VaultkitError(f"{root}: the vault folder does not exist")
        root = root.resolve()
    else:
        # The vault of the first path (or of the current folder); with no marker anywhere
        # above it, the current folder, said once on stderr.
        start = paths[0] if paths else Path.cwd()
        root = next(iter(vaults_of([start], Path.cwd(), quiet=args.quiet, below=False)))
    return root, load_config(root)


def _vault(args: argparse.Namespace, paths: Sequence[Path] = ()) -> Vault:
    root, config = _settings(args, paths)
    return load_vault(root, config, use_cache=not args.no_cache)


def _color(args: argparse.Namespace) -> bool:
    return (
        args.output is None
        and sys.stdout.isatty()
        and not os.environ.get("NO_COLOR")  # no-color.org: set *and not empty*
        and "PRE_COMMIT" not in os.environ
        and os.environ.get("CI", "").lower() not in ("1", "true", "yes")
        and os.environ.get("TERM") != "dumb"
    )


def _emit(args: argparse.Namespace, text: str) -> None:
    # The reporters escape names that are not UTF-8 themselves; explain and --diff may still
    # quote one, which must reach the file or terminal as valid UTF-8, never as a crash.
    if args.output is None:
        if not text.isascii():
            text = text.encode("utf-8", "backslashreplace").decode("utf-8")
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_output(args.output, text.encode("utf-8", "backslashreplace"))


def _vault_paths(root: Path, paths: Sequence[Path]) -> list[str]:
    relative = []
    for path in paths:
        # A symlinked note is a note of its own name: the findings asked for are those of the
        # path given, so the last step is not followed (its folder is).
        absolute = (
            path.absolute().parent.resolve() / path.name if path.is_symlink() else path.resolve()
        )
        try:
            inside = absolute.relative_to(root)
        except ValueError:
            # Never a vault of its own (a repository's README.md beside its notes/ vault).
            print(f"vaultkit: {path}: outside the vault {root}; skipped", file=sys.stderr)
            continue
        relative.append(inside.as_posix())
    return relative


def lint_command(args: argparse.Namespace) -> int:
    """Check every link, alias and hierarchy of the vault and report what is broken.

    With paths, each one's vault is found from where it lies (so pre-commit's file list works
    from the repository root, whatever folder holds the vault) and only findings located in
    those notes or folders are reported; a path that is no note of the vault reports nothing.
    Paths may follow ``--`` (the hooks put it before the names pre-commit adds); a name there
    that starts with ``-`` and is no file is an option in the wrong place: an error, never a
    path that quietly matches nothing.

    The findings the vault's baseline lists are hidden (``--no-baseline`` shows them), and one
    line on stderr counts them, and the entries that no finding matches any more, among the
    notes and rules checked. Under pre-commit (``PRE_COMMIT`` set) the vault is what git
    tracks (``git.py``), and a ``fail-on`` the vault's config sets wins over the hook's
    ``--fail-on``. ``--not-changed`` is the whole-vault hook's half of the work: without paths
    it checks every vault of the repository, and it reports only findings located outside the
    files the commit changes, which the file hook reports, so no finding is printed twice.
    """
    for path in args.paths:
        if str(path).startswith("-") and not os.path.lexists(path):
            raise VaultkitError(
                f"{path}: no such file; options go before '--' "
                "(a pre-commit hook takes its settings from .vaultkit.toml, not from args)"
            )
    changed: list[Path] = []
    vaults: list[Path] = []
    top = top_level(Path.cwd()) if args.not_changed else None
    if top is not None:
        changed = changed_files(top)
        vaults = repository_vaults(top)
    if args.vault is None and args.paths:
        groups = vaults_of(args.paths, Path.cwd(), quiet=args.quiet)
    elif args.vault is None and vaults:
        groups = {vault: [] for vault in vaults}
    else:
        groups = {_settings(args, args.paths)[0]: list(args.paths)}
    if len(groups) > 1 and (args.fix or args.diff):
        raise VaultkitError("--fix and --diff take the notes of one vault at a time")
    # Notes of several vaults are reported under the folder that holds them all.
    base = Path(os.path.commonpath(list(groups))) if len(groups) > 1 else next(iter(groups))
    diagnostics: list[Diagnostic] = []
    ids: list[str] = []
    notes = not_fixed = 0
    failing = False
    left_out: dict[str, int] = {}
    known = _Known()
    for root, named in groups.items():
        config = _lint_config(args, root)
        paths = _vault_paths(root, named) if named else None
        if args.fix or args.diff:
            vault, found = load_and_lint(
                root,
                config,
                select=args.select,
                ignore=args.ignore or (),
                paths=paths,
                use_cache=not args.no_cache,
            )
            context = Context(root, Path.cwd(), len(vault.notes), color=_color(args))
            not_fixed = _fix(args, vault, found, context)
            if args.diff:
                return not_fixed
        # After --fix this lints again: the report shows what remains.
        with progress.shown(progress.allowed(args.quiet)):
            checked = check_vault(
                root,
                config,
                select=args.select,
                ignore=args.ignore or (),
                paths=paths,
                use_cache=not args.no_cache,
            )
        notes += checked.notes
        for why, count in checked.left_out.items():
            left_out[why] = left_out.get(why, 0) + count
        # The notes another call reports: the changed ones, and those of a vault inside this one.
        elsewhere = _in_any([*_inside(root, changed), *inner_vaults(root, vaults)])
        found = [item for item in checked.diagnostics if not elsewhere(item.path)]
        baseline = None if args.no_baseline else _read_baseline(root, config)
        found_ids = (
            identities(found) if baseline is not None or args.format in ("json", "sarif") else None
        )
        if baseline is not None and found_ids is not None:
            scope = _scope(_rules(args, config), config, paths, elsewhere)
            split = apply_baseline(found, found_ids, baseline[1], scope)
            found, found_ids = split.shown, split.shown_ids
            known.add(baseline[0], split.hidden, split.fixed)
        failing = failing or any(item.severity >= config.fail_on for item in found)
        prefix = "" if root == base else root.relative_to(base).as_posix() + "/"
        diagnostics += [
            replace(item, path=prefix + item.path) if prefix else item for item in found
        ]
        ids += map(finding_id, found_ids or ())
    order = sorted(range(len(diagnostics)), key=lambda i: diagnostic_order(diagnostics[i]))
    context = Context(
        base,
        Path.cwd(),
        notes,
        color=_color(args),
        ids=[ids[i] for i in order] if args.format in ("json", "sarif") else None,
    )
    text = REPORTERS[args.format]([diagnostics[i] for i in order], context)
    if args.format == "text" and left_out:
        # Said once, on the summary line: the notes Obsidian's own settings keep apart.
        text = text.removesuffix("\n") + f"; {left_out_summary(left_out)}\n"
    if args.quiet and args.format == "text":
        text = "".join(text.splitlines(keepends=True)[:-1])
    _emit(args, text)
    if not args.quiet and known.line():
        print(known.line(), file=sys.stderr)
    return 1 if (failing and not args.exit_zero) or not_fixed else 0


class _Known:
    """What the baselines of one call hid and list as fixed: the line said after the report."""

    def __init__(self) -> None:
        self.files: list[str] = []
        self.hidden = self.fixed = 0

    def add(self, name: str, hidden: int, fixed: int) -> None:
        if hidden or fixed:
            self.files.append(name)
            self.hidden += hidden
            self.fixed += fixed

    def line(self) -> str:
        """``3,359 known problems hidden by .vaultkit-baseline.json (12 fixed since: …)``."""
        if not self.files:
            return ""
        plural = "s" if self.hidden != 1 else ""
        line = f"{self.hidden:,} known problem{plural} hidden by {', '.join(self.files)}"
        if self.fixed:
            line += f" ({self.fixed:,} fixed since: run vaultkit baseline to shrink it)"
        return printable(line)


def _lint_config(args: argparse.Namespace, root: Path) -> Config:
    """The vault's config, with the command line's ``--fail-on`` and, under pre-commit, git's
    view of the vault (what it does not track is excluded)."""
    config = load_config(root)
    hooked = "PRE_COMMIT" in os.environ
    if args.fail_on and not (hooked and config.fail_on_given):
        config = replace(config, fail_on=Severity[args.fail_on.upper()])
    if hooked:
        untracked = untracked_patterns(root)
        if untracked:
            config = replace(config, exclude=(*config.exclude, *untracked))
    return config


def _scope(
    rules: Sequence[Rule],
    config: Config,
    paths: Sequence[str] | None,
    elsewhere: Callable[[str], bool],
) -> Callable[[Identity], bool]:
    """Whether this run checked what a baseline entry is about: its note and its rule."""
    codes = {rule.code for rule in rules}
    asked = _in_any(paths) if paths is not None else _everything
    excluded = glob_matcher(config.exclude)

    def checked(entry: Identity) -> bool:
        path = entry.path
        return entry.code in codes and asked(path) and not elsewhere(path) and not excluded(path)

    return checked


def _rules(args: argparse.Namespace, config: Config) -> tuple[Rule, ...]:
    return select_rules(args.select or config.select, (*config.ignore, *(args.ignore or ())))


def _inside(root: Path, files: Sequence[Path]) -> list[str]:
    """The vault-relative paths of those of ``files`` that lie in the vault at ``root``."""
    return [path.relative_to(root).as_posix() for path in files if path.is_relative_to(root)]


def _in_any(paths: Sequence[str]) -> Callable[[str], bool]:
    """Whether a vault-relative path is one of ``paths`` (a folder ends in ``/``) or under one."""
    if not paths:
        return _nowhere
    exact = {path.strip("/") for path in paths}
    if "" in exact or "." in exact:
        return _everything
    folders = tuple(path + "/" for path in exact)
    return lambda path: path in exact or path.startswith(folders)


def _nowhere(path: str) -> bool:
    return False


def _everything(path: str) -> bool:
    return True


def _read_baseline(root: Path, config: Config) -> tuple[str, frozenset[Identity]] | None:
    """The baseline's name as shown and its entries; None when there is none (or it is off)."""
    path = _baseline_path(root, config)
    if path is None:
        return None
    shown = printable(os.path.relpath(path, Path.cwd()))
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode) or status.st_size > _MAX_BASELINE:
            raise VaultkitError(f"{shown}: not a vaultkit baseline (no regular file up to 256MiB)")
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise VaultkitError(f"{shown}: cannot read the baseline: {error.strerror}") from None
    return shown, parse_baseline(data.decode("utf-8", "surrogateescape"), shown)


_MAX_BASELINE = 256 * 1024**2


def baseline_command(args: argparse.Namespace) -> int:
    """Accept the vault's current findings: write their identities to the baseline file.

    The file is ``.vaultkit-baseline.json`` at the vault root (config ``baseline``; ``-o``
    writes it elsewhere), sorted, one finding a line. ``lint`` and the hooks then report only
    findings it does not hold; run it again to accept what is left after fixes.
    """
    root, config = _settings(args)
    if args.output is not None:
        path = args.output
    else:
        found_path = _baseline_path(root, config)
        if found_path is None:
            raise VaultkitError(
                f"{config.source}: baseline = false, so lint reads no baseline "
                "(use -o FILE to write one anyway)"
            )
        path = found_path
    checked = check_vault(
        root, config, select=args.select, ignore=args.ignore or (), use_cache=not args.no_cache
    )
    found = identities(checked.diagnostics)
    write_output(path, baseline_text(found).encode("utf-8", "surrogateescape"))
    if not args.quiet:
        count = len(found)
        shown = os.path.relpath(path, Path.cwd())
        print(printable(f"{count:,} known problem{'s' if count != 1 else ''} written to {shown}"))
    return 0


def _fix(args: argparse.Namespace, vault: Vault, found: list[Diagnostic], context: Context) -> int:
    """Apply the fixes (or print them as a diff); 1 when a note was refused or would change."""
    plan = plan_fixes(vault, found, unsafe=args.unsafe_fixes)
    if args.diff:
        _emit(args, fix_diff(plan, context))
        if not args.quiet:
            sys.stderr.write(fix_report(plan, (), context, dry_run=True))
        return 1 if plan.files or plan.refused else 0
    refused = write_fixes(plan)
    if not args.quiet or plan.refused or refused:
        sys.stderr.write(fix_report(plan, refused, context, dry_run=False))
    return 1 if plan.refused or refused else 0


def links_command(args: argparse.Namespace) -> int:
    """List every link with its position, kind and where it resolved."""
    vault = _vault(args)
    context = Context(vault.root, Path.cwd(), len(vault.notes))
    _emit(args, LINK_REPORTERS[args.format](vault.edges, context))
    return 0


_FIX_KINDS = {
    "safe": "safe (--fix applies it)",
    "unsafe": "unsafe (--fix --unsafe-fixes applies it)",
    None: "none",
}


def rule_command(args: argparse.Namespace) -> int:
    """Show a rule's documentation, or list every rule, each with the kind of its fix."""
    if args.all or not args.rule:
        for rule in RULES:
            state = "" if rule.default else "  (off by default)"
            fix = rule.fix or ""
            print(
                f"{rule.code}  {rule.name:<24} {rule.severity.label:<8} {fix:<6} {rule.summary}"
                f"{state}"
            )
        return 0
    found = find_rule(args.rule)
    if found is None:
        raise VaultkitError(f"unknown rule {args.rule!r} (see 'vaultkit rule --all')")
    state = "on by default" if found.default else "off by default"
    print(f"{found.code} {found.name} ({found.severity.label}, {state})")
    print(f"fix: {_FIX_KINDS[found.fix]}\n")
    print(found.doc)
    return 0


def explain_command(args: argparse.Namespace) -> int:
    """Show how one link resolves: each step, the candidates, and why the winner won."""
    link = parse_link(args.link)
    near = [Path(args.source)] if args.source and Path(args.source).exists() else []
    vault = _vault(args, near)
    source = find_note(vault, args.source, Path.cwd()) if args.source else None
    item = explain(vault, link, source)
    _emit(args, explain_json(item) if args.format == "json" else explain_text(item))
    return 0 if item.resolves else 1


def watch_command(args: argparse.Namespace) -> int:
    """Lint the vault, then re-lint it on every change and print what changed (Ctrl-C stops)."""
    from vaultkit.watch import watch  # watchdog is loaded only by the command that needs it

    try:
        root, config = _settings(args)
        options = {
            "fmt": args.format,
            "graph": args.graph,
            "select": args.select,
            "ignore": args.ignore or (),
            "color": _color(args),
            "quiet": args.quiet,
            "output": args.output,
            "baseline": None if args.no_baseline else _read_baseline(root, config),
        }
        if args.output is None:
            return watch(root, config, sys.stdout, **options)
        with args.output.open("w", encoding="utf-8") as out:
            return watch(root, config, out, **options)
    except KeyboardInterrupt:
        return 0


def graph_command(args: argparse.Namespace) -> int:
    """Write the vault's graph: an interactive HTML page, or JSON, GraphML or GEXF."""
    from vaultkit.graph import build_graph, dump_graph  # networkx only when a graph is asked for

    root, config = _settings(args)
    path = args.output if args.output is not None else _graph_output(root, config, args.format)
    vault, found = load_and_lint(
        root, config, select=args.select, ignore=args.ignore or (), use_cache=not args.no_cache
    )
    if args.format == "html":
        from vaultkit.html import graph_page  # the one page builder, shared with watch --graph

        content = graph_page(vault, found, config)
    else:
        communities = config.graph_color_by == "community"
        content = dump_graph(printable_graph(build_graph(vault, found, communities)), args.format)
    write_output(path, content)
    if not args.quiet:
        shown = (
            path
            if args.output is not None or not path.is_relative_to(Path.cwd())
            else (path.relative_to(Path.cwd()))
        )
        print(printable(str(shown)))
    if args.open:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
    return 0


def _graph_output(root: Path, config: Config, fmt: str) -> Path:
    """Where the graph goes without ``-o``: ``[graph] output`` (html), relative to the vault.

    Other formats go to ``vaultkit-graph.FORMAT`` there. The path must pass ``_vault_file``
    and no part of it may start with ``.``: otherwise exit 2, naming the key and the file.
    """
    value = config.graph_output if fmt == "html" else f"vaultkit-graph.{fmt}"
    return _vault_file(
        root,
        value,
        dotted_name=False,
        suffix="",
        error=f"graph.output {value!r} must name a file inside the vault that is not a note "
        "(use -o to write the graph elsewhere)",
        source=config.source,
    )


def _baseline_path(root: Path, config: Config) -> Path | None:
    """The baseline file the config names (None: ``baseline = false``), checked as the graph's.

    Unlike the graph's, its own name may start with ``.`` (the default does), but it must end
    in ``.json``, so no config can point it at a note, ``.vaultkit.toml`` or a git hook.
    """
    if config.baseline is None:
        return None
    return _vault_file(
        root,
        config.baseline,
        dotted_name=True,
        suffix=".json",
        error=f"baseline {config.baseline!r} must name a .json file inside the vault, in no "
        "folder starting with '.' (use -o to write a baseline elsewhere)",
        source=config.source,
    )


def _vault_file(
    root: Path, value: str, *, dotted_name: bool, suffix: str, error: str, source: str | None
) -> Path:
    """``root / value``, when it is a file vaultkit may write in the vault, else exit 2.

    A vault's config may be someone else's text, so the path it names must stay inside the
    vault once symlinks are followed, in no folder vaultkit skips (``.obsidian/``, ``.git/``:
    any name starting with ``.``), end in ``suffix``, and be a regular file or nothing yet,
    never a note (``.md``). ``-o`` on the command line is the user's own word and is never
    checked.
    """
    path = root / value
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path))
    try:
        status: os.stat_result | None = os.stat(real)
    except OSError:
        status = None
    inside = real.is_relative_to(real_root) and real != real_root
    parts = real.relative_to(real_root).parts if inside else ()
    folders = parts[:-1] if dotted_name else parts
    names = [name.lower() for name in (path.name, real.name)]
    allowed = (
        inside
        and not any(part.startswith(".") for part in folders)
        and not any(name.endswith(".md") for name in names)
        and all(name.endswith(suffix) for name in names)
        and (status is None or stat.S_ISREG(status.st_mode))
    )
    if not allowed:
        raise VaultkitError(f"{source or 'the default settings'}: {error}")
    return path
