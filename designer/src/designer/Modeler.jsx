// The process modeler: bpmn-js with a properties panel for our yw: attributes, the server's lint
// report drawn on the diagram, publish with a version note and a diff to the previous version.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert, App, Button, Card, Col, Form, Input, InputNumber, List, Modal, Row, Select, Space, Switch,
  Tag, Upload } from 'antd';
import BpmnModeler from 'bpmn-js/lib/Modeler';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import { api, get, problemLines } from '../api.js';
import { useI18n } from '../i18n.js';
import { download, startFormKey } from '../util.js';
import ywModdle from './ywModdle.json';
import { EMPTY_XML, wizardXml } from './wizard.js';
import ItemEditor, { itemBundle, loadItemDraft, materialsOf, saveItemDraft } from './ItemEditor.jsx';

const CAMUNDA = 'http://camunda.org/schema/1.0/bpmn';

/** Ids of flow elements and sequence flows (for diffs and the round-trip check). */
export function elementIndex(modeler) {
  const registry = modeler.get('elementRegistry');
  const out = {};
  for (const el of registry.getAll()) {
    const bo = el.businessObject;
    if (!bo || el.type === 'label' || el.labelTarget) continue;
    out[bo.id] = { type: bo.$type, name: bo.name || '', attrs: JSON.stringify({ g: bo.get?.('yw:candidateGroups'),
      f: bo.get?.('yw:formKey'), t: bo.get?.('yw:timeLimit') }) };
  }
  return out;
}

