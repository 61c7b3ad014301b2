"""The ``keywarden`` command: projects, API keys and their policy, identities, app secrets, key
requests, usage and leak reports, from a terminal or a script (``--json`` and documented exit
codes; see ``keywarden --help``).

Built on :mod:`keywarden.management`; ``import keywarden`` never loads it.
"""

from __future__ import annotations

from keywarden.cli.root import cli, main

__all__ = ["cli", "main"]
