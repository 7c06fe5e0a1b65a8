"""Partner match keys are rebuilt for the matching method of hub.core.matching.

Revision ID: 0017
Revises: 0014

The duplicate check now blocks on sound keys of names with birth date, postal code and
street, on both names, on birth date with postal code or street, and on identifiers
(``hub.core.matching.blocking``). The keys stored before are of the old method and
would find none of the new ones: every unmerged partner's keys are computed again from
its stored data. The computation is copied here (with the nickname table as it was),
so this revision keeps rebuilding as it did if that code changes; a later change of the
keys takes a revision of its own. Read and written in chunks, so a big store's partners
never sit in memory all at once.
"""

from __future__ import annotations

import re
import unicodedata
from hashlib import blake2b
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0017"
down_revision = "0014"
branch_labels = None
depends_on = None

CHUNK = 2_000
JSONColumn = sa.JSON().with_variant(JSONB(), "postgresql")
_documents = sa.table("documents", sa.column("hub_id", sa.String), sa.column("doc_type", sa.String),
                      sa.column("data", JSONColumn), sa.column("merged_into", sa.String))
_keys = sa.table("partner_match_keys", sa.column("hub_id", sa.String), sa.column("key_hash", sa.BigInteger))

NICKNAMES = """
william,bill,billy,will,willy,liam,wilhelm,willi
robert,bob,bobby,rob,robbie,bert,robby
richard,rick,ricky,dick,rich,richie
james,jim,jimmy,jamie
john,johnny,jack,jon
johannes,hans,hannes,jo,johann,jan,hansi
josef,sepp,seppi,joseph,joe,joey,jupp,beppo
elizabeth,liz,lizzy,beth,betty,eliza,elisabeth,lisa,liesel,elsa,ilse,betsy
margaret,maggie,meg,peggy,greta,margarete,grete,gretel,margit,marga
katherine,kate,katie,kathy,catherine,katharina,kathrin,katrin,kati,trine,kat
michael,mike,mick,micky,michi,mikey
thomas,tom,tommy,thom
christian,chris,christ,krischan
christopher,chris,kit,topher,christoph,stoffel
christina,chris,tina,christine,kristina,stina
alexander,alex,sascha,xander,sandro,alec
alexandra,alex,sandra,alexa
andreas,andy,andi,andrew,drew,andre
daniel,dan,danny,dani
matthias,matthew,matt,matze,mathias,thias
nicholas,nick,nico,nicolas,niklas,klaus,claus,nikolaus
peter,pete,pit,piet
stefan,stephan,steffen,steve,steven,stephen
wolfgang,wolf,wolfi
friedrich,fritz,fred,frederick,freddy,fiete
manfred,manni,fred
gottfried,gottfriedl,friedl
heinrich,heinz,henry,hank,hinrich,heiner,harry
karl,charles,charlie,carl,chuck,kalle
ludwig,lutz,louis,lou,luigi
franz,francis,frank,franzl,frankie
georg,george,jorg,joerg,juergen,jurgen,schorsch
juergen,jurgen,jorg,joerg
walter,walt,wally
albert,al,bert,berti,albrecht
anthony,tony,anton,toni,antonius
edward,ed,eddie,ted,teddy,eduard,edi
benjamin,ben,benny,benni
samuel,sam,sammy
joshua,josh
jacob,jake,jakob,kobi
joseph,joe,joey,josef,sepp
patrick,pat,paddy
patricia,pat,patty,trish,tricia
susanne,susan,sue,susi,suse,susie,suzanne
barbara,barb,babs,baerbel
deborah,deb,debbie
jennifer,jen,jenny
jessica,jess,jessie
rebecca,becky,becca,rebekka
victoria,vicky,tori,viktoria
sophia,sophie,sofia,sofie
theodor,theo,ted,teddy,theodore
leonard,leo,lenny,leonhard
maximilian,max,maxi
sebastian,basti,seb,bastian
tobias,tobi,toby
florian,flo
konstantin,constantin,conny,kosta
cornelia,conny,nele
gabriele,gabi,gaby,gabriela
dorothea,dora,doro,dorothy,dot,thea
helene,helen,lena,leni,ellen,ella,helena
magdalena,lena,leni,magda,madeleine
johanna,hanna,hanne,jo,hannah,jana
marie,maria,mary,mia,mimi,mariechen,mareike,maja
anna,anne,anni,annie,ann,anja,annette,nancy
eva,eve,evi,evelyn
ursula,uschi,ulla,ursel
gertrud,trude,gerti,gertrude
wilhelmine,mina,minna,helmi
hermann,herman,manni
werner,wernie
gerhard,gerd,gert,gerry
bernhard,bernd,bernie,bernard
reinhard,reinhold,reini
ulrich,uli,ulli
rudolf,rudi,rolf,ralf,ralph
dieter,didi
siegfried,siggi,sigi
helmut,helmuth,helle
klaus,claus,nikolaus
"""
LEGAL_FORMS = frozenset(
    "gmbh ag kg ohg gbr ug se ev mbh kgaa co ltd limited inc llc corp corporation plc sa sarl srl spa bv nv"
    " oy ab as aps company cie gesellschaft haftungsbeschraenkt und".split()
)
_LEGAL_PHRASES = (("mit beschraenkter haftung", "mbh"), ("aktiengesellschaft", "ag"),
                  ("kommanditgesellschaft", "kg"), ("incorporated", "inc"), ("g m b h", "gmbh"))
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
_STREET_SUFFIX = re.compile(r"(strasse|str)\b")
_STREET_WORDS = (("street", "st"), ("road", "rd"), ("avenue", "ave"), ("platz", "pl"), ("weg", "wg"))
_HOUSE_NUMBER = re.compile(r"^(.*?)[\s,]*(\d+\s*[a-z]?(?:\s*[-/]\s*\d+\s*[a-z]?)?)$")
_TRANSLITERATIONS = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("&", " und "))
_PHONETIC_RULES = (
    ("sch", "s"), ("tsch", "s"), ("ch", "k"), ("ph", "f"), ("th", "t"), ("ck", "k"), ("tz", "s"),
    ("dt", "t"), ("qu", "kv"), ("ae", "e"), ("oe", "o"), ("ue", "u"), ("ei", "ai"), ("ey", "ai"),
    ("ay", "ai"), ("ie", "i"), ("ou", "u"), ("ks", "x"),
)
_PHONETIC_LETTERS = str.maketrans("cdzwyqgb", "ktsvikkp")


