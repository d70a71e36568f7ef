"""The service: talking to SoMark, and nothing else.

``_config`` (the client's settings: :class:`ClientConfig`, explicit > environment >
default), ``_protocol`` (the documented request and answer shapes, pure), ``_retry``
(retry and poll policies, the rate limiter, what the service said about itself),
``_flow`` (sans-I/O generator flows: submit, poll, the whole parse), ``_resumable`` (a
parse through the cache and the ledger), the transport (``_transport``, ``_backend``,
``_scope``, ``_proxies``, ``_capped``, ``_interrupts``) and the clients
(``_client_base``, ``client``: the only I/O). Depends on the vocabulary, ``files`` and
``store``.
"""
