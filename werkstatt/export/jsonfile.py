"""The result as JSON: the export model dumped as it is (stable field names, see model.py)."""

from __future__ import annotations

import json

from werkstatt.export.model import ExportData


def render_json(data: ExportData) -> bytes:
    body = data.model_dump(mode="json")
    return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
