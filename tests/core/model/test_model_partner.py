"""Partner rules the master-data service relies on."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hub.core.model import Block, Partner, PartnerKind, PartnerRole, validate_document
from hub.core.model.validation import InvalidDocumentError
from hub.testing.samples import partner, person


def test_sample_partners_expose_the_contract_names() -> None:
    org = partner()
    assert org.kind is PartnerKind.organisation
    assert PartnerRole.payer in org.roles
    assert org.address("delivery").city == "Potsdam"
    assert org.address("delivery").country == "DE"
    assert org.sales_areas[0].incoterms_location == "Potsdam"
    assert org.external_id("erp_sap") == "0000100042"
    assert org.blocks == [Block(kind="delivery", reason="address check pending")]


def test_display_name() -> None:
    assert partner().display_name == "Müller Haustechnik GmbH"
    assert person().display_name == "Anna Schmidt"
    assert Partner(kind="person", last_name="Meier").display_name == "Meier"


def test_all_list_fields_default_to_empty() -> None:
    bare = Partner(kind="organisation", organisation_name="ACME")
    for name in ("roles", "addresses", "emails", "phones", "tax_numbers", "sales_areas",
                 "relationships", "blocks"):
        assert getattr(bare, name) == []
    assert bare.marketing_attributes == {}


def test_organisation_needs_a_name_and_person_a_last_name() -> None:
    with pytest.raises(InvalidDocumentError) as org:
        validate_document("partner", {"kind": "organisation", "first_name": "Jo"})
    assert org.value.field == "organisation_name"
    with pytest.raises(InvalidDocumentError) as pers:
        validate_document("partner", {"kind": "person", "first_name": "Jo", "last_name": "  "})
    assert pers.value.field == "last_name" and "last_name" in pers.value.reason


def test_email_domain_is_lower_cased_and_local_part_kept() -> None:
    assert person(emails=[" Anna.Schmidt@Example.ORG "]).emails == ["Anna.Schmidt@example.org"]


@pytest.mark.parametrize("bad", ["anna", "anna@", "@example.org", "anna@example", "an na@example.org",
                                 "anna@@example.org", "anna@example..org"])
def test_bad_email_is_refused_with_its_position(bad: str) -> None:
    with pytest.raises(InvalidDocumentError) as exc:
        validate_document("partner", {"kind": "person", "last_name": "S",
                                      "emails": ["ok@example.org", bad]})
    assert exc.value.field == "emails.1"
    assert repr(bad.strip()) in exc.value.reason


def test_duplicate_roles_are_refused() -> None:
    with pytest.raises(InvalidDocumentError) as exc:
        validate_document("partner", {"kind": "person", "last_name": "S",
                                      "roles": ["sold_to", "payer", "sold_to"]})
    assert exc.value.field == "roles.2" and "twice" in exc.value.reason


def test_block_kinds_and_phone_kinds_are_closed_lists() -> None:
    with pytest.raises(ValidationError):
        Block(kind="shipping")
    with pytest.raises(ValidationError):
        person(phones=[{"number": "1", "kind": "pager"}])


def test_empty_address_is_refused() -> None:
    with pytest.raises(InvalidDocumentError) as exc:
        validate_document("partner", {"kind": "person", "last_name": "S", "addresses": [{"kind": "main"}]})
    assert exc.value.field == "addresses.0.city"
