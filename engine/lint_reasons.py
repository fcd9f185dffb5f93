"""What each lint code means, in Chinese (the default) and English.

A :class:`~engine.errors.LintIssue` carries the particulars (element, line, names) in its
``message``; the reason for its code, in the user's language, comes from here, so a refusal
reads in Chinese first wherever it is shown (API, CLI, the modeler's lint list).
"""

from __future__ import annotations

DEFAULT_LOCALE = "zh-CN"

# code -> (zh-CN, en)
REASONS: dict[str, tuple[str, str]] = {
    "xml-rejected": ("文件不是可以读取的 XML(格式错误、含 DOCTYPE、前缀未声明、过大或嵌套过深)",
                     "the file is not XML that can be read (malformed, DOCTYPE, undeclared prefix, too big or deep)"),
    "not-bpmn": ("文件不是 BPMN 2.0 或 DMN 文档", "the file is neither a BPMN 2.0 nor a DMN document"),
    "duplicate-id": ("元素标识重复", "an element id is used more than once"),
    "reserved-id": ("元素标识与引擎内部步骤同名,请改名", "the element id is a name the engine uses for its own steps"),
    "no-executable-process": ("文件中没有可执行的流程", "the document holds no executable process"),
    "process-not-executable": ("该流程标记为不可执行,仅作说明", "the process is marked not executable"),
    "no-start-event": ("缺少开始事件", "a start event is missing"),
    "subprocess-start-events": ("子流程须恰有一个开始事件", "a subprocess needs exactly one start event"),
    "unsupported-element": ("引擎不支持该元素", "the engine does not support this element"),
    "loop-incomplete": ("循环或多实例设置不完整", "the loop or multi-instance settings are incomplete"),
    "mi-item-name": ("多实例数据项的名称与标识不一致", "the multi-instance data item's name differs from its id"),
    "mi-variables": ("使用了 Camunda 多实例变量", "uses Camunda's multi-instance variables"),
    "mi-element-variable": ("多实例元素变量会留在流程数据中", "the multi-instance element variable stays in the data"),
    "sequence-flow-dangling": ("顺序流的起点或终点不存在", "a sequence flow's source or target does not exist"),
    "flow-id-given": ("顺序流没有标识,已自动命名", "the sequence flow had no id and was given one"),
    "implicit-split": ("非网关元素有多条出线,请用网关分支", "a non-gateway element has several outgoing flows"),
    "condition-ignored": ("条件只在排他或包容网关的出线上生效", "conditions count only on gateway flows"),
    "gateway-flow-unconditioned": ("网关出线既无条件又不是默认出线", "a gateway flow has no condition and is not the default"),
    "gateway-default-invalid": ("网关的默认出线不从该网关出发", "the gateway's default flow does not leave it"),
    "gateway-no-default": ("网关没有默认出线,条件都不成立时办件会出错", "the gateway has no default flow"),
    "unreachable-node": ("从开始事件无法到达该元素", "no path from a start event reaches this element"),
    "dead-end": ("该元素没有出线,路径在此结束(隐式结束)", "no flow leaves this element: its path ends here"),
    "expression-rejected": ("表达式不被允许或无法解析", "the expression is not allowed or cannot be parsed"),
    "expression-language-unsupported": ("不支持该表达式语言", "the expression language is not supported"),
    "juel-unsupported": ("该 JUEL 表达式无法转换", "the JUEL expression cannot be translated"),
    "juel-not-normalized": ("JUEL 表达式未经转换", "the JUEL expression was not translated"),
    "time-limit-invalid": ("办理时限须为正的工作日数", "the time limit must be a positive number of working days"),
    "script-task-disabled": ("本系统未启用脚本任务", "script tasks are switched off on this installation"),
    "unknown-form-key": ("表单尚未发布", "the form is not published"),
    "call-activity-no-target": ("调用活动没有指定被调用的流程", "the call activity names no process"),
    "call-activity-unknown": ("被调用的流程既不在本次上传中也未发布", "the called process is neither in the upload nor deployed"),
    "call-cycle": ("流程经调用活动调用了自身", "the process calls itself through call activities"),
    "decision-unknown": ("业务规则任务引用的决策表不在本次上传中", "the business rule task's decision is not in the upload"),
    "dmn-no-decision": ("DMN 文件中没有决策", "the DMN document holds no decision"),
    "dmn-unsupported": ("不支持该 DMN 写法", "this DMN construct is not supported"),
    "dmn-input-no-expression": ("决策表输入列缺少表达式", "a decision table input has no expression"),
    "dmn-rule-incomplete": ("决策表规则的单元格数与列数不符", "a rule's cells do not match the table's columns"),
    "invalid-dmn": ("DMN 文件无法读取", "the DMN document cannot be read"),
    "event-ref-unknown": ("事件引用的消息、信号、错误或升级未声明", "the event refers to an undeclared message, signal, error or escalation"),
    "camunda-unsupported": ("不支持该 Camunda 写法", "this Camunda construct is not supported"),
    "camunda-ignored": ("该 Camunda 设置会被忽略", "this Camunda setting is ignored"),
    "candidate-group-unknown": ("候选组不存在,任务无人可办", "the candidate group does not exist: no one gets the task"),
    "candidate-group-empty": ("候选组没有在岗人员,任务无人可办", "the candidate group has no members: no one gets the task"),
    "spiff-validation": ("流程引擎无法解析该元素", "the workflow engine cannot read this element"),
    "spiff-rejected": ("流程引擎无法读取该流程", "the workflow engine cannot read the process"),
    "spiff-warning": ("流程引擎提示", "a notice from the workflow engine"),
}


def reason(code: str, locale: str = DEFAULT_LOCALE) -> str | None:
    """The reason for ``code`` in ``locale`` (``zh-CN`` or ``en``), or None for an unknown code."""
    texts = REASONS.get(code)
    if texts is None:
        return None
    return texts[1] if locale.lower().startswith("en") else texts[0]
