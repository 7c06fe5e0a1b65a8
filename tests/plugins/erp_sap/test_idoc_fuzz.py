"""Both IDoc codecs fuzzed with Hypothesis: a short, reproducible run (``bench/fuzz.py`` runs it long).

See ``idoc_fuzzing.py`` for the properties and the ways inputs are broken.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from idoc_fuzzing import (
    FLAT_SAMPLES,
    PARSERS,
    SAMPLES,
    XML_SAMPLES,
    arbitrary,
    idocs,
    mutated,
    parses_or_refuses,
    round_trips,
)

from hub.core.raw import RawDocument

SHORT = settings(max_examples=60, derandomize=True, database=None, deadline=timedelta(seconds=5),
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SHORT
@given(arbitrary())
def test_arbitrary_bytes_parse_or_are_refused(payload: bytes) -> None:
    for parse in PARSERS.values():
        parses_or_refuses(payload, parse)


@SHORT
@given(mutated(FLAT_SAMPLES))
def test_broken_flat_files_parse_or_are_refused(payload: bytes) -> None:
    parses_or_refuses(payload, PARSERS["either"])
    parses_or_refuses(payload, PARSERS["flat"])


@SHORT
@given(mutated(XML_SAMPLES))
def test_broken_xml_files_parse_or_are_refused(payload: bytes) -> None:
    parses_or_refuses(payload, PARSERS["either"])
    parses_or_refuses(payload, PARSERS["xml"])


@SHORT
@given(idocs())
def test_valid_idocs_round_trip_through_flat_and_xml(document: RawDocument) -> None:
    round_trips(document)


def test_the_samples_themselves_parse() -> None:
    """The mutations start from valid files: each sample parses whole."""
    for name in FLAT_SAMPLES + XML_SAMPLES:
        assert PARSERS["either"](SAMPLES[name]), name
