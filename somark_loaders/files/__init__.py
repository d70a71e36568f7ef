"""Files: what a user hands in, checked and cut before any request.

``_files`` (uploads: the size, type and content checks every file passes before a
request, and :func:`~somark_loaders.files._files.file_sha256`, the one place a file is
hashed), ``_inputs`` (paths, folders, globs and bytes become
:class:`~somark_loaders.files._inputs.Source` records), ``pdfs`` (page counts, PDF
parts), ``wordsplit`` (Word parts at headings) and ``_pdf_log`` (the PDF readers' noise
kept out of the user's log). Depends on the vocabulary only.
"""
