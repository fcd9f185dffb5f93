import dayjs from 'dayjs';

export const fmt = (ts) => (ts ? dayjs(ts).format('YYYY-MM-DD HH:mm') : '—');

/** The traffic light of a task or case: red when overdue, yellow within a day of its deadline. */
export function lightOf(task, now = Date.now()) {
  if (!task?.due_at) return 'none';
  if (task.overdue || new Date(task.due_at).getTime() < now) return 'red';
  if (new Date(task.due_at).getTime() - now < 24 * 3600 * 1000) return 'yellow';
  return 'green';
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
