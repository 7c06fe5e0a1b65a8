"""Normalisation, nicknames and sound keys of the matcher."""

from __future__ import annotations

from hub.core.matching.record import MatchRecord
from hub.core.matching.text import (
    canonical_first_name,
    fold,
    nickname_groups,
    organisation_name,
    phonetic,
    postal_code,
    split_street,
)


def test_folding_spells_umlauts_out_and_drops_accents_and_punctuation() -> None:
    assert fold("Müller-Lüdenscheidt") == fold("MUELLER Luedenscheidt") == "mueller luedenscheidt"
    assert fold("Café  Zürich!") == "cafe zuerich"
    assert fold(None) == fold("") == ""


def test_legal_forms_and_their_long_spellings_are_dropped() -> None:
    assert organisation_name("Müller Logistik GmbH & Co. KG") == organisation_name("Mueller Logistik") == \
        "mueller logistik"
    assert organisation_name("Alpha Gesellschaft mit beschränkter Haftung") == "alpha"
    assert organisation_name("Beta Aktiengesellschaft") == organisation_name("BETA AG") == "beta"
    assert organisation_name("G.m.b.H.") == ""


def test_streets_compare_alike_however_written_and_wherever_the_number_is() -> None:
    expected = ("hauptstr", "5a")
    assert split_street("Hauptstraße", "5a") == split_street("Hauptstr. 5a", None) == expected
    assert split_street("Haupt Str.", "5 a") == split_street("HAUPTSTRASSE 5A", "") == expected
    assert split_street("Baker Street", "221b") == ("bakerst", "221b")
    assert split_street(None, None) == ("", "")


def test_nicknames_map_to_their_groups() -> None:
    assert canonical_first_name("bill") == canonical_first_name("william") == "william"
    assert canonical_first_name("sepp") == "josef"
    assert "johannes" in nickname_groups("hans")
    assert nickname_groups("chris") >= {"christian", "christopher", "christina"}
    assert nickname_groups("zebulon") == {"zebulon"}


def test_sound_keys_join_spellings_and_keep_different_names_apart() -> None:
    assert phonetic("meier") == phonetic("mayer") == phonetic("meyer") == phonetic("maier")
    assert phonetic("schmidt") == phonetic("schmitt") == phonetic("schmid")
    assert phonetic("mueller") != phonetic("schmidt")
    assert phonetic("") == ""


def test_a_record_normalises_what_it_is_given() -> None:
    record = MatchRecord.from_data({
        "kind": "person", "first_name": "Ada", "last_name": "Lovelace", "birth_date": "1815-12-10",
        "emails": [" Ada@Example.org"], "phones": [{"number": "+44 (0)20 7946 0958"}],
        "identifications": [{"kind": "id card", "number": "c01-x00 t47"}],
        "tax_numbers": [{"category": "vat", "number": "GB 123 456 789"}],
        "addresses": [{"street": "St. James's Square 12", "postal_code": "sw1y 4jh", "city": "London"}],
    })
    assert (record.first_name, record.last_name, record.birth_date) == ("ada", "lovelace", "1815-12-10")
    assert record.emails == {"ada@example.org"} and record.phones == {"079460958"}
    assert record.identifications == {("id_card", "C01X00T47"), ("vat", "GB123456789")}
    assert (record.street, record.house_number, record.postal_code) == ("stjamesssquare", "12", "SW1Y4JH")
    assert postal_code("12 345") == "12345"
