"""Raw bytes of an export -> text: gzip, BOMs, UTF-8 or Latin-1; binary files refused by name.

Files arrive from many machines: Windows exports in Latin-1 or UTF-16, VitalRecorder's CSV with a
BOM, gzipped exports, and binary files picked by mistake (``.vital``, Excel workbooks). Each of
those gets one clear message instead of a decoding traceback.
"""

from __future__ import annotations

import zlib

from dashboard.core.problems import UnusableFileError

# Far above one file of a year's exports (2,000 sessions at 1 Hz are ~300 MB), far below memory.
MAX_UNZIPPED_BYTES = 1 << 30
HEAD_CHARS = 64 * 1024  # the text a layout is sniffed from


def decode(data: bytes, name: str) -> tuple[str, bytes, str]:
    """(the first ``HEAD_CHARS`` of the text, the whole text as UTF-8 bytes, encoding found);
    refuses what is not a text export.

    Plain ASCII, most exports, is already UTF-8: only its head is decoded. Decoding a whole
    file of megabytes into a str costs more than parsing it, and nothing but the head is read
    as text."""
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, name)
    if data[:4] == b"VITA":
        raise UnusableFileError(
            name,
            "is a binary VitalRecorder (.vital) file, not a CSV",
            "a CSV export of the recording, e.g. made with the vitaldb Python package: "
            "vitaldb.VitalFile(path).to_csv(...)",
        )
    if data[:4] == b"PK\x03\x04":
        raise UnusableFileError(name, "is a zip archive or an Excel workbook", "a CSV file (Save As > CSV)")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data.decode("utf-16", errors="replace")
        return text[:HEAD_CHARS], text.encode("utf-8"), "utf-16"
    encoding = "utf-8"
    if data[:3] == b"\xef\xbb\xbf":
        data, encoding = data[3:], "utf-8-sig"
    if not data or data.isspace():
        raise UnusableFileError(name, "is empty", "a header row and at least one row of readings")
    if _looks_binary(data[:8192]):
        raise UnusableFileError(name, "is a binary file, not a text table", "a CSV export (text)")
    if data.isascii():
        return data[:HEAD_CHARS].decode("ascii"), data, encoding
    try:
        return data.decode("utf-8")[:HEAD_CHARS], data, encoding
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        return text[:HEAD_CHARS], text.encode("utf-8"), "latin-1"


def _gunzip(data: bytes, name: str) -> bytes:
    """Inflate at most ``MAX_UNZIPPED_BYTES``: a small upload must not unpack to exhaust memory."""
    inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing
    try:
        text = inflate.decompress(data, MAX_UNZIPPED_BYTES)
    except zlib.error as error:
        raise UnusableFileError(
            name, f"is a damaged gzip file ({error})", "a complete .csv.gz file"
        ) from None
    if inflate.unconsumed_tail:
        limit = f"{MAX_UNZIPPED_BYTES >> 20} MB"
        raise UnusableFileError(
            name, f"unpacks to more than {limit}", f"a .csv.gz of at most {limit} unpacked"
        )
    if not inflate.eof:
        raise UnusableFileError(name, "is a damaged gzip file (it ends early)", "a complete .csv.gz file")
    return text


def _looks_binary(head: bytes) -> bool:
    """NUL bytes, or many control characters, mean this is no text export."""
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROLS))
    return controls > len(head) * 0.05


_CONTROLS = bytes(c for c in range(32) if c not in (9, 10, 13))  # all but tab and line ends
