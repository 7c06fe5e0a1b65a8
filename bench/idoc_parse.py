"""Benchmark the IDoc codec: generate N ORDERS05 and DEBMAS07 IDocs (flat and XML), parse them.

Prints IDocs per second for each layout and the peak RSS of the process, so constant
memory is visible: run with ``--count 1000000 --only debmas-flat`` for the initial-load
case. Usage: ``.venv/bin/python bench/idoc_parse.py [--count N] [--only NAME] [--short]``;
``--short`` parses 5,000 IDocs of each kind. The last line is JSON with every figure.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The bench folder holds scripts named like standard modules (queue.py); with it on the
# path they would shadow them, so it goes.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from hub.core.raw import RawDocument, Segment
from plugins.erp_sap.idoc.definitions import DefinitionRegistry
from plugins.erp_sap.idoc.flat import read_flat, write_flat
from plugins.erp_sap.idoc.xml import read_xml, write_xml


def _control(idoc_type: str, message: str, number: int) -> dict[str, str]:
    return {"TABNAM": "EDI_DC40", "MANDT": "800", "DOCNUM": f"{number:016d}", "DIRECT": "1", "IDOCTYP": idoc_type,
            "MESTYP": message, "SNDPOR": "SAPPRD", "SNDPRT": "LS", "SNDPRN": "PRDCLNT800", "RCVPOR": "CRMHUB",
            "RCVPRT": "LS", "RCVPRN": "CRMHUB", "CREDAT": "20240611", "CRETIM": "101542"}


def orders(count: int) -> Iterator[RawDocument]:
    """ORDERS05 IDocs with 3 items each (about 25 segments)."""
    for n in range(1, count + 1):
        body = [Segment("E1EDK01", {"CURCY": "EUR", "BSART": "TA", "BELNR": f"{n:010d}"}),
                Segment("E1EDK14", {"QUALF": "008", "ORGID": "1000"}),
                Segment("E1EDK14", {"QUALF": "007", "ORGID": "10"}),
                Segment("E1EDK03", {"IDDAT": "022", "DATUM": "20240610"}),
                Segment("E1EDKA1", {"PARVW": "AG", "PARTN": f"{n % 50000:010d}", "NAME1": "Müller Maschinenbau GmbH",
                                    "STRAS": "Hohe Straße 12", "ORT01": "Köln", "PSTLZ": "50667", "LAND1": "DE"}),
                Segment("E1EDKA1", {"PARVW": "WE", "PARTN": f"{n % 50000:010d}"}),
                Segment("E1EDK02", {"QUALF": "001", "BELNR": f"PO-{n}", "DATUM": "20240610"})]
        for item in range(1, 4):
            body.append(Segment("E1EDP01", {"POSEX": f"{item * 10:06d}", "MENGE": "10.000", "MENEE": "PCE",
                                            "VPREI": "112.50", "NETWR": "1125.00", "WERKS": "1000",
                                            "MATNR": f"{item:018d}"}, [
                Segment("E1EDP20", {"WMENG": "10.000", "EDATU": "20240620"}),
                Segment("E1EDP19", {"QUALF": "002", "IDTNR": f"{item:018d}", "KTEXT": "Kreiselpumpe"}),
                Segment("E1EDP05", {"ALCKZ": "+", "KSCHL": "PR00", "BETRG": "112.50"}),
                Segment("E1EDPT1", {"TDID": "0001"}, [Segment("E1EDPT2", {"TDLINE": "Packed on EUR pallet"})])]))
        body.append(Segment("E1EDS01", {"SUMID": "002", "SUMME": "3375.00", "WAERQ": "EUR"}))
        yield RawDocument("erp_sap", "ORDERS", f"{n:016d}", "idoc", body, _control("ORDERS05", "ORDERS", n))


def customers(count: int) -> Iterator[RawDocument]:
    """DEBMAS07 IDocs: customer, one sales area with 4 partner functions, company code (8 segments)."""
    for n in range(1, count + 1):
        kunnr = f"{n:010d}"
        body = [Segment("E1KNA1M", {"MSGFN": "005", "KUNNR": kunnr, "KTOKD": "0001", "LAND1": "DE",
                                    "NAME1": f"Kunde {n} GmbH", "ORT01": "Köln", "PSTLZ": "50667",
                                    "STRAS": "Hohe Straße 12"}, [
            Segment("E1KNVVM", {"MSGFN": "005", "VKORG": "1000", "VTWEG": "10", "SPART": "00", "WAERS": "EUR",
                                "ZTERM": "ZB14"},
                    [Segment("E1KNVPM", {"MSGFN": "005", "PARVW": p, "KUNN2": kunnr})
                     for p in ("AG", "RE", "RG", "WE")]),
            Segment("E1KNB1M", {"MSGFN": "005", "BUKRS": "1000", "AKONT": "0000140000"})])]
        yield RawDocument("erp_sap", "DEBMAS", f"{n:016d}", "idoc", body, _control("DEBMAS07", "DEBMAS", n))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(name: str, count: int, folder: Path, registry: DefinitionRegistry) -> dict[str, float]:
    kind, layout = name.split("-")
    source = orders(count) if kind == "orders" else customers(count)
    path = folder / f"{name}.{'xml' if layout == 'xml' else 'txt'}"
    start = time.perf_counter()
    if layout == "xml":
        with path.open("wb") as out:
            write_xml(source, out, registry)
    else:
        with path.open("w", encoding="utf-8") as text:
            write_flat(source, text, registry, pad=False)
    written = time.perf_counter() - start
    start = time.perf_counter()
    segments = parsed = 0
    with path.open("rb") as stream:
        reader = read_xml(stream, path.name, registry) if layout == "xml" else read_flat(stream, path.name, registry)
        for document in reader:
            parsed += 1
            segments += len(document.body)
    elapsed = time.perf_counter() - start
    print(f"{name:12} {parsed:>9} IDocs  {path.stat().st_size / 1e6:8.1f} MB  write {count / written:9.0f}/s"
          f"  parse {parsed / elapsed:9.0f} IDocs/s  peak RSS {_peak_mb():6.0f} MB")
    path.unlink()
    return {"idocs": parsed, "write_per_s": round(count / written), "parse_per_s": round(parsed / elapsed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--only", choices=["orders-flat", "orders-xml", "debmas-flat", "debmas-xml"])
    parser.add_argument("--short", action="store_true", help="5,000 IDocs of each kind")
    args = parser.parse_args()
    count = 5000 if args.short else args.count
    registry = DefinitionRegistry()
    names = [args.only] if args.only else ["orders-flat", "orders-xml", "debmas-flat", "debmas-xml"]
    figures: dict[str, object] = {"bench": "idoc_parse", "count": count}
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            figures[name] = run(name, count, Path(folder), registry)
    figures["peak_rss_mb"] = round(_peak_mb(), 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
