// A material field (x-material) in the rjsf forms: upload through POST /materials and keep the reference
// the server answers; read-only, show the case's files (GET /cases/{id}/materials/{sha256}) with previews.
import { useState } from 'react';
import { Button, Space, Tag, Typography, Upload } from 'antd';
import { api, problemLines } from '../api.js';
import { useI18n } from '../i18n.js';

const IMAGES = ['image/png', 'image/jpeg'];

export const materialUrl = (caseId, ref) => `/api/v1/cases/${encodeURIComponent(caseId)}/materials/${ref.sha256}`;

const kb = (size) => (size >= 1024 * 1024 ? `${(size / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(size / 1024)} KB`);

/** Every uploaded-file or e-licence reference in case data, with the JSON pointer it sits at. */
export function materialsIn(data, pointer = '') {
  if (Array.isArray(data)) return data.flatMap((v, i) => materialsIn(v, `${pointer}/${i}`));
  if (data && typeof data === 'object') {
    if (data.source === 'upload' || data.source === 'licence') return [{ pointer, ref: data }];
    return Object.entries(data).flatMap(([k, v]) => materialsIn(v, `${pointer}/${k}`));
  }
  return [];
}

/** One stored file: an image or PDF preview, or a link to open it. */
export function MaterialPreview({ caseId, refValue, compact = false }) {
  const { t } = useI18n();
  // The server answers a file only to who sees the case's data in full (not e.g. a supervisor): no broken image.
  const [unavailable, setUnavailable] = useState(false);
  if (refValue.source === 'licence') {
    return <Tag color="blue">{t('licence')}: {refValue.licence_type} {refValue.licence_number}</Tag>;
  }
  const url = caseId ? materialUrl(caseId, refValue) : null;
  const head = (
    <Space size={4} wrap>
      {url ? <a href={url} target="_blank" rel="noreferrer" data-testid="material-link">{refValue.name}</a>
        : <span data-testid="material-name">{refValue.name}</span>}
      <Tag>{refValue.format}</Tag>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>{kb(refValue.size)}</Typography.Text>
    </Space>
  );
  if (!url || compact) return head;
  return (
    <div className="yw-material">
      {head}
      {IMAGES.includes(refValue.media_type) && !unavailable && (
        <img src={url} alt={refValue.name} className="yw-material-preview" data-testid="material-preview"
          onError={() => setUnavailable(true)} />)}
      {unavailable && <Typography.Text type="secondary" data-testid="material-unavailable">{t('noPreview')}</Typography.Text>}
      {refValue.media_type === 'application/pdf' && (
        <iframe src={url} title={refValue.name} className="yw-material-pdf" data-testid="material-preview" />)}
    </div>
  );
}

/** The rjsf field: formContext {caseId} for reading back, {formKey, formVersion} to check uploads per field. */
export default function MaterialField(props) {
  const { t } = useI18n();
  const { schema, formData, onChange, readonly, disabled, fieldPathId, registry, required } = props;
  const context = registry?.formContext || {};
  const spec = schema['x-material'] || {};
  const many = (spec.max_files || 1) > 1;
  const refs = formData ? [].concat(formData) : [];
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const path = fieldPathId?.path || [];
  const set = (value) => onChange(value, path);

  const label = (
    <div className="yw-material-label">
      {required && !readonly && <span style={{ color: '#ff4d4f' }}>* </span>}{schema.title || spec.name}
    </div>);
  if (readonly || disabled) {
    return (
      <div style={{ marginBottom: 16 }}>
        {label}
        {refs.length ? (
          <Space direction="vertical" style={{ width: '100%' }}>
            {refs.map((r) => <MaterialPreview key={r.sha256 || r.licence_number} caseId={context.caseId} refValue={r} />)}
          </Space>) : <Typography.Text type="secondary">—</Typography.Text>}
      </div>);
  }

  const upload = async ({ file }) => {
    setBusy(true);
    setError(null);
    const body = new FormData();
    body.append('file', file, file.name);
    const params = new URLSearchParams();
    if (context.formKey && path.length) {
      params.set('form_key', context.formKey);
      if (context.formVersion) params.set('form_version', String(context.formVersion));
      params.set('field', '/' + path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/'));
    }
    try {
      const reference = await api('POST', `/materials${params.size ? `?${params}` : ''}`, { body });
      set(many ? [...refs, reference] : reference);
    } catch (e) {
      setError(problemLines(e).join('; '));
    } finally {
      setBusy(false);
    }
  };
  const remove = (r) => set(many ? refs.filter((x) => x !== r) : undefined);
  const accept = (spec.formats || []).map((f) => ({ jpeg: '.jpg,.jpeg' }[f] || `.${f}`)).join(',') || undefined;
  return (
    <div data-testid={`material-${path.join('.')}`} style={{ marginBottom: 16 }}>
      {label}
      <Space direction="vertical" style={{ width: '100%' }}>
        {refs.map((r) => (
          <Space key={r.sha256 || r.licence_number}>
            <MaterialPreview refValue={r} compact />
            <Button size="small" type="link" danger onClick={() => remove(r)}>{t('remove')}</Button>
          </Space>))}
        {(many || !refs.length) && (
          <Upload accept={accept} showUploadList={false} customRequest={upload} disabled={busy}>
            <Button loading={busy} data-testid="material-upload">{t('uploadMaterial')}</Button>
          </Upload>)}
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {spec.formats ? spec.formats.join(' / ') : ''}{spec.note ? ` · ${spec.note}` : ''}
        </Typography.Text>
        {error && <Typography.Text type="danger" data-testid="material-error">{error}</Typography.Text>}
      </Space>
    </div>
  );
}

/** The UI schema with 'ui:field': 'material' on every x-material field (nested objects and arrays too). */
export function withMaterialFields(schema, uiSchema = {}) {
  const walk = (node, ui) => {
    if (!node || typeof node !== 'object') return ui;
    // The field shows its own label (rjsf would not label a field without a type).
    if (node['x-material']) return { ...ui, 'ui:field': 'material', 'ui:options': { ...(ui['ui:options'] || {}), label: false } };
    let out = ui;
    if (node.properties) {
      for (const [name, sub] of Object.entries(node.properties)) {
        const next = walk(sub, ui?.[name] || {});
        if (next !== (ui?.[name] || {}) || ui?.[name]) out = { ...out, [name]: next };
      }
    }
    if (node.items && typeof node.items === 'object') {
      const next = walk(node.items, ui?.items || {});
      if (next !== (ui?.items || {})) out = { ...out, items: next };
    }
    return out;
  };
  return walk(schema, uiSchema || {});
}
