"""The loyalty engine's own tables (created by the hub's migration 0013) and their rows."""
