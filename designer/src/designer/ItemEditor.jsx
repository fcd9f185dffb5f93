// The service item editor (catalogue data, time limits, delivery) and the item bundle the designer publishes
// through POST /items: item.json + the BPMN + every form it names (docs/service-items.md). The materials list
// is the application form's material fields, so the catalogue and the form agree by construction.
import { Checkbox, Form, Input, InputNumber, Select, Switch, Table } from 'antd';
import { get } from '../api.js';
import { useI18n } from '../i18n.js';
import { makeZip } from './zip.js';

const TYPES = ['licence', 'confirmation', 'benefit', 'levy', 'ruling', 'award', 'public_service', 'other'];
const LEVELS = ['province', 'city', 'county', 'township', 'village'];
const DELIVERY = ['window', 'mail', 'electronic'];

export const defaultItem = (processId, name) => ({
  code: '', name: name || processId, type: 'licence', department: '', level: 'city', region_code: '',
  legal_basis: '', statutory_days: 20, promised_days: 10, online_depth: 3, at_most_one_visit: true,
  delivery: ['window'], result: '', licence_type: '',
});

export function loadItemDraft(processId, name) {
  try {
    return { ...defaultItem(processId, name), ...JSON.parse(localStorage.getItem(`yw.item.${processId}`) || '{}') };
  } catch {
    return defaultItem(processId, name);
  }
}

export const saveItemDraft = (processId, draft) => localStorage.setItem(`yw.item.${processId}`, JSON.stringify(draft));

/** The catalogue materials of an application form: one per x-material field, required as the field is. */
export function materialsOf(schema) {
  const required = new Set(schema?.required || []);
  return Object.entries(schema?.properties || {}).filter(([, f]) => f['x-material']).map(([key, f]) => {
    const m = f['x-material'];
    return { code: m.code, name: m.name, required: required.has(key), ...(m.formats ? { formats: m.formats } : {}),
      ...(m.original ? { original: m.original } : {}), ...(m.e_licence ? { e_licence: m.e_licence } : {}) };
  });
}

/** item.json of the draft for this process; roles name the literal candidate groups the BPMN uses. */
export function itemJson(draft, { processId, applicationForm, applicationSchema, groupsUsed, groups }) {
  const titles = Object.fromEntries(groups.map((g) => [g.name, g.title || g.name]));
  return {
    format: 'yiwang-item/1', code: draft.code, name: draft.name, type: draft.type,
    department: { name: draft.department }, level: draft.level, region_code: draft.region_code,
    legal_basis: [{ title: draft.legal_basis }],
    time_limits: { statutory_days: draft.statutory_days, promised_days: draft.promised_days },
    online_depth: draft.online_depth, at_most_one_visit: !!draft.at_most_one_visit, zero_visit: false,
    delivery: draft.delivery, application_form: applicationForm, process_id: processId,
    roles: Object.fromEntries(groupsUsed.filter((g) => titles[g]).map((g) => [g, titles[g]])),
    materials: materialsOf(applicationSchema),
    ...(draft.result ? { result: { name: draft.result,
      ...(draft.licence_type ? { e_licence_type: draft.licence_type } : {}) } } : {}),
  };
}

/** The bundle zip: item.json, the BPMN and forms/<key>.json of every form the process names. */
export async function itemBundle(draft, { xml, fileName, processId, formKeys, groupsUsed, applicationForm }) {
  const forms = {};
  for (const key of formKeys) {
    const f = await get(`/forms/${encodeURIComponent(key)}`);
    forms[key] = { schema: f.schema, ui_schema: f.ui_schema || {} };
  }
  const groups = await get('/groups').catch(() => []);
  const item = itemJson(draft, { processId, applicationForm, applicationSchema: forms[applicationForm]?.schema,
    groupsUsed, groups });
  return makeZip([
    { name: 'item.json', content: JSON.stringify(item, null, 2) },
    { name: fileName.endsWith('.bpmn') ? fileName : `${processId}.bpmn`, content: xml },
    ...Object.entries(forms).map(([key, f]) => ({ name: `forms/${key}.json`, content: JSON.stringify(f, null, 2) })),
  ]);
}

