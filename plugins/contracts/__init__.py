"""The contracts plugin: sales contracts' releases, service contracts' billing plans,
usage billing, renewal and cancellation, and ``hub contract ...``."""
