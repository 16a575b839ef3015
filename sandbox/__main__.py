"""``python -m yibao.sandbox serve ...``: the simulated centre without the ``yibao`` command."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    main()
