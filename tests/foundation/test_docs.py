"""Docs as tests: what the README, compose.yaml and the settings module tell a reader must stay true."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from werkstatt.settings import Settings, configuration_table

README = (ROOT / "README.md").read_text()
COMPOSE = (ROOT / "compose.yaml").read_text()


def test_the_readme_configuration_table_is_the_generated_one() -> None:
    """settings.py says the table is generated from the docstrings: a changed docstring without
    `python scripts/settings_table.py` fails here."""
    block = re.search(r"<!-- settings-table:start -->\n(.*?)<!-- settings-table:end -->", README, re.DOTALL)
    assert block, "README.md lost its settings-table markers"
    assert block.group(1) == configuration_table(), "run: python scripts/settings_table.py"


def test_every_setting_has_a_docstring() -> None:
    assert [name for name, field in Settings.model_fields.items() if not field.description] == []


def test_files_the_docs_tell_you_to_copy_exist() -> None:
    told = re.findall(r"\bcp\s+(\S+)\s+\S+", COMPOSE + README)
    assert ".env.example" in told
    assert [name for name in told if not (ROOT / name).is_file()] == []


def test_env_example_names_every_variable_compose_reads() -> None:
    """compose.yaml interpolates these from .env; the example a deployer copies must offer each of them."""
    read = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", COMPOSE))
    offered = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read, "compose.yaml reads no variables"
    assert read == offered
