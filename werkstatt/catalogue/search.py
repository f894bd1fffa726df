"""German full-text search on both databases.

PostgreSQL stems with its `german` configuration. SQLite's FTS5 has no German stemmer, so we apply a small
one in Python (after CISTEM, Weissweiler & Fraser 2017) to the indexed text *and* to the query, and search
with prefix queries: "Leerstände", "Leerstand" and "Leerstandskartierung" all reduce to or start with the
same stem.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from werkstatt.network.topics import FOCUS_TOPICS, TARGET_GROUPS

if TYPE_CHECKING:
    from werkstatt.catalogue.schema import MethodCard

WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_QUERY_WORDS = 8
_STOPWORDS = """
der die das den dem des ein eine einer eines einem einen und oder mit für von zu zum zur im in am an auf
aus bei nach über unter vor wie was wer ist sind wird werden nicht auch als es sie er wir ihr so
"""
STOPWORDS = frozenset(_STOPWORDS.split())


def _fold(word: str) -> str:
    word = word.lower().replace("ß", "ss")
    word = word.replace("ä", "a").replace("ö", "o").replace("ü", "u")
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    """A German stem: umlauts folded, common inflection suffixes stripped (CISTEM without case handling)."""
    word = _fold(word)
    if len(word) < 4:
        return word
    word = word.replace("sch", "$").replace("ei", "%").replace("ie", "&")
    word = re.sub(r"(.)\1", r"\1*", word)
    while len(word) > 3:
        if len(word) > 5:
            shorter = re.sub(r"(e[mr]|nd)$", "", word)
            if shorter != word:
                word = shorter
                continue
        shorter = re.sub(r"[tesn]$", "", word)
        if shorter == word:
            break
        word = shorter
    word = re.sub(r"(.)\*", r"\1\1", word)
    return word.replace("&", "ie").replace("%", "ei").replace("$", "sch")


def words(text: str) -> list[str]:
    return WORD.findall(text)


def stems(text: str) -> str:
    """The text as space-separated stems (what SQLite's FTS5 table indexes)."""
    return " ".join(stem(word) for word in words(text))


def query_words(query: str) -> list[str]:
    """The words of a search query worth searching for (no stop words, at most MAX_QUERY_WORDS)."""
    found = [word for word in words(query) if word.lower() not in STOPWORDS]
    return found[:MAX_QUERY_WORDS]


def fts5_query(query: str) -> str | None:
    """An FTS5 MATCH expression: every word's stem as a quoted prefix query, all required."""
    parts = [stem(word) for word in query_words(query)]
    parts = [part for part in parts if part]
    if not parts:
        return None
    return " ".join(f'"{part}"*' for part in parts)


def tsquery(query: str) -> str | None:
    """A `to_tsquery('german', …)` expression: each word as a prefix, all required. Words are letters and
    digits only, so nothing in them has a meaning in tsquery syntax."""
    parts = query_words(query)
    if not parts:
        return None
    return " & ".join(f"{part}:*" for part in parts)


def card_text(card: MethodCard) -> str:
    """What a search looks at: names, summary, purpose, steps, variants, tips, risks and questions."""
    pieces: list[Any] = [card.name, card.name_en or "", card.summary, card.purpose]
    for step in card.steps:
        pieces += [step.title, step.instructions, step.facilitator_notes or ""]
    for variant in card.variants:
        pieces += [variant.name, variant.description]
    pieces += card.tips + card.risks + card.invitation_questions + card.roles
    if card.duration.note:
        pieces.append(card.duration.note)
    pieces += [TARGET_GROUPS.get(slug, "") for slug in card.target_groups]
    pieces += [FOCUS_TOPICS.get(slug, "") for slug in card.focus_topics]
    return "\n".join(str(piece) for piece in pieces if piece)
