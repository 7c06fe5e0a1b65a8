"""Helpers shared by the loyalty_pos tests (imported explicitly, no conftest).

The codecs as the plugin builds them from its settings, the plugin's own mapping
table, and a ``hub`` folder (hub.toml on the test's database) for runs of the real CLI.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.api import CodecSpec
from hub.core.mapping import MappingResult, MappingSet, load_mapping_set
from hub.core.raw import RawDocument
from plugins.loyalty_pos.codecs import codec_specs
from plugins.loyalty_pos.plugin import MAPPINGS
from plugins.loyalty_pos.settings import LoyaltyPosSettings

DATA = Path(__file__).resolve().parent / "data"
MALFORMED = DATA / "malformed"
HUB = str(Path(sys.executable).parent / "hub")
ZONE = "Europe/Berlin"


def codecs(zone: str = ZONE, currency: str = "EUR") -> dict[str, CodecSpec]:
    """The codecs the plugin registers for these settings, by name (poslog, json)."""
    return {spec.name: spec for spec in codec_specs(LoyaltyPosSettings(timezone=zone, default_currency=currency))}


def parse(payload: bytes, name: str, **settings: Any) -> list[RawDocument]:
    """Every document of ``payload``, read by the codec that accepts it."""
    found = [spec for spec in codecs(**settings).values() if spec.accepts and spec.accepts(payload[:4096], name)]
    assert len(found) == 1, f"{name}: accepted by {[spec.name for spec in found]}"
    return list(found[0].parse(payload, name))


def read(name: str, folder: Path = DATA, **settings: Any) -> list[RawDocument]:
    """Every document of a sample file."""
    return parse((folder / name).read_bytes(), name, **settings)


def mappings() -> MappingSet:
    """The plugin's mapping tables."""
    return load_mapping_set([MAPPINGS])


def no_lookup(system: str, object_type: str, external_id: str) -> str | None:
    """A key map that knows nobody."""
    return None


def map_all(documents: list[RawDocument], lookup: Callable[[str, str, str], str | None] = no_lookup
            ) -> list[MappingResult]:
    """Each document mapped by the plugin's table."""
    table = mappings()
    return [table.map_inbound(raw, lookup) for raw in documents]


def hub_folder(folder: Path, database_url: str, **settings: str) -> Path:
    """A folder with a hub.toml on ``database_url`` and ``[plugins.loyalty_pos]`` settings."""
    folder.mkdir(parents=True, exist_ok=True)
    table = {"timezone": ZONE, **settings}
    lines = [f'database_url = "{database_url}"', "", "[plugins.loyalty_pos]"]
    lines += [f'{key} = "{value}"' for key, value in table.items()]
    (folder / "hub.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def hub(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real ``hub`` command run in ``folder``."""
    return subprocess.run([HUB, *args], cwd=folder, capture_output=True, text=True, timeout=120)
