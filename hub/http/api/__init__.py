"""The canonical REST API, ``/api/v1`` on the hub's server (FastAPI on the same Starlette).

Its OpenAPI 3.1 description is generated from the canonical pydantic models (one set of
routes per document type) and served at ``/api/v1/openapi.json``, with a reference page rendered from it at
``/api/v1/docs`` (complete offline) and Swagger UI at ``/api/v1/docs/swagger``; all
three are public, like any published API description. Everything
else needs a key (``hub.http.api.auth``), and every error is problem+json
(``hub.http.api.problems``). The server mounts the app behind the route gate, which
holds bodies to ``MAX_BODY_BYTES`` (413); the API checks keys and scopes per endpoint.
The app is built on its first request (``hub.http.api.lazy``); this module stays light.
"""

PREFIX = "/api/v1"
MAX_BODY_BYTES = 4 * 1024 * 1024
"""The largest request body the API takes: a canonical document, not a bulk load."""
