"""Codemod: make every route handler's parameters explicit, as Litestar 3.0 will require.

`db: AsyncSession` → `NamedDependency[AsyncSession]`, path parameters → `FromPath[…]`, other plain
parameters → `FromQuery[…]`, a plain `data: X` → `JSONBody[X]`. Parameters already `Annotated` are left as
they are. Idempotent: run `python scripts/explicit_params.py werkstatt` after adding handlers, then
`ruff check --fix` and `ruff format` (the suite turns a Litestar deprecation into an error)."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

HANDLER_DECORATORS = {"get", "post", "put", "patch", "delete", "route", "websocket", "head"}
RESERVED = {"self", "request", "socket", "state", "headers", "cookies", "scope", "query", "body", "data"}
WRAPPERS = {
    "NamedDependency": "litestar.di",
    "FromPath": "litestar.params",
    "FromQuery": "litestar.params",
    "JSONBody": "litestar.params",
}


def _decorator_name(node: ast.expr) -> str | None:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    return None


def _plain(annotation: ast.expr, source: str) -> bool:
    text = ast.get_source_segment(source, annotation) or ""
    return not text.startswith(("Annotated[", *WRAPPERS))


def rewrite(path: Path) -> bool:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    edits: list[tuple[int, int, int, int, str]] = []
    used: set[str] = set()
    for owner in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef))]:
        _rewrite_handlers(source, owner.body, edits, used)
    if not edits:
        return False
    return _apply(path, source, edits, used)


def _paths(body: list[ast.stmt], node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The path parameters of one handler: its controller's `path` plus its decorator's paths."""
    text = ""
    for statement in body:
        is_constant = isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant)
        if is_constant and any(getattr(target, "id", "") == "path" for target in statement.targets):
            text += str(statement.value.value)
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call):
            for value in [*decorator.args, *(k.value for k in decorator.keywords if k.arg == "path")]:
                for item in value.elts if isinstance(value, ast.List | ast.Tuple) else [value]:
                    if isinstance(item, ast.Constant) and isinstance(item.value, str):
                        text += item.value
    return set(re.findall(r"\{(\w+):", text))


def _rewrite_handlers(
    source: str, body: list[ast.stmt], edits: list[tuple[int, int, int, int, str]], used: set[str]
) -> None:
    for node in body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if not any(_decorator_name(d) in HANDLER_DECORATORS for d in node.decorator_list):
            continue
        path_params = _paths(body, node)
        args = [*node.args.args, *node.args.kwonlyargs]
        for arg in args:
            if arg.annotation is None or not _plain(arg.annotation, source):
                continue
            name = arg.arg
            if name == "db":
                wrapper = "NamedDependency"
            elif name == "data":
                wrapper = "JSONBody"
            elif name in RESERVED:
                continue
            elif name in path_params:
                wrapper = "FromPath"
            else:
                wrapper = "FromQuery"
            text = ast.get_source_segment(source, arg.annotation)
            a = arg.annotation
            edits.append(
                (a.lineno, a.col_offset, a.end_lineno or a.lineno, a.end_col_offset or 0, f"{wrapper}[{text}]")
            )
            used.add(wrapper)


def _apply(path: Path, source: str, edits: list[tuple[int, int, int, int, str]], used: set[str]) -> bool:
    lines = source.splitlines(keepends=True)
    for line, col, end_line, end_col, text in sorted(edits, reverse=True):
        start = sum(len(item.encode()) for item in lines[: line - 1])
        # columns are utf-8 byte offsets: edit on bytes
        raw = "".join(lines).encode()
        end = sum(len(item.encode()) for item in lines[: end_line - 1]) + end_col
        raw = raw[: start + col] + text.encode() + raw[end:]
        lines = raw.decode().splitlines(keepends=True)
    source = "".join(lines)
    for wrapper in sorted(used):
        module = WRAPPERS[wrapper]
        if not re.search(rf"^from {re.escape(module)} import .*\b{wrapper}\b", source, re.M):
            source = re.sub(
                r"^(from __future__ import annotations\n)",
                rf"\1\nfrom {module} import {wrapper}\n",
                source,
                count=1,
                flags=re.M,
            )
    path.write_text(source, encoding="utf-8")
    return True


if __name__ == "__main__":
    for root in sys.argv[1:] or ["werkstatt"]:
        for file in sorted(Path(root).rglob("*.py")):
            if rewrite(file):
                print(file)
