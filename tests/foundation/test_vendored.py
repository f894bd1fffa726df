"""What Werkstatt ships from others is exactly what its manifests pin: the browser libraries from the npm
registry (static/vendor/manifest.json, refreshed by `make vendor`) and the font the server draws the Word
export's matrix with (werkstatt/fonts/README.md)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_vendored_browser_libraries_match_their_pins() -> None:
    manifest = json.loads((ROOT / "static/vendor/manifest.json").read_text())
    assert set(manifest["packages"]) == {"htmx.org", "htmx-ext-ws", "idiomorph", "sortablejs"}
    for name, entry in manifest["packages"].items():
        file = ROOT / "static/vendor" / entry["vendored_as"]
        assert entry["version"] in file.name, name
        assert _sha256(file) == entry["sha256"], f"{file.name} is not the pinned {name} {entry['version']}"
        assert (ROOT / "static/vendor" / f"LICENSE.{name}-{entry['version']}").exists(), name


def test_the_shipped_font_is_the_documented_subset() -> None:
    readme = (ROOT / "werkstatt/fonts/README.md").read_text()
    pinned = re.search(r"sha256 ([0-9a-f]{64})", readme)
    assert pinned is not None
    assert _sha256(ROOT / "werkstatt/fonts/DejaVuSans-Latin.ttf") == pinned.group(1)
    assert "Bitstream" in (ROOT / "werkstatt/fonts/LICENSE.DejaVu").read_text()
