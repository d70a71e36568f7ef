"""What one file costs and how it travels: its pages, its uploads (the whole file or the
parts of a PDF or Word file over SoMark's limits), where each result lives in the cache, and how the
parts' results merge back. Used by the batch runner; no request is sent here."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath

from .._errors import FileTooLargeError, InvalidFileError, PageBudgetError
from ..files._files import MAX_FILE_BYTES, Upload
from ..files._inputs import Source, inspect_source
from ..files.pdfs import Part, merge_part_data, part_name, plan_parts, read_part
from ..files.wordsplit import plan_word_parts, read_word_part, split_word_span
from ..models import ParseResult
from ..options import ParseOptions
from ..report import Estimate, FileEstimate
from ..service._resumable import CacheSlot
from ..store.cache import ResultCache

__all__ = ["FilePlanner", "check_budget", "upload_of"]

logger = logging.getLogger("somark_loaders")


@dataclass
class FilePlanner:
    """Plans the uploads of the files of one load against one service (``service_id``)."""

    parse_options: ParseOptions
    service_id: str
    cache: ResultCache | None
    pages_per_part: int
    _pages: dict[Source, int | None] = field(default_factory=dict, repr=False)
    _digests: dict[Source, str] = field(default_factory=dict, repr=False)

    def digest(self, source: Source) -> str:
        """The file's sha256, read once per load (the budget and the upload both need it)."""
        if source not in self._digests:
            self._digests[source] = source.sha256()
        return self._digests[source]

    def inspect(self, source: Source) -> int | None:
        """Check ``source`` can be uploaded (raise :class:`InvalidFileError` if not) and
        count its pages, once per load."""
        if source not in self._pages:
            self._pages[source] = inspect_source(source)
        return self._pages[source]

    def counted(self, upload: Upload, source: Source, part: Part | None) -> Upload:
        """``upload`` with its page count when it is known before the upload (a whole
        file counted by :meth:`inspect`, or a PDF part), for the polling's forecast."""
        if part is None:
            return replace(upload, pages=self.inspect(source))
        return replace(upload, pages=part.pages) if part.unit == "pages" else upload

    def known(self, source: Source) -> bool:
        """Whether the file's whole result is in the cache: it was checked and parsed
        before (the key holds its bytes' hash), so it is not opened again (a 900-page PDF
        costs pypdf 0.1-0.3 s; a cached re-run costs a few milliseconds)."""
        if self.cache is None:
            return False
        try:
            digest = self.digest(source)
        except OSError:
            return False  # unreadable: :meth:`inspect` says so with a typed error
        return self._cached(source, digest, None)

    def precheck(self, source: Source) -> None:
        """The check of every input before the first upload: :meth:`inspect`, except for a
        PDF whose result is cached (hashing a PDF costs about what opening it does, the
        job needs the hash anyway, and a cached re-run then never imports pypdf). Other
        files are cheap to inspect and are not hashed this early."""
        if PurePath(source.name).suffix.lower() == ".pdf" and self.known(source):
            return
        self.inspect(source)

    def checked(self, source: Source) -> str:
        """The file's :meth:`digest`, what a file's job starts with; one that cannot be
        read gets :meth:`inspect`'s typed error. The rest of the check comes with
        :meth:`plan`, on a cache miss only (a cached file was checked when parsed)."""
        try:
            return self.digest(source)
        except OSError:
            self.inspect(source)  # raises InvalidFileError, saying what to do
            raise

    def plan(self, source: Source) -> list[Part | None]:
        """The file's uploads: the whole file, or the parts of a PDF over
        ``pages_per_part`` pages or 200 MB, or of a Word file estimated over
        ``pages_per_part`` pages (cut at headings). The file is checked first (once per
        load): a cached result that turned out unusable is no excuse to skip it."""
        pages = self.inspect(source) or 0
        ext = PurePath(source.name).suffix.lower()
        if ext == ".docx":
            if pages <= self.pages_per_part:
                return [None]
            content = source.path if source.path is not None else (source.data or b"")
            spans = plan_word_parts(content, source.name, pages, self.pages_per_part)
            return [Part(start, end, "blocks") for start, end in spans]
        if ext != ".pdf":
            return [None]
        size = source.path.stat().st_size if source.path is not None else len(source.data or b"")
        if pages <= self.pages_per_part and size <= MAX_FILE_BYTES:
            return [None]
        return list(plan_parts(pages, size, max_pages=self.pages_per_part))

    def split_refused(
        self, source: Source, part: Part | None, error: FileTooLargeError
    ) -> list[Part]:
        """The halves of an upload the service refused as too long or too large (1132,
        1118) though the local count put it within the limits: the service counts Word
        pages its own way. Raises ``error`` again when there is nothing left to split (not
        a PDF or Word file, or a single page or body element)."""
        ext = PurePath(source.name).suffix.lower()
        if ext not in {".pdf", ".docx"}:
            raise error
        content = source.path if source.path is not None else (source.data or b"")
        if ext == ".docx":
            span = part.span if part is not None else None
            halves = [Part(a, b, "blocks") for a, b in split_word_span(content, source.name, span)]
        else:
            pages = part.pages if part is not None else self.inspect(source)
            if pages is None:  # an encrypted PDF pypdf cannot decrypt here
                raise FileTooLargeError(
                    f"{source.name} was refused as too long or too large ({error.message}), "
                    "and its pages cannot be read here to split it: it is encrypted with AES "
                    "(pip install cryptography), or save an unencrypted copy.",
                    code=error.code,
                ) from error
            whole = part if part is not None else Part(0, pages)
            middle = whole.start + whole.pages // 2
            halves = [Part(whole.start, middle), Part(middle, whole.end)]
        halves = [h for h in halves if h.pages > 0]
        name = part_name(source.name, part) if part else source.name
        if len(halves) < 2:
            raise FileTooLargeError(
                f"{name} was refused as too long or too large ({error.message}) and is a "
                "single page or paragraph: it cannot be split further.",
                code=error.code,
            ) from error
        logger.warning(
            "The service refused %s as over its limits (code %s) though it was counted within "
            "them; it is sent again as %d smaller parts.",
            name,
            error.code,
            len(halves),
        )
        return halves

    def slot(
        self,
        source: Source,
        digest: str,
        part: Part | None,
        on_unkept: Callable[[str], None] | None = None,
    ) -> CacheSlot | None:
        """Where the result of ``part`` (``None``: the whole file) is cached; ``on_unkept``
        hears why a result could not be kept there."""
        name = part_name(source.name, part) if part else source.name
        span = part.span if part else None
        return CacheSlot.of(
            self.cache,
            digest,
            self.parse_options,
            self.service_id,
            name,
            pages=span,
            on_unkept=on_unkept,
        )

    def _cached(self, source: Source, digest: str, part: Part | None) -> bool:
        slot = self.slot(source, digest, part)
        return slot is not None and slot.cached()

    def merged(
        self,
        source: Source,
        parts: Sequence[Part | None],
        results: Sequence[ParseResult],
        whole: CacheSlot | None,
    ) -> ParseResult:
        """One result for the file; a merged one is cached whole too, so a re-run needs
        no split."""
        if len(results) == 1 and parts[0] is None:
            return results[0]
        pairs = [
            (part, result.raw)
            for part, result in zip(parts, results, strict=True)
            if part is not None
        ]
        result = ParseResult.from_data(merge_part_data(pairs, source.name))
        if whole is not None:
            whole.store(result)
        return result

    def estimate(self, sources: Sequence[Source]) -> Estimate:
        """Pages each file would cost, found locally: nothing is uploaded. A file that
        cannot be loaded is listed with its reason instead of stopping the estimate."""
        estimate = Estimate()
        for source in sources:
            try:
                pages = self.inspect(source)
                parts = self.plan(source)
                digest = self.digest(source)
            except (InvalidFileError, OSError) as err:
                estimate.files.append(FileEstimate(source.source, None, 0, False, str(err)))
                continue
            cached = self._cached(source, digest, None) or all(
                self._cached(source, digest, part) for part in parts
            )
            estimate.files.append(FileEstimate(source.source, pages, len(parts), cached))
        return estimate


