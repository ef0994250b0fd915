"""Names compared through transliteration, spelling variants and typos.

Names are folded to ASCII (anyascii: Cyrillic, Arabic, Greek... to Latin), lower-cased, with
hyphens and apostrophes joined, so `Al-Hassan`, `Al Hassan` and `Алхасан` compare closely. Tokens
are compared by a phonetic key (metaphone after folding spellings transliteration systems
disagree on) and by edit similarity (rapidfuzz). The same folding and keys as the suspects'
duplicate check, for names whose parts are not known (watch-list entries, aliases, companies).
"""

from __future__ import annotations

import re
from functools import lru_cache

import jellyfish
from anyascii import anyascii
from rapidfuzz import fuzz

# Particles and articles that do not identify a name on their own.
PARTICLES = frozenset(
    [
        "al",
        "el",
        "ul",
        "ad",
        "ar",
        "as",
        "at",
        "az",
        "bin",
        "ben",
        "ibn",
        "abu",
        "bint",
        "van",
        "von",
        "der",
        "den",
        "de",
        "da",
        "di",
        "du",
        "la",
        "le",
        "dos",
        "das",
        "del",
        "della",
        "mac",
        "mc",
    ]
)
# Company legal-form words: `Acme Trading Ltd` and `ACME Trading Limited` are one name.
LEGAL_FORMS = frozenset(
    [
        "ltd",
        "limited",
        "llc",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "aps",
        "kft",
        "sro",
        "zao",
        "ooo",
        "oao",
        "pjsc",
        "jsc",
        "llp",
        "lp",
        "fze",
        "fzco",
        "pte",
        "pvt",
        "sdn",
        "bhd",
    ]
)
_JOINERS = re.compile(r"['\u2019`\-]+")
_NON_ALNUM = re.compile(r"[^a-z0-9 ]+")
# Spellings that transliteration systems disagree on (`Khasan`/`Hasan`, `Qasim`/`Kasim`).
_SPELLINGS = (("kh", "h"), ("gh", "g"), ("dh", "d"), ("dj", "j"), ("zh", "j"), ("q", "k"))
PHONETIC_MATCH = 0.88  # the score of two tokens that sound alike however they are spelt


@lru_cache(maxsize=65536)
def fold(text: str | None) -> str:
    """ASCII, lower case, joined at hyphens and apostrophes, single spaces."""
    if not text:
        return ""
    ascii_text = _JOINERS.sub("", anyascii(text).lower())
    return " ".join(_NON_ALNUM.sub(" ", ascii_text).split())


def tokens(text: str | None, *, company: bool = False) -> tuple[str, ...]:
    """The tokens that identify a name: particles (and legal forms of companies) left out,
    unless nothing else remains."""
    folded = fold(text).split()
    drop = PARTICLES | LEGAL_FORMS if company else PARTICLES
    kept = tuple(t for t in folded if t not in drop)
    return kept or tuple(folded)


@lru_cache(maxsize=65536)
def phonetic(token: str) -> str:
    """Metaphone after folding transliteration variants; a joined article is dropped first."""
    for prefix in ("al", "el", "ul"):
        if token.startswith(prefix) and len(token) > len(prefix) + 2:
            token = token[len(prefix) :]
            break
    for spelling, plain in _SPELLINGS:
        token = token.replace(spelling, plain)
    if token.isdigit():
        return token
    return jellyfish.metaphone(token) if token else ""


def name_keys(text: str | None, *, company: bool = False) -> set[str]:
    """Blocking keys of a name: the phonetic key of each identifying token (two letters or
    more)."""
    return {phonetic(t) for t in tokens(text, company=company) if len(t) >= 2} - {""}


def _token_score(a: str, b: str) -> float:
    if a == b:
        return 1.0
    ratio = fuzz.ratio(a, b) / 100.0
    if len(a) >= 3 and len(b) >= 3 and phonetic(a) == phonetic(b):
        return max(PHONETIC_MATCH, ratio)
    return ratio


def name_similarity(a: str | None, b: str | None, *, company: bool = False) -> float:
    """0-1: how closely two full names agree, whatever the order of their parts.

    Each token of the shorter name pairs with its best partner in the longer one; the mean of
    those scores is discounted when the longer name has tokens left unpaired, so a lone family
    name never scores as the full name. The compact forms (`alhassan` / `al hassan`) are
    compared too, and the better score kept."""
    left, right = tokens(a, company=company), tokens(b, company=company)
    if not left or not right:
        return 0.0
    if len(left) > len(right):
        left, right = right, left
    remaining = list(right)
    total = 0.0
    for token in left:
        best, best_score = None, 0.0
        for other in remaining:
            score = _token_score(token, other)
            if score > best_score:
                best, best_score = other, score
        if best is not None:
            remaining.remove(best)
        total += best_score
    paired = total / len(left)
    coverage = len(left) / len(right)
    score = paired * (0.8 + 0.2 * coverage)
    compact = fuzz.ratio("".join(sorted(left)), "".join(sorted(right))) / 100.0
    return round(max(score, compact if len(left) == len(right) else 0.0), 3)
