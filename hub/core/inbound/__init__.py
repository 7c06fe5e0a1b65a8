"""Taking external payloads in: one posting path for every port, ``hub ingest``,
replay and initial loads.

- ``pipeline``: the ``Ingestor`` a plugin's ports hand payloads to;
- ``chunk``: one chunk of documents posted in one transaction (dedupe, history,
  handlers, mapping, master data, archive, listeners);
- ``premap`` and ``pool``: mapping ahead of the posting turn, on several cores;
- ``load``: initial loads of millions of records, resumable;
- ``outcome`` and ``lookup``: what became of each document; key-map lookups of a chunk.
"""
