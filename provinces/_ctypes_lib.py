"""Loading a vendor's dynamic library with ctypes, shared by the province drivers.

Vendor libraries are ``WINAPI`` (``__stdcall``) on Windows; the same source built on Linux is
plain ``cdecl``.  :func:`load_library` picks ``WinDLL`` for ``stdcall`` where it exists and
``CDLL`` otherwise, and turns a missing file into one plain sentence.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Literal

__all__ = ["Calling", "LibraryUnavailable", "load_library"]

Calling = Literal["auto", "cdecl", "stdcall"]


class LibraryUnavailable(OSError):
    """The vendor library cannot be loaded on this machine."""


def load_library(path: str, calling: Calling = "auto") -> ctypes.CDLL:
    """Load ``path`` with the calling convention the vendor built it with.

    :raises LibraryUnavailable: the file is missing or not a loadable library for this platform.
    """
    if not path:
        raise LibraryUnavailable("no vendor library configured (the path is empty)")
    if not os.path.exists(path) and os.sep in path:
        raise LibraryUnavailable(f"the vendor library {path!r} is not on this machine")
    use_stdcall = calling == "stdcall" or (calling == "auto" and sys.platform == "win32")
    try:
        if use_stdcall and sys.platform == "win32":
            return ctypes.WinDLL(path)  # type: ignore[attr-defined,no-any-return,unused-ignore]
        return ctypes.CDLL(path)
    except OSError as exc:
        raise LibraryUnavailable(f"the vendor library {path!r} cannot be loaded here: {exc}") from exc
