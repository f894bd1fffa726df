#!/usr/bin/env bash
# Refresh static/vendor/ from the npm registry at the exact pins in static/vendor/manifest.json.
set -euo pipefail
cd "$(dirname "$0")/.."
out=static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$out/manifest.json" <<'PY' | while read -r pkg version src dest; do
import json, sys
for name, entry in json.load(open(sys.argv[1]))["packages"].items():
    print(name, entry["version"], entry["file"], entry["vendored_as"])
PY
  (cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null)
  mkdir -p "$tmp/$pkg" && tar xzf "$tmp"/*"$version".tgz -C "$tmp/$pkg" && rm "$tmp"/*"$version".tgz
  cp "$tmp/$pkg/package/$src" "$out/$dest"
  cp "$tmp/$pkg/package/LICENSE"* "$out/LICENSE.$pkg-$version" 2>/dev/null || true
  echo "vendored $pkg@$version -> $out/$dest"
done
python3 - "$out/manifest.json" <<'PY'
import hashlib, json, pathlib, sys
path = pathlib.Path(sys.argv[1])
manifest = json.loads(path.read_text())
for entry in manifest["packages"].values():
    data = (path.parent / entry["vendored_as"]).read_bytes()
    entry["sha256"] = hashlib.sha256(data).hexdigest()
path.write_text(json.dumps(manifest, indent=2) + "\n")
PY