export default function ModelerPage({ initialXml, fileName: initialName, onDeployed }) {
  const { t, lang } = useI18n();
  const reasonOf = (issue) => (lang === 'en' ? issue.reason_en : issue.reason);
  const { message } = App.useApp();
  const container = useRef(null);
  const modelerRef = useRef(null);
  const [selected, setSelected] = useState(null);
  const [, setTick] = useState(0);
  const [issues, setIssues] = useState(null);
  const [groups, setGroups] = useState([]);
  const [forms, setForms] = useState([]);
  const [fileName, setFileName] = useState(initialName || 'process.bpmn');
  const [publishing, setPublishing] = useState(null);
  const [wizard, setWizard] = useState(false);

  useEffect(() => {
    const modeler = new BpmnModeler({ container: container.current, moddleExtensions: { yw: ywModdle },
      keyboard: { bindTo: document } });
    modelerRef.current = modeler;
    window.__ywModeler = modeler; // the e2e tests round-trip models through this handle
    modeler.on('selection.changed', ({ newSelection }) => setSelected(newSelection[0] || null));
    modeler.on('element.changed', () => setTick((n) => n + 1));
    modeler.importXML(initialXml || EMPTY_XML()).then(() => modeler.get('canvas').zoom('fit-viewport'));
    get('/groups').then(setGroups).catch(() => {});
    get('/forms').then(setForms).catch(() => {});
    return () => { modeler.destroy(); if (window.__ywModeler === modeler) delete window.__ywModeler; };
  }, [initialXml]);

  const xml = async () => {
    const modeler = modelerRef.current;
    modeler.getDefinitions().$attrs['xmlns:camunda'] ||= CAMUNDA;
    return (await modeler.saveXML({ format: true })).xml;
  };

  const open = async (text, name) => {
    const { warnings } = await modelerRef.current.importXML(text);
    modelerRef.current.get('canvas').zoom('fit-viewport');
    setFileName(name);
    setIssues(null);
    if (warnings.length) message.warning(`${warnings.length} import warnings`);
  };

  const clearMarks = () => {
    const canvas = modelerRef.current.get('canvas');
    const overlays = modelerRef.current.get('overlays');
    overlays.remove({ type: 'lint' });
    for (const el of modelerRef.current.get('elementRegistry').getAll()) canvas.removeMarker(el, 'yw-lint-error');
  };

  const lint = useCallback(async () => {
    const body = await xml();
    try {
      const report = await api('POST', `/definitions/lint?filename=${encodeURIComponent(fileName)}`,
        { body, contentType: 'application/xml' });
      clearMarks();
      const canvas = modelerRef.current.get('canvas');
      const registry = modelerRef.current.get('elementRegistry');
      const counts = {};
      for (const issue of report.issues) if (issue.element_id) counts[issue.element_id] = (counts[issue.element_id] || 0) + 1;
      for (const [id, n] of Object.entries(counts)) {
        const el = registry.get(id);
        if (!el) continue;
        canvas.addMarker(el, 'yw-lint-error');
        modelerRef.current.get('overlays').add(el, 'lint', { position: { top: -10, right: 10 },
          html: `<span class="yw-lint-badge" data-lint="${id}">${n}</span>` });
      }
      setIssues(report.issues);
      return report;
    } catch (e) {
      message.error(problemLines(e).join('; '));
      return null;
    }
  }, [fileName, message]);

  // What the item bundle needs from the diagram: the process, its forms and the literal groups it names.
  const processParts = () => {
    const process = modelerRef.current.getDefinitions().rootElements.find((e) => e.$type === 'bpmn:Process');
    const formKeys = new Set();
    const groupsUsed = new Set();
    for (const el of modelerRef.current.get('elementRegistry').getAll()) {
      const key = el.businessObject?.get?.('yw:formKey');
      if (key) formKeys.add(key);
      for (const g of (el.businessObject?.get?.('yw:candidateGroups') || '').split(',')) {
        if (g.trim() && !g.includes('${')) groupsUsed.add(g.trim());
      }
    }
    return { processId: process?.id, name: process?.name, formKeys: [...formKeys], groupsUsed: [...groupsUsed] };
  };

  const startPublish = async () => {
    const report = await lint();
    if (!report) return;
    // The diff against the latest deployed version of the same process id.
    const { processId, name } = processParts();
    const versions = (await get(`/definitions?process_id=${encodeURIComponent(processId)}`)).sort((a, b) => b.version - a.version);
    let diff = null;
    if (versions.length) {
      const before = await (await api('GET', `/definitions/${versions[0].id}/xml`, { raw: true })).text();
      const now = elementIndex(modelerRef.current);
      const scratch = new BpmnModeler({ moddleExtensions: { yw: ywModdle } });
      await scratch.importXML(before);
      const old = elementIndex(scratch);
      scratch.destroy();
      diff = { version: versions[0].version,
        added: Object.keys(now).filter((k) => !old[k]), removed: Object.keys(old).filter((k) => !now[k]),
        changed: Object.keys(now).filter((k) => old[k] && JSON.stringify(old[k]) !== JSON.stringify(now[k])) };
    }
    const appKey = startFormKey(await xml());
    const appForm = appKey ? await get(`/forms/${encodeURIComponent(appKey)}`).catch(() => null) : null;
    setPublishing({ note: '', diff, ok: report.ok, processId, draft: loadItemDraft(processId, name),
      materials: materialsOf(appForm?.schema), problems: null });
  };

  const bundle = async (draft) => {
    const parts = processParts();
    const body = await xml();
    return itemBundle(draft, { ...parts, xml: body, fileName, applicationForm: startFormKey(body) });
  };

  // Publishing is an item bundle (POST /items): forms, process and catalogue item in one transaction.
  const publish = async () => {
    saveItemDraft(publishing.processId, publishing.draft);
    try {
      const zip = await bundle(publishing.draft);
      const result = await api('POST', `/items?note=${encodeURIComponent(publishing.note)}`,
        { body: zip, contentType: 'application/zip' });
      const p = result.processes.find((x) => x.process_id === result.process_id) || result.processes[0];
      message.success(`${t('published')}: ${result.name} ${result.code} v${result.version} · ${p.process_id} v${p.version}`);
      setPublishing(null);
      onDeployed?.(result);
    } catch (e) {
      const problems = e.problem?.problems || [];
      setIssues(problems.filter((i) => i.element_id).map((i) => ({ severity: 'error', ...i })));
      setPublishing((p) => ({ ...p, problems: problemLines(e) }));
    }
  };

  const exportBundle = async () => {
    const { processId, name } = processParts();
    const draft = loadItemDraft(processId, name);
    download(`${draft.code || processId}.zip`, await bundle(draft));
  };

  // Only item bundles (item.json + BPMN + forms) are imported; a BPMN file alone goes through "upload BPMN".
  const importBundle = async (file) => {
    try {
      const result = await api('POST', '/items', { body: file, contentType: 'application/zip' });
      message.success(`${t('published')}: ${result.name} ${result.code} v${result.version}`);
      onDeployed?.(result);
    } catch (e) {
      message.error(problemLines(e).join('; '));
    }
    return false;
  };

  return (
    <Row gutter={12}>
      <Col span={17}>
        <Space wrap style={{ marginBottom: 8 }}>
          <Button onClick={() => open(EMPTY_XML(), 'process.bpmn')}>{t('newProcess')}</Button>
          <Button onClick={() => setWizard(true)} data-testid="wizard">{t('wizard')}</Button>
          <Upload accept=".bpmn,.xml" showUploadList={false} beforeUpload={(file) => {
            file.text().then((text) => open(text, file.name)); return false; }}>
            <Button data-testid="upload-bpmn">{t('upload')}</Button>
          </Upload>
          <Button onClick={lint} data-testid="lint">{t('lint')}</Button>
          <Button type="primary" onClick={startPublish} data-testid="deploy">{t('deploy')}</Button>
          <Button onClick={async () => download(fileName, await xml(), 'application/xml')}>{t('exportXml')}</Button>
          <Button onClick={exportBundle}>{t('exportBundle')}</Button>
          <Upload accept=".zip" showUploadList={false} beforeUpload={importBundle}>
            <Button data-testid="import-bundle">{t('importBundle')}</Button></Upload>
          <Tag>{fileName}</Tag>
        </Space>
        <div ref={container} className="yw-modeler" data-testid="modeler" />
        {issues && !issues.some((i) => i.severity === 'error') && (
          <Alert type="success" title={t('lintOk')} style={{ marginTop: 8 }} data-testid="lint-ok" />)}
        {issues && (issues.length > 0) && (
          <List size="small" bordered data-testid="lint-report" style={{ marginTop: 8 }} dataSource={issues}
            renderItem={(i) => <List.Item><Tag color={i.severity === 'error' ? 'red' : 'orange'}>{i.code}</Tag>
              {i.element_id && <b>{i.element_id}: </b>}{reasonOf(i) && `${reasonOf(i)}: `}{i.message}{i.line ? ` (line ${i.line})` : ''}</List.Item>} />)}
      </Col>
      <Col span={7}>
        <PropertiesPanel modeler={modelerRef.current} element={selected} groups={groups} forms={forms} />
      </Col>
      <Modal open={!!publishing} title={t('deploy')} onOk={publish} onCancel={() => setPublishing(null)}
        okButtonProps={{ 'data-testid': 'deploy-confirm' }} width={760}>
        {publishing && (<>
          {!publishing.ok && <Alert type="error" title={t('lint')} />}
          {publishing.problems && <Alert type="error" style={{ marginBottom: 8 }} data-testid="publish-problems"
            title={<ul style={{ margin: 0 }}>{publishing.problems.map((p, i) => <li key={i}>{p}</li>)}</ul>} />}
          <ItemEditor draft={publishing.draft} materials={publishing.materials}
            onChange={(draft) => setPublishing((p) => ({ ...p, draft }))} />
          <Input.TextArea placeholder={t('versionNote')} value={publishing.note} data-testid="version-note"
            onChange={(e) => setPublishing({ ...publishing, note: e.target.value })} />
          <h4 style={{ marginTop: 12 }}>{t('diff')}</h4>
          {publishing.diff ? (
            <div data-testid="diff">v{publishing.diff.version} →
              <div>+ {publishing.diff.added.join(', ') || '—'}</div>
              <div>− {publishing.diff.removed.join(', ') || '—'}</div>
              <div>~ {publishing.diff.changed.join(', ') || '—'}</div></div>
          ) : <div data-testid="diff">—</div>}
        </>)}
      </Modal>
      <WizardModal open={wizard} forms={forms} onClose={() => setWizard(false)}
        onGenerate={(values) => { setWizard(false); open(wizardXml(values), `${values.processId}.bpmn`); }} />
    </Row>
  );
}

