"""Loading plugins and resolving a region code: city -> province -> national default."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pluggy

from ..errors import PluginError
from . import NAME, hookspecs
from .profile import NATIONAL_CODE, RegionProfile

__all__ = ["NATIONAL_DEFAULT", "RegionRegistry", "get_plugin_manager", "load_registry"]

NATIONAL_DEFAULT = RegionProfile(code=NATIONAL_CODE, name="国家基线 (national baseline)", plugin="yibao.core")


class RegionRegistry:
    """The regions of all loaded plugins, keyed by admdvs code."""

    def __init__(self, pm: pluggy.PluginManager | None = None) -> None:
        self.pm = pm
        self._regions: dict[str, RegionProfile] = {}
        self._current_plugin = ""

    def add(self, profile: RegionProfile) -> None:
        """Register ``profile``; a second region with the same code stops start-up."""
        if not (len(profile.code) == 6 and profile.code.isdigit()):
            raise PluginError(f"region code {profile.code!r} of plugin {self._current_plugin!r} is not 6 digits")
        if profile.code in self._regions:
            other = self._regions[profile.code]
            raise PluginError(
                f"region {profile.code} is registered twice: by plugin {other.plugin!r} and by "
                f"{self._current_plugin or profile.plugin!r}; disable one (YIBAO_DISABLED_PLUGINS)"
            )
        if not profile.plugin:
            import attrs

            profile = attrs.evolve(profile, plugin=self._current_plugin)
        self._regions[profile.code] = profile

    def resolve(self, code: str) -> RegionProfile:
        """The most specific profile for ``code``: the city, else its province, else national."""
        if code in self._regions:
            return self._regions[code]
        province = code[:2] + "0000"
        if province in self._regions:
            return self._regions[province]
        return NATIONAL_DEFAULT

    def get(self, code: str) -> RegionProfile | None:
        """Exactly ``code``'s profile, or ``None``."""
        return self._regions.get(code)

    def __iter__(self) -> Iterator[RegionProfile]:
        return iter(sorted(self._regions.values(), key=lambda p: p.code))

    def __len__(self) -> int:
        return len(self._regions)

    def __contains__(self, code: object) -> bool:
        return code in self._regions


def get_plugin_manager(*, load_entrypoints: bool = True) -> pluggy.PluginManager:
    """A fresh plugin manager with the hookspecs and the installed plugins.

    ``YIBAO_DISABLED_PLUGINS=a,b`` blocks plugins by entry-point name; ``YIBAO_LOAD_PLUGINS=a,b``
    loads only those.
    """
    pm = pluggy.PluginManager(NAME)
    pm.add_hookspecs(hookspecs)
    for name in filter(None, os.environ.get("YIBAO_DISABLED_PLUGINS", "").split(",")):
        pm.set_blocked(name.strip())
    if load_entrypoints:
        only = {n.strip() for n in os.environ.get("YIBAO_LOAD_PLUGINS", "").split(",") if n.strip()}
        if only:
            from importlib.metadata import entry_points

            for ep in entry_points(group=NAME):
                if ep.name in only and not pm.is_blocked(ep.name) and pm.get_plugin(ep.name) is None:
                    pm.register(ep.load(), name=ep.name)
        else:
            pm.load_setuptools_entrypoints(NAME)
    pm.check_pending()
    return pm


def load_registry(pm: pluggy.PluginManager | None = None) -> RegionRegistry:
    """Call every plugin's ``yibao_register_regions`` and return the registry."""
    pm = pm or get_plugin_manager()
    registry = RegionRegistry(pm)
    for name, plugin in pm.list_name_plugin():
        impl = getattr(plugin, "yibao_register_regions", None)
        if impl is None:
            continue
        registry._current_plugin = name
        impl(registry)
    registry._current_plugin = ""
    return registry
