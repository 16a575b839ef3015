"""The text files a person writes for yibao (``yibao.toml``), read as the editors of the field
save them.

TOML is UTF-8.  On Windows, where most HIS servers run, a file is not always saved so:
Notepad may write UTF-8 with a byte-order mark, PowerShell 5's ``yibao init > yibao.toml``
writes UTF-16 with one, and cmd.exe's ``>`` writes the ANSI code page (GBK on a Chinese
system).  The two with a mark are read as what they say they are; any other text that is not
UTF-8 is refused with the way out (save as UTF-8, or ``yibao init --out FILE``), instead of a
codec's error at byte 0.
"""

from __future__ import annotations

import codecs
from pathlib import Path

__all__ = ["NotUtf8", "read_text"]

_MARKS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class NotUtf8(ValueError):
    """The file is neither UTF-8 nor text with a byte-order mark."""


def read_text(path: Path) -> str:
    """The text of ``path``: UTF-8, or UTF-8 / UTF-16 after a byte-order mark; else :class:`NotUtf8`."""
    raw = path.read_bytes()
    for mark, codec in _MARKS:
        if raw.startswith(mark):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError as exc:
                raise NotUtf8(f"starts with a {codec.upper()} byte-order mark but is not {codec.upper()} after it "
                              f"(byte {exc.start})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotUtf8(f"is not UTF-8 text (byte {exc.start}: 0x{raw[exc.start]:02x}; saved as GBK / ANSI?): "
                      "save it as UTF-8, or write the template with yibao init --region CODE --out FILE") from None
