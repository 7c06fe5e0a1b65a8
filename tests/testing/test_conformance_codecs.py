"""The codec checks of the conformance suite pass a sound codec and catch each kind of unsound one.

The codec under test is a small real one (a JSON array of documents); each unsound
variant breaks one promise the hub relies on.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import uuid
from collections.abc import Iterable, Iterator

import pytest

from hub.api import CodecSpec, DocumentError, RawDocument
from hub.testing.conformance import (
    check_accepts,
    check_codec,
    check_dedupe_keys,
    check_malformed_refused,
    check_round_trip,
)

SAMPLES = {
    "two.json": json.dumps([{"type": "order", "id": "A1", "lines": [{"sku": "X", "qty": 2}]},
                            {"type": "order", "id": "A2", "lines": []}]).encode(),
    "one.json": json.dumps([{"type": "refund", "id": "R9", "amount": "12.50"}]).encode(),
}
MALFORMED = {"unclosed.json": b'[{"type": "order", "id": "A3"', "not-a-list.json": b'{"type": "order"}'}


def parse(payload: bytes, source_name: str) -> Iterator[RawDocument]:
    try:
        items = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentError(source_name, "(payload)", f"not JSON: {exc}") from None
    if not isinstance(items, list) or not all(isinstance(i, dict) and "type" in i and "id" in i for i in items):
        raise DocumentError(source_name, "(payload)", "expected a list of documents with type and id")
    for item in items:
        yield RawDocument("toy", str(item["type"]), str(item["id"]), "json", item, source=source_name,
                          dedupe_key=f"toy:{item['type']}:{item['id']}")


def render(documents: Iterable[RawDocument]) -> bytes:
    return json.dumps([d.body for d in documents]).encode()


def accepts(head: bytes, source_name: str) -> bool:
    return head.lstrip().startswith(b"[")


SOUND = CodecSpec("toy-json", parse, render, accepts)


def _with(**changes: object) -> CodecSpec:
    return dataclasses.replace(SOUND, **changes)  # type: ignore[arg-type]  # each test swaps in one callable


def test_a_sound_codec_passes_every_check() -> None:
    check_codec(SOUND, SAMPLES, MALFORMED)
    check_codec(_with(render=None), SAMPLES, MALFORMED)


def test_a_foreign_exception_escaping_the_parser_is_reported_with_the_payload() -> None:
    def leaky(payload: bytes, source_name: str) -> Iterator[RawDocument]:
        json.loads(payload)
        return parse(payload, source_name)

    with pytest.raises(AssertionError) as failed:
        check_malformed_refused(_with(parse=leaky), SAMPLES, MALFORMED)
    report = str(failed.value)
    assert "codec toy-json fails the malformed payloads check" in report
    assert "unclosed.json: raised JSONDecodeError instead of DocumentError" in report
    assert "(empty payload): raised JSONDecodeError" in report
    assert "one.json (cut after 1 of " in report


def test_an_error_that_does_not_name_the_source_is_reported() -> None:
    def anonymous(payload: bytes, source_name: str) -> Iterator[RawDocument]:
        return parse(payload, "the payload")

    with pytest.raises(AssertionError, match="unclosed.json: the DocumentError does not name the source"):
        check_malformed_refused(_with(parse=anonymous), SAMPLES, MALFORMED)


def test_a_hanging_parser_is_reported_within_the_time_limit() -> None:
    stuck = threading.Event()

    def hangs_on_nul(payload: bytes, source_name: str) -> Iterator[RawDocument]:
        if b"\x00" in payload:
            stuck.wait()
        return parse(payload, source_name)

    try:
        with pytest.raises(AssertionError, match=r"parsing two.json \(NUL at byte \d+\) did not finish within 0.2 s"):
            check_malformed_refused(_with(parse=hangs_on_nul), SAMPLES, time_limit=0.2)
    finally:
        stuck.set()


def test_a_malformed_sample_that_parses_is_reported() -> None:
    with pytest.raises(AssertionError, match="fine.json: parsed without an error, but the payload is broken"):
        check_malformed_refused(SOUND, SAMPLES, {"fine.json": b"[]"})


def test_a_renderer_that_loses_a_field_fails_the_round_trip() -> None:
    def lossy(documents: Iterable[RawDocument]) -> bytes:
        return json.dumps([{k: v for k, v in d.body.items() if k != "amount"} for d in documents]).encode()

    with pytest.raises(AssertionError, match=r"one.json document 1 \(refund 'R9'\) differs once rendered and parsed"
                                             r" again: document.body.amount: missing in the second"):
        check_round_trip(_with(render=lossy), SAMPLES)


def test_a_rendered_payload_the_codec_does_not_claim_fails_the_round_trip() -> None:
    with pytest.raises(AssertionError, match="two.json: accepts.. does not claim the payload the codec rendered"):
        check_round_trip(_with(render=lambda documents: b"  \n" * 3000 + render(documents)), SAMPLES)


def test_dedupe_keys_that_change_between_parses_are_reported() -> None:
    def fresh_keys(payload: bytes, source_name: str) -> Iterator[RawDocument]:
        for raw in parse(payload, source_name):
            yield dataclasses.replace(raw, dedupe_key=uuid.uuid4().hex)

    with pytest.raises(AssertionError, match="two.json: the dedupe keys differ between two parses"):
        check_dedupe_keys(_with(parse=fresh_keys), SAMPLES)


def test_two_documents_sharing_a_key_are_reported() -> None:
    def one_key(payload: bytes, source_name: str) -> Iterator[RawDocument]:
        for raw in parse(payload, source_name):
            yield dataclasses.replace(raw, dedupe_key="toy")

    with pytest.raises(AssertionError, match=r"two.json document 2 \(order 'A2'\): dedupe key 'toy' also names a"
                                             r" different document, two.json document 1"):
        check_dedupe_keys(_with(parse=one_key), SAMPLES)


def test_a_document_without_key_or_id_is_reported() -> None:
    def nameless(payload: bytes, source_name: str) -> Iterator[RawDocument]:
        for raw in parse(payload, source_name):
            yield dataclasses.replace(raw, dedupe_key="", document_id="")

    with pytest.raises(AssertionError, match="neither a dedupe key nor a document id"):
        check_dedupe_keys(_with(parse=nameless), SAMPLES)


def test_accepts_must_claim_the_samples_and_not_an_empty_payload() -> None:
    with pytest.raises(AssertionError, match="one.json: not claimed by accepts"):
        check_accepts(_with(accepts=lambda head, name: name == "two.json"), SAMPLES)
    with pytest.raises(AssertionError, match="accepts.. claims an empty payload"):
        check_accepts(_with(accepts=lambda head, name: True), SAMPLES)
    with pytest.raises(AssertionError, match="has no accepts"):
        check_accepts(_with(accepts=None), SAMPLES)


def test_the_checks_need_samples() -> None:
    with pytest.raises(AssertionError, match="no samples given"):
        check_codec(SOUND, {})
