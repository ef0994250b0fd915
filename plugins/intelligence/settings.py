"""The intelligence module's settings (`[ncen.module.intelligence]`): the matching weights and
thresholds an administration tunes (docs/intelligence.md explains each), read here."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

from core.matching import Weights
from core.settings import Setting

if TYPE_CHECKING:
    from core.instance import Instance

MODULE = "intelligence"

_DESCRIPTIONS = {
    "threshold": "Score (0-1) from which a pair is a match: an alert, a cross-reference match.",
    "identifier": "Weight of a shared normalised identifier (plate, container, IMO, document).",
    "name": "Weight of a name match (times the name similarity).",
    "name_min": "Name similarity (0-1) below which names do not count at all.",
    "birth_date_match": "Added when both dates of birth are known and agree.",
    "birth_date_mismatch": "Subtracted when both dates of birth are known and disagree.",
    "nationality_match": "Added when the persons share a nationality.",
    "nationality_mismatch": "Subtracted when both have nationalities and share none.",
    "country_match": "Added when two companies are registered in the same country.",
    "term": "Weight of a watched free term found in a record.",
    "route": "Seizures: weight of shared route countries (times their overlap).",
    "concealment": "Seizures: weight of the same concealment method.",
    "hs_code": "Seizures: weight of the same HS heading (half for the same chapter).",
    "time_window": "Seizures: weight of dates within the time window (less with distance).",
    "window_days": "Seizures: the time window, in days.",
}


def declarations() -> list[Setting]:
    defaults = Weights()
    declared: list[Setting] = []
    for f in fields(Weights):
        default = getattr(defaults, f.name)
        if f.name == "window_days":
            declared.append(Setting(f.name, int, default, _DESCRIPTIONS[f.name], 0, 3650))
        else:
            declared.append(Setting(f.name, float, default, _DESCRIPTIONS[f.name], 0.0, 1.0))
    declared.append(
        Setting(
            "max_candidates",
            int,
            50,
            "At most this many candidates scored per record (the ones sharing most keys).",
            minimum=1,
            maximum=10_000,
        )
    )
    declared.append(
        Setting(
            "saved_search_interval_seconds",
            int,
            60,
            "How often a serving instance runs the saved searches that alert on new data; 0 "
            "turns it off.",
            minimum=0,
            maximum=86_400,
        )
    )
    declared.append(
        Setting(
            "saved_search_max_hits",
            int,
            1000,
            "Hits of a saved search (best first) looked at on each run.",
            minimum=1,
            maximum=10_000,
        )
    )
    declared.append(
        Setting(
            "existing_records_max",
            int,
            200,
            "When an entry is added, at most this many existing records (those sharing most "
            "keys, or the best search hits of a term) are screened against it.",
            minimum=0,
            maximum=100_000,
        )
    )
    return declared


def saved_search_interval(instance: Instance) -> int:
    return int(instance.settings(MODULE).saved_search_interval_seconds)


def saved_search_max_hits(instance: Instance) -> int:
    return int(instance.settings(MODULE).saved_search_max_hits)


def existing_records_max(instance: Instance) -> int:
    return int(instance.settings(MODULE).existing_records_max)


def weights(instance: Instance) -> Weights:
    values = instance.settings(MODULE)
    return Weights(**{f.name: getattr(values, f.name) for f in fields(Weights)})


def max_candidates(instance: Instance) -> int:
    return int(instance.settings(MODULE).max_candidates)
