"""The codec checks (see the package docstring).

The hub keeps every payload as received and replays it, renders documents back with
the same codec, recognises a redelivery by its dedupe key and picks the codec of a file
by ``accepts``: a codec that breaks one of these loses or doubles documents quietly.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Mapping
from functools import partial
from typing import TypeVar

from hub.core.errors import DocumentError
from hub.core.inbound.chunk import dedupe_key
from hub.core.inbound.pipeline import SNIFF_BYTES
from hub.core.plugins.registry import CodecSpec
from hub.core.raw import RawDocument
from hub.testing.conformance._trees import Tree, difference, document_tree

T = TypeVar("T")
TIME_LIMIT = 10.0
"""Seconds one parse or render may take before the check calls it a hang."""


class _TooSlow(AssertionError):
    """A parse or render did not finish within the time limit."""


def check_codec(codec: CodecSpec, samples: Mapping[str, bytes], malformed: Mapping[str, bytes] | None = None, *,
                time_limit: float = TIME_LIMIT) -> None:
    """Every codec check on ``samples`` (valid payloads) and ``malformed`` (payloads
    the codec must refuse)."""
    check_accepts(codec, samples)
    check_round_trip(codec, samples, time_limit=time_limit)
    check_dedupe_keys(codec, samples, time_limit=time_limit)
    check_malformed_refused(codec, samples, malformed, time_limit=time_limit)


def check_round_trip(codec: CodecSpec, samples: Mapping[str, bytes], *, time_limit: float = TIME_LIMIT) -> None:
    """Each sample parsed, rendered and parsed again gives the same documents; a codec
    without ``render`` must at least parse a sample twice alike. A rendered payload
    must be one the codec's ``accepts`` claims, or ``hub ingest`` could not read it."""
    _require_samples(codec, samples)
    failures = []
    for name, payload in samples.items():
        first = _parse(codec, payload, name, time_limit)
        if not first:
            failures.append(f"{name}: no documents parsed from a valid sample")
            continue
        if codec.render is None:
            again, how = _parse(codec, payload, name, time_limit), "parsed twice"
        else:
            rendered = _within(time_limit, f"{codec.name}: rendering {name}", partial(codec.render, first))
            if codec.accepts is not None and not codec.accepts(rendered[:SNIFF_BYTES], name):
                failures.append(f"{name}: accepts() does not claim the payload the codec rendered from it")
            again, how = _parse(codec, rendered, f"{name} (rendered)", time_limit), "rendered and parsed again"
        failures += _compare(name, first, again, how)
    _report(codec, "round trip", failures)


def check_dedupe_keys(codec: CodecSpec, samples: Mapping[str, bytes], *, time_limit: float = TIME_LIMIT) -> None:
    """Parsing a payload twice gives the same dedupe keys; every document has a key
    of its own (a codec-set key, or at least a document id); two different documents
    never share a key, or the second would be dropped as a redelivery of the first."""
    _require_samples(codec, samples)
    failures = []
    seen: dict[str, tuple[str, Tree]] = {}
    for name, payload in samples.items():
        documents = _parse(codec, payload, name, time_limit)
        again = [dedupe_key(raw) for raw in _parse(codec, payload, name, time_limit)]
        if [dedupe_key(raw) for raw in documents] != again:
            failures.append(f"{name}: the dedupe keys differ between two parses of the same payload:"
                            f" {[dedupe_key(raw) for raw in documents]} then {again}")
        for number, raw in enumerate(documents, 1):
            where = f"{name} document {number} ({raw.message_type} {raw.document_id!r})"
            if not (raw.dedupe_key or raw.document_id):
                failures.append(f"{where}: neither a dedupe key nor a document id, so every such document"
                                f" would count as a redelivery of the first")
                continue
            key, tree = dedupe_key(raw), _identity(raw)
            if key in seen and seen[key][1] != tree:
                failures.append(f"{where}: dedupe key {key!r} also names a different document, {seen[key][0]}")
            seen.setdefault(key, (where, tree))
    _report(codec, "dedupe keys", failures)


