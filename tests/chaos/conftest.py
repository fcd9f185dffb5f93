"""The ``chaos`` marker: checks that kill servers or restart databases run only when asked.

They take a minute or more each, so the normal suite skips them; ``.ci/run`` runs
them in its own block with ``YIWANG_CHAOS=1`` and small counts (the ``YIWANG_CHAOS_*``
variables of each module raise them).
"""

from __future__ import annotations

import os

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "chaos: kills servers or restarts databases; runs with YIWANG_CHAOS=1")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("YIWANG_CHAOS") == "1":
        return
    skip = pytest.mark.skip(reason="a chaos check: runs with YIWANG_CHAOS=1 (.ci/run's chaos block)")
    for item in items:
        if item.get_closest_marker("chaos") is not None:
            item.add_marker(skip)
