"""The project's own rules, checked: seams, help texts, docs and translations."""
import ast
import functools
import re
from pathlib import Path

from bot.cli import build_parser
from bot.commands import build_registry
from bot.i18n import en, fr

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def modules():
    return sorted(BOT.rglob("*.py"))


@functools.cache
def parsed(path: Path) -> ast.Module:
    """A module's syntax tree, parsed once for every rule below (parsing them all takes ~0.4 s)."""
    return ast.parse(path.read_text(encoding="utf-8"))


def imported_roots(path: Path) -> set[str]:
    tree = parsed(path)
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_only_platforms_import_chat_sdks():
    offenders = [
        str(p.relative_to(ROOT)) for p in modules()
        if "platforms" not in p.relative_to(BOT).parts and imported_roots(p) & {"discord", "telegram"}
    ]
    assert offenders == []


def test_the_rule_above_would_catch_an_offender(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("from telegram.ext import Application\nimport discord.ui\n")
    assert imported_roots(sneaky) >= {"discord", "telegram"}


def test_platform_modules_are_not_named_after_their_sdk():
    names = {p.stem for p in (BOT / "platforms").glob("*.py")}
    assert not names & {"discord", "telegram"}


def test_every_command_has_help_and_is_in_the_readme():
    for cmd in build_registry():
        assert len(cmd.help) > 20, cmd.name
        assert all(p.help for p in cmd.params), cmd.name
        assert f"/{cmd.name}" in README, f"/{cmd.name} is missing from README.md"


def test_every_cli_subcommand_has_help_and_is_in_the_readme():
    parser = build_parser(build_registry())
    subs = next(a for a in parser._actions if a.dest == "subcommand")
    assert set(subs.choices) >= {"results", "pole", "safetycar", "quotes", "events", "import", "console"}
    helps = {a.dest: a.help for a in subs._choices_actions}
    for name, sub in subs.choices.items():
        assert helps.get(name), f"pitboard {name} has no help"
        assert sub.format_help()
        assert f"pitboard {name}" in README, f"`pitboard {name}` is missing from README.md"


def test_every_public_function_has_a_docstring():
    missing = []
    for path in modules():
        tree = parsed(path)
        if not ast.get_docstring(tree):
            missing.append(f"{path.relative_to(ROOT)} (module)")
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
                if not ast.get_docstring(node):
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert missing == []


def test_both_languages_have_the_same_strings():
    assert en.STRINGS.keys() == fr.STRINGS.keys()
    assert set(fr.COMMAND_HELP) == {c.name for c in build_registry()}


def test_the_layers_contract_holds():
    """Dependencies point one way: entry points → bootstrap → config → platforms, sources →
    commands → reports → announce → presentation → store, render, i18n → domain (import-linter,
    the contract in pyproject.toml)."""
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


SQL = re.compile(r"[\"'](?:SELECT |INSERT (?:OR \w+ )?INTO|UPDATE \w+ SET|DELETE FROM|CREATE (?:TABLE|INDEX)|PRAGMA |"
                 r"BEGIN|SAVEPOINT)")


def test_every_sql_statement_lives_in_the_store():
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in modules() if "store" not in p.relative_to(BOT).parts
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if SQL.search(line)]
    assert offenders == []


def test_the_sql_rule_would_catch_an_offender():
    assert SQL.search('db.execute("SELECT 1 FROM channels")') and SQL.search("x = 'INSERT OR IGNORE INTO t'")


def test_only_entry_points_import_the_bootstrap():
    entry = {"cli.py", "terminal.py", "runner.py", "demo.py", "replay.py", "__main__.py", "bootstrap.py"}
    importers = [str(p.relative_to(ROOT)) for p in modules()
                 if p.name not in entry and "bot" in imported_roots(p) and "bot.bootstrap" in p.read_text(encoding="utf-8")]
    assert importers == []