function PropertiesPanel({ modeler, element, groups, forms }) {
  const { t } = useI18n();
  if (!modeler || !element) return <Card size="small" title={t('properties')}>—</Card>;
  const bo = element.businessObject;
  const modeling = modeler.get('modeling');
  const set = (props) => modeling.updateProperties(element, props);
  const isTask = /Task$/.test(bo.$type) || bo.$type === 'bpmn:SubProcess';
  const loop = bo.loopCharacteristics;
  const multi = loop?.$type === 'bpmn:MultiInstanceLoopCharacteristics';
  const groupsValue = (bo.get('yw:candidateGroups') || '').split(',').map((s) => s.trim()).filter(Boolean);
  const setLoop = (on) => {
    if (!on) return set({ loopCharacteristics: undefined });
    const lc = modeler.get('bpmnFactory').create('bpmn:MultiInstanceLoopCharacteristics');
    lc.$attrs['camunda:collection'] = 'departments';
    lc.$attrs['camunda:elementVariable'] = 'department';
    set({ loopCharacteristics: lc, 'yw:candidateGroups': '${department}' });
  };
  const setLoopAttr = (name, value) => {
    loop.$attrs[`camunda:${name}`] = value;
    set({ loopCharacteristics: loop });
  };
  return (
    <Card size="small" title={`${t('properties')} · ${bo.id}`} data-testid="properties">
      <Form layout="vertical" size="small">
        <Form.Item label="ID"><Input value={bo.id} disabled /></Form.Item>
        <Form.Item label={t('processName')}>
          <Input value={bo.name || ''} data-testid="prop-name" onChange={(e) => set({ name: e.target.value })} />
        </Form.Item>
        {(isTask || bo.$type === 'bpmn:StartEvent') && (
          <Form.Item label={t('formKey')}>
            <Select allowClear showSearch value={bo.get('yw:formKey') || undefined} data-testid="prop-form"
              onChange={(v) => set({ 'yw:formKey': v || undefined })}
              options={forms.map((f) => ({ value: f.form_key, label: `${f.form_key} (v${f.version})` }))} />
          </Form.Item>)}
        {isTask && (<>
          <Form.Item label={t('candidateGroups')}>
            <Select mode="tags" value={groupsValue} data-testid="prop-groups"
              onChange={(v) => set({ 'yw:candidateGroups': v.join(',') || undefined })}
              optionRender={(o) => (o.data.kind ? `${o.label} · ${t(`group_${o.data.kind}`)} (${o.value})` : o.label)}
              options={[...groups.map((g) => ({ value: g.name, label: g.title || g.name, kind: g.kind })),
                { value: '${department}', label: '${department}' }]} />
          </Form.Item>
          <Form.Item label={t('timeLimit')}>
            <InputNumber min={0.5} step={0.5} value={bo.get('yw:timeLimit') ? Number(bo.get('yw:timeLimit')) : null}
              data-testid="prop-timelimit" onChange={(v) => set({ 'yw:timeLimit': v == null ? undefined : String(v) })} />
          </Form.Item>
          <Form.Item label={t('multiInstance')}>
            <Switch checked={multi} onChange={setLoop} data-testid="prop-multi" />
          </Form.Item>
          {multi && (<>
            <Form.Item label={t('collection')}>
              <Input value={loop.$attrs['camunda:collection'] || ''} onChange={(e) => setLoopAttr('collection', e.target.value)} />
            </Form.Item>
            <Form.Item label={t('elementVariable')}>
              <Input value={loop.$attrs['camunda:elementVariable'] || ''} onChange={(e) => setLoopAttr('elementVariable', e.target.value)} />
            </Form.Item>
          </>)}
        </>)}
      </Form>
    </Card>
  );
}

