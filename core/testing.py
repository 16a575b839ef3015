"""pytest plugin for region-plugin authors (entry point ``pytest11: yibao``).

Loaded in every pytest run, so it only defines fixtures: importing it has no side effects
and pulls in nothing heavy (the sandbox and the client are imported inside the fixtures).
"""

from __future__ import annotations
