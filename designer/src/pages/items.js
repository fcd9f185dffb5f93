// Service items as the portal and the window see them: the published catalogue (GET /items), each
// item's pinned application form, and the public service guide.
import { get } from '../api.js';

export async function catalogueItems() {
  return (await get('/items?limit=500')).items;
}

export const itemDetail = (code, version) => get(`/items/${encodeURIComponent(code)}${version ? `?version=${version}` : ''}`);

export const guideUrl = (code) => `/api/v1/items/${encodeURIComponent(code)}/guide`;

/** The application form the item version pinned: {key, version, schema, ui_schema}. */
export async function applicationForm(item) {
  const key = item.document.application_form;
  const version = item.form_versions[key];
  const form = await get(`/forms/${encodeURIComponent(key)}${version ? `/versions/${version}` : ''}`);
  return { ...form, key, version };
}

/** What the tracking number's public page is (the receipt's QR code opens it). */
export const progressPath = (trackingNumber) => `/progress/${encodeURIComponent(trackingNumber)}`;

/**
 * The application form as the browser checks it: the applicant's account is the session's (online) or the
 * one the clerk names, filled in on submit, so it is not asked for in the hidden field.
 */
export function withoutApplicant(schema) {
  if (!schema?.properties?.applicant) return schema;
  return { ...schema, required: (schema.required || []).filter((r) => r !== 'applicant') };
}
