"""Find a spider by name importing only its own module.

Scrapy's loader imports every spider module before running one, so an hourly ICE crawl
would load every local spider and the PDF and domain libraries they use. Spiders here live
in a module named after them (`scrapers/spiders/ice_287g.py`, `.../local/legistar.py`), so
`load` imports that module alone; anything else (a spider named unlike its module, `list`,
`find_by_request`) falls back to Scrapy's own loader.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
from typing import Self

from scrapy import Spider
from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader


class NamedModuleSpiderLoader:
    def __init__(self, settings: BaseSettings) -> None:
        self.settings = settings
        self._everything: SpiderLoader | None = None

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        return cls(settings)

    def _all(self) -> SpiderLoader:
        if self._everything is None:
            self._everything = SpiderLoader.from_settings(self.settings)
        return self._everything

    def _packages(self) -> list[str]:
        """The spider packages and every package below them, found without importing a spider."""
        found = []
        for root in self.settings.getlist("SPIDER_MODULES"):
            spec = importlib.util.find_spec(root)
            if spec is None or spec.submodule_search_locations is None:
                continue
            found.append(root)
            found += [info.name for info in pkgutil.walk_packages(spec.submodule_search_locations, prefix=f"{root}.")
                      if info.ispkg]
        return found

    def load(self, spider_name: str) -> type[Spider]:
        for package in self._packages():
            name = f"{package}.{spider_name}"
            if importlib.util.find_spec(name) is None:
                continue
            module = importlib.import_module(name)
            for candidate in vars(module).values():
                if (inspect.isclass(candidate) and issubclass(candidate, Spider) and candidate.__module__ == name
                        and getattr(candidate, "name", None) == spider_name):
                    return candidate
        return self._all().load(spider_name)

    def list(self) -> list[str]:
        return self._all().list()

    def find_by_request(self, request) -> list[str]:
        return self._all().find_by_request(request)
