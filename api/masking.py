"""Masking personal identifiers in what is shown to roles that do not need them in full.

Resident ID numbers (18 characters) keep their first and last four characters
(``1101**********1234``); mainland mobile numbers their first three and last four
(``138****1234``). Values are recognised by shape wherever they appear (form data,
history details, free text), with the patterns :mod:`forms.personal` seals by; other
values of the fields a case's forms mark as personal (names) keep their first character.
"""

from __future__ import annotations

import re
from typing import Any

from forms.personal import MOBILE as _MOBILE
from forms.personal import RESIDENT_ID as _RESIDENT_ID

# Unified social credit codes (GB 32100): 18 characters, digits and capitals without I, O, S, V, Z.
_CREDIT_CODE = re.compile(r"(?<![0-9A-Za-z])([0-9A-HJ-NP-RTUWXY]{4})([0-9A-HJ-NP-RTUWXY]{10})"
                          r"([0-9A-HJ-NP-RTUWXY]{4})(?![0-9A-Za-z])")


def mask_text(text: str) -> str:
    text = _RESIDENT_ID.sub(lambda m: m.group(1) + "*" * 10 + m.group(2)[-4:], text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def mask_for_log(text: str) -> str:
    """Log text with ID numbers, mobile numbers and credit codes masked.

    Unlike views, logs have no reader who needs a company's credit code in full, and
    an 18-digit run that only looks like one is masked too: a log loses nothing by it.
    """
    return _CREDIT_CODE.sub(lambda m: m.group(1) + "*" * 10 + m.group(3), mask_text(text))


def mask(value: Any, fields: frozenset[str] = frozenset(), personal: bool = False) -> Any:
    """A copy of a JSON value with every identifier in its strings masked.

    Strings inside the form's personal ``fields`` (a name, say, which has no shape to be
    recognised by) keep only their first character: ``欧阳明远`` becomes ``欧***``.
    """
    if isinstance(value, str):
        masked = mask_text(value)
        return masked if masked != value or not personal else mask_name(value)
    if isinstance(value, dict):
        return {k: mask(v, fields, personal or k in fields) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, fields, personal) for v in value]
    return value


def mask_name(text: str) -> str:
    return text[:1] + "*" * (len(text) - 1)
