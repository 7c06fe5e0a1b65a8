"""Comparison levels and the model's scores of hand-made pairs."""

from __future__ import annotations

from typing import Any

import pytest

from hub.core.matching import compare
from hub.core.matching.model import REVIEW_ONLY, SWAPPED, MatchModel, ModelError, comparison_levels, default_model
from hub.core.matching.record import MatchRecord

STORE = 1_000_000


def person(first: str = "Johannes", last: str = "Schmidt", born: str = "1970-03-12", street: str = "Hauptstraße 5",
           postal: str = "50667", city: str = "Köln", **more: Any) -> MatchRecord:
    return MatchRecord.create("person", first_name=first, last_name=last, birth_date=born, street=street,
                              postal_code=postal, city=city, **more)


def level(name: str, a: MatchRecord, b: MatchRecord) -> str:
    levels, _ = comparison_levels(a, b)
    fields = ("first_name", "last_name", "birth_date", "address", "email", "phone", "identification")
    return compare.COMPARISONS[name][0][levels[fields.index(name)]]


@pytest.mark.parametrize(("first", "expected"), [
    ("Johannes", "exact"), ("Hans", "nickname"), ("Johanes", "typo"), ("J.", "initial"), ("Jonathan", "similar"),
    ("Peter", "different"), ("", "missing"),
])
def test_first_name_levels(first: str, expected: str) -> None:
    assert level("first_name", person(), person(first=first)) == expected


@pytest.mark.parametrize(("born", "expected"), [
    ("1970-03-12", "exact"), ("1970-12-03", "digit"), ("1907-03-12", "digit"), ("1970-03-13", "digit"),
    ("1970-07-30", "year"), ("1971-08-30", "different"), ("", "missing"),
])
def test_birth_date_levels(born: str, expected: str) -> None:
    assert level("birth_date", person(), person(born=born)) == expected


@pytest.mark.parametrize(("street", "postal", "city", "expected"), [
    ("Hauptstr. 5", "50667", "Koeln", "exact"), ("Hauptsrtaße 5", "50676", "Köln", "alike"),
    ("Hauptstraße 7", "50667", "Köln", "street"), ("Ring 1", "50668", "Köln", "postal code"),
    ("Ring 1", "50999", "Köln", "city"), ("Ring 1", "80331", "München", "different"), ("", "", "", "missing"),
])
def test_address_levels(street: str, postal: str, city: str, expected: str) -> None:
    assert level("address", person(), person(street=street, postal=postal, city=city)) == expected


def test_swapped_names_are_compared_crosswise_either_way_round() -> None:
    for swapped in (person(first="Schmidt", last="Hans"), person(first="Schmitt", last="Johannes")):
        for a, b in ((person(), swapped), (swapped, person())):
            levels, was_swapped = comparison_levels(a, b)
            assert was_swapped and levels[0] in (1, 2, 3) and levels[1] in (1, 2)


def test_a_duplicate_with_typical_errors_links_and_a_namesake_elsewhere_does_not() -> None:
    model = default_model()
    dupe = person(first="Hans", last="Schmitt", born="1970-12-03", street="Hauptstr.", postal="50676")
    assert model.score(person(), dupe, STORE).probability >= 0.99
    namesake = person(born="1958-06-01", street="Ring 1", postal="80331", city="München")
    assert model.score(person(), namesake, STORE).probability < 0.01


def test_family_members_at_one_address_go_to_review_at_most_unless_they_share_an_identifier() -> None:
    model = default_model()
    father, daughter = person(phones=["0221 123456"]), person(first="Lena", born="1970-03-12", phones=["0221 123456"])
    scored = model.score(father, daughter, 1_000)
    assert not scored.linkable and REVIEW_ONLY in scored.evidence
    same_mail = model.score(person(emails=["js@x.de"]), person(first="Lena", emails=["js@x.de"]), 1_000)
    assert same_mail.linkable


def test_persons_and_organisations_never_match() -> None:
    firm = MatchRecord.create("organisation", organisation_name="Schmidt", street="Hauptstraße 5", postal_code="50667")
    assert default_model().score(person(), firm, STORE).probability == 0.0


def test_evidence_names_every_compared_field_and_the_swap() -> None:
    scored = default_model().score(person(), person(first="Schmidt", last="Johannes"), STORE)
    assert scored.evidence[0] == SWAPPED
    assert [e.split()[0] for e in scored.evidence[1:]] == ["first_name", "last_name", "birth_date", "address"]


def test_a_weights_file_that_does_not_fit_is_refused_with_the_field_named() -> None:
    data = default_model().as_dict()
    data["person"]["m"]["birth_date"] = [0.5, 0.5]
    with pytest.raises(ModelError, match=r"person\.m\.birth_date needs 4 values"):
        MatchModel.from_dict(data)
    with pytest.raises(ModelError, match="no section for 'organisation'"):
        MatchModel.from_dict({"person": default_model().as_dict()["person"]})
    with pytest.raises(ModelError, match="malformed"):
        MatchModel.from_dict({"person": {"rate": 1}, "organisation": {}})
    assert MatchModel.from_dict(default_model().as_dict()).as_dict() == default_model().as_dict()


def test_a_rare_last_name_says_more_than_a_common_one() -> None:
    """Two sightings of a person who moved and gave no birth date: a namesake elsewhere
    looks the same, so only how common the name is tells them apart."""
    model = default_model()

    def moved(last: str) -> tuple[MatchRecord, MatchRecord]:
        return (person(last=last, born=""), person(last=last, street="Ringweg 1", postal="70173", city="Stuttgart"))

    rare, common = model.score(*moved("Bersolrich"), 20_000), model.score(*moved("Müller"), 20_000)
    assert rare.weight - common.weight > 6
    assert any("how common the last name is (+" in e for e in rare.evidence)
    assert any("how common the last name is (-" in e for e in common.evidence)
    assert model.last_name_adjustment("bersolrich") == model.last_name_adjustment("never seen")
