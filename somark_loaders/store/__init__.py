"""The store: what is kept on disk between runs so that no page is paid for twice.

``cache`` (:class:`~somark_loaders.store.cache.ResultCache`, the public face, and the cache
keys) composes one class per store over one directory (``_folder.CacheFolder``: private
folders, atomic writes, the cache's health): ``_results`` (the service's answers),
``_ledger`` (the tasks submitted and not finished), ``_claims`` (one worker at a time per
file, across threads and processes); ``_entries`` holds the checksummed entry formats.
Depends on the vocabulary only.
"""
