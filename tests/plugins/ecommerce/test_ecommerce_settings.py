"""[plugins.ecommerce]: one table per shop, both platforms side by side, each with the
credentials its platform needs; checked by every `hub` command, secrets never shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from plugins.ecommerce.settings import EcommerceSettings

HUB = str(Path(sys.executable).parent / "hub")
SHOPIFY = {"platform": "shopify", "base_url": "https://eu-store.myshopify.com/", "webhook_secret": "whsec-eu",
           "access_token": "shpat_eu"}
WOOCOMMERCE = {"platform": "woocommerce", "base_url": "https://shop.example.fr", "webhook_secret": "whsec-fr",
               "consumer_key": "ck_fr", "consumer_secret": "cs_fr"}


def problems(shops: dict[str, Any], **top: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as exc:
        EcommerceSettings.model_validate({"shops": shops, **top})
    return [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.value.errors()]


def test_shops_of_both_platforms_with_their_defaults() -> None:
    settings = EcommerceSettings.model_validate({"shops": {"eu": SHOPIFY, "fr": WOOCOMMERCE}})
    eu, fr = settings.shops["eu"], settings.shops["fr"]
    assert eu.base_url == "https://eu-store.myshopify.com" and eu.api_version == "2024-07"
    assert eu.access_token is not None and eu.access_token.get_secret_value() == "shpat_eu"
    assert fr.consumer_secret is not None and fr.consumer_secret.get_secret_value() == "cs_fr"
    assert (eu.sku_system, eu.reconcile_minutes, eu.max_body_bytes) == ("erp_sap", 15.0, None)
    assert settings.max_body_bytes == 1 << 20


@pytest.mark.parametrize(("shop", "reason"), [
    ({**SHOPIFY, "access_token": None}, "a shopify shop needs access_token"),
    ({**SHOPIFY, "access_token": ""}, "a shopify shop needs access_token"),
    ({**WOOCOMMERCE, "consumer_secret": None}, "a woocommerce shop needs consumer_secret"),
    ({k: v for k, v in WOOCOMMERCE.items() if not k.startswith("consumer")},
     "a woocommerce shop needs consumer_key and consumer_secret"),
    ({**SHOPIFY, "consumer_key": "ck"}, "consumer_key: not used by a shopify shop"),
    ({**WOOCOMMERCE, "api_version": "2024-07"}, "api_version: not used by a woocommerce shop"),
    ({**SHOPIFY, "webhook_secret": ""}, "webhook_secret must not be empty"),
])
def test_each_platform_needs_its_own_credentials(shop: dict[str, Any], reason: str) -> None:
    [(where, message)] = problems({"eu": shop})
    assert where == "shops.eu" and reason in message


@pytest.mark.parametrize(("key", "value", "where"), [
    ("base_url", "ftp://eu-store.example", "shops.eu.base_url"),
    ("base_url", "https://eu-store.example/?x=1", "shops.eu.base_url"),
    ("api_version", "2024-05", "shops.eu.api_version"),
    ("reconcile_minutes", 0, "shops.eu.reconcile_minutes"),
    ("max_body_bytes", 0, "shops.eu.max_body_bytes"),
    ("colour", "red", "shops.eu.colour"),
])
def test_a_bad_or_unknown_key_is_refused(key: str, value: Any, where: str) -> None:
    assert [w for w, _ in problems({"eu": {**SHOPIFY, key: value}})] == [where]


@pytest.mark.parametrize("name", ["EU", "eu shop", "eu/1", "", "x" * 41, "ëu"])
def test_a_shop_name_is_a_url_path_segment(name: str) -> None:
    [(where, message)] = problems({name: SHOPIFY})
    assert where == f"shops.{name}.[key]" and "use 1 to 40 of a-z, 0-9, _ and -" in message


def test_unknown_plugin_keys_are_refused() -> None:
    assert [w for w, _ in problems({}, max_body_byte=50)] == ["max_body_byte"]


def hub(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("HUB_")}
    return subprocess.run([HUB, *args], cwd=folder, capture_output=True, text=True, env=clean, timeout=60)


def _table(name: str, values: dict[str, Any]) -> str:
    return f"[plugins.ecommerce.shops.{name}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())


def test_config_show_lists_several_shops_of_both_platforms_with_secrets_masked(tmp_path: Path) -> None:
    (tmp_path / "hub.toml").write_text(
        f'database_url = "sqlite:///{tmp_path}/var/hub.db"\n[plugins.ecommerce]\nmax_body_bytes = 65536\n'
        + _table("eu", SHOPIFY) + _table("us", {**SHOPIFY, "base_url": "https://us-store.myshopify.com",
                                                 "access_token": "shpat_us", "api_version": "2024-10"})
        + _table("fr", WOOCOMMERCE), encoding="utf-8")
    done = hub(tmp_path, "config", "show", "--json")
    assert done.returncode == 0, done.stderr
    for secret in ("whsec-eu", "whsec-fr", "shpat_eu", "shpat_us", "ck_fr", "cs_fr"):
        assert secret not in done.stdout
    shown = json.loads(done.stdout)
    ecommerce = shown["settings"]["plugins"]["ecommerce"]
    assert ecommerce["max_body_bytes"] == 65536
    assert shown["sources"]["plugins.ecommerce.max_body_bytes"] == "hub.toml"
    assert sorted(ecommerce["shops"]) == ["eu", "fr", "us"]
    assert {name: shop["platform"] for name, shop in ecommerce["shops"].items()} == {
        "eu": "shopify", "us": "shopify", "fr": "woocommerce"}
    assert ecommerce["shops"]["eu"]["access_token"] == "***" and ecommerce["shops"]["fr"]["consumer_secret"] == "***"
    assert ecommerce["shops"]["us"]["api_version"] == "2024-10" and ecommerce["shops"]["fr"]["sku_system"] == "erp_sap"


def test_every_shop_problem_is_reported_at_once_by_any_command(tmp_path: Path) -> None:
    (tmp_path / "hub.toml").write_text(
        f'database_url = "sqlite:///{tmp_path}/var/hub.db"\n'
        + _table("eu", {**SHOPIFY, "access_token": ""})
        + _table("Fr", WOOCOMMERCE)
        + _table("us", {k: v for k, v in WOOCOMMERCE.items() if k != "consumer_key"})
        + _table("de", {**WOOCOMMERCE, "colour": "red"}),
        encoding="utf-8")
    done = hub(tmp_path, "status")
    assert done.returncode == 1
    lines = sorted(done.stderr.splitlines())
    assert lines == sorted([
        "error: hub.toml: [plugins.ecommerce.shops.eu]: a shopify shop needs access_token (its Admin API token)",
        "error: hub.toml: [plugins.ecommerce.shops.Fr] \"[key]\": shop name 'Fr': use 1 to 40 of a-z, 0-9, _ and -"
        " (it is part of the webhook URL)",
        "error: hub.toml: [plugins.ecommerce.shops.de] colour: unknown key",
        "error: hub.toml: [plugins.ecommerce.shops.us]: a woocommerce shop needs consumer_key (its REST API keys)",
    ])
    assert "cs_fr" not in done.stderr and "whsec" not in done.stderr


@pytest.mark.parametrize("shops", [{}, {"eu": SHOPIFY}])
def test_changes_are_queued_for_the_shops_only_when_a_shop_is_configured(tmp_path: Path,
                                                                        shops: dict[str, Any]) -> None:
    from hub.core.runtime import HubRuntime
    from hub.core.settings import HubSettings

    runtime = HubRuntime(HubSettings(database_url=f"sqlite:///{tmp_path / 'hub.db'}",
                                     plugins={"ecommerce": {"shops": shops}}))
    try:
        to_shops = [t for t in runtime.plugins.targets() if t.system == "ecommerce" and t.document_types]
    finally:
        runtime.close()
    assert [(t.transport, t.document_types) for t in to_shops] == (
        [("subscription:shop_pushes", ("sales_order", "stock_level", "product"))] if shops else [])
