"""The conformance suite: checks every codec and every transport of a plugin must pass.

A plugin's own tests call them with its codecs and transports; each check fails with
an ``AssertionError`` listing every problem it found::

    from hub.testing.conformance import check_codec, check_transport

    def test_my_codec_conforms() -> None:
        samples = {p.name: p.read_bytes() for p in DATA.glob("*.json")}
        check_codec(my_codec_spec, samples, {"broken.json": b'{"id": '})

    def test_my_transport_conforms(recording_peer, hub_runtime) -> None:
        context = hub_runtime.plugin_context("my_plugin")
        base = context.settings_as(MySettings)

        def build(url: str) -> MyTransport:
            return MyTransport(context.with_settings(base.model_copy(update={"url": url, "timeout": 0.5})))

        check_transport(build, sample_message, recording_peer, timeout=0.5)

**Codecs.** Samples are ``{source name: payload bytes}`` of valid payloads; each parse
and render must finish within ``time_limit`` seconds (default 10).

- ``check_round_trip``: each sample parsed, rendered (when the codec renders) and
  parsed again gives the same documents: message type, document id, dedupe key, body
  tree (IDoc segments by name, fields and children; XML by tag, attributes, text and
  children; JSON values); and ``accepts`` claims the rendered payload. A codec without
  ``render`` must parse a sample twice alike.
- ``check_malformed_refused``: each payload of ``malformed`` is refused with a
  ``DocumentError`` whose message names its source (the name it was parsed under).
  Payloads made from the samples (empty, cut short at several points, a NUL in the
  middle, random bytes) may parse or be refused, but raise nothing else and never hang.
- ``check_dedupe_keys``: parsing a payload twice gives the same keys; every document
  has a dedupe key or at least a document id; two different documents never share a
  key (the second would be dropped as a redelivery of the first).
- ``check_accepts``: ``accepts`` claims every sample (by its first 4096 bytes and its
  name) and not an empty payload; a codec without ``accepts`` fails, as ``hub ingest``
  could not pick it.
- ``check_codec`` runs all four.

**Transports.** ``check_transport(build, message, peer, timeout=..., outcomes=...,
success=...)`` points a new transport (``build(url)``) at the ``RecordingPeer`` for
each case, sends ``message``, and checks that ``send`` raises the declared error and
nothing else; every case but ``refused`` must reach the peer, so a transport that
fails before sending passes nothing. The cases (error answers carry an HTML page, as
proxies and application servers send them):

=============================  ====================================================
case                           the peer ...
=============================  ====================================================
``http_500/502/503/429``       answers that status
``http_503_retry_after``,      answers 503 / 429 with ``Retry-After: 7``, which must
``http_429_retry_after``       reach ``TransientError.retry_after`` (7.0)
``http_503_retry_after_date``  answers 503 with ``Retry-After`` as an HTTP date 60 s
                               ahead (``retry_after`` about 60)
``http_400/401/403/404/422``   answers that status
``garbage_body``               answers 200 with random bytes
``timeout``                    answers only after twice ``timeout`` (the transport's
                               own); ``send`` must give up before that
``dropped``                    closes the connection without answering
``refused``                    is not there: nothing listens on the port
``success``                    answers ``success`` (an empty 200 by default); ``send``
                               must return a ``DeliveryResult`` or None
=============================  ====================================================

Which outcome each case must have is the plugin's to declare (``Outcome``:
``"transient"``, ``"permanent"``, or ``"delivered"``). ``USUAL_OUTCOMES`` holds the
common reading: server trouble, rate limits, garbage and network failures are
transient, a refusal of the request (4xx) is permanent; ``outcomes`` overrides it case
by case. Only ``garbage_body`` may be declared ``"delivered"``, for a transport that
reads nothing of a 2xx answer (the peer's word comes later, as an IDoc's ALEAUD).
``success=None`` leaves the success case out, for a peer whose success answer the
recording peer cannot give (a SOAP service): ``check_delivers(transport, message)``
then checks a delivery to a real peer (a simulator).
"""

from __future__ import annotations

from hub.testing.conformance._codecs import (
    check_accepts,
    check_codec,
    check_dedupe_keys,
    check_malformed_refused,
    check_round_trip,
)
from hub.testing.conformance._transports import USUAL_OUTCOMES, Outcome, check_delivers, check_transport

__all__ = [
    "Outcome",
    "USUAL_OUTCOMES",
    "check_accepts",
    "check_codec",
    "check_dedupe_keys",
    "check_delivers",
    "check_malformed_refused",
    "check_round_trip",
    "check_transport",
]
