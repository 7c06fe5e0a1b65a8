"""What the REST API (``hub.http.api``) keeps in the database: its clients' keys with
their scopes, the idempotency keys of creates, and the listing of changed documents."""
