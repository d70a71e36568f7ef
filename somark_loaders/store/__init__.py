"""The store: what is kept on disk between runs so that no page is paid for twice.

``cache`` (:class:`~somark_loaders.store.cache.ResultCache`: results and the task ledger),
``_entries`` (the checksummed entry formats), ``_claims`` (one worker at a time per file,
across threads and processes). Depends on the vocabulary and on ``files``.
"""
