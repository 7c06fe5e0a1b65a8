"""Seeded lists of persons and organisations with known duplicates, for matching tests
and ``bench/matching.py``.

Each generated row is one sighting of an *entity* (a real person or organisation); rows
of the same entity are duplicates, rows of different entities are not. A duplicate is
the entity's record with the errors real lists contain: typos, swapped first and last
names, nicknames and initials, missing fields, other spellings of the street and house
number, umlauts spelt out, birth-date digits swapped or day and month swapped, postal
codes off by a digit, another e-mail domain, legal-form variants of organisations.

The lists also hold the pairs that make matching hard without being duplicates: family
members at one address (same last name, street, phone), twins (same birth date too),
namesakes elsewhere, firms sharing a business park. Everything comes from one
``random.Random(seed)``: the same seed gives the same list on every machine.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import accumulate

FIRST_NAMES = (
    "william robert richard james john johannes josef elizabeth margaret katherine michael thomas christian"
    " christopher christina alexander alexandra andreas daniel matthias nicholas peter stefan wolfgang"
    " friedrich heinrich karl ludwig franz georg walter albert anthony edward benjamin samuel jacob patrick"
    " patricia susanne barbara jennifer rebecca sophia theodor maximilian sebastian tobias florian cornelia"
    " gabriele dorothea helene magdalena johanna marie anna eva ursula gertrud hermann werner gerhard bernhard"
    " ulrich rudolf dieter siegfried helmut jonas lukas felix paul leon finn emma mia hannah lea lina clara"
    " nora ida greta frieda oskar emil anton moritz julian niklas david simon fabian kevin laura julia sarah"
    " katrin sabine petra monika renate brigitte ingrid karin heike claudia birgit martina nicole silke"
    " andrea tanja sandra manuela yvonne jessica vanessa melanie olga irina mehmet ayse fatma ali"
).split()
NICKNAMES = {
    "william": ["bill", "willi"], "robert": ["bob", "rob"], "richard": ["rick"], "james": ["jim"],
    "john": ["johnny", "jack"], "johannes": ["hans", "hannes"], "josef": ["sepp", "joseph"],
    "elizabeth": ["liz", "elisabeth"], "margaret": ["greta", "maggie"], "katherine": ["kate", "katharina"],
    "michael": ["mike", "michi"], "thomas": ["tom"], "christian": ["chris"], "christopher": ["chris", "christoph"],
    "alexander": ["alex", "sascha"], "andreas": ["andi", "andy"], "daniel": ["dani"], "matthias": ["matze"],
    "nicholas": ["nick", "niklas"], "peter": ["pit"], "stefan": ["stephan", "steffen"], "wolfgang": ["wolfi"],
    "friedrich": ["fritz"], "heinrich": ["heinz"], "karl": ["carl", "kalle"], "franz": ["franzl"],
    "georg": ["schorsch"], "anthony": ["tony"], "edward": ["eddie"], "benjamin": ["ben"], "samuel": ["sam"],
    "susanne": ["susi"], "maximilian": ["max"], "sebastian": ["basti"], "tobias": ["tobi"],
    "gabriele": ["gabi"], "johanna": ["hanna"], "anna": ["anni"], "ursula": ["uschi"], "rudolf": ["rudi"],
    "ulrich": ["uli"], "bernhard": ["bernd"], "gerhard": ["gerd"], "dorothea": ["doro"], "helene": ["lena"],
}
SURNAMES = (
    "müller schmidt schneider fischer weber meyer wagner becker schulz hoffmann schäfer koch bauer richter"
    " klein wolf schröder neumann schwarz zimmermann braun krüger hofmann hartmann lange schmitt werner"
    " schmitz krause meier lehmann schmid schulze maier köhler herrmann könig walter mayer huber kaiser"
    " fuchs peters lang scholz möller weiß jung hahn schubert vogel friedrich keller günther frank berger"
    " winkler roth beck lorenz baumann franke albrecht schuster simon ludwig böhm winter kraus martin"
    " schumacher krämer vogt stein jäger otto sommer groß seidel heinrich brandt haas schreiber graf"
    " schulte dietrich ziegler kuhn kühn pohl engel horn busch bergmann thomas voigt sauer arnold wolff"
    " pfeiffer smith jones taylor brown williams wilson johnson davies robinson wright thompson evans"
    " walker white roberts green hall wood jackson clarke yilmaz kaya demir şahin çelik nowak kowalski"
).split()
_SYLLABLES = ("ber kal tor wen mar lin dorf hau sen rich bach feld mann stein berg hol ker rot gen"
              " wal lau fen ham mel tre bur nik sol dan").split()
TRADES = ("Maschinenbau Logistik Elektrotechnik Bauunternehmung Handel Consulting Software Metallbau"
          " Immobilien Druckerei Spedition Autohaus Bäckerei Gartenbau Dental Pharma Textil Medien").split()
LEGAL_FORMS = (("GmbH", ["GmbH", "Gesellschaft mit beschränkter Haftung", "G.m.b.H.", ""]),
               ("AG", ["AG", "Aktiengesellschaft", ""]),
               ("GmbH & Co. KG", ["GmbH & Co. KG", "GmbH & Co KG", "KG", ""]),
               ("KG", ["KG", "Kommanditgesellschaft", ""]), ("e.K.", ["e.K.", ""]),
               ("Ltd.", ["Ltd.", "Limited", "Ltd", ""]), ("Inc.", ["Inc.", "Incorporated", ""]))
STREET_KINDS = ("straße", "weg", "allee", "platz", "ring", "gasse", "damm")
ID_KINDS = ("id_card", "passport", "driving_licence")


@dataclass(frozen=True)
class Row:
    """One sighting of an entity: the fields a list would hold, as text ("" = empty)."""

    entity: int
    kind: str
    first_name: str = ""
    last_name: str = ""
    organisation_name: str = ""
    birth_date: str = ""
    email: str = ""
    phone: str = ""
    street: str = ""
    house_number: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "DE"
    id_kind: str = ""
    id_number: str = ""
    vat_number: str = ""
    errors: tuple[str, ...] = field(default=(), compare=False)

    def partner_data(self) -> dict[str, object]:
        """The row as canonical partner JSON data (what ``Partner.business_data()`` gives)."""
        address = {"kind": "main", "street": self.street or None, "house_number": self.house_number or None,
                   "postal_code": self.postal_code or None, "city": self.city or None, "country": self.country}
        data: dict[str, object] = {
            "kind": self.kind, "organisation_name": self.organisation_name or None,
            "first_name": self.first_name or None, "last_name": self.last_name or None,
            "birth_date": self.birth_date or None, "addresses": [address],
            "emails": [self.email] if self.email else [],
            "phones": [{"number": self.phone, "kind": "phone"}] if self.phone else [],
            "identifications": [{"kind": self.id_kind, "number": self.id_number}] if self.id_number else [],
            "tax_numbers": [{"category": "VAT", "number": self.vat_number}] if self.vat_number else [],
        }
        return data


class _Places:
    """Cities with their postal codes and streets, made once per generator."""

    def __init__(self, rng: random.Random, cities: int) -> None:
        self.cities = []
        used: set[str] = set()
        for n in range(cities):
            name = "".join(rng.sample(_SYLLABLES, 2)).capitalize() + rng.choice(["", "", "stadt", "hausen", "heim"])
            while name in used:
                name += rng.choice(_SYLLABLES)
            used.add(name)
            base = 1000 + n * 97 % 98000
            codes = [f"{base + i:05d}" for i in range(rng.randint(1, 8))]
            streets = ["".join(rng.sample(_SYLLABLES, 2)).capitalize() + rng.choice(STREET_KINDS)
                       for _ in range(rng.randint(20, 120))]
            self.cities.append((name, codes, streets))
        self.weights = list(accumulate(1 / (rank + 1) ** 0.7 for rank in range(cities)))

    def pick(self, rng: random.Random) -> tuple[str, str, str, str]:
        city, codes, streets = rng.choices(self.cities, cum_weights=self.weights)[0]
        return city, rng.choice(codes), rng.choice(streets), str(rng.randint(1, 180))


class PeopleGenerator:
    """Makes entities and their (erroneous) sightings from one seed."""

    def __init__(self, seed: int, *, cities: int = 3000, surnames: int = 6000) -> None:
        self.rng = random.Random(seed)
        rng = self.rng
        self.places = _Places(rng, cities)
        extra = {"".join(rng.sample(_SYLLABLES, rng.randint(2, 3))) for _ in range(surnames * 2)}
        self.surnames = list(SURNAMES) + sorted(extra)[: max(0, surnames - len(SURNAMES))]
        self.surname_weights = list(accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(self.surnames))))
        self.first_weights = list(accumulate(1 / (rank + 1) ** 0.5 for rank in range(len(FIRST_NAMES))))
        self._next_entity = 0

    # -- entities ---------------------------------------------------------------

    def _entity_id(self) -> int:
        self._next_entity += 1
        return self._next_entity

    def _first(self) -> str:
        return self.rng.choices(FIRST_NAMES, cum_weights=self.first_weights)[0].capitalize()

    def person(self, **fixed: str) -> Row:
        """A new person with all fields filled (what the person would say of themselves)."""
        rng = self.rng
        last = fixed.get("last_name") or rng.choices(self.surnames, cum_weights=self.surname_weights)[0].capitalize()
        first = fixed.get("first_name") or self._first()
        city, code, street, number = self.places.pick(rng)
        born = date(1935, 1, 1) + timedelta(days=rng.randrange(70 * 365))
        mailbox = f"{_spell_umlauts(first).lower()}.{_spell_umlauts(last).lower()}{rng.randint(1, 999)}"
        values = {
            "first_name": first, "last_name": last, "birth_date": born.isoformat(),
            "email": f"{mailbox}@{rng.choice(['web.de', 'gmx.de', 'mail.com', 't-online.de'])}",
            "phone": f"+49 {rng.randint(30, 9999)} {rng.randint(100000, 9999999)}",
            "street": street, "house_number": number, "postal_code": code, "city": city,
            "id_kind": rng.choice(ID_KINDS),
            "id_number": f"{rng.choice('CFGHJKLMNPRTVWXYZ')}{rng.randint(10**7, 10**8 - 1)}",
        }
        values.update(fixed)
        return Row(self._entity_id(), "person", **values)  # type: ignore[arg-type]  # all str fields

    def relative(self, of: Row, twin: bool = False) -> Row:
        """Another person of the same household: same last name, address and phone; a twin
        shares the birth date too. Never a nickname of the first name it lives with."""
        first = self._first()
        taken = {of.first_name.lower(), *NICKNAMES.get(of.first_name.lower(), [])}
        while first.lower() in taken or of.first_name.lower() in NICKNAMES.get(first.lower(), []):
            first = self._first()
        apart = timedelta(days=self.rng.choice([-1, 1]) * self.rng.randint(400, 12000))
        born = of.birth_date if twin else (date.fromisoformat(of.birth_date) + apart).isoformat()
        return self.person(first_name=first, last_name=of.last_name, birth_date=born, street=of.street,
                           house_number=of.house_number, postal_code=of.postal_code, city=of.city, phone=of.phone)

    def namesake(self, of: Row) -> Row:
        """Someone else with the same name, living elsewhere."""
        return self.person(first_name=of.first_name, last_name=of.last_name)

    def organisation(self, near: Row | None = None) -> Row:
        """A new organisation (``near``: in the same building as that one)."""
        rng = self.rng
        owner = rng.choices(self.surnames, cum_weights=self.surname_weights)[0].capitalize()
        name = f"{owner} {rng.choice(TRADES)}" + (f" {rng.choice(TRADES)}" if rng.random() < 0.2 else "")
        legal = rng.choice(LEGAL_FORMS)[0]
        city, code, street, number = self.places.pick(rng)
        if near is not None:
            city, code, street, number = near.city, near.postal_code, near.street, near.house_number
        slug = owner.lower().replace("ü", "ue").replace("ö", "oe").replace("ä", "ae").replace("ß", "ss")
        return Row(self._entity_id(), "organisation", organisation_name=f"{name} {legal}",
                   email=f"info@{slug}-{rng.randint(1, 9999)}.de",
                   phone=f"+49 {rng.randint(30, 9999)} {rng.randint(100000, 9999999)}",
                   street=street, house_number=number, postal_code=code, city=city,
                   vat_number=f"DE{rng.randint(10**8, 10**9 - 1)}" if rng.random() < 0.6 else "")

    # -- sightings --------------------------------------------------------------

    def sighting(self, truth: Row, errors: int) -> Row:
        """``truth`` as a list would hold it: fields dropped as lists drop them, and
        ``errors`` of the error kinds a duplicate shows."""
        rng = self.rng
        row = _drop_fields(rng, truth)
        kinds = PERSON_ERRORS if truth.kind == "person" else ORGANISATION_ERRORS
        chosen = rng.sample(list(kinds), errors)
        for name in chosen:
            if name == "moved":
                city, code, street, number = self.places.pick(rng)
                phone = f"+49 {rng.randint(30, 9999)} {rng.randint(100000, 9999999)}" if rng.random() < 0.5 else ""
                row = replace(row, street=street, house_number=number, postal_code=code, city=city, phone=phone)
            else:
                row = kinds[name](rng, row)
        return replace(row, errors=tuple(chosen))


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    letters = "abcdefghijklmnopqrstuvwxyz"
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + text[i + 1:]
    if kind == 1:
        return text[:i] + rng.choice(letters) + text[i:]
    if kind == 2:
        return text[:i] + rng.choice(letters) + text[i + 1:]
    return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]


def _drop_fields(rng: random.Random, row: Row) -> Row:
    drops = {"email": 0.35, "phone": 0.5, "birth_date": 0.15, "id_number": 0.8, "vat_number": 0.3,
             "house_number": 0.03, "street": 0.05, "city": 0.03, "postal_code": 0.04}
    changes = {name: "" for name, share in drops.items() if getattr(row, name) and rng.random() < share}
    if "id_number" in changes:
        changes["id_kind"] = ""
    return replace(row, **changes)  # type: ignore[arg-type]  # all str fields


def _spell_umlauts(text: str) -> str:
    for letter, spelt in (("ü", "ue"), ("ö", "oe"), ("ä", "ae"), ("ß", "ss"), ("Ü", "Ue"), ("Ö", "Oe"), ("Ä", "Ae")):
        text = text.replace(letter, spelt)
    return text


def _street_variant(rng: random.Random, row: Row) -> Row:
    street = row.street
    for long, short in (("straße", rng.choice(["str.", "strasse", " Str.", " Straße"])),
                        ("platz", rng.choice(["pl.", " Platz"])), ("weg", rng.choice([" Weg", "weg"]))):
        if street.endswith(long):
            street = street[: -len(long)] + short
            break
    else:
        street = _typo(rng, street)
    if rng.random() < 0.5 and row.house_number:
        return replace(row, street=f"{street} {row.house_number}", house_number="")
    return replace(row, street=street)


def _date_error(rng: random.Random, row: Row) -> Row:
    if not row.birth_date:
        return row
    year, month, day = row.birth_date.split("-")
    kind = rng.randrange(3)
    if kind == 0 and int(day) <= 12 and day != month:
        return replace(row, birth_date=f"{year}-{day}-{month}")
    digits = list(year + month + day)
    for _ in range(20):
        changed = list(digits)
        if kind == 1:
            i = rng.randrange(len(digits) - 1)
            changed[i], changed[i + 1] = changed[i + 1], changed[i]
        else:
            i = rng.randrange(2, len(digits))
            changed[i] = str(rng.randrange(10))
        text = "".join(changed)
        try:
            made = date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            continue
        if made.isoformat() != row.birth_date:
            return replace(row, birth_date=made.isoformat())
    return row


def _postcode_error(rng: random.Random, row: Row) -> Row:
    if not row.postal_code:
        return row
    i = rng.randrange(1, len(row.postal_code))
    digit = str((int(row.postal_code[i]) + rng.choice([1, 9, 2])) % 10)
    return replace(row, postal_code=row.postal_code[:i] + digit + row.postal_code[i + 1:])


def _nickname(rng: random.Random, row: Row) -> Row:
    names = NICKNAMES.get(row.first_name.lower())
    if names:
        return replace(row, first_name=rng.choice(names).capitalize())
    return replace(row, first_name=row.first_name[0] + ".")


def _legal_form(rng: random.Random, row: Row) -> Row:
    for written, variants in LEGAL_FORMS:
        if row.organisation_name.endswith(" " + written):
            base = row.organisation_name[: -len(written) - 1]
            return replace(row, organisation_name=f"{base} {rng.choice(variants)}".strip())
    return row


PERSON_ERRORS = {
    "first_name_typo": lambda rng, r: replace(r, first_name=_typo(rng, r.first_name)),
    "last_name_typo": lambda rng, r: replace(r, last_name=_typo(rng, r.last_name)),
    "names_swapped": lambda rng, r: replace(r, first_name=r.last_name, last_name=r.first_name),
    "nickname_or_initial": _nickname,
    "umlauts_spelt": lambda rng, r: replace(r, last_name=_spell_umlauts(r.last_name), street=_spell_umlauts(r.street)),
    "street_variant": _street_variant,
    "birth_date_digits": _date_error,
    "postal_code_digit": _postcode_error,
    "moved": lambda rng, r: r,  # made by PeopleGenerator.sighting: it needs the places
    "other_email": lambda rng, r: replace(r, email=r.email.split("@")[0] + "@posteo.de" if r.email else ""),
    "city_typo": lambda rng, r: replace(r, city=_typo(rng, r.city)),
}
"""Error kinds of a person's duplicate; ``moved`` gives another address (and another
phone number or none)."""
ORGANISATION_ERRORS = {
    "name_typo": lambda rng, r: replace(r, organisation_name=_typo(rng, r.organisation_name)),
    "legal_form_variant": _legal_form,
    "umlauts_spelt": lambda rng, r: replace(r, organisation_name=_spell_umlauts(r.organisation_name),
                                            street=_spell_umlauts(r.street)),
    "street_variant": _street_variant,
    "postal_code_digit": _postcode_error,
    "other_email": lambda rng, r: replace(r, email=""),
    "city_typo": lambda rng, r: replace(r, city=_typo(rng, r.city)),
}


def _errors(rng: random.Random) -> int:
    return rng.choices([1, 2, 3], weights=[0.45, 0.35, 0.2])[0]


def _entities(gen: PeopleGenerator, count: int, organisation_share: float) -> Iterator[Row]:
    """``count`` entities, with the hard non-duplicates among them (households, twins,
    namesakes, neighbouring firms)."""
    rng = gen.rng
    made = 0
    while made < count:
        if rng.random() < organisation_share:
            firm = gen.organisation()
            yield firm
            made += 1
            if rng.random() < 0.05 and made < count:
                yield gen.organisation(near=firm)
                made += 1
            continue
        one = gen.person()
        yield one
        made += 1
        roll = rng.random()
        if roll < 0.12 and made < count:
            yield gen.relative(one, twin=roll < 0.01)
            made += 1
        elif roll < 0.15 and made < count:
            yield gen.namesake(one)
            made += 1


def within_list(rows: int, seed: int, *, duplicate_share: float = 0.3,
                organisation_share: float = 0.2) -> list[Row]:
    """A shuffled list of ``rows`` rows; about ``duplicate_share`` of its entities appear
    more than once (one in five of those three times)."""
    gen = PeopleGenerator(seed)
    rng = gen.rng
    made: list[Row] = []
    for entity in _entities(gen, rows, organisation_share):
        if len(made) >= rows:
            break
        made.append(gen.sighting(entity, 0))
        if rng.random() < duplicate_share:
            for _ in range(2 if rng.random() < 0.2 else 1):
                made.append(gen.sighting(entity, _errors(rng)))
    del made[rows:]
    rng.shuffle(made)
    return made


def against_existing(existing: int, rows: int, seed: int, *, known_share: float = 0.3,
                     organisation_share: float = 0.2) -> tuple[list[Row], list[Row]]:
    """Existing partners (clean records of ``existing`` entities) and a list of ``rows``
    rows, ``known_share`` of them sightings of existing entities, the rest new entities
    (each row of the list is a different entity: within-list duplicates are the other
    case)."""
    gen = PeopleGenerator(seed)
    rng = gen.rng
    stored = list(_entities(gen, existing, organisation_share))[:existing]
    known = rng.sample(stored, min(len(stored), round(rows * known_share)))
    fresh = list(_entities(gen, rows - len(known), organisation_share))[: rows - len(known)]
    made = [gen.sighting(e, _errors(rng)) for e in known] + [gen.sighting(e, 0) for e in fresh]
    rng.shuffle(made)
    return stored, made
