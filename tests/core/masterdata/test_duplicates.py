"""The partner duplicate check: profiles, keys and scores on the matching method."""

from __future__ import annotations

from hub.core.masterdata.duplicates import PartnerProfile, rank_candidates, score


def org(name: str, street: str = "Hauptstraße", number: str = "5", postal: str = "50667",
        emails: list[str] | None = None, vat: str | None = None) -> PartnerProfile:
    return PartnerProfile.of({
        "kind": "organisation", "organisation_name": name,
        "addresses": [{"street": street, "house_number": number, "postal_code": postal}],
        "emails": emails or [],
        "tax_numbers": [{"category": "VAT", "number": vat}] if vat else [],
    })


def test_same_vat_number_is_near_certain_whatever_the_spelling() -> None:
    value, reasons = score(org("Alpha", vat="DE 123.456.789"), org("Alpha Handel", postal="10115", vat="de123456789"))
    assert value >= 0.95 and any(r.startswith("identification exact") for r in reasons)


def test_same_email_and_name_scores_high() -> None:
    value, reasons = score(org("Acme", emails=["Info@X.de"]), org("ACME Ltd.", postal="1", emails=["info@x.de"]))
    assert value >= 0.99 and any(r.startswith("email exact") for r in reasons)


def test_similar_name_at_the_same_address_is_a_candidate() -> None:
    value, reasons = score(org("Müller Maschinenbau GmbH"), org("Mueller Maschinenbau"))
    assert value >= 0.99
    assert "street exact" in " ".join(reasons)


def test_different_companies_score_low() -> None:
    value, _ = score(org("Alpha Logistik", postal="50667"), org("Zeta Bäckerei", street="Ring", postal="80331"))
    assert value < 0.01


def test_keys_connect_likely_duplicates_and_are_made_once() -> None:
    a = org("Müller Maschinenbau GmbH", emails=["a@x.de"])
    b = org("Müller Maschinenbau AG", emails=["b@y.de"])
    assert a.keys() & b.keys()
    assert a.keys() is a.keys()
    assert a == org("Mueller Maschinenbau", emails=["A@x.de "])


def test_candidates_below_the_threshold_are_left_out_and_the_rest_ranked() -> None:
    me = org("Müller Maschinenbau GmbH", vat="DE1")
    ranked = rank_candidates(me, [("bp_far", org("Zeta", street="Ring", postal="80331")),
                                  ("bp_same", org("Müller Maschinenbau", vat="DE1")),
                                  ("bp_near", org("Müller Maschinenbau"))], 0.5)
    assert [c.hub_id for c in ranked] == sorted(["bp_same", "bp_near"])  # equal scores: by id
    assert all(c.score >= 0.5 for c in ranked)