@contextmanager
def upload_of(source: Source, part: Part | None) -> Iterator[Upload]:
    """The upload of a whole file, or of one part written to a temporary file."""
    if part is None:
        yield source.upload()
        return
    content = source.path if source.path is not None else (source.data or b"")
    with tempfile.TemporaryDirectory(prefix="somark-part-") as folder:
        path = Path(folder) / part_name(source.name, part)
        if part.unit == "blocks":
            path.write_bytes(read_word_part(content, source.name, part.span))
        else:
            path.write_bytes(read_part(content, source.name, part))
        yield Upload.from_input(path)


def check_budget(estimate: Estimate, max_pages: int, *, strict: bool) -> None:
    """Raise :class:`PageBudgetError` when ``estimate`` is over ``max_pages`` (or, when
    ``strict``, has files whose length cannot be known before parsing)."""
    if estimate.unknown:
        if strict:
            raise PageBudgetError(
                f"The page count of {', '.join(estimate.unknown)} cannot be known before "
                "parsing, and strict_page_budget=True refuses such files under max_pages. "
                "Convert them to PDF, load them separately, or turn strict_page_budget off."
            )
        logger.warning(
            "Page counts unknown locally for %s; they are not counted against max_pages "
            "(strict_page_budget=True refuses them instead).",
            ", ".join(estimate.unknown),
        )
    if estimate.pages_to_parse > max_pages:
        raise PageBudgetError(
            f"This load would parse {estimate.pages_to_parse} pages "
            f"({estimate.cached_pages} more are cached), over max_pages={max_pages}. "
            "Raise max_pages, or load fewer files."
        )
