"""Scoped error and escalation definitions meet SpiffWorkflow's own, both ways.

A case can mix definitions deployed before and after scoped throwing (a call activity pinned
to an older version); a boundary event of either kind must still catch a throw of the other.
"""

from __future__ import annotations

import pytest
from SpiffWorkflow.spiff.specs.event_definitions import ErrorEventDefinition, EscalationEventDefinition

from engine.scoped_events import ScopedErrorEventDefinition, ScopedEscalationEventDefinition


@pytest.mark.parametrize(("spiff", "scoped"), [(ErrorEventDefinition, ScopedErrorEventDefinition),
                                                (EscalationEventDefinition, ScopedEscalationEventDefinition)])
def test_a_scoped_definition_and_spiffworkflows_catch_each_others_throws(spiff, scoped):
    old, new = spiff("refused", code="REFUSED"), scoped("refused", code="REFUSED")
    assert new == old  # a new catch event, a throw deployed before
    assert old == new.as_spiff()  # a catch event deployed before, a new throw (as the workflow hands it on)
    assert scoped("any", code=None) == old  # a catch without a code takes every code
    assert new != spiff("other", code="OTHER")
    assert type(new.as_spiff()) is spiff
