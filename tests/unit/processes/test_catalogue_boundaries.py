"""The catalogue modules keep the project's boundaries: no web framework, nothing built at import time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import processes

ROOT = Path(processes.__file__).resolve().parents[1]
MODULES = ["bundle_files", "bundles", "catalogue", "guide", "item_commands", "item_errors", "item_models",
           "item_schema", "one_thing", "process_outline", "publish_checks", "strict_json"]


def test_the_catalogue_never_imports_flask_marshmallow_or_api_and_builds_nothing_on_import():
    code = (
        "import importlib, sys\n"
        f"for name in {[f'processes.{m}' for m in MODULES]!r}: importlib.import_module(name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'marshmallow', 'api')]\n"
        "assert not bad, bad\n"
        "from processes import guide\n"
        "assert guide.template_environment.cache_info().currsize == 0\n"
    )
    result = subprocess.run([sys.executable, "-W", "error", "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
