"""The loyalty engine: programme rules as data, the ledger of points, tills' reservations."""
