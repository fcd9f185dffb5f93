// The form builder: a palette of fields, the field list, a live preview with the same rjsf renderer
// the portal uses, and the JSON Schema + UI schema (editable); check and publish through the API.
import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Col, Input, List, Row, Select, Space, Tabs, Tag } from 'antd';
import { get, post, problemLines } from '../api.js';
import { useI18n } from '../i18n.js';
import FormView from '../forms/FormView.jsx';

const SCHEMA = 'https://json-schema.org/draft/2020-12/schema';
const PALETTE = {
  fieldText: () => ({ type: 'string', maxLength: 200 }),
  fieldTextarea: () => ({ type: 'string', maxLength: 2000, ui: { 'ui:widget': 'textarea' } }),
  fieldNumber: () => ({ type: 'number' }),
  fieldDate: () => ({ type: 'string', format: 'date' }),
  fieldSelect: () => ({ type: 'string', enum: ['A', 'B'] }),
  fieldCheckbox: () => ({ type: 'boolean' }),
  fieldIdNumber: () => ({ type: 'string', format: 'cn-resident-id' }),
  fieldMobile: () => ({ type: 'string', format: 'cn-mobile' }),
  // A file material (x-material): the catalogue's materials list is made from these fields on publish.
  fieldMaterial: () => ({ 'x-material': { code: '', name: '', formats: ['pdf', 'jpeg', 'png'] } }),
};

export const TEMPLATES = {
  acceptance: () => ({ schema: { $schema: SCHEMA, type: 'object', title: '受理', required: ['acceptance'], properties: {
    acceptance: { type: 'string', title: '受理意见', enum: ['accept', 'correct', 'refuse'] },
    deficiencies: { type: 'array', title: '需补正事项', items: { type: 'string', maxLength: 200 } },
    reason: { type: 'string', title: '不予受理理由', maxLength: 500 } },
    if: { properties: { acceptance: { const: 'correct' } } }, then: { required: ['deficiencies'] } },
  ui_schema: { acceptance: { 'ui:options': { enumNames: ['受理', '要求补正', '不予受理'] } } } }),
  correction: () => ({ schema: { $schema: SCHEMA, type: 'object', title: '补正材料', required: ['supplement'], properties: {
    supplement: { type: 'string', title: '补正说明', minLength: 1, maxLength: 1000 } } },
  ui_schema: { supplement: { 'ui:widget': 'textarea' } } }),
  opinion: () => ({ schema: { $schema: SCHEMA, type: 'object', title: '部门审查意见', required: ['opinion'], properties: {
    opinion: { type: 'object', title: '审查意见', required: ['approved'], properties: {
      approved: { type: 'boolean', title: '是否同意' }, comment: { type: 'string', title: '意见说明', maxLength: 1000 } } } } },
  ui_schema: {} }),
  issue: () => ({ schema: { $schema: SCHEMA, type: 'object', title: '出件', required: ['delivery'], properties: {
    delivery: { type: 'string', title: '送达方式', enum: ['window', 'mail'] } } },
  ui_schema: { delivery: { 'ui:options': { enumNames: ['窗口领取', '邮寄送达'] } } } }),
};

const blank = () => ({ schema: { $schema: SCHEMA, type: 'object', title: '申请表', required: ['applicant'],
  properties: { applicant: { type: 'string', title: '申请人账号', minLength: 1, maxLength: 64 } } },
ui_schema: { applicant: { 'ui:widget': 'hidden' } } });

