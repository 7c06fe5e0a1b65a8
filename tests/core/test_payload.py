"""Reading a payload file within max_payload_bytes: refused on the file system's word, unread."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from hub.core.errors import DocumentError
from hub.core.payload import PayloadTooLargeError, read_payload


def test_a_file_within_the_limit_is_read_whole_for_the_memory_it_needs(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(b"x" * 1000)
    assert read_payload(path, "in.txt", 1000) == b"x" * 1000
    tracemalloc.start()
    try:
        assert read_payload(path, "in.txt", 256 * 1024 * 1024) == b"x" * 1000
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024  # not a buffer the size of the limit


def test_a_larger_file_is_refused_before_a_byte_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    with path.open("wb") as out:
        out.truncate(64 * 1024 * 1024)  # sparse: 64 MiB on the file system's word, no disk
    tracemalloc.start()
    try:
        with pytest.raises(PayloadTooLargeError) as caught:
            read_payload(path, "big.xml", 1024 * 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024  # the 1 MiB the limit allows was not read either
    assert isinstance(caught.value, DocumentError)
    assert str(caught.value) == ("big.xml: field '(payload)': the file is 67,108,864 bytes, above the limit of"
                                 " 1,048,576 bytes (max_payload_bytes): not read, nothing stored")
    assert (caught.value.size, caught.value.limit) == (64 * 1024 * 1024, 1024 * 1024)
