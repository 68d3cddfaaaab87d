"""The helper scripts `make test` and `make bench` run, with stand-in system commands on PATH."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from config import settings as silsila_settings

SCRIPTS = silsila_settings.BASE_DIR / "scripts"


def _command(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/usr/bin/env bash\n" + body + "\n")
    path.chmod(0o755)


def _fake_system(tmp_path: Path, *, root: bool) -> tuple[Path, Path]:
    """A bin folder with `id`, `apt-get` (which logs its arguments) and a log of its calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # Only these real tools are on PATH, so a system-wide wrk or chromium cannot leak in.
    for tool in ("bash", "grep", "yes", "head", "chmod"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    log = tmp_path / "apt.log"
    _command(bin_dir, "id", f"echo {0 if root else 1000}")
    _command(bin_dir, "apt-get", f'echo "$*" >> {log}')
    return bin_dir, log


def _run(script: str, bin_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPTS / script)],
        env={"PATH": str(bin_dir), "HOME": os.environ.get("HOME", "/tmp"), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_ensure_browser_does_not_reinstall_chromium_when_fc_list_is_cut_off(tmp_path):
    bin_dir, log = _fake_system(tmp_path, root=True)
    chromium = tmp_path / "chromium"
    _command(tmp_path, "chromium", "exit 0")
    # A long font list whose first line matches: grep -q stops reading at once, and a pipe from
    # fc-list would end in SIGPIPE (exit 141), which pipefail turned into "fonts missing".
    _command(
        bin_dir,
        "fc-list",
        'yes "/usr/share/fonts/NotoSansArabic-Regular.ttf: Noto Sans Arabic:style=Regular" | head -n 200000',
    )
    for _ in range(3):
        result = _run("ensure-browser.sh", bin_dir, CHROMIUM=str(chromium))
        assert result.returncode == 0, result.stderr
        assert not log.exists(), log.read_text()
        assert "Installing" not in result.stdout


def test_ensure_browser_installs_chromium_when_it_is_missing(tmp_path):
    bin_dir, log = _fake_system(tmp_path, root=True)
    _command(bin_dir, "fc-list", "echo")
    result = _run("ensure-browser.sh", bin_dir, CHROMIUM=str(tmp_path / "absent"))
    assert result.returncode == 0
    assert "install -y -qq chromium fonts-noto-core" in log.read_text()


def test_ensure_wrk_installs_wrk_with_apt_when_it_can(tmp_path):
    bin_dir, log = _fake_system(tmp_path, root=True)
    # This apt-get "installs" wrk by putting a command on PATH, as the real one would.
    _command(
        bin_dir,
        "apt-get",
        f'echo "$*" >> {log}; [ "$1" = install ] && printf "#!/bin/sh\\n" > {bin_dir}/wrk '
        f"&& chmod +x {bin_dir}/wrk; exit 0",
    )
    result = _run("ensure-wrk.sh", bin_dir)
    assert result.returncode == 0, result.stderr
    assert "install -y -qq wrk" in log.read_text()
    assert (bin_dir / "wrk").exists()


def test_ensure_wrk_says_what_is_missing_when_it_cannot_install(tmp_path):
    bin_dir, log = _fake_system(tmp_path, root=False)
    result = _run("ensure-wrk.sh", bin_dir)
    assert result.returncode == 1
    assert "make bench needs wrk" in result.stderr
    assert "apt-get install wrk" in result.stderr
    assert not log.exists()
