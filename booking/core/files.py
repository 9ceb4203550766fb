"""Names of downloaded files: they say what the file is, and are safe in a header and on every disk."""

from __future__ import annotations

import re
import unicodedata


def download_name(*parts, extension: str) -> str:
    """The parts joined as a slug with the extension: ("boekingen", "Regio Utrecht", "2026-12-04"), "csv"
    gives boekingen-regio-utrecht-2026-12-04.csv."""
    text = "-".join(str(part) for part in parts if part)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].strip("-")
    return f"{name or 'download'}.{extension}"
