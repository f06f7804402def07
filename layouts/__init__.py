"""One module per page; each exposes ``register()`` and ``layout(**url_params)``."""


def register_pages() -> None:
    from layouts import feeds, screen

    screen.register()
    feeds.register()
