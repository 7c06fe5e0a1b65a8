"""The conformance suite: checks every codec and every transport of a plugin must pass.

A plugin's own tests call them with its codecs and transports; each check fails with
an ``AssertionError`` that lists every problem it found::

    from hub.testing.conformance import check_codec, check_transport

    def test_my_codec_conforms() -> None:
        samples = {p.name: p.read_bytes() for p in DATA.glob("*.json")}
        check_codec(my_codec_spec, samples, {"broken.json": b'{"id": '})

    def test_my_transport_conforms(recording_peer, hub_runtime) -> None:
        context = hub_runtime.plugin_context("my_plugin")
        base = context.settings_as(MySettings)
        check_transport(
            lambda url: MyTransport(context.with_settings(base.model_copy(update={"url": url, "timeout": 0.5}))),
            sample_message, recording_peer, timeout=0.5)

Codecs (``hub.testing.conformance.codecs``): round trip, malformed payloads refused
with a clear ``DocumentError``, stable dedupe keys, ``accepts``. Transports
(``hub.testing.conformance.transports``): every way an HTTP peer fails ends in
``TransientError`` (with the peer's ``Retry-After``) or ``PermanentError``.
"""

from __future__ import annotations

from hub.testing.conformance.codecs import (
    check_accepts,
    check_codec,
    check_dedupe_keys,
    check_malformed_refused,
    check_round_trip,
)
from hub.testing.conformance.transports import (
    USUAL_OUTCOMES,
    Outcome,
    check_delivers,
    check_transport,
)

__all__ = [
    "USUAL_OUTCOMES",
    "Outcome",
    "check_accepts",
    "check_codec",
    "check_dedupe_keys",
    "check_delivers",
    "check_malformed_refused",
    "check_round_trip",
    "check_transport",
]
