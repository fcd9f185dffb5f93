// Clerks and approvers: queues sorted by deadline with lights, and the task page beside them.
// Moving between tasks never reloads the page; J/K, C, Enter and Ctrl+Enter work the queue.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { App, Button, Card, Checkbox, Col, Divider, Empty, Input, List, Row, Select, Space, Table, Tabs, Tag,
  Typography } from 'antd';
import { api, extraErrorsFrom, get, post, problemLines } from '../api.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.jsx';
import { fmt, startFormKey } from '../util.js';
import FormView from '../forms/FormView.jsx';
import { DataList, History, Light } from './CaseParts.jsx';

export default function Workbench({ taskId }) {
  const { t } = useI18n();
  const [scope, setScope] = useState('all');
  const [processId, setProcessId] = useState(null);
  const [overdueOnly, setOverdueOnly] = useState(false);
  const [tasks, setTasks] = useState([]);
  const [cursor, setCursor] = useState(0);
  const [loading, setLoading] = useState(false);
  const { message } = App.useApp();

  const load = useCallback(async () => {
    setLoading(true);
    const params = new URLSearchParams({ scope, limit: '200' });
    if (processId) params.set('process_id', processId);
    if (overdueOnly) params.set('overdue', 'true');
    try {
      setTasks((await get(`/tasks?${params}`)).items);
    } finally {
      setLoading(false);
    }
  }, [scope, processId, overdueOnly]);
  useEffect(() => { load(); }, [load]);

  const claim = useCallback(async (task) => {
    try {
      await post(`/tasks/${task.id}/claim`);
      message.success(`${t('claim')} ✓`);
      await load();
    } catch (e) {
      message.error(problemLines(e).join('; '));
    }
  }, [load, message, t]);

  // One-key work: J/K move, C claims, Enter opens (ignored while typing in a field).
  useEffect(() => {
    const onKey = (e) => {
      if (['INPUT', 'TEXTAREA', 'SELECT'].includes(e.target.tagName) || e.target.isContentEditable) return;
      if (e.key === 'j') setCursor((c) => Math.min(c + 1, tasks.length - 1));
      else if (e.key === 'k') setCursor((c) => Math.max(c - 1, 0));
      else if (e.key === 'c' && tasks[cursor]) claim(tasks[cursor]);
      else if (e.key === 'Enter' && tasks[cursor]) navigate(`/workbench/${tasks[cursor].id}`);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [tasks, cursor, claim]);

  const processes = useMemo(() => [...new Set(tasks.map((x) => x.process_id))], [tasks]);
  const columns = [
    { title: t('light'), width: 50, render: (_, r) => <Light task={r} /> },
    { title: t('step'), dataIndex: 'name', render: (v, r) => <a data-testid="task-link"
      onClick={() => navigate(`/workbench/${r.id}`)}>{v || r.element_id}{r.loop_item ? ` · ${r.loop_item}` : ''}</a> },
    { title: t('caseNo'), render: (_, r) => r.business_key || r.instance_id.slice(0, 8) },
    { title: t('deadline'), dataIndex: 'due_at', render: fmt },
    { title: t('assignee'), dataIndex: 'assignee', render: (v, r) => v || (
      <Button size="small" data-testid="claim" onClick={(e) => { e.stopPropagation(); claim(r); }}>{t('claim')}</Button>) },
  ];
  return (
    <Row gutter={16}>
      <Col xs={24} lg={10}>
        <Card size="small" title={t('workbench')} extra={<Button size="small" onClick={load}>{t('refresh')}</Button>}>
          <Tabs activeKey={scope} onChange={setScope} size="small" items={[
            { key: 'all', label: t('allTasks') }, { key: 'mine', label: t('myTasks') },
            { key: 'queue', label: t('groupTasks') }]} />
          <Space style={{ marginBottom: 8 }} wrap>
            <Select allowClear placeholder={t('item')} style={{ width: 200 }} value={processId}
              onChange={setProcessId} options={processes.map((p) => ({ value: p, label: p }))} />
            <Checkbox checked={overdueOnly} onChange={(e) => setOverdueOnly(e.target.checked)}>{t('overdue')}</Checkbox>
          </Space>
          <Table size="small" rowKey="id" loading={loading} dataSource={tasks} columns={columns} pagination={false}
            data-testid="task-table"
            rowClassName={(r, i) => (r.id === taskId || i === cursor ? 'yw-selected' : '')}
            onRow={(r, i) => ({ onClick: () => { setCursor(i); navigate(`/workbench/${r.id}`); } })} />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('shortcuts')}</Typography.Text>
        </Card>
      </Col>
      <Col xs={24} lg={14}>
        {taskId ? <TaskPage key={taskId} taskId={taskId} onDone={async () => {
          await load();
          navigate('/workbench');
        }} /> : <Card><Empty description={t('noTask')} /></Card>}
      </Col>
    </Row>
  );
}

// Quick actions: the standard fields of our task forms, filled and submitted with one click.
function quickActions(schema, t) {
  const props = schema?.properties || {};
  const actions = [];
  const acceptance = props.acceptance?.enum || [];
  for (const [value, label] of [['accept', 'accept'], ['correct', 'correct'], ['refuse', 'refuse']]) {
    if (acceptance.includes(value)) actions.push({ key: value, label: t(label), patch: { acceptance: value } });
  }
  if (props.opinion?.properties?.approved) {
    actions.push({ key: 'approve', label: t('approve'), patch: { opinion: { approved: true } }, merge: 'opinion' });
    actions.push({ key: 'disapprove', label: t('disapprove'), patch: { opinion: { approved: false } }, merge: 'opinion' });
  }
  const decision = props.decision?.enum || [];
  if (decision.includes('approve')) actions.push({ key: 'approve', label: t('approve'), patch: { decision: 'approve' } });
  if (decision.includes('refuse')) actions.push({ key: 'refuse', label: t('refuse'), patch: { decision: 'refuse' } });
  return actions;
}

function TaskPage({ taskId, onDone }) {
  const { t } = useI18n();
  const { message, modal } = App.useApp();
  const [task, setTask] = useState(null);
  const [form, setForm] = useState(null);
  const [caseView, setCaseView] = useState(null);
  const [appForm, setAppForm] = useState(null);
  const [comments, setComments] = useState([]);
  const [data, setData] = useState({});
  const [extraErrors, setExtraErrors] = useState(undefined);
  const [opinion, setOpinion] = useState('');
  const [busy, setBusy] = useState(false);
  const formRef = useRef(null);
  // rjsf owns the form state; quick actions replace it through `data`, typing only updates this mirror.
  const current = useRef({});

  useEffect(() => {
    (async () => {
      const tk = await get(`/tasks/${taskId}`);
      setTask(tk);
      const [f, c, cm] = await Promise.all([get(`/tasks/${taskId}/form`), get(`/instances/${tk.instance_id}`),
        get(`/tasks/${taskId}/comments`)]);
      setForm(f);
      setCaseView(c);
      setComments(cm);
      // The task form starts from the case data it is rendered with, restricted to the form's fields.
      const keys = Object.keys(f.schema?.properties || {});
      const start = Object.fromEntries(keys.filter((k) => k in (f.data || {})).map((k) => [k, f.data[k]]));
      current.current = start;
      setData(start);
      try {
        const xml = await (await api('GET', `/definitions/${c.definition_id}/xml`, { raw: true })).text();
        const key = startFormKey(xml);
        if (key) setAppForm(await get(`/forms/${key}`));
      } catch {
        /* show the plain data instead */
      }
    })().catch((e) => message.error(problemLines(e).join('; ')));
  }, [taskId, message]);

  const complete = useCallback(async (values) => {
    setBusy(true);
    setExtraErrors(undefined);
    try {
      let current = await get(`/tasks/${taskId}`);
      if (!current.assignee) current = await post(`/tasks/${taskId}/claim`);
      if (opinion.trim()) {
        const approved = values?.opinion?.approved;
        await post(`/tasks/${taskId}/comments`, { kind: 'opinion', text: opinion.trim(),
          verdict: approved === undefined ? null : approved ? 'agree' : 'disagree' });
      }
      await api('POST', `/tasks/${taskId}/complete`, { body: { data: values }, headers: { 'If-Match': current.etag } });
      message.success(t('done'));
      onDone();
    } catch (e) {
      setExtraErrors(extraErrorsFrom(e));
      message.error(problemLines(e).join('; '));
    } finally {
      setBusy(false);
    }
  }, [taskId, opinion, onDone, message, t]);

  // Ctrl+Enter submits the task form.
  useEffect(() => {
    const onKey = (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) formRef.current?.submit();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const transfer = () => {
    let to = '';
    let reason = '';
    modal.confirm({
      title: t('transfer'),
      content: (<Space direction="vertical" style={{ width: '100%' }}>
        <Input placeholder={t('transferTo')} onChange={(e) => { to = e.target.value; }} data-testid="transfer-to" />
        <Input placeholder={t('reason')} onChange={(e) => { reason = e.target.value; }} />
      </Space>),
      onOk: async () => {
        try {
          if (!task.assignee) await post(`/tasks/${taskId}/claim`);
          await post(`/tasks/${taskId}/transfer`, { to_user: to, reason: reason || null });
          onDone();
        } catch (e) {
          message.error(problemLines(e).join('; '));
        }
      },
    });
  };

  if (!task || !form) return <Card loading />;
  const actions = quickActions(form.schema, t);
  const materials = Object.entries(caseView?.data || {}).filter(([, v]) => typeof v === 'string' && v.startsWith('data:'));
  return (
    <Card size="small" data-testid="task-page"
      title={<span>{task.name || task.element_id} {task.loop_item && <Tag>{task.loop_item}</Tag>}
        <Typography.Text type="secondary" style={{ fontSize: 12 }}> {task.business_key || task.instance_id}</Typography.Text></span>}
      extra={<Space>{t('deadline')}: {fmt(task.due_at)} <Light task={task} /></Space>}>
      <Divider titlePlacement="left" plain>{t('application')}</Divider>
      <div data-testid="application">
        {appForm ? <FormView schema={appForm.schema} uiSchema={appForm.ui_schema} formData={caseView?.data} readonly />
          : <DataList data={caseView?.data} />}
      </div>
      <Divider titlePlacement="left" plain>{t('materials')}</Divider>
      {materials.length ? <List size="small" dataSource={materials} renderItem={([k, v]) => (
        <List.Item><a href={v} download={k}>{k}</a></List.Item>)} /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />}
      <Divider titlePlacement="left" plain>{t('opinions')}</Divider>
      <List size="small" dataSource={comments} locale={{ emptyText: t('noData') }} renderItem={(c) => (
        <List.Item>{c.author}: {c.text} {c.verdict && <Tag>{c.verdict}</Tag>} <small>{fmt(c.at)}</small></List.Item>)} />
      {caseView && <History history={caseView.history} />}
      <Divider titlePlacement="left" plain>{t('taskForm')}</Divider>
      <div data-testid="task-form">
        <FormView schema={form.schema} uiSchema={form.ui_schema} formData={data}
          onChange={(d) => { current.current = d; }}
          onSubmit={complete} extraErrors={extraErrors} formRef={formRef}>
          <Input.TextArea rows={2} placeholder={t('comment')} value={opinion} onChange={(e) => setOpinion(e.target.value)}
            data-testid="opinion" style={{ marginBottom: 8 }} />
          <Space wrap>
            {actions.map((a) => (
              <Button key={a.key} type={a.key === 'accept' || a.key === 'approve' ? 'primary' : 'default'}
                danger={a.key === 'refuse' || a.key === 'disapprove'} loading={busy} data-testid={`action-${a.key}`}
                onClick={() => {
                  const now = current.current;
                  const next = a.merge ? { ...now, [a.merge]: { ...(now[a.merge] || {}), ...a.patch[a.merge] } }
                    : { ...now, ...a.patch };
                  current.current = next;
                  setData(next);
                  // 'correct' needs the deficiencies listed first: only fill it in; otherwise submit now.
                  if (a.key !== 'correct') setTimeout(() => formRef.current?.submit(), 0);
                }}>{a.label}</Button>))}
            <Button htmlType="submit" type={actions.length ? 'default' : 'primary'} loading={busy}
              data-testid="task-submit">{t('submit')}</Button>
            <Button onClick={transfer} data-testid="transfer">{t('transfer')}</Button>
          </Space>
        </FormView>
      </div>
    </Card>
  );
}
