// Service items as the portal and the window see them: the latest deployed version of each process,
// its application form (the start event's yw:formKey) and its steps for the service guide.
import { api, get } from '../api.js';
import { startFormKey } from '../util.js';

export async function latestProcesses() {
  const all = await get('/definitions');
  const latest = new Map();
  for (const d of all) if (!latest.has(d.process_id) || latest.get(d.process_id).version < d.version) latest.set(d.process_id, d);
  return [...latest.values()].sort((a, b) => a.process_id.localeCompare(b.process_id));
}

export async function processXml(definitionId) {
  return (await api('GET', `/definitions/${definitionId}/xml`, { raw: true })).text();
}

export async function applicationForm(definition) {
  const key = startFormKey(await processXml(definition.id));
  return key ? { key, ...(await get(`/forms/${key}`)) } : null;
}

export function stepsOf(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const steps = [];
  for (const el of doc.getElementsByTagNameNS('http://www.omg.org/spec/BPMN/20100524/MODEL', 'userTask')) {
    steps.push({ id: el.getAttribute('id'), name: el.getAttribute('name') || el.getAttribute('id'),
      groups: el.getAttributeNS('urn:yiwang:bpmn:1.0', 'candidateGroups'),
      days: el.getAttributeNS('urn:yiwang:bpmn:1.0', 'timeLimit') });
  }
  return steps;
}
