"""Personal identifiers: which form fields hold them, and which texts contain one.

A field is personal when it says so (``"x-personal": true``; ``false`` opts a field
out), and otherwise by default when it holds a resident ID number or a mobile number
(``format`` ``cn-resident-id`` or ``cn-mobile``) or names one (``x-semantic``
ending in ``.id_number``, ``.mobile`` or ``.name``, except a company's name)::

    "id_number": {"type": "string", "format": "cn-resident-id", "x-semantic": "applicant.id_number"}
    "holder":    {"type": "string", "x-personal": true}

Whatever a form says, any text with an ID or a mobile number in it counts as
personal too (an opinion quoting a number, data sent without a form). The engine
seals what these rules find before it is stored (:mod:`engine.sealing`, through
:class:`forms.binding.PersonalDataRules`); the API
masks the same shapes (:mod:`api.masking`).
"""

from __future__ import annotations

import re
from typing import Any

from forms import walk
from forms.prefill import semantic_of

KEYWORD = "x-personal"
FORMATS = frozenset({"cn-resident-id", "cn-mobile"})
_PERSONAL_SEMANTICS = ("id_number", "mobile", "name")
_NOT_A_PERSON = ("company",)

# Region (6) + birth date (8) + sequence (3) + check character; not inside longer digit runs.
RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{4})(\d{2}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[0-9Xx])"
                         r"(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9])(1[3-9]\d)(\d{4})(\d{4})(?![0-9])")
_EITHER = re.compile(f"{RESIDENT_ID.pattern}|{MOBILE.pattern}")
_SHORTEST = 11  # a mobile number


def identifier_in_text(text: str) -> bool:
    """Whether ``text`` holds a resident ID number or a mainland mobile number."""
    return len(text) >= _SHORTEST and _EITHER.search(text) is not None


def is_personal(field: Any, root: dict) -> bool:
    """Whether a field (its schema, in the form ``root``) holds a personal identifier."""
    target = walk.field_schema(field, root)
    for schema in (field, target):
        if isinstance(schema, dict) and isinstance(schema.get(KEYWORD), bool):
            return schema[KEYWORD]
    if any(isinstance(s, dict) and s.get("format") in FORMATS for s in (field, target)):
        return True
    semantic = semantic_of(field, root)
    if semantic is None:
        return False
    parts = semantic.split(".")
    return parts[-1] in _PERSONAL_SEMANTICS and parts[0] not in _NOT_A_PERSON


def personal_fields(schema: dict) -> frozenset[str]:
    """Names of the form's personal fields (an array of them by the array's name), at any depth."""
    names = set()
    for path, sub in walk.iter_fields(schema):
        named = [p for p in path if p != "*"]
        if named and is_personal(sub, schema):
            names.add(named[-1])
    return frozenset(names)

