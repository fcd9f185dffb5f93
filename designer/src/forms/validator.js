// An rjsf validator on @cfworker/json-schema: JSON Schema 2020-12 without eval(), so the UI
// runs under a Content-Security-Policy without 'unsafe-eval'. The server validates again and
// is the authority; its errors come back as JSON pointers (see api.extraErrorsFrom).
import { Validator } from '@cfworker/json-schema';
import { initialLang } from '../i18n.js';
import { identifierErrors } from './identifiers.js';
import { withBrowserPatterns } from './patterns.js';

const WRAPPERS = new Set(['properties', 'items', 'prefixItems', 'allOf', 'anyOf', 'oneOf', 'if', 'then', 'else',
  '$ref', 'dependentSchemas', 'additionalProperties', 'unevaluatedProperties', 'not', 'contains']);
const cache = new Map();

function compile(schema, rootSchema) {
  const full = rootSchema && rootSchema !== schema
    ? { ...schema, $defs: rootSchema.$defs, definitions: rootSchema.definitions } : schema;
  const key = JSON.stringify(full);
  if (!cache.has(key)) cache.set(key, new Validator(withBrowserPatterns(full), '2020-12', false));
  return cache.get(key);
}

function run(schema, data, rootSchema) {
  try {
    const value = data === undefined ? {} : data;
    // Chinese identifiers are checked by the product's own rule (the library knows no such formats).
    return [...compile(schema, rootSchema).validate(value).errors,
      ...identifierErrors(schema, value, initialLang(), rootSchema || schema)];
  } catch (error) {
    return [{ instanceLocation: '#', keyword: 'schema', error: String(error) }];
  }
}

function toRjsfErrors(raw) {
  const errors = [];
  for (const e of raw) {
    if (WRAPPERS.has(e.keyword)) continue;
    const parts = e.instanceLocation.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
    let message = e.error;
    if (e.keyword === 'required') {
      const missing = /"([^"]+)"/.exec(e.error);
      if (missing) parts.push(missing[1]);
      message = '必填 / required';
    }
    errors.push({ name: e.keyword, property: parts.length ? '.' + parts.join('.') : '.', message,
      stack: `${parts.join('.') || '/'}: ${message}`, schemaPath: e.keywordLocation, path: parts });
  }
  return errors;
}

function errorSchemaOf(errors) {
  const root = {};
  for (const e of errors) {
    let node = root;
    for (const part of e.path) node = node[part] = node[part] || {};
    (node.__errors = node.__errors || []).push(e.message);
  }
  return root;
}

export const validator = {
  validateFormData(formData, schema, customValidate, transformErrors, uiSchema) {
    let errors = toRjsfErrors(run(schema, formData, schema));
    if (transformErrors) errors = transformErrors(errors, uiSchema);
    let errorSchema = errorSchemaOf(errors);
    if (customValidate) {
      const handler = {};
      customValidate(formData, handler, uiSchema);
      errorSchema = { ...errorSchema, ...handler };
    }
    return { errors: errors.map(({ path, ...rest }) => rest), errorSchema };
  },
  isValid(schema, formData, rootSchema) {
    return run(schema, formData, rootSchema).length === 0;
  },
  rawValidation(schema, formData) {
    return { errors: run(schema, formData, schema) };
  },
  reset() {
    cache.clear();
  },
};