def check_malformed_refused(codec: CodecSpec, samples: Mapping[str, bytes],
                            malformed: Mapping[str, bytes] | None = None, *, time_limit: float = TIME_LIMIT) -> None:
    """Broken payloads end in ``DocumentError`` naming their source, within the time limit.

    Each payload of ``malformed`` must be refused. Payloads made from the samples (empty,
    cut short at several points, a NUL in the middle, random bytes) may also parse, as
    some are still valid; what they must never do is raise anything but
    ``DocumentError``, or hang. The error must name the source (the name the payload
    was parsed under), so the administrator knows which file or request it was.
    """
    failures = []
    for name, payload in (malformed or {}).items():
        failure = _refusal(codec, payload, name, time_limit, must_refuse=True)
        if failure:
            failures.append(failure)
    for name, payload in _variants(samples).items():
        failure = _refusal(codec, payload, name, time_limit, must_refuse=False)
        if failure:
            failures.append(failure)
    _report(codec, "malformed payloads", failures)


def check_accepts(codec: CodecSpec, samples: Mapping[str, bytes]) -> None:
    """``accepts`` claims each sample by its first bytes and name, and not an empty
    payload; without ``accepts``, ``hub ingest`` and ``hub dry-run`` cannot pick the codec."""
    _require_samples(codec, samples)
    accepts = codec.accepts
    if accepts is None:
        raise AssertionError(f"codec {codec.name}: has no accepts(), so hub ingest cannot pick it for a file")
    failures = [f"{name}: not claimed by accepts()" for name, payload in samples.items()
                if not accepts(payload[:SNIFF_BYTES], name)]
    if accepts(b"", ""):
        failures.append("accepts() claims an empty payload")
    _report(codec, "accepts", failures)


def _refusal(codec: CodecSpec, payload: bytes, name: str, time_limit: float, *, must_refuse: bool) -> str | None:
    try:
        _parse(codec, payload, name, time_limit)
    except DocumentError as exc:
        if name not in str(exc):
            return f"{name}: the DocumentError does not name the source {name!r}: {exc}"
        return None
    except _TooSlow as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - the check is that none escapes: report which did
        return f"{name}: raised {type(exc).__name__} instead of DocumentError: {exc}"
    return f"{name}: parsed without an error, but the payload is broken" if must_refuse else None


def _variants(samples: Mapping[str, bytes]) -> dict[str, bytes]:
    """Broken payloads made from the samples, each under a name that says how."""
    variants = {"(empty payload)": b""}
    rng = random.Random(13)
    for size in (1, 100, 5000):
        variants[f"(random bytes, {size})"] = rng.randbytes(size)
    for name, payload in samples.items():
        size = len(payload)
        for cut in sorted({1, size // 4, size // 2, 3 * size // 4, size - 1} - {0, size}):
            variants[f"{name} (cut after {cut} of {size} bytes)"] = payload[:cut]
        middle = size // 2
        variants[f"{name} (NUL at byte {middle})"] = payload[:middle] + b"\x00" + payload[middle:]
    return variants


def _compare(name: str, first: list[RawDocument], again: list[RawDocument], how: str) -> list[str]:
    if len(first) != len(again):
        return [f"{name}: {len(first)} documents, but {len(again)} once {how}"]
    failures = []
    for number, (one, other) in enumerate(zip(first, again, strict=True), 1):
        found = difference(_identity(one), _identity(other), "document")
        if found:
            failures.append(f"{name} document {number} ({one.message_type} {one.document_id!r})"
                            f" differs once {how}: {found}")
    return failures


def _identity(raw: RawDocument) -> Tree:
    return {"message_type": raw.message_type, "document_id": raw.document_id, "dedupe_key": dedupe_key(raw),
            "format": raw.format, "body": document_tree(raw)}


def _parse(codec: CodecSpec, payload: bytes, name: str, time_limit: float) -> list[RawDocument]:
    def parse() -> list[RawDocument]:
        return list(codec.parse(payload, name))

    return _within(time_limit, f"{codec.name}: parsing {name}", parse)


def _within(limit: float, what: str, work: Callable[[], T]) -> T:
    """``work()`` run in a thread, its result or exception; ``_TooSlow`` when it has
    not finished within ``limit`` seconds (the thread cannot be stopped; it is a daemon)."""
    outcome: list[T] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller as it is
            error.append(exc)

    thread = threading.Thread(target=run, name="conformance", daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        raise _TooSlow(f"{what} did not finish within {limit:g} s (does it hang?)")
    if error:
        raise error[0]
    return outcome[0]


def _require_samples(codec: CodecSpec, samples: Mapping[str, bytes]) -> None:
    if not samples:
        raise AssertionError(f"codec {codec.name}: no samples given; the checks need valid payloads to work on")


def _report(codec: CodecSpec, check: str, failures: list[str]) -> None:
    if failures:
        raise AssertionError(f"codec {codec.name} fails the {check} check:\n  " + "\n  ".join(failures))
