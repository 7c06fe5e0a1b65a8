"""The REST API's reference page, rendered on the server from its OpenAPI description.

Hubs often run where the browser cannot reach a CDN (a plant network, an air-gapped
test system), and Swagger UI's page is blank there: it loads its script from
jsdelivr. This page needs no script and nothing from outside the hub: every operation
with its parameters, body and answers, and every schema with its fields, as plain HTML
made from the same description that ``/openapi.json`` serves. Swagger UI stays
available, for those whose browser reaches the CDN, at ``SWAGGER_PATH``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from html import escape
from typing import Any

OPENAPI_PATH = "/openapi.json"
REFERENCE_PATH = "/docs"
SWAGGER_PATH = "/docs/swagger"

_STYLE = """body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 2rem;color:#1b1f24}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #ccd;padding-bottom:.2rem;margin-top:2.5rem}
h3{margin:1.6rem 0 .3rem;font-size:1.05rem}code,.path{font-family:ui-monospace,monospace}
.method{display:inline-block;min-width:4.2rem;font:bold 13px ui-monospace,monospace;color:#fff;
border-radius:3px;padding:.1rem .4rem;margin-right:.5rem;text-align:center}
.get{background:#2f6fb0}.post{background:#2e8b57}.put{background:#b8860b}.delete{background:#b22222}
.patch{background:#6a5acd}table{border-collapse:collapse;margin:.3rem 0 .8rem}
td,th{border:1px solid #dde;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f4f8}.muted{color:#5a6270}nav ul{columns:3}"""

_CODE = re.compile(r"``?([^`]+)``?")


def _inline(markdown: str) -> str:
    """A description as HTML: escaped, with its code spans as code."""
    return _CODE.sub(r"<code>\1</code>", escape(markdown))


def _text(markdown: str) -> str:
    """The description's paragraphs as HTML."""
    paragraphs = (p.strip() for p in markdown.split("\n\n"))
    return "".join(f"<p>{_inline(p)}</p>" for p in paragraphs if p)


def _anchor(name: str) -> str:
    return "schema-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def _type(schema: Mapping[str, Any]) -> str:
    """A schema as a short type, HTML: a reference links to its schema below."""
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return f'<a href="#{_anchor(name)}">{escape(name)}</a>'
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            return " | ".join(_type(part) for part in schema[combinator])
    if "enum" in schema:
        return "one of " + ", ".join(f"<code>{escape(str(v))}</code>" for v in schema["enum"])
    if "const" in schema:
        return f"<code>{escape(str(schema['const']))}</code>"
    kind = str(schema.get("type", "any"))
    if kind == "array":
        return f"array of {_type(schema.get('items', {}))}"
    if kind == "object" and "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
        return f"object of {_type(schema['additionalProperties'])}"
    detail = [escape(str(schema[k])) for k in ("format", "pattern") if k in schema]
    return escape(kind) + (f' <span class="muted">({", ".join(detail)})</span>' if detail else "")


def _media_schemas(content: Mapping[str, Any]) -> str:
    return "; ".join(f"<code>{escape(media)}</code>: {_type(body.get('schema', {}))}"
                     for media, body in content.items())


def _operation(method: str, path: str, operation: Mapping[str, Any]) -> Iterator[str]:
    anchor = escape(operation.get("operationId", method + path))
    yield (f'<h3 id="{anchor}"><span class="method {method}">{method.upper()}</span>'
           f'<span class="path">{escape(path)}</span> {escape(operation.get("summary", ""))}</h3>')
    yield _text(operation.get("description", ""))
    parameters = operation.get("parameters", [])
    if parameters:
        yield "<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>"
        for parameter in parameters:
            required = " (required)" if parameter.get("required") else ""
            yield (f"<tr><td><code>{escape(parameter['name'])}</code>{required}</td><td>{escape(parameter['in'])}</td>"
                   f"<td>{_type(parameter.get('schema', {}))}</td>"
                   f"<td>{_inline(parameter.get('description', ''))}</td></tr>")
        yield "</table>"
    body = operation.get("requestBody")
    if body:
        yield f"<p><strong>Body</strong>: {_media_schemas(body.get('content', {}))}</p>"
    yield "<table><tr><th>answer</th><th>meaning</th><th>body</th></tr>"
    for status, response in operation.get("responses", {}).items():
        yield (f"<tr><td>{escape(str(status))}</td><td>{_inline(response.get('description', ''))}</td>"
               f"<td>{_media_schemas(response.get('content', {}))}</td></tr>")
    yield "</table>"


def _schema(name: str, schema: Mapping[str, Any]) -> Iterator[str]:
    yield f'<h3 id="{_anchor(name)}">{escape(name)}</h3>'
    yield _text(schema.get("description", ""))
    properties = schema.get("properties", {})
    if not properties:
        yield f"<p>{_type(schema)}</p>"
        return
    required = set(schema.get("required", []))
    yield "<table><tr><th>field</th><th>type</th><th>description</th></tr>"
    for field, spec in properties.items():
        mark = " (required)" if field in required else ""
        yield (f"<tr><td><code>{escape(field)}</code>{mark}</td><td>{_type(spec)}</td>"
               f"<td>{_inline(spec.get('description', ''))}</td></tr>")
    yield "</table>"


def render_reference(described: Mapping[str, Any], prefix: str) -> str:
    """The HTML page of the OpenAPI document ``described``, of the API mounted at ``prefix``."""
    info = described.get("info", {})
    by_tag: dict[str, list[tuple[str, str, Mapping[str, Any]]]] = {}
    for path, operations in described.get("paths", {}).items():
        for method, operation in operations.items():
            by_tag.setdefault((operation.get("tags") or ["other"])[0], []).append((method, path, operation))
    title = escape(str(info.get("title", "API")))
    described_at = prefix + OPENAPI_PATH
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title>"
             f"<style>{_STYLE}</style></head><body><h1>{title}</h1>",
             f'<p class="muted">version {escape(str(info.get("version", "")))} · OpenAPI '
             f'{escape(str(described.get("openapi", "")))} · <a href="{described_at}">{described_at}</a>'
             f' · <a href="{prefix}{SWAGGER_PATH}">Swagger UI</a>'
             " (loads its script from cdn.jsdelivr.net)</p>",
             _text(str(info.get("description", ""))),
             "<nav><ul>" + "".join(f'<li><a href="#tag-{escape(t)}">{escape(t)}</a></li>' for t in by_tag)
             + '<li><a href="#schemas">schemas</a></li></ul></nav>']
    for tag, operations in by_tag.items():
        parts.append(f'<h2 id="tag-{escape(tag)}">{escape(tag)}</h2>')
        for method, path, operation in operations:
            parts.extend(_operation(method, path, operation))
    parts.append('<h2 id="schemas">Schemas</h2>')
    for name, schema in described.get("components", {}).get("schemas", {}).items():
        parts.extend(_schema(name, schema))
    parts.append("</body></html>")
    return "".join(parts)
