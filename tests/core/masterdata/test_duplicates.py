"""Normalisation, blocking keys and scores of the partner duplicate check."""

from __future__ import annotations

from hub.core.masterdata.duplicates import PartnerProfile, normalise_name, normalise_street, score


def org(name: str, street: str = "Hauptstraße", number: str = "5", postal: str = "50667",
        emails: list[str] | None = None, vat: str | None = None) -> PartnerProfile:
    return PartnerProfile.of({
        "kind": "organisation", "organisation_name": name,
        "addresses": [{"street": street, "house_number": number, "postal_code": postal}],
        "emails": emails or [],
        "tax_numbers": [{"category": "VAT", "number": vat}] if vat else [],
    })


def test_names_lose_case_accents_punctuation_and_legal_forms() -> None:
    assert normalise_name("Müller & Söhne GmbH") == normalise_name("MUELLER UND SOEHNE gmbh.")
    assert normalise_name("Café Zürich AG") == "cafe zuerich"
    assert normalise_name("Acme Ltd.") == "acme"
    assert normalise_street("Hauptstraße", "5") == normalise_street("Hauptstr.", "5")


def test_same_vat_number_is_near_certain_whatever_the_spelling() -> None:
    value, reasons = score(org("Alpha", vat="DE 123.456.789"), org("Beta", postal="10115", vat="de123456789"))
    assert value >= 0.95 and "same VAT number" in reasons


def test_same_email_scores_high() -> None:
    value, reasons = score(org("A", emails=["Info@X.de"]), org("B", postal="1", emails=["info@x.de"]))
    assert value == 0.9 and "same e-mail" in reasons


def test_similar_name_at_the_same_address_is_a_candidate() -> None:
    value, reasons = score(org("Müller Maschinenbau GmbH"), org("Mueller Maschinenbau"))
    assert value >= 0.75
    assert "same address" in reasons


def test_different_companies_score_low() -> None:
    value, _ = score(org("Alpha Logistik", postal="50667"), org("Zeta Bäckerei", street="Ring", postal="80331"))
    assert value < 0.5


def test_keys_connect_likely_duplicates() -> None:
    a = org("Müller Maschinenbau GmbH", emails=["a@x.de"])
    b = org("Müller Maschinenbau AG", emails=["b@y.de"])
    assert a.keys() & b.keys()


def test_ascii_and_unicode_spellings_fold_alike() -> None:
    # ASCII text takes a faster path than the rest; both must fold the same way.
    assert normalise_name("ACME-Werk\t(Nord) & Co. KG") == "acme werk nord und"
    assert normalise_name("Åcme-Wérk\t(Nörd) & Co. KG") == "acme werk noerd und"
    assert normalise_name("Fischer_Bau 2000 GmbH") == "fischer bau 2000"
    assert normalise_name("Straße ½ ﬁrma") == "strasse 1 2 firma"
    assert normalise_name("GmbH") == ""
    assert normalise_street("Industriestraße", "12a") == normalise_street("INDUSTRIESTR.", "12a") == "industriestr 12a"
    assert normalise_street("Ring", None) == "ring"
    assert normalise_street("Strassenbahnweg", "1") == "strassenbahnweg 1"


def test_keys_of_a_profile_are_pinned_and_made_once() -> None:
    profile = org("Müller Maschinenbau GmbH", emails=[" Info@Mueller.DE "], vat="de 123.456.789")
    assert profile.keys() == {
        ("email", "info@mueller.de"), ("vat", "DE123456789"),
        ("nameaddr", "mueller maschinenbau|50667|hauptstr 5"), ("namezip", "mueller|50667"),
    }
    assert profile.keys() is profile.keys()
    assert profile.name_grams is profile.name_grams
    assert profile == org("Mueller Maschinenbau", emails=["info@mueller.de"], vat="DE123456789")
