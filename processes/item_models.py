"""The service item (政务服务事项) as a domain model, read from ``item.json``.

:func:`parse_item` checks a document against :data:`~processes.item_schema.ITEM_SCHEMA`
and the rules a schema cannot express, reports every problem at once (each with
its JSON pointer) and returns a :class:`ServiceItem`. No database, no framework.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from forms.formats import format_checker
from forms.pointer import to_pointer

from .item_errors import ItemInvalid, Problem
from .item_schema import (
    DELIVERY,
    ITEM_SCHEMA,
    ITEM_TYPES,
    LEVELS,
    ONLINE_DEPTHS,
    ORIGINALS,
)

ITEM_FILE = "item.json"


@dataclass(frozen=True)
class Material:
    """One application material (申请材料) as the catalogue lists it."""

    code: str
    name: str
    required: bool = True
    original: str | None = None
    copies: int = 1
    formats: tuple[str, ...] = ()
    e_licence: tuple[str, ...] = ()
    basis: str | None = None
    note: str | None = None
    deficiency_allowed: bool = False  # may be handed in after acceptance (容缺受理)
    commitment_allowed: bool = False  # may be replaced by a written commitment (告知承诺)

    @property
    def original_label(self) -> str | None:
        return ORIGINALS.get(self.original) if self.original else None

    @property
    def from_licence_library(self) -> bool:
        return bool(self.e_licence)


@dataclass(frozen=True)
class Option:
    """Accept-with-deficiencies or notification-and-commitment, with its deadline in working days."""

    enabled: bool = False
    deadline_days: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class OneThingPart:
    """One item of a "one thing" (一件事): its key in the case data and its own form."""

    key: str
    code: str
    name: str
    department: str
    form: str


@dataclass(frozen=True)
class ServiceItem:
    """A service item's catalogue data: what the guide shows and the publishing checks compare."""

    code: str
    name: str
    type: str
    department: str
    level: str
    region_code: str
    statutory_days: float
    promised_days: float
    online_depth: int
    delivery: tuple[str, ...]
    application_form: str
    process_id: str
    document: dict[str, Any] = field(repr=False, compare=False)
    materials: tuple[Material, ...] = ()
    at_most_one_visit: bool = False
    zero_visit: bool = False
    roles: dict[str, str] = field(default_factory=dict, compare=False)
    deficiencies: Option = Option()
    commitment: Option = Option()
    parts: tuple[OneThingPart, ...] = ()
    case_form: str | None = None

    @property
    def type_label(self) -> str:
        return ITEM_TYPES[self.type]

    @property
    def level_label(self) -> str:
        return LEVELS[self.level]

    @property
    def online_depth_label(self) -> str:
        return ONLINE_DEPTHS[self.online_depth]

    @property
    def delivery_labels(self) -> list[str]:
        return [DELIVERY[d] for d in self.delivery]

    @property
    def is_one_thing(self) -> bool:
        return bool(self.parts)

    @property
    def start_form(self) -> str:
        """The form the process's start event shows: the case form of a one-thing, else the application."""
        return self.case_form or self.application_form

    def material(self, code: str) -> Material | None:
        return next((m for m in self.materials if m.code == code), None)

    def role_label(self, group: str) -> str:
        return self.roles.get(group, group)


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(ITEM_SCHEMA, format_checker=format_checker())


def parse_item(document: Any, *, file: str = ITEM_FILE) -> ServiceItem:
    """Check an item.json document and build the item; every problem at once.

    Raises:
        ItemInvalid: with a :class:`Problem` (file, JSON pointer) per finding.
    """
    item, problems = read_item(document, file=file)
    if problems:
        raise ItemInvalid("item.json breaks the catalogue rules", problems, file=file)
    return item


