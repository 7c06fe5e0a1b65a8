"""Record matching: is this row a partner the hub already has?

The matcher of the list import and of the duplicate check, module by module:
``record.MatchRecord`` (the facts compared), ``blocking.blocking_keys`` (which partners
are compared), ``find.find_matches`` (a batch against the store), ``model.MatchModel``
(the Fellegi-Sunter weights) and ``settings.MatchingSettings`` (the link and review
thresholds). docs/matching.md describes the method and its measured accuracy.

Nothing is imported here: the settings module must load without the store layer, which
builds on this package.
"""
