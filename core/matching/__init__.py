"""Matching, declared once in core: what a record looks like to a matcher (`Profile`), how names
and identifiers are normalised, how two profiles are scored with an explanation, and a blocking
index that finds candidates without comparing everything with everything.

Record types say how a row becomes a profile (`RecordType.match_profile`); the intelligence
module (watch lists, screening, cross-referencing) and any other consumer score profiles here,
so a duplicate hint, a watch-list hit and a cross-database match agree on what "the same" means.
"""

from core.matching.identifiers import FAMILIES, identifier_key
from core.matching.index import CandidateIndex
from core.matching.names import fold, name_keys, name_similarity
from core.matching.profile import BirthDate, Identifier, Name, Profile
from core.matching.scoring import Feature, MatchResult, Weights, compare

__all__ = [
    "FAMILIES",
    "BirthDate",
    "CandidateIndex",
    "Feature",
    "Identifier",
    "MatchResult",
    "Name",
    "Profile",
    "Weights",
    "compare",
    "fold",
    "identifier_key",
    "name_keys",
    "name_similarity",
]
