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

/** The start event's yw:formKey of a BPMN document (the application form). */
export function startFormKey(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  for (const el of doc.getElementsByTagNameNS('http://www.omg.org/spec/BPMN/20100524/MODEL', 'startEvent')) {
    const key = el.getAttributeNS('urn:yiwang:bpmn:1.0', 'formKey') || el.getAttribute('camunda:formKey');
    if (key) return key;
  }
  return null;
}
