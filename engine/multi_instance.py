"""Multi-instance activities whose collection is missing from the case data fail with a clear error.

SpiffWorkflow's parallel multi-instance iterates its ``loopDataInputRef`` without looking,
so a start whose data lacks the collection crashed with ``TypeError: 'NoneType' object is
not iterable``; its sequential one said "Missing data input" without naming the variable.
These subclasses, installed through the parser's ``PARALLEL_MI_CLASS`` /
``SEQUENTIAL_MI_CLASS`` and the serializer's registry, raise SpiffWorkflow's own
``WorkflowDataException`` naming the element and the variable, which the engine reports
as a process step that cannot continue.
"""

from __future__ import annotations

from collections.abc import Iterable

from SpiffWorkflow.bpmn.exceptions import WorkflowDataException
from SpiffWorkflow.spiff.specs.defaults import ParallelMultiInstanceTask, SequentialMultiInstanceTask


def _check_collection(spec, my_task) -> None:
    reference = spec.data_input
    if reference is None:
        return
    name = reference.bpmn_id
    if not reference.exists(my_task):
        raise WorkflowDataException(
            f"the collection {name!r} this multi-instance activity works through is not in the case data",
            my_task, data_input=reference)
    value = reference.get(my_task)
    if not isinstance(value, Iterable):
        raise WorkflowDataException(
            f"the collection {name!r} this multi-instance activity works through is a {type(value).__name__}, "
            "not a list", my_task, data_input=reference)


class CheckedParallelMultiInstance(ParallelMultiInstanceTask):
    """A parallel multi-instance that names its missing collection instead of crashing."""

    def create_children(self, my_task):
        _check_collection(self, my_task)
        return super().create_children(my_task)


class CheckedSequentialMultiInstance(SequentialMultiInstanceTask):
    """A sequential multi-instance that names its missing collection."""

    def init_remaining_items(self, my_task):
        _check_collection(self, my_task)
        return super().init_remaining_items(my_task)