function WizardModal({ open, forms, onClose, onGenerate }) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const options = forms.map((f) => ({ value: f.form_key, label: f.form_key }));
  const field = (name, label) => (
    <Form.Item name={['forms', name]} label={label} rules={[{ required: true }]}>
      <Select showSearch options={options} data-testid={`wizard-${name}`} />
    </Form.Item>);
  return (
    <Modal open={open} title={t('wizard')} onCancel={onClose} okText={t('generate')}
      okButtonProps={{ 'data-testid': 'wizard-ok' }} onOk={() => form.validateFields().then(onGenerate)}>
      <Form form={form} layout="vertical" size="small" initialValues={{ reviewDays: 3 }}>
        <Form.Item name="processId" label={t('processId')} rules={[{ required: true, pattern: /^[A-Za-z_][\w-]*$/ }]}>
          <Input data-testid="wizard-id" />
        </Form.Item>
        <Form.Item name="name" label={t('processName')} rules={[{ required: true }]}><Input data-testid="wizard-name" /></Form.Item>
        {field('application', t('application'))}
        {field('acceptance', t('accept'))}
        {field('correction', t('correct'))}
        {field('review', t('deptApprovals'))}
        {field('issue', t('issue'))}
        <Form.Item name="reviewDays" label={t('timeLimit')}><InputNumber min={0.5} step={0.5} /></Form.Item>
      </Form>
    </Modal>
  );
}
