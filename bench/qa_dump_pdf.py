"""By-eye QA aid: parse PDFs with the emulator and write, per document, three files.

``NAME.blocks.txt`` (each page's blocks: type, title level, bbox, content), ``NAME.chunks.txt``
(``to_chunks(..., "chunk")`` with page and heading path, running headers and footers kept in
the parse but left out of the chunks, as the loaders do) and ``NAME.src.txt`` (PDFium's own
text of each page), so a reader can set them side by side.

Run: ``PYTHONPATH=<checkout> .venv/bin/python bench/qa_dump_pdf.py OUTDIR FILE...``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pypdfium2 as pdfium

from somark_loaders import SoMarkClient, TaskFailedError, to_chunks
from somark_loaders._loading import RAG_FEATURES
from somark_loaders.emulator import Emulator


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    opts = {
        "output_formats": ["json"],
        "feature_config": {**RAG_FEATURES, "keep_header_footer": True},
    }
    with (
        Emulator() as emu,
        SoMarkClient(base_url=emu.base_url, api_key="x", poll_interval=0.05, cache=False) as c,
    ):
        for name in sys.argv[2:]:
            path = Path(name)
            wall = time.time()
            try:
                result = c.parse(path, opts)
            except TaskFailedError as exc:
                print(f"{path.name}: FAILED {exc}", flush=True)
                continue
            lines = []
            for page in result.pages:
                lines.append(f"######## page {page.page_num}")
                for b in page.blocks:
                    level = f" L{b.title_level}" if b.title_level is not None else ""
                    box = ",".join(f"{v:.0f}" for v in b.bbox) if b.bbox else "-"
                    lines.append(f"--- [{b.idx}] {b.type}{level} ({box})")
                    lines.append(b.content)
            (out / f"{path.stem}.blocks.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            lines = []
            for ch in to_chunks(result, "chunk", chunk_size=400):
                md = ch.metadata
                lines.append(
                    f"--- chunk p={md.get('page_number')}-{md.get('page_end')} path={md.get('heading_path')!r}"
                )
                lines.append(ch.text)
            (out / f"{path.stem}.chunks.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            doc = pdfium.PdfDocument(str(path))
            lines = []
            for i in range(len(doc)):
                lines.append(f"######## page {i}")
                lines.append(doc[i].get_textpage().get_text_range())
            (out / f"{path.stem}.src.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            print(
                f"{path.name}: {len(result.pages)} pages, wall {time.time() - wall:.1f}s",
                flush=True,
            )


if __name__ == "__main__":
    main()
