"""The simulator driven from outside: its /sim control API over HTTP, and `hub shop-sim`
as a process of its own, configured by flags or a TOML file."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from hook_receiver import HookReceiver
from shoppers import ANNA, GUEST

from plugins.ecommerce.simulator import ShopSimulator
from plugins.ecommerce.simulator.config import SimConfigError, load_specs

HUB = str(Path(sys.executable).parent / "hub")


def test_shoppers_and_merchants_act_through_the_control_api(sim: ShopSimulator) -> None:
    with HookReceiver().running() as hooks, httpx.Client(base_url=sim.base_url + "/sim", timeout=10) as client:
        assert client.post("/shops/fr/webhooks", json={"url": hooks.url_of("fr")}).status_code == 201
        customer = client.post("/shops/fr/customers", json=ANNA)
        assert customer.status_code == 201 and customer.json()["billing"]["city"] == "Berlin"
        edited = client.patch(f"/shops/fr/customers/{customer.json()['id']}", json={"last_name": "Schmidt-Weber"})
        assert edited.json()["last_name"] == "Schmidt-Weber"
        order = client.post("/shops/fr/orders", json={"lines": [{"sku": "400001", "quantity": 1}],
                                                      "guest": GUEST, "paid": False}).json()
        assert order["status"] == "on-hold" and order["customer_id"] == 0
        assert client.post(f"/shops/fr/orders/{order['id']}/pay").json()["status"] == "processing"
        edited = client.patch(f"/shops/fr/orders/{order['id']}", json={"note": "Leave at the door",
                                                                       "address": {"city": "Lyon", "country": "FR"}})
        assert (edited.json()["customer_note"], edited.json()["shipping"]["city"]) == ("Leave at the door", "Lyon")
        refund = client.post(f"/shops/fr/orders/{order['id']}/refund",
                             json={"lines": [{"sku": "400001", "quantity": 1}], "shipping": True})
        assert refund.status_code == 201 and refund.json()["amount"] == "35.52"
        assert client.post(f"/shops/fr/orders/{order['id']}/cancel").json()["status"] == "cancelled"
        assert client.delete(f"/shops/fr/orders/{order['id']}").status_code == 204
        assert client.post("/wait", params={"timeout": 10}).json() == {"idle": True}
        topics = [d["topic"] for d in client.get("/deliveries", params={"shop": "fr"}).json()]
        assert topics == ["ping"] * 5 + ["customer.created", "customer.updated", "order.created",
                                         "order.updated", "order.updated", "order.updated", "order.updated",
                                         "order.deleted"]
        assert [r.topic for r in hooks.of("fr") if r.topic][-1] == "order.deleted"


@pytest.mark.parametrize(("method", "path", "body", "status", "error"), [
    ("POST", "/shops/nowhere/customers", ANNA, 404, "no shop 'nowhere'"),
    ("POST", "/shops/eu/orders", {"lines": [{"sku": "999", "quantity": 1}], "guest": GUEST}, 422, "no SKU '999'"),
    ("POST", "/shops/eu/orders", {"lines": [{"sku": "400001", "quantity": 0}], "guest": GUEST}, 422,
     "positive whole number"),
    ("POST", "/shops/eu/orders", {"lines": [{"sku": "400001", "quantity": 1}]}, 422, "customer_id or by a guest"),
    ("POST", "/shops/eu/orders", {"lines": [], "guest": GUEST, "coupon": "X"}, 422, "unknown field(s): coupon"),
    ("POST", "/shops/eu/orders/1/ship", {}, 404, "no order action 'ship'"),
    ("PATCH", "/shops/eu/orders/1", {"note": "x"}, 404, "no order 1 in shop eu"),
    ("DELETE", "/shops/eu/orders/1", None, 422, "only a WooCommerce shop deletes orders"),
    ("POST", "/chaos", {"drop": 1.5}, 422, "drop is a fraction from 0 to 1"),
    ("POST", "/chaos", {"flood": 1}, 422, "unknown chaos setting(s): flood"),
    ("POST", "/chaos", {"seed": -1}, 422, "seed must be a whole number"),
    ("GET", "/recorded?after=x", None, 400, "after must be a whole number"),
])
def test_a_request_the_simulator_cannot_follow_says_why(sim: ShopSimulator, method: str, path: str,
                                                       body: object, status: int, error: str) -> None:
    response = httpx.request(method, sim.base_url + "/sim" + path, json=body)
    assert response.status_code == status and error in response.json()["error"]


def test_chaos_and_recorded_pushes_read_over_http(sim: ShopSimulator) -> None:
    with httpx.Client(base_url=sim.base_url + "/sim") as client:
        changed = client.post("/chaos", json={"duplicate": 0.25, "seed": 9, "time_scale": 0.001}).json()
        assert (changed["duplicate"], changed["seed"], changed["drop"]) == (0.25, 9, 0.0)
        assert client.get("/chaos").json() == changed
        shop = sim.describe()["shops"]["fr"]
        auth = (shop["consumer_key"], shop["consumer_secret"])
        order = sim.place_order("fr", [{"sku": "400001", "quantity": 1}], guest=GUEST)
        httpx.put(f"{shop['base_url']}/wp-json/wc/v3/orders/{order['id']}", json={"status": "completed"}, auth=auth)
        httpx.put(f"{shop['base_url']}/wp-json/wc/v3/products/101", json={"stock_quantity": 5}, auth=auth)
        everything = client.get("/recorded").json()
        assert [r["kind"] for r in everything] == ["order_status", "stock"]
        assert client.get("/recorded", params={"kind": "stock"}).json() == everything[1:]
        assert client.get("/recorded", params={"after": everything[0]["seq"]}).json() == everything[1:]
        assert client.get("/recorded", params={"shop": "eu"}).json() == []
        shops = client.get("/shops").json()
        assert shops["shops"]["eu"]["access_token"] == sim.shops["eu"].spec.access_token


def test_a_toml_file_describes_the_shops_and_their_catalogues(tmp_path: Path) -> None:
    config = tmp_path / "shops.toml"
    config.write_text('[shops.nl]\nplatform = "woocommerce"\ncurrency = "EUR"\ntax_rate = 0.21\n'
                      'webhook_secret = "nl-secret"\nproducts = [{sku = "400009", title = "Gasket", price = "0.85",'
                      ' stock = 3}]\n[shops.uk]\nplatform = "shopify"\ncurrency = "GBP"\n', encoding="utf-8")
    nl, uk = load_specs(config)
    assert (nl.platform, str(nl.tax_rate), nl.webhook_secret, nl.products[0].stock) == (
        "woocommerce", "0.21", "nl-secret", 3)
    assert (uk.currency, len(uk.products), uk.webhook_secret != nl.webhook_secret) == ("GBP", 5, True)
    for text, reason in (('[shops.nl]\nplatform = "magento"\n', "platform must be"),
                         ('[shops.nl]\nplatform = "shopify"\ncolour = 1\n', "unknown key(s) colour"),
                         ('[shops.NL]\nplatform = "shopify"\n', "a name is 1 to 40"),
                         ('[shops.nl]\nplatform = "shopify"\ntax_rate = "x"\n', "not a number"),
                         ("shops = 1\n", "needs a [shops.NAME] table")):
        config.write_text(text, encoding="utf-8")
        with pytest.raises(SimConfigError, match=re.escape(reason)):
            load_specs(config)


def test_hub_shop_sim_runs_on_its_own_and_tells_scripts_where_and_how(tmp_path: Path) -> None:
    (tmp_path / "shops.json").write_text(json.dumps({"shops": {
        "eu": {"platform": "shopify"}, "fr": {"platform": "woocommerce", "consumer_key": "ck_fixed"}}}))
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("HUB_")}
    command = [HUB, "shop-sim", "--port", "0", "--json", "--shops-file", "shops.json", "--webhooks"]
    with HookReceiver().running() as hooks, subprocess.Popen(
            [*command, hooks.url + "/ecommerce/{shop}/webhooks"], cwd=tmp_path, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=clean) as process:
        try:
            assert process.stdout is not None
            told = json.loads(process.stdout.readline())
            fr = told["shops"]["fr"]
            assert fr["consumer_key"] == "ck_fixed" and told["shops"]["eu"]["base_url"] == told["url"] + "/shops/eu"
            assert httpx.get(told["url"] + "/sim/shops").json() == told
            listed = httpx.get(fr["base_url"] + "/wp-json/wc/v3/webhooks", auth=(fr["consumer_key"],
                                                                               fr["consumer_secret"]))
            assert {h["topic"] for h in listed.json()} == {"order.created", "order.updated", "order.deleted",
                                                           "customer.created", "customer.updated"}
            assert httpx.post(told["url"] + "/sim/wait").json() == {"idle": True}
            assert len(hooks.of("fr")) == 5  # the pings
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 0
    refused = subprocess.run([HUB, "shop-sim", "--shop", "eu=magento"], cwd=tmp_path, capture_output=True, text=True,
                             env=clean, timeout=60)
    assert refused.returncode == 2 and "NAME=shopify or NAME=woocommerce" in refused.stderr
