"""Identifier validation and normalisation shared by the modules."""

from __future__ import annotations

import random

import pytest

from core.identifiers import (
    normalise_container,
    normalise_hs_code,
    normalise_imo,
    normalise_plate,
)
from plugins.seizures.demo import container_number


@pytest.mark.parametrize(
    "typed", ["CSQU3054383", "csqu 305438 3", "CSQU-305438-3", " csqu3054383 "]
)
def test_container_numbers_normalise_to_one_form(typed):
    assert normalise_container(typed) == "CSQU3054383"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("CSQU3054384", "check digit"),
        ("CSQX3054383", "category letter"),
        ("CSQU305438", "category letter"),
        ("1234567890A", "category letter"),
    ],
)
def test_bad_container_numbers_are_refused(typed, reason):
    with pytest.raises(ValueError, match=reason):
        normalise_container(typed)


def test_generated_container_numbers_are_valid():
    rng = random.Random(1)
    for _ in range(200):
        number = container_number(rng)
        assert normalise_container(number) == number


@pytest.mark.parametrize("typed", ["9074729", "IMO 9074729", "imo9074729"])
def test_imo_numbers(typed):
    assert normalise_imo(typed) == "9074729"


@pytest.mark.parametrize("typed", ["9074728", "907472", "IMO ABCDEFG"])
def test_bad_imo_numbers_are_refused(typed):
    with pytest.raises(ValueError):
        normalise_imo(typed)


@pytest.mark.parametrize(
    ("typed", "canonical"), [("2402.20", "240220"), ("24", "24"), ("8703 23 19", "87032319")]
)
def test_hs_codes(typed, canonical):
    assert normalise_hs_code(typed) == canonical


@pytest.mark.parametrize("typed", ["2402.2", "00", "7700", "98", "24022A"])
def test_bad_hs_codes_are_refused(typed):
    with pytest.raises(ValueError):
        normalise_hs_code(typed)


def test_plates_compare_without_case_spaces_or_dashes():
    assert normalise_plate("ab-123 cd") == normalise_plate("AB123CD") == "AB123CD"