def _canonical_names() -> dict[str, str]:
    groups: dict[str, set[str]] = {}
    for line in NICKNAMES.strip().splitlines():
        names = [n.strip() for n in line.split(",") if n.strip()]
        for name in names:
            groups.setdefault(name, set()).add(names[0])
    return {name: min(canon) for name, canon in groups.items()}


_CANONICAL = _canonical_names()


def _fold(text: Any) -> str:
    if not text:
        return ""
    text = str(text).lower()
    for letter, spelt in _TRANSLITERATIONS:
        text = text.replace(letter, spelt)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", text).split())


def _organisation_name(name: Any) -> str:
    text = _fold(name)
    for phrase, short in _LEGAL_PHRASES:
        text = text.replace(phrase, short)
    return " ".join(t for t in text.split() if t not in LEGAL_FORMS)


def _street(street: Any, house_number: Any) -> tuple[str, str]:
    text = _fold(street)
    number = _fold(house_number).replace(" ", "")
    if not number:
        found = _HOUSE_NUMBER.match(text)
        if found and found.group(1):
            text, number = found.group(1), found.group(2).replace(" ", "")
    text = _STREET_SUFFIX.sub("str", text)
    words = text.split()
    for long, short in _STREET_WORDS:
        words = [short if w == long else w for w in words]
    return "".join(words), number


