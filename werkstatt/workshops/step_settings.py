"""Typed step settings: each mechanic's `config` read from a stored step as its pydantic model.

The models are the ones the planner validates with (werkstatt.catalogue.schema, the keys of shared/API.md), so
a setting has one name, one type, one limit and one default. A stored config is read leniently: a key the
model does not know is ignored and a value that no longer fits falls back to the default, so an old agenda
never breaks a live board."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ValidationError

from werkstatt.catalogue.schema import (
    ClusterConfig,
    CollectConfig,
    RankConfig,
    RateMatrixConfig,
    TimerConfig,
    VoteConfig,
)

if TYPE_CHECKING:
    from werkstatt.workshops.models import AgendaStep

__all__ = [
    "ClusterConfig",
    "CollectConfig",
    "MatrixSettings",
    "RankConfig",
    "TimerConfig",
    "VoteConfig",
    "auto_advance",
    "blind_now",
    "cluster_settings",
    "collect_settings",
    "matrix_settings",
    "rank_settings",
    "read",
    "vote_settings",
]

Model = TypeVar("Model", bound=BaseModel)


class MatrixSettings(RateMatrixConfig):
    """The matrix as the board runs it; `hidden` (ratings shown only after the reveal) is not offered by the
    planner, so it is always off today, but a stored config may carry it."""

    hidden: bool = False


def read(step: AgendaStep | None, model: type[Model]) -> Model:
    """`step.config` as `model`: unknown keys ignored, values that do not fit replaced by their default."""
    config = (step.config if step is not None else None) or {}
    known = {key: value for key, value in config.items() if key in model.model_fields}
    try:
        return model.model_validate(known)
    except ValidationError as error:
        bad = {str(problem["loc"][0]) for problem in error.errors() if problem["loc"]}
        try:
            return model.model_validate({key: value for key, value in known.items() if key not in bad})
        except ValidationError:
            return model()


def collect_settings(step: AgendaStep | None) -> CollectConfig:
    return read(step, CollectConfig)


def cluster_settings(step: AgendaStep | None) -> ClusterConfig:
    return read(step, ClusterConfig)


def vote_settings(step: AgendaStep | None) -> VoteConfig:
    return read(step, VoteConfig)


def matrix_settings(step: AgendaStep | None) -> MatrixSettings:
    return read(step, MatrixSettings)


def rank_settings(step: AgendaStep | None) -> RankConfig:
    return read(step, RankConfig)


def blind_now(step: AgendaStep | None) -> bool:
    """A blind collect step before its reveal: others' cards of it are secret."""
    return step is not None and collect_settings(step).blind and not step.revealed


def auto_advance(step: AgendaStep | None) -> bool:
    return read(step, TimerConfig).auto_advance
