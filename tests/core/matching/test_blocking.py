"""Blocking keys: true duplicates that used to share none now share one."""

from __future__ import annotations

from hub.core.matching.blocking import blocking_keys
from hub.core.matching.record import MatchRecord


def test_typos_in_both_names_and_no_birth_date_still_meet_at_their_address() -> None:
    stored = MatchRecord.create("person", first_name="Ursula", last_name="Bersolrich", birth_date="1961-10-10",
                                street="Trenikweg 10", postal_code="09148", city="Wentor")
    row = MatchRecord.create("person", first_name="Urmula", last_name="Berdolrich", street="Trenik Weg",
                             house_number="10", postal_code="09148", city="Wentor")
    assert blocking_keys(stored) & blocking_keys(row) == {("ad", "09148|trenik10")}


def test_a_moved_person_with_a_new_surname_is_found_by_the_mailbox_at_another_domain() -> None:
    stored = MatchRecord.create("person", first_name="Thomas", last_name="Müller", emails=["thomas.mueller852@gmx.de"],
                                street="Kerburallee 171", postal_code="31980", city="Kergen")
    row = MatchRecord.create("person", first_name="Thomas", last_name="Mülelr", emails=["thomas.mueller852@posteo.de"],
                             street="Feldkalweg 27", postal_code="13321", city="Trerichhausen")
    assert blocking_keys(stored) & blocking_keys(row) == {("mailbox", "thomas.mueller852")}


def test_a_generic_mailbox_is_no_key() -> None:
    firm = MatchRecord.create("organisation", organisation_name="Roth Logistik GmbH", emails=["info@roth.de"])
    assert [k for k in blocking_keys(firm) if k[0] == "mailbox"] == []
