// The process wizard: the standard one-window shape (受理 with one corrections round → parallel
// countersign over the chosen departments → 出件) as BPMN with our yw: attributes and a layout. The
// applicant's correction step stops the statutory clock and carries the correction notice; the refusal
// end carries the refusal notice (the catalogue's publishing checks ask for both).
const esc = (s) => String(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' }[c]));

export function wizardXml({ processId, name, forms, reviewDays = 3 }) {
  const shapes = {
    apply: [100, 182, 36, 36], accept: [190, 160, 100, 80], materials_ok: [345, 175, 50, 50],
    correct: [320, 40, 100, 80], not_accepted: [352, 312, 36, 36], review: [450, 160, 100, 80],
    issue: [610, 160, 100, 80], done: [762, 182, 36, 36],
  };
  const edges = {
    f1: ['apply', 'accept', [[136, 200], [190, 200]]], f2: ['accept', 'materials_ok', [[290, 200], [345, 200]]],
    f_ok: ['materials_ok', 'review', [[395, 200], [450, 200]]], f_correct: ['materials_ok', 'correct', [[370, 175], [370, 120]]],
    f_refuse: ['materials_ok', 'not_accepted', [[370, 225], [370, 312]]], f_back: ['correct', 'accept', [[320, 80], [240, 80], [240, 160]]],
    f3: ['review', 'issue', [[550, 200], [610, 200]]], f4: ['issue', 'done', [[710, 200], [762, 200]]],
  };
  const di = Object.entries(shapes).map(([id, [x, y, w, h]]) =>
    `<bpmndi:BPMNShape id="${id}_di" bpmnElement="${id}"${id === 'materials_ok' ? ' isMarkerVisible="true"' : ''}><dc:Bounds x="${x}" y="${y}" width="${w}" height="${h}"/></bpmndi:BPMNShape>`)
    .concat(Object.entries(edges).map(([id, [, , pts]]) =>
      `<bpmndi:BPMNEdge id="${id}_di" bpmnElement="${id}">${pts.map(([x, y]) => `<di:waypoint x="${x}" y="${y}"/>`).join('')}</bpmndi:BPMNEdge>`));
  const flow = (id, extra = '', body = '') => {
    const [s, t] = edges[id];
    return `<bpmn:sequenceFlow id="${id}" sourceRef="${s}" targetRef="${t}"${extra}>${body}</bpmn:sequenceFlow>`;
  };
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:yw="urn:yiwang:bpmn:1.0" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_${esc(processId)}" targetNamespace="urn:yiwang:items">
  <bpmn:process id="${esc(processId)}" name="${esc(name)}" isExecutable="true">
    <bpmn:startEvent id="apply" name="申请" yw:formKey="${esc(forms.application)}"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="accept" name="窗口受理" yw:candidateGroups="window" yw:formKey="${esc(forms.acceptance)}" yw:timeLimit="1"><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f_back</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:exclusiveGateway id="materials_ok" name="材料齐全?" default="f_ok"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f_ok</bpmn:outgoing><bpmn:outgoing>f_correct</bpmn:outgoing><bpmn:outgoing>f_refuse</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:userTask id="correct" name="申请人补正" yw:assignee="\${applicant}" yw:formKey="${esc(forms.correction)}" yw:timeLimit="5" yw:clock="stopped" yw:notice="correction"><bpmn:incoming>f_correct</bpmn:incoming><bpmn:outgoing>f_back</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="not_accepted" name="不予受理" yw:notice="refusal"><bpmn:incoming>f_refuse</bpmn:incoming></bpmn:endEvent>
    <bpmn:userTask id="review" name="部门会签" yw:candidateGroups="\${department}" yw:formKey="${esc(forms.review)}" yw:timeLimit="${reviewDays}"><bpmn:incoming>f_ok</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="departments" camunda:elementVariable="department"/>
    </bpmn:userTask>
    <bpmn:userTask id="issue" name="窗口出件" yw:candidateGroups="window" yw:formKey="${esc(forms.issue)}" yw:timeLimit="1"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="done" name="办结"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    ${flow('f1')}${flow('f2')}${flow('f_ok', ' name="齐全"')}
    ${flow('f_correct', ' name="需补正"', '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">acceptance == "correct"</bpmn:conditionExpression>')}
    ${flow('f_refuse', ' name="不予受理"', '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">acceptance == "refuse"</bpmn:conditionExpression>')}
    ${flow('f_back')}${flow('f3')}${flow('f4')}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_${esc(processId)}"><bpmndi:BPMNPlane id="Plane_${esc(processId)}" bpmnElement="${esc(processId)}">
    ${di.join('\n    ')}
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
}

export const EMPTY_XML = (processId = 'new_process') => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:yw="urn:yiwang:bpmn:1.0" id="Definitions_1" targetNamespace="urn:yiwang:items">
  <bpmn:process id="${processId}" isExecutable="true"><bpmn:startEvent id="start"/></bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_1"><bpmndi:BPMNPlane id="Plane_1" bpmnElement="${processId}">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="150" y="150" width="36" height="36"/></bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`;
