"""Write the configuration table (made from werkstatt/settings.py) into README.md between its markers."""

from __future__ import annotations

import re
from pathlib import Path

from werkstatt.settings import configuration_table

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"(<!-- settings-table:start -->\n).*?(<!-- settings-table:end -->)", re.DOTALL)

if __name__ == "__main__":
    text = README.read_text()
    if not BLOCK.search(text):
        raise SystemExit("README.md has no <!-- settings-table:start/end --> markers")
    README.write_text(BLOCK.sub(lambda match: match.group(1) + configuration_table() + match.group(2), text))
