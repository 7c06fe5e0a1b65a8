"""The guide's example plugin is a package of its own, with its own tests: they run
installed, in a process of their own (``test_example_plugin.py``), not in this one."""

collect_ignore = ["example"]
