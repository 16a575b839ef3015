"""Catalogue entries of Dongguan's extra transactions (filled in step 3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EXTRA_TRANSACTIONS: tuple[Mapping[str, Any], ...] = ()
