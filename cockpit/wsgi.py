"""WSGI entry for production servers: ``gunicorn cockpit.wsgi:application``.

Importing this builds the app from the environment (``COCKPIT_*``) and nothing else: no
warehouse is opened and no data is read until the first request, in the worker that serves it.
``cockpit serve --workers N`` (cockpit/serving.py) runs gunicorn with the options this app
expects; with plain gunicorn, keep ``preload_app`` off (the default) for the reasons given there.
"""

from __future__ import annotations

from cockpit.serving import blank_server_header, build_application
from cockpit.settings import Settings

application = build_application(Settings())
blank_server_header()  # runs in each worker, where gunicorn builds its responses
