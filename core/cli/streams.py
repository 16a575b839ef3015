"""stdout and stderr that cannot fail on a character their encoding lacks.

On Windows a redirected stream (a HIS reading ``yibao call --json`` through a pipe, a log
file) is written in the ANSI code page: GBK on a Chinese system.  GBK lacks the rarer
characters of the CJK extensions, which real names carry (生僻字, e.g. 䶮 U+4DAE or 𠮷 U+20BB7)
and drug names too (䓬 U+44EC of 苯二氮䓬), and Python's default for such a character is to
raise: a settlement would be done and journaled, and the command would die printing its
answer.  So, once, as the CLI starts:

- stdout writes such a character as a JSON escape (``\\u4dae``; a surrogate pair beyond the
  BMP), which inside a JSON string means that very character: ``--json`` output stays valid
  JSON for any reader, and everything the encoding has is written as before;
- stderr writes it as Python's backslash escape (a person reads logs; a lossy line beats none).
"""

from __future__ import annotations

import codecs
import io
import sys

__all__ = ["JSON_ESCAPE", "guard_streams"]

JSON_ESCAPE = "yibao-json-escape"


def _json_escape(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeEncodeError):
        raise err
    out = []
    for ch in err.object[err.start:err.end]:
        cp = ord(ch)
        if cp > 0xFFFF:  # JSON escapes only 16-bit units: a surrogate pair (RFC 8259 section 7)
            cp -= 0x10000
            out.append(f"\\u{0xD800 + (cp >> 10):04x}\\u{0xDC00 + (cp & 0x3FF):04x}")
        else:
            out.append(f"\\u{cp:04x}")
    return "".join(out), err.end


codecs.register_error(JSON_ESCAPE, _json_escape)


def guard_streams() -> None:
    """Give stdout and stderr their error handlers (only where they would raise: ``strict``)."""
    for stream, errors in ((sys.stdout, JSON_ESCAPE), (sys.stderr, "backslashreplace")):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors=errors)
