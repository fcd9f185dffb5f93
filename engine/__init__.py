"""yiwang's workflow engine: deploys BPMN, runs instances durably on SpiffWorkflow.

Knows nothing of Flask. Use cases live in :mod:`engine.runtime` and
:mod:`engine.deploy`; they take a unit of work (:mod:`engine.unit_of_work`).
"""
