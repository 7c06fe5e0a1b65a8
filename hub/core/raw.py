"""Raw documents: what a codec hands to the mapping engine, and takes back to render.

A codec parses bytes into ``RawDocument``s whose ``body`` is a tree in one of four
shapes, named by ``format``:

- ``"idoc"``: a list of top-level ``Segment``s, each with its fields and children,
  segment names unversioned (``E1KNA1M``, never ``E2KNA1M005``);
- ``"json"``: the decoded JSON value (dicts, lists, strings, numbers as Decimal);
- ``"xml"``: an lxml element (the document's root);
- ``"csv"``: one row of a list file, a dict of column header -> text (``hub.core.lists``).

The mapping engine reads paths out of these trees and builds canonical documents; in
the other direction it builds the same trees and the codec renders them to bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Literal

RawFormat = Literal["idoc", "json", "xml", "csv"]


@dataclass
class Segment:
    """One IDoc data record with its child segments.

    ``fields`` holds field name -> value with trailing blanks removed; fields that are
    blank in the record are left out. A codec may hand a mapping that reads fields out
    of the record only when asked for (the flat IDoc reader does). ``number`` is SEGNUM
    (1-based position in the IDoc), kept so errors can name the position.
    """

    name: str
    fields: MutableMapping[str, str] = field(default_factory=dict)
    children: list[Segment] = field(default_factory=list)
    number: int = 0

    def find(self, name: str) -> Iterator[Segment]:
        """Direct children named ``name``, in order."""
        return (child for child in self.children if child.name == name)


@dataclass
class RawDocument:
    """One external document as a tree, with where it came from.

    ``message_type`` selects the mapping table (IDoc message type ``DEBMAS``, shop
    topic ``orders/create``); ``document_id`` (IDoc number, webhook id) names the
    document in errors; ``control`` holds envelope fields such as the IDoc control
    record.
    """

    system: str
    message_type: str
    document_id: str
    format: RawFormat
    body: Any
    control: dict[str, str] = field(default_factory=dict)
    source: str = ""
    payload: bytes | None = None
    """This one document's bytes exactly as received, when the codec can cut them out
    of a larger file; the inbound archive keeps them for replay and audit."""
    dedupe_key: str = ""
    """The source's own identity of this document, naming the sender instance and the
    delivery (an IDoc: message type, sending partner, port, client and IDoc number), so
    that only a true redelivery is recognised as one. The codec sets it; without it the
    key is ``MESSAGE_TYPE:DOCUMENT_ID``."""
