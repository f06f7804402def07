"""One module per page; each exposes ``register()`` and ``layout(**url_params)``.

Pages are discovered, not listed: adding ``layouts/<page>.py`` (and ``callbacks/<page>.py``) adds a page.
"""

import importlib
import pkgutil


def page_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def register_pages() -> None:
    # The screen registers first so that "/" is the first route.
    for name in sorted(page_modules(), key=lambda n: n != "screen"):
        importlib.import_module(f"{__name__}.{name}").register()
