"""Text normalisation for matching: folding, legal forms, nicknames, phonetic keys.

Everything a comparison or a blocking key looks at passes through here first, so two
spellings the matcher should treat as one ("Müller" and "Mueller", "Hauptstraße 5" and
"Hauptstr. 5", "Bill" and "William") meet in one form.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

LEGAL_FORMS = frozenset(
    "gmbh ag kg ohg gbr ug se ev mbh kgaa co ltd limited inc llc corp corporation plc sa sarl srl spa bv nv"
    " oy ab as aps company cie gesellschaft haftungsbeschraenkt und".split()
)
"""Words of legal forms (and the "& Co." that often joins them), dropped from organisation
names: "Müller GmbH", "Müller GmbH & Co. KG" and "Mueller" are one name."""
_LEGAL_PHRASES = (("mit beschraenkter haftung", "mbh"), ("aktiengesellschaft", "ag"),
                  ("kommanditgesellschaft", "kg"), ("incorporated", "inc"), ("g m b h", "gmbh"))
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
_STREET_SUFFIX = re.compile(r"(strasse|str)\b")
_STREET_WORDS = (("street", "st"), ("road", "rd"), ("avenue", "ave"), ("platz", "pl"), ("weg", "wg"))
_HOUSE_NUMBER = re.compile(r"^(.*?)[\s,]*(\d+\s*[a-z]?(?:\s*[-/]\s*\d+\s*[a-z]?)?)$")
# German spelling without umlauts ("Mueller") is as common as with them ("Müller").
_TRANSLITERATIONS = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("&", " und "))
_ASCII_WORD_BYTES = bytes(c if c in b"abcdefghijklmnopqrstuvwxyz0123456789" else 32 for c in range(256))
"""``_NOT_WORD`` for ASCII text as a byte table: every other character becomes a space."""


def fold_words(text: str) -> list[str]:
    """Lower-case words without accents and punctuation; umlauts spelt out (ü = ue)."""
    text = text.lower()
    if "&" in text or not text.isascii():
        for letter, spelt in _TRANSLITERATIONS:
            if letter in text:
                text = text.replace(letter, spelt)
        if not text.isascii():
            text = unicodedata.normalize("NFKD", text)
            text = "".join(ch for ch in text if not unicodedata.combining(ch))
            return _NOT_WORD.sub(" ", text).split()
    return text.encode("ascii").translate(_ASCII_WORD_BYTES).decode("ascii").split()


@lru_cache(maxsize=100_000)
def fold(text: str | None) -> str:
    """``fold_words`` joined by single spaces ("" for nothing). Cached: lists repeat first
    names, last names and cities over and over."""
    return " ".join(fold_words(text)) if text else ""


@lru_cache(maxsize=20_000)
def organisation_name(name: str | None) -> str:
    """An organisation's name without case, accents, punctuation and legal forms."""
    text = fold(name)
    for phrase, short in _LEGAL_PHRASES:
        if phrase in text:
            text = text.replace(phrase, short)
    return " ".join([t for t in text.split() if t not in LEGAL_FORMS])


@lru_cache(maxsize=20_000)
def split_street(street: str | None, house_number: str | None) -> tuple[str, str]:
    """Street name and house number, normalised; a number written into the street
    ("Hauptstr. 5a") is taken out of it, so both ways of keeping it compare alike."""
    text = fold(street)
    number = fold(house_number).replace(" ", "")
    if not number:
        found = _HOUSE_NUMBER.match(text)
        if found and found.group(1):
            text, number = found.group(1), found.group(2).replace(" ", "")
    if "str" in text:
        text = _STREET_SUFFIX.sub("str", text)
    words = text.split()
    for long, short in _STREET_WORDS:
        words = [short if w == long else w for w in words]
    # "Haupt Str" and "Hauptstr" are one street: compared without spaces.
    return "".join(words), number


_NOT_ALNUM = re.compile(r"[\W_]+")
_NOT_DIGIT = re.compile(r"\D+")


def postal_code(code: str | None) -> str:
    """Upper case without spaces and dashes ("SW1A 1AA" = "sw1a1aa")."""
    return id_number(code)


def digits(text: str | None) -> str:
    """Only the digits (phone numbers, for instance)."""
    return _NOT_DIGIT.sub("", text) if text else ""


def id_number(number: str | None) -> str:
    """An identification or VAT number in upper case without spaces and punctuation."""
    if not number:
        return ""
    number = number.upper()
    return number if number.isalnum() else _NOT_ALNUM.sub("", number)


@lru_cache(maxsize=1)
def _nickname_groups() -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    table = resources.files("hub.core.matching").joinpath("data/nicknames.csv").read_text(encoding="utf-8")
    for line in table.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        names = [n.strip() for n in line.split(",") if n.strip()]
        for name in names:
            groups.setdefault(name, set()).add(names[0])
    return {name: frozenset(canon) for name, canon in groups.items()}


def nickname_groups(first_name: str) -> frozenset[str]:
    """The canonical names a folded first name stands for ("bill" -> {"william"});
    a name in no group stands for itself."""
    return _nickname_groups().get(first_name) or frozenset((first_name,))


@lru_cache(maxsize=20_000)
def canonical_first_name(first_name: str) -> str:
    """One canonical form of a folded first name, for blocking keys (the smallest of
    its groups' canonical names: "bill" and "william" both give "william")."""
    return min(nickname_groups(first_name))


_PHONETIC_RULES = (
    ("sch", "s"), ("tsch", "s"), ("ch", "k"), ("ph", "f"), ("th", "t"), ("ck", "k"), ("tz", "s"),
    ("dt", "t"), ("qu", "kv"), ("ae", "e"), ("oe", "o"), ("ue", "u"), ("ei", "ai"), ("ey", "ai"),
    ("ay", "ai"), ("ie", "i"), ("ou", "u"), ("ks", "x"),
)
_PHONETIC_LETTERS = str.maketrans("cdzwyqgb", "ktsvikkp")


@lru_cache(maxsize=200_000)
def phonetic(word: str) -> str:
    """A sound key of one folded word, in the spirit of Cologne phonetics: letters that
    sound alike fall together (d/t, b/p, g/k/c/q, v/w/f-ish, s/z), vowels after the first
    letter go, doubled letters count once. "Meier", "Maier", "Mayer" and "Meyer" give one
    key; "Schmidt" and "Schmitt" too."""
    if not word:
        return ""
    text = word
    for sound, letter in _PHONETIC_RULES:
        if sound in text:
            text = text.replace(sound, letter)
    text = text.translate(_PHONETIC_LETTERS).replace("h", "")
    if not text:
        return word[:1]
    head, rest = text[0], text[1:]
    skeleton = [head]
    for ch in rest:
        if ch in "aeiou":
            skeleton.append("")
            continue
        if skeleton[-1] != ch:
            skeleton.append(ch)
    key = "".join(skeleton)
    return key[:6]
