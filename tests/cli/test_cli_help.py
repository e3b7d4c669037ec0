"""``python -m cli --help`` (a real process) and every command's ``--help`` work and name every command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ("demo", "train", "train-scenes", "rescore-scenes", "users", "backup", "restore", "scan", "evaluate",
            "registry", "imagery", "export", "bench", "demo-store", "demo-models")  # fmt: skip


def _help(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "cli", *args, "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_top_help_lists_every_command() -> None:
    out = _help()
    assert out.startswith("usage: python -m cli")
    for command in COMMANDS:
        assert command in out


@pytest.mark.parametrize("command", [*COMMANDS, "registry import", "imagery plan", "imagery export",
                                     "imagery status", "imagery download"])  # fmt: skip
def test_each_command_has_its_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([*command.split(), "--help"])
    assert done.value.code == 0
    assert f"usage: python -m cli {command}" in capsys.readouterr().out


def test_the_store_option_is_the_same_everywhere() -> None:
    """``--db [PATH]`` in every command that opens the store (it took a value in some and not in others)."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in ("scan", "export", "backup", "demo-store"):
        (db,) = [a for a in sub.choices[name]._actions if a.dest == "db"]  # type: ignore[attr-defined]
        assert db.nargs == "?" and db.const == "" and db.metavar == "PATH", name
