// The only way the UI talks to the server: the documented REST API under /api/v1.
// Browser sessions send the CSRF token from login as X-CSRF-Token on every change.

let csrfToken = null;

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export function setCsrf(token) {
  csrfToken = token;
}

export async function api(method, path, { body, headers = {}, raw = false, contentType } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'same-origin' };
  if (method !== 'GET' && csrfToken) init.headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) {
    if (contentType) {
      init.headers['Content-Type'] = contentType;
      init.body = body;
    } else if (body instanceof FormData) {
      init.body = body;
    } else {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
  }
  const response = await fetch(`/api/v1${path}`, init);
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      /* not a problem document */
    }
    throw new ApiError(response.status, problem);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

export const get = (path) => api('GET', path);
export const post = (path, body, options) => api('POST', path, { body, ...options });

/** Every problem of a 422 (JSON pointer + message, lint issues, form problems) as lines of text. */
export function problemLines(error) {
  const p = error?.problem || {};
  const lines = [];
  for (const e of p.errors || []) lines.push(`${e.pointer ?? e.path ?? ''} ${e.message}`.trim());
  for (const i of p.issues || []) lines.push(`${i.element_id || i.element || ''} ${i.reason ? `${i.reason}: ` : ''}${i.message}`.trim());
  for (const f of p.problems || []) {
    const where = [f.file, f.pointer ?? f.path, f.element_id, f.line && `line ${f.line}`].filter(Boolean).join(' ');
    lines.push(`${where} ${f.message}`.trim());
  }
  if (!lines.length) lines.push(error?.message || String(error));
  return lines;
}

/** Server validation errors as rjsf extraErrors, keyed by JSON pointer. */
export function extraErrorsFrom(error) {
  const out = {};
  for (const e of error?.problem?.errors || []) {
    const pointer = (e.pointer ?? e.path ?? '').replace(/^#?\/?(data\/)?/, '');
    let node = out;
    for (const part of pointer.split('/').filter(Boolean)) node = node[part] = node[part] || {};
    (node.__errors = node.__errors || []).push(e.message);
  }
  return out;
}
