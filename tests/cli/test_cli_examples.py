"""``python -m cli --help`` ends with examples, and every example is a command the parser accepts; TensorFlow's
start-up lines stay out of the terminal."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cli.main import EXAMPLES, build_parser
from core.settings import ROOT
from tests.fakes import RGB, write_tif


def _examples() -> list[list[str]]:
    commands = []
    for line in EXAMPLES.splitlines():
        words = shlex.split(re.split(r"\s{2,}", line.strip())[0])  # the command, without its description
        if words[:3] == ["python", "-m", "cli"] and "COMMAND" not in words:
            commands.append(words[3:])
    return commands


def test_help_ends_with_examples_the_parser_accepts(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    shown = capsys.readouterr().out
    assert "examples:" in shown and "python -m cli scan scene.tif" in shown
    commands = _examples()
    assert len(commands) >= 6
    for argv in commands:
        args = build_parser().parse_args(argv)  # an unknown option or a missing argument exits here
        assert callable(args.func), argv


def test_a_scan_from_the_terminal_prints_no_tensorflow_start_up_lines(tmp_path: Path) -> None:
    scene = write_tif(tmp_path / "scene.tif", np.random.default_rng(1).integers(300, 3000, size=(3, 300, 300),
                      dtype=np.uint16), descriptions=RGB)  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    run = subprocess.run(
        [sys.executable, "-m", "cli", "scan", str(scene), "--model", "tailings_rgb", "--out", str(tmp_path / "s.csv")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    for noise in ("oneDNN", "cpu_feature_guard", "absl::InitializeLog", "This TensorFlow binary"):
        assert noise not in run.stderr + run.stdout, run.stderr
    assert "candidate site(s)" in run.stdout
