"""Configuration as a person reads it: where each value came from (``origin``), problems
located by file or environment variable, section and key (``problems``), the shape of
settings models (``shape``) and the effective configuration with secrets masked
(``effective``).

The settings models themselves live next to what they configure (``hub.core.settings``,
``hub.core.queue.settings``, each plugin's ``settings.py``); this package only explains
them to people.
"""
