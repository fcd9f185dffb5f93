// Applicants: browse items with their service guides, apply (drafts kept), answer a corrections
// notice, follow progress, download the result, rate.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Drawer, Input, List, Rate, Result, Row, Space, Steps, Table,
  Tag, Typography } from 'antd';
import { api, extraErrorsFrom, get, post, problemLines } from '../api.js';
import { useI18n } from '../i18n.js';
import { Link, match, navigate } from '../router.jsx';
import { useSession } from '../session.js';
import { download, fmt } from '../util.js';
import FormView from '../forms/FormView.jsx';
import { History, StatusTag } from './CaseParts.jsx';
import { applicationForm, latestProcesses, processXml, stepsOf } from './items.js';

export default function Portal({ path }) {
  const apply = match('/portal/apply/:pid', path);
  const one = match('/portal/cases/:id', path);
  if (apply) return <Apply processId={apply.pid} />;
  if (one) return <CasePage caseId={one.id} />;
  return <Home />;
}

function Home() {
  const { t } = useI18n();
  const [items, setItems] = useState([]);
  const [cases, setCases] = useState([]);
  const [guide, setGuide] = useState(null);
  useEffect(() => {
    latestProcesses().then(setItems);
    get('/instances?limit=50').then((p) => setCases(p.items));
  }, []);
  const openGuide = async (d) => setGuide({ d, steps: stepsOf(await processXml(d.id)) });
  return (
    <Row gutter={16}>
      <Col xs={24} lg={12}>
        <Card size="small" title={t('items')}>
          <List dataSource={items} data-testid="portal-items" renderItem={(d) => (
            <List.Item actions={[
              <a key="g" onClick={() => openGuide(d)}>{t('guide')}</a>,
              <Button key="a" type="primary" size="small" data-testid={`apply-${d.process_id}`}
                onClick={() => navigate(`/portal/apply/${d.process_id}`)}>{t('applyFor')}</Button>]}>
              <List.Item.Meta title={d.name || d.process_id} description={`v${d.version} · ${d.process_id}`} />
            </List.Item>)} />
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        <Card size="small" title={t('myCases')}>
          <Table size="small" rowKey="id" dataSource={cases} pagination={false} data-testid="my-cases" columns={[
            { title: t('caseNo'), render: (_, r) => <Link to={`/portal/cases/${r.id}`}>{r.business_key || r.id.slice(0, 8)}</Link> },
            { title: t('item'), dataIndex: 'process_id' },
            { title: t('status'), dataIndex: 'status', render: (s) => <StatusTag status={s} /> },
            { title: t('startedAt'), dataIndex: 'started_at', render: fmt }]} />
        </Card>
      </Col>
      <Drawer open={!!guide} onClose={() => setGuide(null)} title={`${t('guide')} · ${guide?.d.name || ''}`} size="large">
        {guide && (
          <Descriptions column={1} bordered size="small" items={[
            { key: 'n', label: t('item'), children: guide.d.name || guide.d.process_id },
            { key: 'v', label: 'version', children: `v${guide.d.version} (${fmt(guide.d.deployed_at)})` },
            { key: 'f', label: t('forms'), children: guide.d.form_keys.join(', ') },
            { key: 's', label: t('progress'), children: (
              <Steps direction="vertical" size="small" items={guide.steps.map((s) => ({
                title: s.name, description: `${s.groups || ''} ${s.days ? `· ${s.days} ${t('timeLimit')}` : ''}` }))} />) },
            { key: 't', label: t('timeLimit'), children: guide.steps.reduce((n, s) => n + Number(s.days || 0), 0) },
          ]} />)}
      </Drawer>
    </Row>
  );
}

