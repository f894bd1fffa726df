"""An agenda template's blocks as agenda positions, and each choosing step's `cards` (TemplateCards, named by
the template's blocks) as the CardSource planning stores (positions counted from the template's first step).

One function for both readers: `werkstatt methods check` reports what does not fit, and planning applies what
does, so a template that passes the check plans exactly the card choices it names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkstatt.i18n import Message, _

if TYPE_CHECKING:
    from collections.abc import Sequence

    from werkstatt.catalogue.schema import AgendaTemplate, TemplateCards

CHOOSING = frozenset({"vote", "rank", "rate_matrix"})


@dataclass(frozen=True)
class BlockStep:
    """One agenda step a block brings: its title in the method (the block's title for a free block) and
    mechanic."""

    title: str
    mechanic: str


@dataclass(frozen=True)
class Resolved:
    """`sources[(block, index)]`: the CardSource (as a dict, positions from the template's start) of the
    block's index-th step; `problems`: (field, German message) for what does not fit."""

    sources: dict[tuple[int, int], dict[str, Any]]
    problems: list[tuple[str, Message]]


def _target(
    blocks: Sequence[Sequence[BlockStep]], starts: Sequence[int], cards: TemplateCards
) -> tuple[int, BlockStep] | Message:
    """The referenced step's template position and the step, or a German problem."""
    assert cards.block is not None
    if cards.block >= len(blocks):
        return _("Den Baustein %(block)d gibt es in dieser Vorlage nicht.") % {"block": cards.block}
    steps = blocks[cards.block]
    if cards.step is None:
        if len(steps) != 1:
            return _("Bitte den Schritt im Baustein %(block)d nennen.") % {"block": cards.block}
        return starts[cards.block], steps[0]
    for index, step in enumerate(steps):
        if step.title == cards.step:
            return starts[cards.block] + index, step
    return _("Baustein %(block)d hat keinen Schritt „%(step)s“.") % {"block": cards.block, "step": cards.step}


def resolve(template: AgendaTemplate, blocks: Sequence[Sequence[BlockStep]]) -> Resolved:
    """`blocks[i]`: the steps block i of `template` brings (its method's steps, or the free block's one)."""
    starts: list[int] = []
    at = 0
    for steps in blocks:
        starts.append(at)
        at += len(steps)
    sources: dict[tuple[int, int], dict[str, Any]] = {}
    problems: list[tuple[str, Message]] = []
    for block, (entry, steps) in enumerate(zip(template.steps, blocks, strict=True)):
        for title, cards in entry.cards.items():
            where = f"steps.{block}.cards.{title}"
            index = next((i for i, step in enumerate(steps) if step.title == title), None)
            if index is None or steps[index].mechanic not in CHOOSING:
                problems.append((where, _("Kein Punkte-, Rang- oder Matrix-Schritt mit diesem Titel im Baustein.")))
                continue
            if cards.from_ == "all":
                sources[(block, index)] = {"from": "all"}
                continue
            found = _target(blocks, starts, cards)
            if not isinstance(found, tuple):
                problems.append((where, found))
                continue
            position, target = found
            if position >= starts[block] + index:
                problems.append((where, _("Die Karten müssen aus einem früheren Schritt kommen.")))
            elif cards.from_ == "step" and target.mechanic != "collect":
                problems.append((where, _("„from: step“ braucht einen Schritt, der Karten sammelt.")))
            elif cards.from_ == "top" and target.mechanic != "vote":
                problems.append((where, _("„from: top“ braucht einen Schritt, in dem gepunktet wird.")))
            else:
                source: dict[str, Any] = {"from": cards.from_, "step": position}
                if cards.n is not None:
                    source["n"] = cards.n
                sources[(block, index)] = source
    return Resolved(sources, problems)
