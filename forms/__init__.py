"""Forms: JSON Schema (draft 2020-12) forms for service items, their validation and versions.

Forms are data, not code. A form is a JSON Schema plus a UI schema, published as
immutable versions and bound to BPMN start events and user tasks by form key.

Modules, one concept each:

- ``schema_check``: what makes a schema fit to save (authoring errors, all at once);
  ``regex_safety`` proves patterns safe; ``ui_schema`` describes and checks layouts.
- ``validation``: compiled, cached validators and the one-time notice
  (``validate_submission``); ``keywords``, ``formats`` and ``messages`` supply the
  per-field keyword behaviour, the Chinese identifier formats and zh-CN/en messages;
  ``closed`` closes every object; ``bounds`` limits document depth and size.
- ``materials`` (the ``x-material`` keyword), ``file_store`` and ``filetypes``: uploads.
- ``personal`` (``x-personal``): which fields hold personal identifiers (sealed at rest).
- ``prefill`` (``x-semantic``), ``readonly`` (``readOnly`` + ``x-source``),
  ``namespaces`` (where task data lives), ``merge`` (一表申请), ``diff`` (versions).
- ``models`` and ``store``: published versions in the database.

Keywords this project adds to JSON Schema: ``x-material``, ``x-semantic``,
``x-personal``, ``x-source`` and ``x-titles``; each is documented in the module named above
(``x-titles`` in ``messages``). Any other unknown keyword is an authoring error.

Nothing here imports Flask, marshmallow or ``api``.
"""
