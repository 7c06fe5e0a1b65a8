"""Deterministic customer and material master data for the ERP simulator.

Record ``i`` is generated from ``(seed, i)`` alone, so a million customers can be
streamed without holding any of them, and the same seed always yields the same
company names, addresses, VAT ids and sales areas (tests and demos can rely on them).
Customer numbers and material numbers are SAP internal format (leading zeros).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

CUSTOMER_BASE = 100000
"""Customer ``i`` (0-based) has the number ``CUSTOMER_BASE + i + 1``: 0000100001, ..."""
PRODUCT_BASE = 400000
"""Material ``i`` (0-based) has the number ``PRODUCT_BASE + i + 1``, 18 digits."""
SALES_ORG = "1000"


@dataclass(frozen=True)
class SalesAreaData:
    """Customer data of one sales area (KNVV)."""

    sales_org: str
    distribution_channel: str
    division: str
    currency: str
    payment_terms: str
    incoterms: str
    incoterms_location: str


@dataclass(frozen=True)
class Customer:
    """One sold-to customer (KNA1 plus its sales areas)."""

    number: str
    name: str
    street: str
    city: str
    postal_code: str
    region: str
    country: str
    vat_id: str
    language_sap: str
    language_iso: str
    phone: str
    sales_areas: tuple[SalesAreaData, ...]


@dataclass(frozen=True)
class UnitConversion:
    """``numerator`` base units make ``denominator`` alternative units (MARM)."""

    unit: str
    numerator: int
    denominator: int


@dataclass(frozen=True)
class Product:
    """One material (MARA, MAKT, MARM) plus the list price the simulator bills at."""

    number: str
    material_type: str
    material_group: str
    base_unit: str
    iso_unit: str
    description_de: str
    description_en: str
    gross_weight: Decimal
    net_weight: Decimal
    conversions: tuple[UnitConversion, ...]
    list_price: Decimal


# Country profile: ISO code, SAP/ISO language, currency, phone prefix, legal forms,
# surnames, (city, postal code, region) triples, street names.
_COUNTRIES: dict[str, dict] = {
    "DE": {
        "weight": 40, "lang": ("D", "DE"), "currency": "EUR", "phone": "+49",
        "legal": ("GmbH", "AG", "KG", "GmbH & Co. KG", "e.K."),
        "names": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
                  "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf",
                  "Schröder", "Neumann", "Braun", "Zimmermann", "Krüger", "Hartmann"),
        "trades": ("Maschinenbau", "Logistik", "Elektrotechnik", "Handels", "Metallbau",
                   "Industriebedarf", "Werkzeugbau", "Antriebstechnik", "Bau", "Systemtechnik"),
        "cities": (("Berlin", "10115", "11"), ("Hamburg", "20095", "02"), ("München", "80331", "09"),
                   ("Köln", "50667", "05"), ("Frankfurt am Main", "60311", "06"),
                   ("Stuttgart", "70173", "08"), ("Düsseldorf", "40213", "05"),
                   ("Leipzig", "04109", "14"), ("Dresden", "01067", "14"), ("Hannover", "30159", "03"),
                   ("Nürnberg", "90402", "09"), ("Bremen", "28195", "04"), ("Mannheim", "68159", "08"),
                   ("Karlsruhe", "76133", "08"), ("Augsburg", "86150", "09"), ("Bielefeld", "33602", "05")),
        "streets": ("Hauptstraße", "Bahnhofstraße", "Industriestraße", "Gartenstraße", "Schillerstraße",
                    "Goethestraße", "Am Hafen", "Lindenweg", "Kirchstraße", "Mühlenweg", "Gewerbering"),
    },
    "AT": {
        "weight": 8, "lang": ("D", "DE"), "currency": "EUR", "phone": "+43",
        "legal": ("GmbH", "AG", "KG", "OG"),
        "names": ("Gruber", "Huber", "Bauer", "Wagner", "Pichler", "Steiner", "Moser", "Mayer"),
        "trades": ("Handels", "Technik", "Holzbau", "Anlagenbau", "Logistik"),
        "cities": (("Wien", "1010", "9"), ("Graz", "8010", "6"), ("Linz", "4020", "4"),
                   ("Salzburg", "5020", "5"), ("Innsbruck", "6020", "7")),
        "streets": ("Hauptplatz", "Wiener Straße", "Industriezeile", "Bahnhofgasse", "Linzer Straße"),
    },
    "FR": {
        "weight": 12, "lang": ("F", "FR"), "currency": "EUR", "phone": "+33",
        "legal": ("SAS", "SA", "SARL"),
        "names": ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"),
        "trades": ("Industrie", "Distribution", "Équipements", "Logistique", "Mécanique"),
        "cities": (("Paris", "75001", ""), ("Lyon", "69002", ""), ("Marseille", "13001", ""),
                   ("Toulouse", "31000", ""), ("Lille", "59000", ""), ("Strasbourg", "67000", "")),
        "streets": ("Rue de la République", "Avenue Jean Jaurès", "Rue Victor Hugo",
                    "Boulevard Pasteur", "Rue de l'Industrie"),
    },
    "NL": {
        "weight": 10, "lang": ("N", "NL"), "currency": "EUR", "phone": "+31",
        "legal": ("B.V.", "N.V."),
        "names": ("De Jong", "Jansen", "De Vries", "Van den Berg", "Bakker", "Visser", "Smit"),
        "trades": ("Techniek", "Logistiek", "Handel", "Installatie", "Metaal"),
        "cities": (("Amsterdam", "1012 AB", ""), ("Rotterdam", "3011 AA", ""), ("Utrecht", "3511 AB", ""),
                   ("Eindhoven", "5611 AB", ""), ("Den Haag", "2511 AB", "")),
        "streets": ("Kerkstraat", "Stationsweg", "Industrieweg", "Dorpsstraat", "Havenweg"),
    },
    "IT": {
        "weight": 10, "lang": ("I", "IT"), "currency": "EUR", "phone": "+39",
        "legal": ("S.r.l.", "S.p.A."),
        "names": ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo"),
        "trades": ("Meccanica", "Impianti", "Forniture Industriali", "Logistica", "Elettronica"),
        "cities": (("Milano", "20121", "MI"), ("Torino", "10121", "TO"), ("Bologna", "40121", "BO"),
                   ("Verona", "37121", "VR"), ("Brescia", "25121", "BS")),
        "streets": ("Via Roma", "Via Garibaldi", "Corso Italia", "Via dell'Industria", "Via Mazzini"),
    },
    "ES": {
        "weight": 8, "lang": ("S", "ES"), "currency": "EUR", "phone": "+34",
        "legal": ("S.L.", "S.A."),
        "names": ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez"),
        "trades": ("Distribuciones", "Industrial", "Suministros", "Logística", "Maquinaria"),
        "cities": (("Madrid", "28001", "28"), ("Barcelona", "08001", "08"), ("Valencia", "46001", "46"),
                   ("Sevilla", "41001", "41"), ("Bilbao", "48001", "48")),
        "streets": ("Calle Mayor", "Avenida de la Constitución", "Calle de Alcalá",
                    "Polígono Industrial Norte", "Calle Real"),
    },
    "PL": {
        "weight": 7, "lang": ("L", "PL"), "currency": "PLN", "phone": "+48",
        "legal": ("Sp. z o.o.", "S.A."),
        "names": ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski"),
        "trades": ("Technika", "Logistyka", "Handel", "Przemysł", "Budownictwo"),
        "cities": (("Warszawa", "00-001", "07"), ("Kraków", "30-001", "06"), ("Wrocław", "50-001", "01"),
                   ("Poznań", "60-001", "15"), ("Gdańsk", "80-001", "11")),
        "streets": ("ul. Marszałkowska", "ul. Długa", "ul. Przemysłowa", "ul. Kościuszki"),
    },
    "DK": {
        "weight": 5, "lang": ("K", "DA"), "currency": "DKK", "phone": "+45",
        "legal": ("A/S", "ApS"),
        "names": ("Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen"),
        "trades": ("Teknik", "Logistik", "Handel", "Maskinfabrik"),
        "cities": (("København", "1050", ""), ("Aarhus", "8000", ""), ("Odense", "5000", ""),
                   ("Aalborg", "9000", "")),
        "streets": ("Strøget", "Havnegade", "Industrivej", "Vestergade", "Østergade"),
    },
}
_COUNTRY_CODES = tuple(_COUNTRIES)
_COUNTRY_WEIGHTS = tuple(_COUNTRIES[c]["weight"] for c in _COUNTRY_CODES)
_PAYMENT_TERMS = ("0001", "0002", "ZB01", "NT30")
_INCOTERMS = ("EXW", "FCA", "CPT", "DAP", "DDP")


def _rng(seed: int, kind: str, index: int) -> random.Random:
    # A string seed is hashed with SHA-512 by random.Random, independent of PYTHONHASHSEED.
    return random.Random(f"{seed}:{kind}:{index}")


def german_vat_id(digits8: str) -> str:
    """A German USt-IdNr ``DE`` + 8 digits + the ISO 7064 MOD 11,10 check digit."""
    product = 10
    for char in digits8:
        total = (int(char) + product) % 10 or 10
        product = (2 * total) % 11
    check = (11 - product) % 10
    return f"DE{digits8}{check}"


def _vat_id(country: str, rng: random.Random) -> str:
    digits = "".join(str(rng.randint(0, 9)) for _ in range(12))
    if country == "DE":
        return german_vat_id(str(rng.randint(1, 9)) + digits[:7])
    formats = {
        "AT": f"ATU{digits[:8]}", "FR": f"FR{digits[:2]}{digits[2:11]}", "NL": f"NL{digits[:9]}B01",
        "IT": f"IT{digits[:11]}", "ES": f"ESB{digits[:8]}", "PL": f"PL{digits[:10]}",
        "DK": f"DK{digits[:8]}",
    }
    return formats[country]


def _company_name(profile: dict, rng: random.Random) -> str:
    surname = rng.choice(profile["names"])
    legal = rng.choice(profile["legal"])
    pattern = rng.randrange(3)
    if pattern == 0:
        return f"{surname} {rng.choice(profile['trades'])} {legal}"
    if pattern == 1:
        other = rng.choice([n for n in profile["names"] if n != surname])
        return f"{surname} & {other} {legal}"
    return f"{surname} {legal}"


def customer(index: int, seed: int = 1) -> Customer:
    """Customer number ``index`` (0-based) of the simulator with ``seed``."""
    rng = _rng(seed, "customer", index)
    country = rng.choices(_COUNTRY_CODES, weights=_COUNTRY_WEIGHTS)[0]
    profile = _COUNTRIES[country]
    city, postal_code, region = rng.choice(profile["cities"])
    street = f"{rng.choice(profile['streets'])} {rng.randint(1, 180)}"
    areas = [SalesAreaData(SALES_ORG, "10", "00", profile["currency"], rng.choice(_PAYMENT_TERMS),
                           rng.choice(_INCOTERMS), city)]
    if rng.random() < 0.3:
        areas.append(SalesAreaData(SALES_ORG, "12", "00", profile["currency"],
                                   rng.choice(_PAYMENT_TERMS), rng.choice(_INCOTERMS), city))
    phone = f"{profile['phone']} {rng.randint(20, 99)} {rng.randint(100000, 9999999)}"
    return Customer(
        number=f"{CUSTOMER_BASE + index + 1:010d}", name=_company_name(profile, rng)[:35],
        street=street, city=city, postal_code=postal_code, region=region, country=country,
        vat_id=_vat_id(country, rng), language_sap=profile["lang"][0],
        language_iso=profile["lang"][1], phone=phone, sales_areas=tuple(areas),
    )


# Product families: German and English description stems, net weight (kg) of one base
# unit, SAP base unit and its ISO code, alternative units, a variant list appended to
# both descriptions, price range.
_FAMILIES = (
    ("Sechskantschraube", "0.032", "Hexagon head screw", "ST", "PCE", (("KAR", 100), ("PAL", 24000)),
     ("M6x30 verzinkt|M6x30 galvanised", "M8x40 verzinkt|M8x40 galvanised", "M10x60 A2|M10x60 A2"),
     ("0.08", "0.45")),
    ("Rillenkugellager", "0.210", "Deep groove ball bearing", "ST", "PCE", (("KAR", 20),),
     ("6204-2RS|6204-2RS", "6305-ZZ|6305-ZZ", "6008|6008"), ("3.20", "24.90")),
    ("Hydraulikpumpe", "24.500", "Hydraulic pump", "ST", "PCE", (),
     ("Typ A 16 l/min|Type A 16 l/min", "Typ B 32 l/min|Type B 32 l/min"), ("480.00", "1650.00")),
    ("Schutzhandschuhe", "0.090", "Protective gloves", "PAA", "PR", (("KAR", 120),),
     ("Größe 9|Size 9", "Größe 10|Size 10", "schnittfest|cut-resistant"), ("2.10", "9.80")),
    ("Kupferkabel", "0.120", "Copper cable", "M", "MTR", (("ROL", 100),),
     ("NYM-J 3x1,5|NYM-J 3x1.5", "NYM-J 5x2,5|NYM-J 5x2.5"), ("0.65", "3.40")),
    ("Schmierfett", "1.000", "Lubricating grease", "KG", "KGM", (("KAR", 18),),
     ("Lithium EP2|lithium EP2", "Hochtemperatur|high temperature"), ("6.50", "19.00")),
    ("Industriereiniger", "1.050", "Industrial cleaner", "L", "LTR", (("KAN", 10),),
     ("alkalisch|alkaline", "lösemittelfrei|solvent-free"), ("3.80", "12.50")),
    ("LED-Hallenleuchte", "4.600", "LED high-bay light", "ST", "PCE", (),
     ("150 W|150 W", "200 W IP65|200 W IP65"), ("129.00", "389.00")),
    ("Akku-Bohrschrauber", "1.650", "Cordless drill driver", "ST", "PCE", (("KAR", 4),),
     ("18 V|18 V", "12 V kompakt|12 V compact"), ("89.00", "249.00")),
    ("Palettenregal", "86.000", "Pallet rack", "ST", "PCE", (),
     ("Grundfeld 2700 mm|base bay 2700 mm", "Anbaufeld 3600 mm|add-on bay 3600 mm"),
     ("310.00", "720.00")),
)


def product(index: int, seed: int = 1) -> Product:
    """Material number ``index`` (0-based) of the simulator with ``seed``."""
    rng = _rng(seed, "product", index)
    de, weight, en, unit, iso, alternatives, variants, (low, high) = _FAMILIES[index % len(_FAMILIES)]
    variant_de, variant_en = rng.choice(variants).split("|")
    cents_low, cents_high = int(Decimal(low) * 100), int(Decimal(high) * 100)
    price = Decimal(rng.randint(cents_low, cents_high)) / 100
    net = (Decimal(weight) * Decimal(rng.randint(90, 110)) / 100).quantize(Decimal("0.001"))
    if unit == "KG":
        net = Decimal("1.000")
    return Product(
        number=f"{PRODUCT_BASE + index + 1:018d}",
        material_type="HAWA" if index % 3 == 0 else "FERT",
        material_group=f"{(index % len(_FAMILIES)) + 1:03d}",
        base_unit=unit, iso_unit=iso,
        description_de=f"{de} {variant_de}"[:40], description_en=f"{en} {variant_en}"[:40],
        gross_weight=(net * Decimal("1.05")).quantize(Decimal("0.001")), net_weight=net,
        conversions=tuple(UnitConversion(alt, count, 1) for alt, count in alternatives),
        list_price=price,
    )


def customer_index(number: str) -> int | None:
    """The 0-based index of a generated customer number, or None if it is not one."""
    return _index(number, CUSTOMER_BASE)


def product_index(number: str) -> int | None:
    """The 0-based index of a generated material number, or None if it is not one."""
    return _index(number, PRODUCT_BASE)


def _index(number: str, base: int) -> int | None:
    if not number.isdigit():
        return None
    index = int(number) - base - 1
    return index if index >= 0 else None
