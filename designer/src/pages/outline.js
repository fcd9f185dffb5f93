// The outline of a deployed process version (names, application form, result steps), fetched once per version.
import { api } from '../api.js';
import { processOutline } from '../util.js';

const outlines = new Map();

/** processOutline() of the definition's BPMN (GET /definitions/{id}/xml); an empty outline if it is not readable. */
export function definitionOutline(definitionId) {
  if (!outlines.has(definitionId)) {
    outlines.set(definitionId, api('GET', `/definitions/${definitionId}/xml`, { raw: true })
      .then((r) => r.text()).then(processOutline)
      .catch(() => { outlines.delete(definitionId); return { startFormKey: null, names: {}, resultSteps: new Set() }; }));
  }
  return outlines.get(definitionId);
}
