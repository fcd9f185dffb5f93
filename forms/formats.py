"""The ``format`` keyword: which formats a form may use and how each is checked.

Format checking is always on (jsonschema ignores ``format`` unless given a
checker). Besides the standard draft 2020-12 formats (``date``, ``date-time``,
``email``, ``uri`` ...) forms may use:

``cn-resident-id``
    18-character resident identity number (GB 11643): check character, a real birth
    date not in the future, a county code of any era (:mod:`forms.identifiers`).
``cn-uscc``
    18-character unified social credit code (GB 32100) with its check character.
``cn-mobile``
    mainland mobile number: 11 digits starting ``13``–``19``.
``cn-postcode``
    6-digit postal code.

Values must be given in their canonical form (no spaces, upper case); the form
UI normalises input before submitting. A failing check raises
:class:`FormatProblem`, whose ``reason`` the messages use to say *why*.
"""

from __future__ import annotations

import re
from functools import cache

from email_validator import EmailNotValidError, validate_email
from jsonschema import Draft202012Validator, FormatChecker

from . import identifiers

CUSTOM_FORMATS = ("cn-resident-id", "cn-uscc", "cn-mobile", "cn-postcode")

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_POSTCODE = re.compile(r"[0-9]{6}")


class FormatProblem(ValueError):
    """Why a value does not have its format.

    ``reason`` is one of :data:`forms.identifiers.REASONS` or ``invalid``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_cn_resident_id(value: object) -> bool:
    """Check an 18-character resident ID number (居民身份证号码) by :mod:`forms.identifiers`' rule.

    Raises:
        FormatProblem: the value is a string but not a valid number.
    """
    if isinstance(value, str) and (reason := identifiers.resident_id_problem(value)):
        raise FormatProblem(reason)
    return True


def is_cn_uscc(value: object) -> bool:
    """Check an 18-character unified social credit code (统一社会信用代码) by :mod:`forms.identifiers`' rule.

    Raises:
        FormatProblem: the value is a string but not a valid code.
    """
    if isinstance(value, str) and (reason := identifiers.uscc_problem(value)):
        raise FormatProblem(reason)
    return True


def is_cn_mobile(value: object) -> bool:
    """Check a mainland mobile number (11 digits, ``1[3-9]`` prefix)."""
    return not isinstance(value, str) or _MOBILE.fullmatch(value) is not None


def is_cn_postcode(value: object) -> bool:
    """Check a 6-digit postal code."""
    return not isinstance(value, str) or _POSTCODE.fullmatch(value) is not None


def is_email(value: object) -> bool:
    """Check an e-mail address's syntax (no DNS look-up: validation must not touch the network)."""
    if not isinstance(value, str):
        return True
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@cache
def format_checker() -> FormatChecker:
    """The checker every form uses: draft 2020-12 formats plus the Chinese identifiers."""
    checker = FormatChecker(formats=())
    checker.checkers.update(Draft202012Validator.FORMAT_CHECKER.checkers)
    checker.checks("email")(is_email)
    checker.checks("idn-email")(is_email)
    checker.checks("cn-resident-id", raises=FormatProblem)(is_cn_resident_id)
    checker.checks("cn-uscc", raises=FormatProblem)(is_cn_uscc)
    checker.checks("cn-mobile")(is_cn_mobile)
    checker.checks("cn-postcode")(is_cn_postcode)
    return checker


def known_formats() -> frozenset[str]:
    """Names a schema's ``format`` may use; anything else is an authoring error."""
    return frozenset(format_checker().checkers)
