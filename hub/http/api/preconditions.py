"""Versions as HTTP sees them: a document's ETag, and the versions an ``If-Match`` names.

A document's ETag is its store version in quotes (``"3"``): it changes with every
version the master data writes, and only then. ``If-Match: "3"`` asks that version 3
still be the stored one; ``*`` asks only that the document exist; a weak tag
(``W/"3"``) never matches, as RFC 9110 has it for If-Match.
"""

from __future__ import annotations

import re

from hub.http.api.problems import invalid

_TAG = re.compile(r'^(W/)?"(\d{1,18})"$')


def etag(version: int) -> str:
    """The ETag of version ``version``."""
    return f'"{version}"'


def if_match_versions(header: str) -> frozenset[int] | None:
    """The versions ``header`` accepts; None for ``*`` (any). A 422 for a malformed header."""
    if header.strip() == "*":
        return None
    versions = set()
    for part in header.split(","):
        match = _TAG.match(part.strip())
        if match is None:
            raise invalid("header", "If-Match", 'must be the ETag of a version (e.g. "3"), several, or *')
        if match.group(1) is None:
            versions.add(int(match.group(2)))
    return frozenset(versions)
