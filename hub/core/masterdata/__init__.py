"""Master data: golden records built from several sources, duplicate checks, merges."""

from hub.core.masterdata.duplicates import DuplicateCandidate
from hub.core.masterdata.results import DuplicatePair, Incoming, Prepared, UpsertResult
from hub.core.masterdata.service import MasterDataService

__all__ = ["DuplicateCandidate", "DuplicatePair", "Incoming", "MasterDataService", "Prepared", "UpsertResult"]
