"""Loading plugins and resolving a region code: city -> province -> national default.

Plugins are pluggy plugins of the project ``yibao``, loaded from the entry-point group
``yibao`` (the built-in provinces too).  Each plugin's ``yibao_register_regions`` is called
through pluggy on that plugin alone (``subset_hook_caller``), so the registry knows which
plugin registered which region; hooks are later called only on a region's own plugins
(:mod:`.scoped`).

``YIBAO_DISABLED_PLUGINS=a,b`` blocks plugins by entry-point name; ``YIBAO_LOAD_PLUGINS=a,b``
loads only those.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import attrs
import pluggy

from ..errors import ConfigurationError, PluginError
from . import hookspecs
from .markers import NAME
from .profile import NATIONAL_CODE, RegionProfile

__all__ = ["NATIONAL_DEFAULT", "RegionRegistry", "get_plugin_manager", "load_registry"]

NATIONAL_DEFAULT = RegionProfile(code=NATIONAL_CODE, name="国家基线 (national baseline)", plugin="yibao.core")


class RegionRegistry:
    """The regions of all loaded plugins, keyed by admdvs code."""

    def __init__(self, pm: pluggy.PluginManager | None = None) -> None:
        self.pm = pm
        self._regions: dict[str, RegionProfile] = {}
        self._current_plugin = ""
        #: plugins that registered no region: a HIS's handlers, audit; they serve every region
        self.neutral: list[str] = []
        self._owners: dict[str, str] = {}

    def add(self, profile: RegionProfile) -> None:
        """Register ``profile``; a second region with the same code stops start-up."""
        if not (len(profile.code) == 6 and profile.code.isdigit()):
            raise PluginError(f"region code {profile.code!r} of plugin {self._current_plugin!r} is not 6 digits")
        if profile.code in self._regions or profile.code == NATIONAL_CODE:
            other = self._regions.get(profile.code, NATIONAL_DEFAULT)
            raise PluginError(
                f"region {profile.code} is registered twice: by plugin {other.plugin!r} and by "
                f"{self._current_plugin or profile.plugin!r}; disable one (YIBAO_DISABLED_PLUGINS)"
            )
        if not profile.plugin:
            profile = attrs.evolve(profile, plugin=self._current_plugin)
        self._regions[profile.code] = profile
        # The plugin that registered the region is the one whose hooks serve it.
        self._owners[profile.code] = self._current_plugin or profile.plugin

    def owner(self, code: str) -> str:
        """The name under which the plugin that registered ``code`` is loaded ("" if none)."""
        return self._owners.get(code, "")

    def resolve(self, code: str) -> RegionProfile:
        """The profile for ``code``: its own, else (a city without a plugin of its own) its
        province's; ``000000`` is the national baseline.  Any other code is a configuration
        error naming the codes the installed plugins serve."""
        if code in self._regions:
            return self._regions[code]
        if code == NATIONAL_CODE:
            return NATIONAL_DEFAULT
        province = code[:2] + "0000"
        if province in self._regions:
            return self._regions[province]
        known = ", ".join(sorted(self._regions)) or "(none installed)"
        raise ConfigurationError(
            "region", f"{code} is served by no installed plugin; known regions: {known} (or {NATIONAL_CODE} "
            "for the national baseline)"
        )

    def chain(self, profile: RegionProfile) -> list[RegionProfile]:
        """``profile`` and its parents, most specific first (Dongguan, then Guangdong)."""
        out = [profile]
        while out[-1].parent and out[-1].parent in self._regions and len(out) < 8:
            out.append(self._regions[out[-1].parent])
        return out

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
    """A fresh plugin manager with the hookspecs and the installed plugins."""
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
    """Call each plugin's ``yibao_register_regions`` (through pluggy, one plugin at a time)."""
    pm = pm or get_plugin_manager()
    registry = RegionRegistry(pm)
    plugins = pm.get_plugins()
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        caller = pm.subset_hook_caller("yibao_register_regions", remove_plugins=[p for p in plugins if p is not plugin])
        registry._current_plugin = name
        before = len(registry)
        try:
            caller(register=registry)
        finally:
            registry._current_plugin = ""
        if len(registry) == before:
            registry.neutral.append(name)
    return registry
