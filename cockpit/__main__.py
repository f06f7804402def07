"""``python -m cockpit …``: the same as the ``cockpit`` command (what ``cockpit serve --scheduler``
starts its scheduler process with)."""

from cockpit.cli import main

main()
