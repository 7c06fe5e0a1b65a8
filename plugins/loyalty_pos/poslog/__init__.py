"""ARTS/NRF POSLog: the streaming reader (``reader``), what one transaction becomes
(``normalise``, ``lineitems``), and a generator of realistic day-end files (``generate``)."""
