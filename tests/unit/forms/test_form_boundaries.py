"""The forms package keeps its boundaries: no web framework, nothing built at import time."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import forms

ROOT = Path(forms.__file__).resolve().parents[1]


def test_forms_never_imports_flask_marshmallow_or_api():
    modules = [f"forms.{m.name}" for m in pkgutil.iter_modules(forms.__path__)]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'marshmallow', 'api')]\n"
        "assert not bad, bad\n"
        "from forms import validation, formats, keywords\n"
        "assert formats.format_checker.cache_info().currsize == 0\n"
        "assert keywords.validator_class.cache_info().currsize == 0\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
