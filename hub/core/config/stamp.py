"""A note that a configuration passed the full check, so a quick command may trust it.

Every command checks the whole configuration before it runs (the hub's settings and
every plugin's), which means importing pydantic, the plugins' settings models and
SQLAlchemy: most of a second on a busy two-core machine, several times what ``hub
status`` itself takes. A full check that passes leaves a stamp named after a
fingerprint of everything the check read; the quick command-line status
(``hub.cli.quick_status``) runs only when the stamp for the present fingerprint exists,
and otherwise leaves the command to the full path, which checks and reports.

The fingerprint covers the hub's version, the configuration file (its path and bytes,
or that there is none), every ``HUB_*`` environment variable, the installed packages
(the modification times of the site-packages folders, which change when a plugin is
installed, upgraded or removed) and the hub's own settings modules. A stamp is an empty
file whose name is a SHA-256: nothing of the configuration, secrets included, is
written. A stamp that cannot be written (a read-only home) only means no quick path.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from hub import __version__

DEFAULT_CONFIG_FILE = "hub.toml"
"""As ``hub.core.settings.DEFAULT_CONFIG_FILE`` (a test checks they agree)."""
CACHE_FOLDER = Path("crm-hub") / "checked-config"
_HUB = Path(__file__).resolve().parents[2]
WATCHED_SOURCES = (_HUB / "core" / "settings.py", _HUB / "core" / "plugins" / "settings.py")
"""The hub's own modules that decide what a valid configuration is."""


def config_file(config_path: str | None) -> Path:
    """The configuration file a command reads: ``--config``, else ``HUB_CONFIG``, else ./hub.toml."""
    return Path(config_path or os.environ.get("HUB_CONFIG") or DEFAULT_CONFIG_FILE)


def fingerprint(config_path: str | None) -> str:
    """SHA-256 (hex) of everything the full configuration check reads."""
    digest = hashlib.sha256(f"crm-hub {__version__}\0".encode())
    path = config_file(config_path).resolve()
    digest.update(f"{path}\0".encode())
    try:
        digest.update(path.read_bytes())
    except OSError:
        digest.update(b"\0no file\0")
    for name, value in sorted(os.environ.items()):
        if name.startswith("HUB_"):
            digest.update(f"\0{name}={value}".encode())
    folders = sorted({entry for entry in sys.path if entry.endswith(("site-packages", "dist-packages"))})
    for watched in [*folders, *map(str, WATCHED_SOURCES)]:
        try:
            digest.update(f"\0{watched}@{os.stat(watched).st_mtime_ns}".encode())
        except OSError:
            digest.update(f"\0{watched}@missing".encode())
    return digest.hexdigest()


def _stamp(config_path: str | None) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / CACHE_FOLDER / fingerprint(config_path)


def remember_checked(config_path: str | None) -> None:
    """Note that the configuration as it stands passed the full check."""
    stamp = _stamp(config_path)
    if stamp.exists():
        return
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.touch()
    except OSError:
        return  # no stamp, no quick path: the full check runs every time, as it always may


def was_checked(config_path: str | None) -> bool:
    """True when the configuration as it stands passed the full check before."""
    return _stamp(config_path).exists()
