"""Every command the README shows exists, with the options it is shown with.

The README is what a newcomer runs first. A renamed command or a dropped option would fail
only in their terminal; here every ``manage.py`` command it mentions is looked up and its
parser asked for each option, and every ``make`` target it names must be in the Makefile.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _manage_commands() -> list[list[str]]:
    """Each ``manage.py …`` the README shows, in code blocks and code spans, as shell words."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", README, flags=re.MULTILINE | re.DOTALL)
    prose = re.sub(r"^```[a-z]*\n.*?^```", "", README, flags=re.MULTILINE | re.DOTALL)
    # A code span may wrap onto the next line of the paragraph.
    spans = re.findall(r"`([^`]+)`", prose.replace("\n", " "))
    code = [line for block in blocks for line in block.splitlines()] + spans
    commands = []
    for text in code:
        for match in re.finditer(r"manage\.py\s+([^`|;&)]*)", text):
            words = shlex.split(match.group(1).replace("[", " ").replace("]", " "))
            if words and re.fullmatch(r"[a-z_]+", words[0]):
                commands.append(words)
    return commands


COMMANDS = _manage_commands()


def test_the_readme_shows_commands_to_check():
    names = {words[0] for words in COMMANDS}
    assert {"createsuperuser", "add_source", "recluster", "cluster_eval", "train_linker"} <= names


@pytest.mark.parametrize("words", COMMANDS, ids=[" ".join(words) for words in COMMANDS])
def test_each_manage_command_of_the_readme_exists_with_its_options(words):
    name, *rest = words
    commands = get_commands()
    assert name in commands, f"manage.py {name} is in the README but is no command"
    parser = load_command_class(commands[name], name).create_parser("manage.py", name)
    known = {option for action in parser._actions for option in action.option_strings}
    for word in rest:
        option = word.split("=", 1)[0]
        if option.startswith("--"):
            assert option in known, f"manage.py {name} has no {option} (README: {' '.join(words)})"


def test_each_make_target_of_the_readme_is_in_the_makefile():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))
    shown = set(re.findall(r"(?<![\w.-])make ([a-z][a-z-]*)", README))
    assert shown, "the README names no make target"
    assert shown <= targets, shown - targets
