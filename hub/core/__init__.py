"""The core of the hub: model, store, master data, queue, mapping and plugin host."""
