"""Generated BPMN of a given size: a sequence of user steps, and a parallel countersign.

Generated rather than checked in so the sizes the issue names (10 and 200 steps,
500 departments) are parameters, and the XML stays what a designer would draw.
"""

from __future__ import annotations

HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
          'xmlns:yw="urn:yiwang:bpmn:1.0" id="Definitions_{pid}" targetNamespace="urn:yiwang:bench">\n'
          '  <bpmn:process id="{pid}" name="{name}" isExecutable="true">\n')
FOOTER = "  </bpmn:process>\n</bpmn:definitions>\n"


def sequence(steps: int, *, name: str = "sequence") -> tuple[str, bytes]:
    """``steps`` user tasks one after the other; (process id, XML). ``steps + 2`` flow nodes."""
    pid = f"sequence_{steps}"
    nodes = ["start", *(f"step_{i}" for i in range(steps)), "end"]
    body = ['    <bpmn:startEvent id="start"><bpmn:outgoing>f_0</bpmn:outgoing></bpmn:startEvent>\n']
    for i in range(steps):
        body.append(f'    <bpmn:userTask id="step_{i}" name="第{i + 1}步" yw:candidateGroups="dept_{i % 50}" '
                    f'yw:timeLimit="{3 + i % 5}"><bpmn:incoming>f_{i}</bpmn:incoming>'
                    f'<bpmn:outgoing>f_{i + 1}</bpmn:outgoing></bpmn:userTask>\n')
    body.append(f'    <bpmn:endEvent id="end"><bpmn:incoming>f_{steps}</bpmn:incoming></bpmn:endEvent>\n')
    for i in range(len(nodes) - 1):
        body.append(f'    <bpmn:sequenceFlow id="f_{i}" sourceRef="{nodes[i]}" targetRef="{nodes[i + 1]}"/>\n')
    return pid, (HEADER.format(pid=pid, name=name) + "".join(body) + FOOTER).encode()


def countersign(*, name: str = "countersign") -> tuple[str, bytes]:
    """Accept, then every department in ``departments`` reviews in parallel (会签), then decide."""
    pid = "countersign"
    body = """    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" name="部门会签" yw:candidateGroups="${department}" yw:timeLimit="5">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics isSequential="false">
        <bpmn:loopDataInputRef>departments</bpmn:loopDataInputRef>
        <bpmn:loopDataOutputRef>opinions</bpmn:loopDataOutputRef>
        <bpmn:inputDataItem id="department" name="department"/>
        <bpmn:outputDataItem id="opinion" name="opinion"/>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:userTask id="decide" name="决定" yw:candidateGroups="lead"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="decide"/>
    <bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="end"/>
"""
    return pid, (HEADER.format(pid=pid, name=name) + body + FOOTER).encode()
