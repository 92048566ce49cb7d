"""Host scripts are `.sh` files checked by shellcheck, rendered into commands with exactly their parameters."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from components.remote import shell
from tests.conftest import ROOT

# Every shell script of the project: the host scripts under components/ and the lab's own (goldens are renderings).
SCRIPTS = sorted(
    p for p in ROOT.rglob("*.sh") if p.relative_to(ROOT).parts[0] not in (".venv", "tests") and ".git" not in p.parts
)


def test_there_are_scripts_to_check() -> None:
    assert len([p for p in SCRIPTS if p.parts[-3] == "components"]) > 20
    assert ROOT / "lab" / "toolchain" / "setup.sh" in SCRIPTS


@pytest.mark.parametrize("path", SCRIPTS, ids=[str(p.relative_to(ROOT)) for p in SCRIPTS])
def test_shellcheck_passes(path: Path) -> None:
    assert shutil.which("shellcheck"), "shellcheck is missing: `make setup` installs Debian's package"
    # -x follows the included files from the script's own folder, as `shell.script` inlines them.
    result = subprocess.run(
        ["shellcheck", "-x", "--severity=style", path.name], cwd=path.parent, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_script_gets_exactly_its_parameters_shell_quoted(tmp_path: Path) -> None:
    owner = tmp_path / "owner.py"
    (tmp_path / "greet.sh").write_text(
        '#!/bin/bash\n# shellcheck disable=SC1091\n: "${who:?}" "${extra?}"\necho "hello $who$extra"\n'
    )
    text = shell.script(str(owner), "greet.sh", who="it's me", extra="")
    assert text.startswith("who='it'\"'\"'s me'\nextra=''\n")
    assert "#!/bin/bash" not in text and "# shellcheck" not in text
    assert subprocess.run(["bash", "-c", text], capture_output=True, text=True).stdout == "hello it's me\n"
    with pytest.raises(ValueError, match=r"missing \['extra'\], not declared \['other'\]"):
        shell.script(str(owner), "greet.sh", who="x", other="y")


def test_an_included_file_is_inlined_with_its_parameters(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "say.sh").write_text('# shellcheck shell=bash\n: "${loud:?}"\nsay() { echo "$loud$1"; }\n')
    (tmp_path / "main").mkdir()
    (tmp_path / "main" / "run.sh").write_text(
        '#!/bin/bash\n: "${word:?}"\n# shellcheck source=../lib/say.sh\n. ../lib/say.sh\nsay "$word"\n'
    )
    assert shell.declared(tmp_path / "main" / "run.sh") == ("word", "loud")
    text = shell.script(str(tmp_path / "main" / "x.py"), "run.sh", word="hi", loud="!")
    assert ". ../lib/say.sh" not in text
    assert subprocess.run(["bash", "-c", text], capture_output=True, text=True).stdout == "!hi\n"