function Apply({ processId }) {
  const { t } = useI18n();
  const me = useSession();
  const { message } = App.useApp();
  const draftKey = `yw.draft.${me.username}.${processId}`;
  const [definition, setDefinition] = useState(null);
  const [form, setForm] = useState(null);
  // rjsf keeps the form state; the latest values are mirrored in a ref for the draft (feeding them
  // back as props on every keystroke would race with rjsf's own state).
  const [initial] = useState(() => ({ ...JSON.parse(localStorage.getItem(draftKey) || '{}'), applicant: me.username }));
  const current = useRef(initial);
  const [errors, setErrors] = useState(undefined);
  useEffect(() => {
    latestProcesses().then(async (all) => {
      const d = all.find((x) => x.process_id === processId);
      setDefinition(d);
      setForm(await applicationForm(d));
    });
  }, [processId]);
  const saveDraft = () => {
    localStorage.setItem(draftKey, JSON.stringify(current.current));
    message.success(t('draftSaved'));
  };
  const submit = async (values) => {
    try {
      const body = { process_id: processId,
        data: form?.schema?.properties?.applicant ? { ...values, applicant: me.username } : values };
      const created = await post('/instances', body, { headers: { 'Idempotency-Key': crypto.randomUUID() } });
      localStorage.removeItem(draftKey);
      message.success(t('submitted'));
      navigate(`/portal/cases/${created.id}`);
    } catch (e) {
      setErrors(extraErrorsFrom(e));
      message.error(problemLines(e).join('; '));
    }
  };
  if (!definition) return <Card loading />;
  const ui = { ...(form?.ui_schema || {}), applicant: { 'ui:widget': 'hidden' } };
  return (
    <Card title={`${t('applyFor')} · ${definition.name || processId}`} data-testid="apply-form">
      <FormView schema={form?.schema} uiSchema={ui} formData={initial} onChange={(d) => { current.current = d; }} onSubmit={submit}
        extraErrors={errors}>
        <Space>
          <Button onClick={saveDraft} data-testid="save-draft">{t('saveDraft')}</Button>
          <Button type="primary" htmlType="submit" data-testid="apply-submit">{t('submit')}</Button>
        </Space>
      </FormView>
    </Card>
  );
}

function CasePage({ caseId }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [view, setView] = useState(null);
  const [myTask, setMyTask] = useState(null);
  const [rating, setRating] = useState({ score: 5, comment: '', done: false });
  const load = useCallback(async () => {
    const c = await get(`/instances/${caseId}`);
    setView(c);
    const mine = (await get('/tasks?scope=mine')).items.filter((x) => x.instance_id === caseId);
    if (mine.length) setMyTask({ task: mine[0], form: await get(`/tasks/${mine[0].id}/form`) });
    else setMyTask(null);
  }, [caseId]);
  useEffect(() => { load(); }, [load]);

  const answer = async (values) => {
    try {
      await api('POST', `/tasks/${myTask.task.id}/complete`, { body: { data: values },
        headers: { 'If-Match': myTask.task.etag } });
      message.success(t('submitted'));
      await load();
    } catch (e) {
      message.error(problemLines(e).join('; '));
    }
  };
  const rate = async () => {
    try {
      await post(`/instances/${caseId}/rating`, { score: rating.score, comment: rating.comment || null });
      setRating({ ...rating, done: true });
    } catch (e) {
      message.error(problemLines(e).join('; '));
    }
  };
  if (!view) return <Card loading />;
  const deficiencies = view.data?.deficiencies || [];
  const done = view.status === 'completed';
  return (
    <Row gutter={16}>
      <Col xs={24} lg={14}>
        <Card size="small" data-testid="case-page"
          title={<span>{t('progress')} · {view.business_key || view.id} <StatusTag status={view.status} /></span>}>
          <Descriptions size="small" column={2} items={[
            { key: 'i', label: t('item'), children: view.process_id },
            { key: 's', label: t('startedAt'), children: fmt(view.started_at) },
            { key: 'c', label: t('currentStep'), children: view.current_tasks.map((x) => x.name).join('、') || '—' },
            { key: 'e', label: t('endedAt'), children: fmt(view.ended_at) },
          ]} />
          <History history={view.history} />
        </Card>
      </Col>
      <Col xs={24} lg={10}>
        {myTask && (
          <Card size="small" title={t('correctionNotice')} data-testid="correction">
            {deficiencies.length > 0 && <Alert type="warning" style={{ marginBottom: 8 }}
              title={<ul style={{ margin: 0 }}>{deficiencies.map((d) => <li key={d}>{d}</li>)}</ul>} />}
            <FormView schema={myTask.form.schema} uiSchema={myTask.form.ui_schema} onSubmit={answer} />
          </Card>
        )}
        {done && (
          <Card size="small" title={t('licence')} data-testid="result">
            <Result status="success" title={t('completed')} extra={
              <Button data-testid="licence-download" onClick={() => download(`licence-${view.id}.json`,
                JSON.stringify({ case: view.id, item: view.process_id, completed: view.ended_at, data: view.data }, null, 2),
                'application/json')}>{t('download')}</Button>} />
            <Typography.Title level={5}>{t('rate')}</Typography.Title>
            {rating.done ? <Tag color="green" data-testid="rated">{t('rated')}</Tag> : (
              <Space direction="vertical" style={{ width: '100%' }}>
                <Rate value={rating.score} onChange={(score) => setRating({ ...rating, score })} data-testid="rate-stars" />
                <Input.TextArea value={rating.comment} onChange={(e) => setRating({ ...rating, comment: e.target.value })} />
                <Button type="primary" onClick={rate} data-testid="rate-submit">{t('rate')}</Button>
              </Space>)}
          </Card>
        )}
      </Col>
    </Row>
  );
}