def _phonetic(word: str) -> str:
    text = word
    for sound, letter in _PHONETIC_RULES:
        text = text.replace(sound, letter)
    text = text.translate(_PHONETIC_LETTERS).replace("h", "")
    if not text:
        return word[:1]
    skeleton = [text[0]]
    for ch in text[1:]:
        if ch in "aeiou":
            skeleton.append("")
        elif skeleton[-1] != ch:
            skeleton.append(ch)
    return "".join(skeleton)[:6]


def _id_number(number: Any) -> str:
    return "".join(ch for ch in str(number or "").upper() if ch.isalnum())


def keys_of(data: dict[str, Any]) -> set[tuple[str, str]]:
    """The blocking keys of a partner's stored data, as the matcher of this revision made them."""
    address = (data.get("addresses") or [{}])[0]
    person = data.get("kind") != "organisation"
    keys = {("email", e.strip().lower()) for e in data.get("emails") or () if e and "@" in e}
    ids = [i.get("number") for i in data.get("identifications") or ()]
    keys |= {("id", _id_number(n)) for n in ids if _id_number(n)}
    vats = [t.get("number") for t in data.get("tax_numbers") or () if str(t.get("category", "")).upper() == "VAT"]
    keys |= {("vat", _id_number(n)) for n in vats if _id_number(n)}
    phones = ("".join(ch for ch in p.get("number", "") if ch.isdigit()) for p in data.get("phones") or ())
    keys |= {("phone", d[-9:]) for d in phones if len(d) >= 6}
    if person:
        sounds = []
        first = _fold(data.get("first_name")).split()
        if first and len(first[0]) > 1:
            sounds.append(_phonetic(_CANONICAL.get(first[0], first[0])))
        sounds += [_phonetic(w) for w in _fold(data.get("last_name")).split() if len(w) > 1]
    else:
        sounds = [_phonetic(w) for w in _organisation_name(data.get("organisation_name")).split()[:2]]
    sounds = [s for s in dict.fromkeys(sounds) if len(s) > 1]
    zip_code = "".join(ch for ch in str(address.get("postal_code") or "").upper() if ch.isalnum())
    born = str(data.get("birth_date") or "").strip()
    street_name, number = _street(address.get("street"), address.get("house_number"))
    street = f"{street_name[:6]}{number}" if street_name else ""
    for sound in sounds:
        if born:
            keys.add(("nd", f"{sound}|{born}"))
        if zip_code:
            keys.add(("nz", f"{sound}|{zip_code}"))
        if street:
            keys.add(("ns", f"{sound}|{street}"))
    if len(sounds) >= 2:
        keys.add(("nn", "|".join(sorted(sounds[:2]))))
    if born and zip_code:
        keys.add(("dz", f"{born}|{zip_code}"))
    if born and street:
        keys.add(("ds", f"{born}|{street}"))
    return keys


def key_hash(key: tuple[str, str]) -> int:
    """A match key's stored form (as revision 0005 made it)."""
    kind, text = key
    return int.from_bytes(blake2b(f"{kind}\x00{text}".encode(), digest_size=8).digest(), "big", signed=True)


def upgrade() -> None:
    conn = op.get_bind()
    conn.execute(_keys.delete())
    select = (
        sa.select(_documents.c.hub_id, _documents.c.data)
        .where(_documents.c.doc_type == "partner", _documents.c.merged_into.is_(None),
               _documents.c.hub_id > sa.bindparam("b_after"))
        .order_by(_documents.c.hub_id)
        .limit(CHUNK)
    )
    after = ""
    while rows := conn.execute(select, {"b_after": after}).all():
        new = sorted({(key_hash(k), hub_id) for hub_id, data in rows for k in keys_of(data)})
        if new:
            conn.execute(_keys.insert(), [{"key_hash": h, "hub_id": hub_id} for h, hub_id in new])
        after = rows[-1].hub_id
