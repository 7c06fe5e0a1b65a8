"""The partner duplicate check: profiles, keys and scores on the matching method."""

from __future__ import annotations

from hub.core.masterdata.duplicates import PartnerProfile, rank_candidates
from hub.core.masterdata.duplicates import score as score_among

STORE = 100_000
"""The partners each pair is taken from: the prior of a pair depends on it."""


def score(a: PartnerProfile, b: PartnerProfile) -> tuple[float, tuple[str, ...]]:
    return score_among(a, b, STORE)


def org(name: str, street: str = "Hauptstraße", number: str = "5", postal: str = "50667",
        emails: list[str] | None = None, vat: str | None = None) -> PartnerProfile:
    return PartnerProfile.of({
        "kind": "organisation", "organisation_name": name,
        "addresses": [{"street": street, "house_number": number, "postal_code": postal}],
        "emails": emails or [],
        "tax_numbers": [{"category": "VAT", "number": vat}] if vat else [],
    })


def test_same_vat_number_and_name_is_a_duplicate_whatever_the_spelling_and_after_a_move_a_likely_one() -> None:
    value, reasons = score(org("Alpha GmbH", vat="DE 123.456.789"), org("ALPHA AG", vat="de123456789"))
    assert value >= 0.999 and any(r.startswith("identification exact") for r in reasons)
    moved, _ = score(org("Alpha GmbH", vat="DE 123.456.789"),
                     org("ALPHA AG", street="Ring", postal="10115", vat="de123456789"))
    assert 0.5 <= moved < value


def test_same_email_and_name_scores_high_and_a_shared_generic_mailbox_says_nothing() -> None:
    value, reasons = score(org("Acme", emails=["Kontakt@Acme.de"]), org("ACME Ltd.", emails=["kontakt@acme.de"]))
    assert value >= 0.99 and any(r.startswith("email exact") for r in reasons)
    _, reasons = score(org("Acme", emails=["info@acme.de"]), org("Acme", emails=["info@acme.com"]))
    assert any(r.startswith("email different") for r in reasons)


def test_similar_name_at_the_same_address_is_a_match() -> None:
    value, reasons = score(org("Müller Maschinenbau GmbH"), org("Mueller Maschinenbau"))
    assert value >= 0.99
    assert any(r.startswith("address exact") for r in reasons)


def test_different_companies_score_low() -> None:
    value, _ = score(org("Alpha Logistik", postal="50667"), org("Zeta Bäckerei", street="Ring", postal="80331"))
    assert value < 0.01


def test_keys_connect_likely_duplicates_and_are_made_once() -> None:
    a = org("Müller Maschinenbau GmbH", emails=["a@x.de"])
    b = org("Müller Maschinenbau AG", emails=["b@y.de"])
    assert a.keys() & b.keys()
    assert a.keys() is a.keys()
    assert a == org("Mueller Maschinenbau", emails=["A@x.de "])


def test_the_bigger_the_store_the_more_evidence_a_match_needs() -> None:
    a, b = org("Alpha Logistik", postal="50667"), org("Alpha Logistik", street="Ring", postal="50667")
    assert score_among(a, b, 1_000)[0] > score_among(a, b, 1_000_000)[0]


def test_candidates_below_the_threshold_are_left_out_and_the_rest_ranked() -> None:
    me = org("Müller Maschinenbau GmbH", vat="DE1")
    ranked = rank_candidates(me, [("bp_far", org("Zeta", street="Ring", postal="80331")),
                                  ("bp_same", org("Müller Maschinenbau", vat="DE1")),
                                  ("bp_near", org("Müller Maschinenbau"))], 0.5, STORE)
    assert [c.hub_id for c in ranked] == ["bp_same", "bp_near"]
    assert ranked[0].score >= ranked[1].score >= 0.5
