"""The store: documents with version history, the key map and the inbound archive."""
