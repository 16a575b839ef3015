"""The plugin system: pluggy project ``yibao``, hook prefix ``yibao_``, entry-point group ``yibao``.

A province plugin in five lines::

    # my_region/plugin.py
    from yibao.core.plugins import hookimpl
    from .profile import MY_REGION

    @hookimpl
    def yibao_register_regions(register):
        register.add(MY_REGION)

and in its ``pyproject.toml``::

    [project.entry-points.yibao]
    my-region = "my_region.plugin"

The built-in provinces register through the same entry points.  See
``docs/write-a-province-plugin.md``.
"""

from __future__ import annotations

import pluggy

NAME = "yibao"
hookimpl = pluggy.HookimplMarker(NAME)
hookspec = pluggy.HookspecMarker(NAME)

from .profile import NATIONAL_CODE, RegionProfile, Routing, merge_fixed  # noqa: E402
from .registry import RegionRegistry, get_plugin_manager, load_registry  # noqa: E402

__all__ = [
    "NAME",
    "NATIONAL_CODE",
    "RegionProfile",
    "RegionRegistry",
    "Routing",
    "get_plugin_manager",
    "hookimpl",
    "hookspec",
    "load_registry",
    "merge_fixed",
]
