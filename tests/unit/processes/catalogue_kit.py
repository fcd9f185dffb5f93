"""A small service item bundle built in code, to bend one rule at a time."""

from __future__ import annotations

import copy
from typing import Any

from processes.publish_checks import CheckedBundle, check_bundle

PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:yw="urn:yiwang:bpmn:1.0"
                  id="defs" targetNamespace="urn:test">
  <bpmn:process id="permit" name="许可" isExecutable="true">
    <bpmn:startEvent id="apply" yw:formKey="{start_form}"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="accept" name="受理" {accept_attrs}>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="gw" default="f3">
      <bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing><bpmn:outgoing>f6</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:userTask id="correct" name="补正" yw:assignee="${{applicant}}" yw:timeLimit="5" {correct_attrs}>
      <bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="refused" name="不予受理" {refused_attrs}><bpmn:incoming>f6</bpmn:incoming></bpmn:endEvent>
    <bpmn:userTask id="review" name="审查" yw:candidateGroups="dept" yw:timeLimit="{review_days}">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f7</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="done"><bpmn:incoming>f7</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="apply" targetRef="accept"/>
    <bpmn:sequenceFlow id="f2" sourceRef="accept" targetRef="gw"/>
    <bpmn:sequenceFlow id="f3" name="受理" sourceRef="gw" targetRef="review"/>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="correct">
      <bpmn:conditionExpression>acceptance == "correct"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f5" sourceRef="correct" targetRef="accept"/>
    <bpmn:sequenceFlow id="f6" name="不予受理" sourceRef="gw" targetRef="refused">
      <bpmn:conditionExpression>acceptance == "refuse"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f7" sourceRef="review" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>
"""

DEFAULTS = {
    "start_form": "app",
    "accept_attrs": 'yw:candidateGroups="window" yw:timeLimit="1"',
    "correct_attrs": 'yw:clock="stopped" yw:notice="correction"',
    "refused_attrs": 'yw:notice="refusal"',
    "review_days": "2",
}

ITEM = {
    "format": "yiwang-item/1",
    "code": "340500-XK-TEST-001",
    "name": "测试许可",
    "type": "licence",
    "department": {"name": "马鞍山市测试局"},
    "level": "city",
    "region_code": "340500",
    "legal_basis": [{"title": "《中华人民共和国行政许可法》", "article": "第二十九条"}],
    "time_limits": {"statutory_days": 20, "promised_days": 3},
    "online_depth": 3,
    "delivery": ["window"],
    "application_form": "app",
    "process_id": "permit",
    "roles": {"window": "综合窗口", "dept": "审查科"},
    "materials": [{"code": "M1", "name": "营业执照", "e_licence": ["CN-BUSINESS-LICENCE"]}],
}

APPLICATION = {
    "schema": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["applicant", "licence"],
        "properties": {
            "applicant": {"type": "string", "title": "申请人账号"},
            "licence": {"title": "营业执照",
                        "x-material": {"code": "M1", "name": "营业执照", "e_licence": ["CN-BUSINESS-LICENCE"]}},
        },
    },
    "ui_schema": None,
}


def bpmn(**changes: str) -> bytes:
    return PROCESS.format(**{**DEFAULTS, **changes}).encode("utf-8")


def item(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(ITEM)
    document.update(changes)
    return document


def application(**properties: Any) -> dict[str, Any]:
    form = copy.deepcopy(APPLICATION)
    form["schema"]["properties"].update(properties)
    return form


def checked(item_document=None, files=None, forms=None) -> CheckedBundle:
    return check_bundle(item() if item_document is None else item_document,
                        {"permit.bpmn": bpmn()} if files is None else files,
                        {"app": application()} if forms is None else forms)


def codes(result: CheckedBundle) -> list[str]:
    return sorted(p.code for p in result.errors)
