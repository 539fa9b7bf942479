"""HTML to PDF with WeasyPrint: the evidence pack printed with its Traditional Chinese text.

WeasyPrint lays the page out with Pango, so the CJK glyphs come from the system's fonts (Debian
``fonts-noto-cjk``, installed by scripts/install-system-deps) and are embedded in the file; the
text stays text (searchable, extractable), not an image of it.
"""

from __future__ import annotations


def html_to_pdf(html: str) -> bytes:
    """The document as PDF bytes. The HTML must be self-contained (styles inline, no fetches)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=None).write_pdf()
    return pdf