export default function FormBuilder({ onPublished }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [key, setKey] = useState('');
  const [doc, setDoc] = useState(blank);
  const [text, setText] = useState('');
  const [problems, setProblems] = useState(null);
  const [note, setNote] = useState('');
  const [groups, setGroups] = useState([]);
  const [preview, setPreview] = useState({});
  useEffect(() => { get('/groups').then(setGroups).catch(() => {}); }, []);
  useEffect(() => { setText(JSON.stringify(doc, null, 2)); }, [doc]);

  const props = doc.schema.properties || {};
  const update = (fn) => setDoc((d) => { const next = structuredClone(d); fn(next); return next; });
  const add = (kind, extra = {}) => update((d) => {
    let n = 1;
    while (d.schema.properties[`field_${n}`]) n += 1;
    const { ui, ...field } = { ...PALETTE[kind](), ...extra };
    const name = extra.key || `field_${n}`;
    delete field.key;
    if (field['x-material']) {
      let m = 1;
      const codes = new Set(Object.values(d.schema.properties).map((p) => p['x-material']?.code));
      while (codes.has(`M${String(m).padStart(2, '0')}`)) m += 1;
      field['x-material'] = { ...field['x-material'], code: `M${String(m).padStart(2, '0')}`, name: t(kind) };
    }
    d.schema.properties[name] = { title: t(kind), ...field };
    if (ui) d.ui_schema[name] = ui;
  });
  // The countersigning departments: the stored values are the group codes (the multi-instance collection),
  // the checkboxes show the departments' titles.
  const addDepartments = () => update((d) => {
    const departments = groups.filter((g) => g.kind === 'department');
    const codes = departments.length ? departments.map((g) => g.name) : ['market'];
    d.schema.properties.departments = { type: 'array', title: '会签部门', minItems: 1, uniqueItems: true,
      items: { type: 'string', enum: codes } };
    d.schema.required = [...new Set([...(d.schema.required || []), 'departments'])];
    d.ui_schema.departments = { 'ui:widget': 'checkboxes',
      items: { 'ui:options': { enumNames: departments.length ? departments.map((g) => g.title || g.name) : codes } } };
  });
  const check = async () => {
    try {
      const report = await post(`/forms/${key}/check`, { schema: doc.schema, ui_schema: doc.ui_schema });
      setProblems(report.problems);
      return report.ok;
    } catch (e) {
      setProblems(problemLines(e).map((m) => ({ message: m })));
      return false;
    }
  };
  const publish = async () => {
    if (!(await check())) return;
    try {
      const result = await post(`/forms/${key}`, { schema: doc.schema, ui_schema: doc.ui_schema, note: note || null });
      message.success(`${t('published')}: ${key} v${result.version}`);
      onPublished?.();
    } catch (e) {
      message.error(problemLines(e).join('; '));
    }
  };
  return (
    <Row gutter={12} data-testid="form-builder">
      <Col span={5}>
        <Card size="small" title={t('palette')}>
          <Space direction="vertical" style={{ width: '100%' }}>
            {Object.keys(PALETTE).map((k) => (
              <Button block key={k} onClick={() => add(k)} data-testid={`palette-${k}`}>{t(k)}</Button>))}
            <Button block onClick={addDepartments} data-testid="palette-departments">{t('departments')}</Button>
          </Space>
        </Card>
        <Card size="small" title={t('templates')} style={{ marginTop: 8 }}>
          <Space wrap>
            <Button size="small" onClick={() => setDoc(blank())} data-testid="template-application">{t('application')}</Button>
            {Object.keys(TEMPLATES).map((k) => (
              <Button size="small" key={k} onClick={() => setDoc(TEMPLATES[k]())} data-testid={`template-${k}`}>{t(`template_${k}`)}</Button>))}
          </Space>
        </Card>
      </Col>
      <Col span={9}>
        <Card size="small" title={t('forms')}>
          <Space direction="vertical" style={{ width: '100%' }}>
            <Input addonBefore={t('formKeyLabel')} value={key} onChange={(e) => setKey(e.target.value)} data-testid="form-key" />
            <Input addonBefore={t('fieldTitle')} value={doc.schema.title || ''} data-testid="form-title"
              onChange={(e) => update((d) => { d.schema.title = e.target.value; })} />
            <List size="small" bordered dataSource={Object.entries(props)} renderItem={([name, field], i) => (
              <List.Item data-testid={`field-${i}`}>
                <Space wrap>
                  <Input size="small" style={{ width: 110 }} value={name} data-testid={`field-key-${i}`}
                    onChange={(e) => update((d) => {
                      const value = e.target.value;
                      if (!value || d.schema.properties[value]) return;
                      d.schema.properties = Object.fromEntries(Object.entries(d.schema.properties).map(([k, v]) => [k === name ? value : k, v]));
                      d.schema.required = (d.schema.required || []).map((r) => (r === name ? value : r));
                      if (d.ui_schema[name]) { d.ui_schema[value] = d.ui_schema[name]; delete d.ui_schema[name]; }
                    })} />
                  <Input size="small" style={{ width: 120 }} value={field.title || ''} data-testid={`field-title-${i}`}
                    onChange={(e) => update((d) => {
                      const f = d.schema.properties[name];
                      f.title = e.target.value;
                      if (f['x-material']) f['x-material'].name = e.target.value || f['x-material'].code;
                    })} />
                  {field['x-material'] && <Tag color="blue">{field['x-material'].code}</Tag>}
                  {field.enum && <Select size="small" mode="tags" style={{ minWidth: 120 }} value={field.enum}
                    onChange={(v) => update((d) => { d.schema.properties[name].enum = v; })} />}
                  <Checkbox checked={(doc.schema.required || []).includes(name)} data-testid={`field-required-${i}`}
                    onChange={(e) => update((d) => {
                      const req = new Set(d.schema.required || []);
                      if (e.target.checked) req.add(name); else req.delete(name);
                      d.schema.required = [...req];
                    })}>{t('required')}</Checkbox>
                  <Button size="small" danger onClick={() => update((d) => {
                    delete d.schema.properties[name];
                    d.schema.required = (d.schema.required || []).filter((r) => r !== name);
                    delete d.ui_schema[name];
                  })}>{t('remove')}</Button>
                </Space>
              </List.Item>)} />
            <Input.TextArea placeholder={t('versionNote')} value={note} onChange={(e) => setNote(e.target.value)} rows={1} />
            <Space>
              <Button onClick={check} disabled={!key}>{t('lint')}</Button>
              <Button type="primary" onClick={publish} disabled={!key} data-testid="form-publish">{t('publish')}</Button>
            </Space>
            {problems && (problems.length
              ? <Alert type="error" title={<ul>{problems.map((p, i) => <li key={i}>{p.pointer} {p.message}</li>)}</ul>} />
              : <Alert type="success" title={t('lintOk')} />)}
          </Space>
        </Card>
      </Col>
      <Col span={10}>
        <Tabs size="small" items={[
          { key: 'p', label: t('preview'), children: (
            <div data-testid="form-preview"><FormView schema={doc.schema} uiSchema={doc.ui_schema} formData={preview}
              onChange={setPreview} onSubmit={() => message.info('OK')} /></div>) },
          { key: 'j', label: `${t('jsonSchema')} + ${t('uiSchema')}`, children: (
            <Input.TextArea rows={24} value={text} data-testid="form-json" style={{ fontFamily: 'monospace', fontSize: 12 }}
              onChange={(e) => {
                setText(e.target.value);
                try {
                  const parsed = JSON.parse(e.target.value);
                  if (parsed.schema) setDoc({ schema: parsed.schema, ui_schema: parsed.ui_schema || {} });
                } catch { /* keep typing */ }
              }} />) },
        ]} />
      </Col>
    </Row>
  );
}
