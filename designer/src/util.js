import dayjs from 'dayjs';

export const fmt = (ts) => (ts ? dayjs(ts).format('YYYY-MM-DD HH:mm') : '—');

/**
 * The light of a step as the server says it: red when the server flags it overdue, otherwise the light
 * the supervision sweep marked on its case (yellow/red from working days, pauses excluded).
 */
export function stepLight(task, caseLight) {
  if (task?.overdue) return 'red';
  return caseLight || 'none';
}

export const LIGHT_COLOR = { red: '#f5222d', yellow: '#faad14', green: '#52c41a', none: '#d9d9d9' };

export function download(name, content, type = 'application/octet-stream') {
  const blob = content instanceof Blob ? content : new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const BPMN = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
const YW = 'urn:yiwang:bpmn:1.0';

/**
 * What the screens need from a process diagram: the application form (the start event's yw:formKey),
 * every element's name by id, and the result steps: user tasks from which a flow reaches an end event that
 * is not a refusal (yw:notice) through gateways only - the step that hands out the result.
 */
export function processOutline(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const all = [...doc.getElementsByTagNameNS(BPMN, '*')];
  const byId = Object.fromEntries(all.filter((el) => el.getAttribute('id')).map((el) => [el.getAttribute('id'), el]));
  const names = {};
  for (const el of all) if (el.getAttribute('id') && el.getAttribute('name')) names[el.getAttribute('id')] = el.getAttribute('name');
  const targets = {};
  for (const flow of doc.getElementsByTagNameNS(BPMN, 'sequenceFlow')) {
    (targets[flow.getAttribute('sourceRef')] ||= []).push(flow.getAttribute('targetRef'));
  }
  const endsWithResult = (id, seen = new Set()) => {
    if (seen.has(id)) return false;
    seen.add(id);
    return (targets[id] || []).some((next) => {
      const el = byId[next];
      if (!el) return false;
      if (el.localName === 'endEvent') return !el.getAttributeNS(YW, 'notice');
      return /Gateway$/.test(el.localName) && endsWithResult(next, seen);
    });
  };
  const resultSteps = new Set(all.filter((el) => el.localName === 'userTask' && endsWithResult(el.getAttribute('id')))
    .map((el) => el.getAttribute('id')));
  return { startFormKey: startFormKey(xml, doc), names, resultSteps };
}

/** The start event's yw:formKey of a BPMN document (the application form). */
export function startFormKey(xml, parsed = null) {
  const doc = parsed || new DOMParser().parseFromString(xml, 'application/xml');
  for (const el of doc.getElementsByTagNameNS(BPMN, 'startEvent')) {
    const key = el.getAttributeNS(YW, 'formKey') || el.getAttribute('camunda:formKey');
    if (key) return key;
  }
  return null;
}