/** The catalogue fields, checked as they are typed (the server checks everything again on publish). */
export default function ItemEditor({ draft, onChange, materials }) {
  const { t } = useI18n();
  const set = (patch) => onChange({ ...draft, ...patch });
  const rules = {
    code: [{ required: true }, { pattern: /^[0-9A-Z](?:[0-9A-Z]|-(?=[0-9A-Z])){5,63}$/, message: t('itemCodeRule') }],
    region: [{ required: true }, { pattern: /^[1-9][0-9]{5}(?:[0-9]{3}(?:[0-9]{3})?)?$/, message: t('regionRule') }],
    promised: [{ validator: async (_, v) => { if (v > draft.statutory_days) throw new Error(t('promisedRule')); } }],
  };
  return (
    <Form layout="vertical" size="small" data-testid="item-editor" initialValues={draft}
      onValuesChange={(changed) => set(changed)}>
      <Form.Item name="code" label={t('itemCode')} rules={rules.code} validateTrigger="onChange" hasFeedback>
        <Input data-testid="item-code" />
      </Form.Item>
      <Form.Item name="name" label={t('itemName')} rules={[{ required: true }]}><Input data-testid="item-name" /></Form.Item>
      <Form.Item name="type" label={t('itemType')}>
        <Select options={TYPES.map((v) => ({ value: v, label: t(`type_${v}`) }))} />
      </Form.Item>
      <Form.Item name="department" label={t('department')} rules={[{ required: true }]}>
        <Input data-testid="item-department" />
      </Form.Item>
      <div style={{ display: 'flex', gap: 8 }}>
        <Form.Item name="level" label={t('level')} style={{ flex: 2 }}>
          <Select options={LEVELS.map((v) => ({ value: v, label: t(`level_${v}`) }))} />
        </Form.Item>
        <Form.Item name="region_code" label={t('region')} rules={rules.region} validateTrigger="onChange"
          style={{ flex: 3 }} hasFeedback>
          <Input data-testid="item-region" />
        </Form.Item>
      </div>
      <Form.Item name="legal_basis" label={t('legalBasis')} rules={[{ required: true }]}>
        <Input data-testid="item-basis" />
      </Form.Item>
      <div style={{ display: 'flex', gap: 8 }}>
        <Form.Item name="statutory_days" label={t('statutoryDays')} style={{ flex: 1 }}>
          <InputNumber min={0.5} step={0.5} data-testid="item-statutory" />
        </Form.Item>
        <Form.Item name="promised_days" label={t('promisedDays')} rules={rules.promised} validateTrigger="onChange"
          style={{ flex: 1 }}>
          <InputNumber min={0.5} step={0.5} data-testid="item-promised" />
        </Form.Item>
      </div>
      <Form.Item name="delivery" label={t('delivery')} rules={[{ required: true, type: 'array', min: 1 }]}>
        <Checkbox.Group options={DELIVERY.map((v) => ({ value: v, label: t(`delivery_${v}`) }))} />
      </Form.Item>
      <Form.Item name="online_depth" label={t('onlineDepth')}>
        <Select options={[1, 2, 3, 4].map((v) => ({ value: v, label: String(v) }))} />
      </Form.Item>
      <Form.Item name="at_most_one_visit" label={t('atMostOneVisit')} valuePropName="checked"><Switch /></Form.Item>
      <div style={{ display: 'flex', gap: 8 }}>
        <Form.Item name="result" label={t('resultName')} style={{ flex: 1 }}><Input data-testid="item-result" /></Form.Item>
        <Form.Item name="licence_type" label={t('licenceType')} style={{ flex: 1 }}
          rules={[{ validator: async (_, v) => { if (v && !draft.result) throw new Error(t('licenceTypeRule')); } }]}>
          <Input data-testid="item-licence-type" />
        </Form.Item>
      </div>
      <Form.Item label={t('materials')}>
        <Table size="small" rowKey="code" pagination={false} dataSource={materials} data-testid="item-materials"
          locale={{ emptyText: t('noMaterials') }} columns={[
            { title: t('itemCode'), dataIndex: 'code' }, { title: t('itemName'), dataIndex: 'name' },
            { title: t('required'), dataIndex: 'required', render: (v) => (v ? '✓' : '') },
            { title: t('formats'), dataIndex: 'formats', render: (v) => (v || []).join('/') }]} />
      </Form.Item>
    </Form>
  );
}
