"""The house holds: import contracts with no exemptions, small modules, and packages that say what they own."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app_pages", "cli", "ui", "db", "models", "core")
MAX_LINES = 400


def _python_files() -> list[Path]:
    files = [ROOT / "app.py"]
    for package in (*PACKAGES, "tests"):
        files += sorted((ROOT / package).rglob("*.py"))
    return files


def test_import_contracts_hold_with_no_exemptions() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert set(config["root_packages"]) == set(PACKAGES)
    for contract in config["contracts"]:
        assert not contract.get("ignore_imports"), contract["name"]
        assert contract.get("unmatched_ignore_imports_alerting") == "error", contract["name"]
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    done = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Contracts: {len(config['contracts'])} kept, 0 broken." in done.stdout


def test_mypy_covers_every_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert set(config["files"]) == {"app.py", *PACKAGES}


def test_no_module_is_over_400_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in _python_files() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"split these modules (over {MAX_LINES} lines): {long}"


def test_every_package_says_what_it_owns() -> None:
    for init in [p for package in PACKAGES for p in (ROOT / package).rglob("__init__.py")]:
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and len(doc) > 40, f"{init.relative_to(ROOT)} has no docstring saying what the package owns"


def test_core_has_at_most_about_ten_entries() -> None:
    entries = [p for p in (ROOT / "core").iterdir() if p.name != "__init__.py" and p.name != "__pycache__"]
    assert len(entries) <= 12, sorted(p.name for p in entries)
