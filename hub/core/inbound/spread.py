"""One large payload mapped on every core: cut into parts, posted in order, taken whole.

The HTTP port and ``hub ingest FILE`` take one payload at a time, and parsing and
mapping, more than half of an IDoc's cost, would keep one core busy and leave the
others idle. So a payload of at least ``ingest_pool_min_documents`` documents, in a
format its codec can cut without parsing it (``CodecSpec.split``), is cut into one part
per worker of the hub's ingest pool, the parts are parsed and mapped side by side and
posted one after the other in the payload's order (``IngestPool.run_together``).

What the sender sees is what one process gives it: the same outcomes, in the same
order, under the same source name. The parts post only once all of them were read, so
a payload that cannot be read stores nothing; it is then ingested again in this process,
which refuses it with the error (document, segment, position) that it gives today,
counted from the payload's start and not from a part's. A small payload, a busy pool
(another payload or the file port's files hold it) or one that cannot start leaves the
payload to this process, which then is the spare core.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from hub.core.errors import HubError
from hub.core.inbound.outcome import IngestOutcome
from hub.core.inbound.pipeline import SNIFF_BYTES, Ingestor, pick_codec
from hub.core.inbound.pool import IngestJob, IngestPool, PoolResult

log = logging.getLogger(__name__)

PoolOf = Callable[[], "IngestPool | None"]
"""The hub's ingest pool of the payload's system, built on first use; None without one."""


class PartNotPostedError(HubError):
    """A part of a payload failed while it was posted, after the parts before it had posted."""


def ingest_spread(ingestor: Ingestor, pool_of: PoolOf, workers: int, min_documents: int, payload: bytes,
                  source_name: str, content_type: str = "application/octet-stream") -> list[IngestOutcome]:
    """Ingest ``payload`` as ``Ingestor.ingest`` does, in the ingest pool's ``workers``
    processes when it holds at least ``min_documents`` documents (see the module docstring)."""
    codec = pick_codec(ingestor.codecs, payload[:SNIFF_BYTES], source_name)
    parts = codec.split(payload, workers) if codec.split is not None and workers > 1 else None
    if parts is None or len(parts) < 2 or sum(part.count for part in parts) < min_documents:
        return ingestor.ingest(payload, source_name, content_type)
    pool = pool_of()
    jobs = [IngestJob(source_name, payload=part.payload, content_type=content_type) for part in parts]
    del parts  # the jobs hold the parts' bytes; one copy of them is enough
    results = pool.run_together(jobs, f"{source_name}: ingested in the hub's own process") if pool else None
    if results is None or _refused_whole(results):
        return ingestor.ingest(payload, source_name, content_type)
    log.info("%s: %d documents in %d parts, parsed and mapped by the ingest pool's processes", source_name,
             sum(len(result.outcomes) for result in results), len(results))
    return [outcome for result in results for outcome in result.outcomes]


def _refused_whole(results: list[PoolResult]) -> bool:
    """Whether no part posted because a part could not be read; raises when a part failed
    while it posted, which leaves the parts before it posted, as a failed chunk would."""
    failed = [(number, result.error) for number, result in enumerate(results, start=1) if result.error is not None]
    if not failed:
        return False
    if all(not result.outcomes for result in results):
        return True
    number, error = failed[0]
    raise PartNotPostedError(f"{results[0].job.source_name}: part {number} of {len(results)} was not posted"
                             f" (the parts before it were): {error}")
