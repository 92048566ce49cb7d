"""Where the project under test lives: the work tree, its virtualenv, and the files a stack's project is made of."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
PROJECT_FILES = ("Pulumi.yaml", "__main__.py", "components")
