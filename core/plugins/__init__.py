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

The built-in provinces register through the same entry points.  A region's hooks are called
only on its own plugins and its parents' (:class:`RegionHooks`).  See
``docs/write-a-province-plugin.md``.
"""

from __future__ import annotations

from .markers import NAME, hookimpl, hookspec
from .profile import NATIONAL_CODE, RegionProfile, Routing, merge_fixed
from .registry import NATIONAL_DEFAULT, RegionRegistry, get_plugin_manager, load_registry
from .scoped import RegionHooks

__all__ = [
    "NAME",
    "NATIONAL_CODE",
    "NATIONAL_DEFAULT",
    "RegionHooks",
    "RegionProfile",
    "RegionRegistry",
    "Routing",
    "get_plugin_manager",
    "hookimpl",
    "hookspec",
    "load_registry",
    "merge_fixed",
]
