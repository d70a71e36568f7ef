"""`make demo`: parse a real multi-page PDF through SoMarkClient and print what came back.

Runs against the embedded emulator by default. With SOMARK_API_KEY set, it parses with
the service SoMarkClient() reaches (the hosted SoMark, or SOMARK_BASE_URL): it says first
how many pages that costs, and keeps the result in your cache, so that the next run is free.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from somark_loaders import ParseOptions, SoMarkClient, SoMarkError, file_sha256, to_chunks
from somark_loaders.files.pdfs import count_pages

HERE = Path(__file__).resolve().parent
DEFAULT_FILE = HERE / "data" / "multi-column.pdf"


def shorten(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FILE
    real = bool(os.environ.get("SOMARK_API_KEY"))
    options = ParseOptions(feature_config={"enable_title_level_recognition": True})
    with ExitStack() as stack:
        if real:
            # Your own cache: the pages are paid once, every later run is free.
            client = stack.enter_context(SoMarkClient())
            where = f"the SoMark service at {client.base_url}"
            pages = count_pages(path, path.name)
            if client.is_cached(path, options):
                print(f"{path.name} was parsed before: this run costs nothing (your cache).")
            else:
                print(
                    f"This parses {pages or 'an unknown number of'} page(s) of {path.name} with "
                    "the SoMark service: your account pays for them once; later runs are free "
                    "(your cache). Unset SOMARK_API_KEY to use the local emulator instead."
                )
        else:
            # A private cache, so every `make demo` parses for real, then shows a re-run.
            cache = stack.enter_context(tempfile.TemporaryDirectory(prefix="somark-demo-cache-"))
            from somark_loaders.emulator import Emulator

            emulator = stack.enter_context(Emulator(seconds_per_page=0.05))
            where = f"the local emulator at {emulator.base_url}"
            client = stack.enter_context(
                SoMarkClient(
                    base_url=emulator.base_url, api_key="sk-demo", poll_interval=0.25, cache=cache
                )
            )
        print(f"Parsing {path.name} ({path.stat().st_size / 1024:.0f} KiB) with {where} ...")
        started = time.perf_counter()
        try:
            result = client.parse(path, options)
        except SoMarkError as err:
            print(f"Failed: {err}", file=sys.stderr)
            return 1
        elapsed = time.perf_counter() - started
        started = time.perf_counter()
        again = client.parse(path, options)
        cached = time.perf_counter() - started
        assert again.task_id == result.task_id

    blocks = sum(len(p.blocks) for p in result.pages)
    print()
    print(f"task id   {result.task_id}")
    print(f"file      {result.file_name} ({result.file_type}), {result.page_count} pages")
    print(f"blocks    {blocks}")
    print(f"took      {elapsed:.2f} s (upload, queue, parse, polling)")
    print(f"again     {cached * 1000:.0f} ms: from the result cache, no request, no page paid")

    print("\npage  size (px)   blocks  types")
    for page in result.pages:
        size = f"{page.page_size.w:.0f}x{page.page_size.h:.0f}" if page.page_size else "?"
        types = Counter(block.type for block in page.blocks)
        kinds = ", ".join(f"{n} {kind}" for kind, n in types.most_common())
        print(f"{page.page_num + 1:>4}  {size:<10} {len(page.blocks):>6}  {kinds}")

    for page in result.pages[:2]:
        print(f"\nfirst blocks of page {page.page_num + 1} (type, bbox x1,y1,x2,y2 in px, text):")
        for block in page.blocks[:5]:
            level = f" h{block.title_level}" if block.title_level else ""
            box = ",".join(f"{v:.0f}" for v in block.bbox) if block.bbox else "-"
            print(f"  {block.type + level:<9} {box:<19} {shorten(block.content, 60)}")
    chunks = to_chunks(result, "chunk", source=str(path), doc_id=file_sha256(path), chunk_size=512)
    tokens = [int(c.metadata["token_count"]) for c in chunks]
    print(f"\nto_chunks(mode='chunk'): {len(chunks)} chunks of {min(tokens)}-{max(tokens)} tokens")
    sample = chunks[len(chunks) // 3]
    print(f"  chunk {sample.metadata['chunk_index']}, id {sample.id[:10]}…{sample.id[64:]}")
    for key in ("page_number", "page_end", "heading_path", "element_types", "token_count"):
        print(f"    {key:<13} {sample.metadata[key]}")
    print(f"    text          {shorten(sample.text, 70)}")
    if result.markdown:
        print(f"\nmarkdown: {len(result.markdown):,} characters, starting:")
        print("  " + shorten(result.markdown, 90))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