def read_item(document: Any, *, file: str = ITEM_FILE) -> tuple[ServiceItem | None, list[Problem]]:
    """The item and every problem found; the item is None only when the document's shape is wrong.

    An item that breaks a rule (but has the right shape) is still built, so the
    publishing checks can report the bundle's other problems along with it.
    """
    problems = [
        Problem("item-schema", error.message, file=file, pointer=to_pointer(error.absolute_path))
        for error in sorted(_validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if problems:
        return None, problems
    document = normalized(document)
    problems = [Problem(code, message, file=file, pointer=pointer) for code, pointer, message in rule_problems(document)]
    return _build(document), problems


def normalized(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every default written out, so equal meaning gives equal content."""
    doc = {**document}
    doc.setdefault("conditions", [])
    doc.setdefault("fees", [])
    doc.setdefault("roles", {})
    doc.setdefault("at_most_one_visit", False)
    doc.setdefault("zero_visit", False)
    options = dict(doc.get("options") or {})
    for name in ("accept_with_deficiencies", "notification_commitment"):
        options.setdefault(name, {"enabled": False})
    doc["options"] = options
    doc["materials"] = [
        {"required": True, "copies": 1, "deficiency_allowed": False, "commitment_allowed": False, **m}
        for m in doc["materials"]
    ]
    return doc


def rule_problems(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(code, pointer, message) for every catalogue rule a normalized document breaks."""
    found: list[tuple[str, str, str]] = []
    limits = doc["time_limits"]
    if limits["promised_days"] > limits["statutory_days"]:
        message = (f"the promised time limit (承诺时限) of {limits['promised_days']:g} working days exceeds "
                   f"the statutory time limit (法定时限) of {limits['statutory_days']:g} working days")
        found.append(("promised-exceeds-statutory", "/time_limits/promised_days", message))
    found += _region_problems(doc["level"], doc["region_code"])
    found += _visit_problems(doc)
    found += _material_problems(doc["materials"])
    for option, flag, label in (("accept_with_deficiencies", "deficiency_allowed", "容缺受理"),
                                ("notification_commitment", "commitment_allowed", "告知承诺")):
        found += _option_problems(doc, option, flag, label)
    if "one_thing" in doc:
        found += _one_thing_problems(doc)
    return found


_REGION_SHAPE = {
    "province": (6, lambda c: c.endswith("0000"), "a province code ends in 0000"),
    "city": (6, lambda c: c.endswith("00") and not c.endswith("0000"), "a city code ends in 00 (not 0000)"),
    "county": (6, lambda c: not c.endswith("00"), "a county code does not end in 00"),
    "township": (9, lambda c: True, ""),
    "village": (12, lambda c: True, ""),
}


def _region_problems(level: str, code: str) -> list[tuple[str, str, str]]:
    length, fits, rule = _REGION_SHAPE[level]
    if len(code) != length:
        return [("region-level-mismatch", "/region_code",
                 f"a {level} level item needs a {length}-digit region code (行政区划代码), not {code!r}")]
    if not fits(code):
        return [("region-level-mismatch", "/region_code", f"{code!r} is not a {level} code: {rule}")]
    return []


def _visit_problems(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    found = []
    if doc["zero_visit"]:
        if not doc["at_most_one_visit"]:
            found.append(("visits-inconsistent", "/at_most_one_visit",
                          "a zero-visit (零跑腿) item is also an at-most-one-visit (最多跑一次) item"))
        if doc["online_depth"] != 4:
            found.append(("visits-inconsistent", "/online_depth",
                          "a zero-visit (零跑腿) item must be fully online (网上可办程度 4)"))
        if not set(doc["delivery"]) & {"mail", "electronic"}:
            found.append(("visits-inconsistent", "/delivery",
                          "a zero-visit (零跑腿) item must deliver by mail or electronically"))
    return found


def _material_problems(materials: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    found, codes, names = [], {}, {}
    for index, material in enumerate(materials):
        for key, seen in (("code", codes), ("name", names)):
            if material[key] in seen:
                found.append((f"material-duplicate-{key}", f"/materials/{index}/{key}",
                              f"{material[key]!r} is also material {seen[material[key]]}"))
            seen.setdefault(material[key], index)
        if not material["required"] and (material["deficiency_allowed"] or material["commitment_allowed"]):
            found.append(("material-option-pointless", f"/materials/{index}",
                          "an optional material needs no accept-with-deficiencies or commitment option"))
    return found


def _option_problems(doc, option: str, flag: str, label: str) -> list[tuple[str, str, str]]:
    settings = doc["options"][option]
    flagged = [i for i, m in enumerate(doc["materials"]) if m[flag]]
    found = []
    if settings["enabled"]:
        if "deadline_days" not in settings:
            found.append((f"{option}-deadline", f"/options/{option}",
                          f"{label} needs deadline_days: the working days the applicant has for the missing material"))
        if not flagged:
            found.append((f"{option}-unused", f"/options/{option}/enabled",
                          f"{label} is enabled but no material sets {flag}"))
    else:
        found += [(f"{option}-disabled", f"/materials/{i}/{flag}",
                   f"the material allows {label} but options/{option} is not enabled") for i in flagged]
    return found


def _one_thing_problems(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    one_thing = doc["one_thing"]
    found = []
    taken = {doc["application_form"]: "/application_form", one_thing["case_form"]: "/one_thing/case_form"}
    if one_thing["case_form"] == doc["application_form"]:
        found.append(("one-thing-form-reused", "/one_thing/case_form",
                      "the case form must differ from the merged application form"))
    for key in ("key", "form", "code"):
        seen: set[str] = set()
        for index, part in enumerate(one_thing["parts"]):
            if part[key] in seen:
                found.append(("one-thing-duplicate", f"/one_thing/parts/{index}/{key}",
                              f"{part[key]!r} is used by two parts"))
            seen.add(part[key])
    for index, part in enumerate(one_thing["parts"]):
        if part["form"] in taken:
            found.append(("one-thing-form-reused", f"/one_thing/parts/{index}/form",
                          f"form {part['form']!r} is generated at {taken[part['form']]}; give the part its own form"))
    return found


def _build(doc: dict[str, Any]) -> ServiceItem:
    options = doc["options"]
    one_thing = doc.get("one_thing") or {}
    return ServiceItem(
        code=doc["code"],
        name=doc["name"],
        type=doc["type"],
        department=doc["department"]["name"],
        level=doc["level"],
        region_code=doc["region_code"],
        statutory_days=doc["time_limits"]["statutory_days"],
        promised_days=doc["time_limits"]["promised_days"],
        online_depth=doc["online_depth"],
        delivery=tuple(doc["delivery"]),
        application_form=doc["application_form"],
        process_id=doc["process_id"],
        document=doc,
        materials=tuple(_material(m) for m in doc["materials"]),
        at_most_one_visit=doc["at_most_one_visit"],
        zero_visit=doc["zero_visit"],
        roles=dict(doc["roles"]),
        deficiencies=Option(**options["accept_with_deficiencies"]),
        commitment=Option(**options["notification_commitment"]),
        parts=tuple(OneThingPart(**p) for p in one_thing.get("parts", [])),
        case_form=one_thing.get("case_form"),
    )


def _material(m: dict[str, Any]) -> Material:
    return Material(**{**m, "formats": tuple(m.get("formats", ())), "e_licence": tuple(m.get("e_licence", ()))})
