"""Money rules: ``money: {amount: PATH, currency: PATH, default_currency: EUR}``.

``transform`` applies to the amount (``sap_number`` for ``12.50-``), ``currency_values``
translates the currency code, and ``precision`` says how many decimal places the
amount has: ``currency`` (default; ISO 4217 minor units, lossless or an error),
``keep`` (as received, e.g. unit prices with four places) or a number.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hub.core.mapping.codegen import MoneySpec
from hub.core.mapping.convert import compose, compose_plain, transforms_of
from hub.core.mapping.loader import YMap
from hub.core.mapping.money import decimal_places, plain_decimal, to_places
from hub.core.mapping.paths import Step, make_reader, make_writer
from hub.core.mapping.steps import DocCtx, InRule, OutRule, RuleFailure, RuleRow, make_getter, make_putter

if TYPE_CHECKING:
    from hub.core.mapping.compiler import RuleCompiler

_MONEY_SPEC_KEYS = {"amount", "currency", "default_currency"}


def _precision(c: RuleCompiler, rule: YMap, where: str) -> str | int | None:
    value = rule.get("precision", "currency")
    if value in ("currency", "keep"):
        return str(value)
    if isinstance(value, str) and value.isdigit() and int(value) <= 6:
        return int(value)
    c.problem(rule.line_of("precision"), where, "precision must be currency, keep or 0..6 decimal places")
    return None


def build_money_rule(c: RuleCompiler, rule: YMap, scope: tuple[Step, ...], where: str,
                     parts: tuple[str, ...], direction: str
                     ) -> tuple[InRule | None, OutRule | None, list[tuple[str, ...]]] | None:
    """Compile one money rule (problems recorded; None when it is broken)."""
    spec = rule["money"]
    line = rule.line_of("money")
    if not isinstance(spec, YMap) or "amount" not in spec or set(spec) - _MONEY_SPEC_KEYS:
        c.problem(line, where, "money must be {amount: PATH, currency: PATH, default_currency: CODE}")
        return None
    if "currency" not in spec and not spec.get("default_currency"):
        c.problem(line, where, "money needs a currency path or a default_currency")
        return None
    amount_path = c.path(spec["amount"], spec.line_of("amount"), where, want_field=True)
    currency_path = c.path(spec["currency"], spec.line_of("currency"), where, want_field=True) \
        if "currency" in spec else None
    transforms = transforms_of(c, rule, where, 1)
    precision = _precision(c, rule, where)
    currency_list = rule.get("currency_values")
    vl = c.value_list(currency_list) if isinstance(currency_list, str) else None
    if currency_list is not None and vl is None:
        c.problem(rule.line_of("currency_values"), where, f"no value list named {currency_list!r}")
        return None
    if amount_path is None or ("currency" in spec and currency_path is None) or transforms is None \
            or precision is None:
        return None
    for path in (amount_path, currency_path):
        if path is not None:
            c.note_mapped(scope, path)
    required = rule.get("required", False) is True
    irreversible = next((t.name for t in transforms if t.outbound is None), "")
    want_in, want_out = c.wants(direction, not irreversible, rule, where, f"transform {irreversible}")
    if want_out and any(p is not None and p.up for p in (amount_path, currency_path)):
        c.problem(rule.line_of("money"), where, "a ../ path is read inbound only: set `direction: inbound`")
        return None
    source = amount_path.text + (f", {currency_path.text}" if currency_path else "")
    c.sources[where] = source
    c.sources[f"{where}.amount"] = amount_path.text
    if currency_path is not None:
        c.sources[f"{where}.currency"] = currency_path.text
    how = ", ".join([t.name for t in transforms] + [f"precision {precision}"]
                    + ([f"currency values {currency_list}"] if vl else []))
    c.rows.append(RuleRow(direction, source, where, f"money ({how})", required, rule.line))
    default_currency = spec.get("default_currency")
    name = ".".join(parts)
    amount_in = compose_plain([t.inbound for t in transforms]) if transforms else None
    amount_out = compose([(t.outbound, False) for t in reversed(transforms) if t.outbound is not None])
    put = make_putter(parts, append=False)
    get = make_getter(parts)
    read_amount = make_reader(c.adapter, amount_path)
    read_currency = make_reader(c.adapter, currency_path) if currency_path else None
    write_amount = make_writer(c.adapter, amount_path)
    write_currency = make_writer(c.adapter, currency_path) if currency_path else None
    currency_in = vl.inbound if vl else None
    currency_out = vl.outbound if vl else None

    def places(amount: Any, currency: str) -> Any:
        if precision == "keep":
            return amount
        count = decimal_places(currency) if precision == "currency" else int(precision)
        return to_places(amount, count, currency)

    keep = precision == "keep"
    fixed = precision if isinstance(precision, int) else None

    def money_in(node: Any, out: dict[str, Any], ctx: DocCtx) -> bool:
        raw = read_amount(node, ctx)
        if raw is None:
            if required:
                raise RuleFailure(name, source, "required amount is missing")
            return False
        try:
            amount = amount_in(raw) if amount_in is not None else raw
            if amount is None:
                if required:
                    raise ValueError("required amount is missing")
                return False
            if type(amount) is not Decimal:
                amount = plain_decimal(amount)
            currency = (read_currency(node, ctx) if read_currency is not None else None) or default_currency
            if currency is None:
                raise ValueError(f"amount {amount} has no currency")
            if not isinstance(currency, str):
                raise ValueError(f"currency {currency!r} is not a currency code")
            if currency_in is not None:
                currency = currency_in.get(currency, currency)
            if not keep:
                amount = to_places(amount, decimal_places(currency) if fixed is None else fixed, currency)
        except ValueError as exc:
            raise RuleFailure.of(name, source, exc) from None
        put(out, {"amount": amount, "currency": currency})
        return True

    def money_out(data: dict[str, Any], node: Any, ctx: DocCtx) -> None:
        money = get(data)
        if money is None:
            if required:
                raise RuleFailure(name, source, "required amount is missing")
            return
        currency = money["currency"]
        try:
            amount = places(money["amount"], currency)
            text = amount_out(amount, ctx) if amount_out else format(amount, "f")
        except ValueError as exc:
            raise RuleFailure.of(name, source, exc) from None
        write_amount(node, ctx, text)
        if write_currency is not None:
            write_currency(node, ctx, currency_out.get(currency, currency) if currency_out else currency)

    if want_in:
        places_of = None if keep else decimal_places if fixed is None else (lambda currency: fixed)
        c.specs[money_in] = MoneySpec(amount_path, currency_path, c.adapter.name == "idoc", read_amount,
                                      read_currency, amount_in, default_currency, currency_in, places_of, parts, put,
                                      required, name, source)
    return (money_in if want_in else None), (money_out if want_out else None), [parts]
