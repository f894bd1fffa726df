"""HTML assertions with a parser: ids, roles and text, not substring soup."""

from __future__ import annotations

from urllib.parse import urlparse

from bs4 import BeautifulSoup, Tag
from bs4.builder import HTMLTreeBuilder

# What a pushed <template data-op> carries is read as text like any other element (board.js puts it in place).
STRINGS = {tag: kind for tag, kind in HTMLTreeBuilder.DEFAULT_STRING_CONTAINERS.items() if tag != "template"}


def parse(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser", string_containers=STRINGS)


def by_id(html: str, element_id: str) -> Tag:
    found = parse(html).find(id=element_id)
    assert isinstance(found, Tag), f"no element with id={element_id!r}"
    return found


def text_of(html: str, selector: str) -> str:
    found = parse(html).select_one(selector)
    assert found is not None, f"nothing matches {selector!r}"
    return found.get_text(" ", strip=True)


def external_references(html: str) -> list[str]:
    """Every src/href/action that points to another origin."""
    found = []
    for tag in parse(html).find_all(True):
        for attribute in ("src", "href", "action", "srcset", "poster", "data"):
            value = tag.get(attribute)
            if isinstance(value, str) and value:
                parsed = urlparse(value)
                if parsed.scheme in {"http", "https"} or value.startswith("//"):
                    found.append(value)
    return found
