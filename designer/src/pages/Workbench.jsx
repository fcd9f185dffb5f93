// Clerks and approvers: queues sorted by deadline with lights, and the task page beside them.
// Moving between tasks never reloads the page; J/K, C, Enter and Ctrl+Enter work the queue.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { App, Button, Card, Checkbox, Col, Divider, Empty, Input, List, Modal, Row, Select, Space, Table, Tabs, Tag,
  Typography } from 'antd';
import { api, extraErrorsFrom, get, post, problemLines } from '../api.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.jsx';
import { useSession } from '../session.js';
import { fmt, stepLight } from '../util.js';
import { useGroupTitle } from '../groups.js';
import FormView from '../forms/FormView.jsx';
import { CaseStatus, DataList, Deadline, History, Light } from './CaseParts.jsx';
import { definitionOutline } from './outline.js';
import { MaterialPreview, materialsIn } from '../forms/MaterialField.jsx';
import { itemDetail } from './items.js';

export default function Workbench({ taskId }) {
  const { t } = useI18n();
  const groupTitle = useGroupTitle();
  const [scope, setScope] = useState('all');
  const [processId, setProcessId] = useState(null);
  const [overdueOnly, setOverdueOnly] = useState(false);
  const [tasks, setTasks] = useState([]);
  const [lights, setLights] = useState({});
  const [queueLights, setQueueLights] = useState([]);
  const [cursor, setCursor] = useState(0);
  const [loading, setLoading] = useState(false);
  const { message } = App.useApp();

  const load = useCallback(async () => {
    setLoading(true);
    const params = new URLSearchParams({ scope, limit: '200' });
    if (processId) params.set('process_id', processId);
    if (overdueOnly) params.set('overdue', 'true');
    try {
      const [page, cases, counts] = await Promise.all([get(`/tasks?${params}`),
        get('/cases?open_only=true&limit=500').catch(() => ({ items: [] })),
        get('/tasks/lights').catch(() => [])]);
      // Lights as the supervision sweep marked them on each case (the server's clock and calendar).
      setLights(Object.fromEntries(cases.items.map((c) => [c.case_id, c.light])));
      setTasks(page.items);
      setQueueLights(counts);
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
    { title: t('light'), width: 50, render: (_, r) => <Light light={stepLight(r, lights[r.instance_id])} /> },
    { title: t('step'), dataIndex: 'name', render: (v, r) => <a data-testid="task-link"
      onClick={() => navigate(`/workbench/${r.id}`)}>{v || r.element_id}{r.loop_item ? ` · ${groupTitle(r.loop_item)}` : ''}</a> },
    { title: t('caseNo'), render: (_, r) => r.business_key || r.instance_id.slice(0, 8) },
    { title: t('deadline'), dataIndex: 'due_at', render: (v, r) => <Deadline at={v} provisional={r.due_provisional} /> },
    { title: t('assignee'), dataIndex: 'assignee', render: (v, r) => v || (
      <Button size="small" data-testid="claim" title={`${t('claim')} (C)`}
        onClick={(e) => { e.stopPropagation(); claim(r); }}>{t('claim')}</Button>) },
  ];
  return (
    <Row gutter={16}>
      <Col xs={24} lg={10}>
        <Card size="small" title={t('workbench')} extra={<Button size="small" onClick={load}>{t('refresh')}</Button>}>
          {queueLights.length > 0 && (
            <Space wrap size={[12, 4]} data-testid="queue-lights" style={{ marginBottom: 4 }}>
              {queueLights.map((q) => (
                <span key={q.group} data-testid={`queue-lights-${q.group}`}>
                  {groupTitle(q.group)}:{' '}
                  {['red', 'yellow', 'green'].map((l) => (
                    <span key={l} style={{ marginRight: 6 }} data-light-count={l}>
                      <Light light={l} /> {q[l]}
                    </span>))}
                </span>))}
            </Space>)}
          <Tabs activeKey={scope} onChange={setScope} size="small" items={[
            { key: 'all', label: t('allTasks') }, { key: 'mine', label: t('myTasks') },
            { key: 'queue', label: t('groupTasks') }]} />
          <Space style={{ marginBottom: 8 }} wrap>
            <Select allowClear placeholder={t('item')} style={{ width: 200 }} value={processId}
              onChange={setProcessId} options={processes.map((p) => ({ value: p, label: p }))} />
            <Checkbox checked={overdueOnly} onChange={(e) => setOverdueOnly(e.target.checked)}>{t('overdue')}</Checkbox>
          </Space>
          <Table size="small" rowKey="id" loading={loading} dataSource={tasks} columns={columns} pagination={false}
            data-testid="task-table" locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('noTasks')} /> }}
            rowClassName={(r, i) => (r.id === taskId || i === cursor ? 'yw-selected' : '')}
            onRow={(r, i) => ({ onClick: () => { setCursor(i); navigate(`/workbench/${r.id}`); } })} />
          <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="shortcuts">{t('shortcuts')}</Typography.Text>
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

// Quick actions: the standard fields of our task forms, filled and submitted with one click. Only what
// applies to this step is offered: the acceptance decisions where the form decides acceptance (a catalogue
// case's corrections only while none is pending: the server refuses a second one), approvals where it
// records an opinion or a decision.
function quickActions(schema, t, serviceCase) {
  const props = schema?.properties || {};
  const actions = [];
  const acceptance = props.acceptance?.enum || [];
  const pending = serviceCase?.corrections?.some((c) => !c.resubmitted_at);
  for (const [value, label] of [['accept', 'accept'], ['correct', 'correct'], ['refuse', 'refuse']]) {
    if (value === 'correct' && pending) continue;
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

// A licence is issued on the step that hands out the result (a flow from it reaches a plain end event), for an
// open case that was not refused or denied, by staff allowed to issue (the server checks the same), once.
function mayIssue(task, outline, serviceCase, me) {
  return Boolean(serviceCase && outline?.resultSteps.has(task.element_id) && !serviceCase.closed_at
    && !['not_accepted', 'denied', 'cancelled'].includes(serviceCase.outcome) && !serviceCase.licences.length
    && (me?.permissions || []).includes('licences:issue'));
}

function TaskPage({ taskId, onDone }) {
  const { t } = useI18n();
  const me = useSession();
  const groupTitle = useGroupTitle();
  const [outline, setOutline] = useState(null);
  const [refusing, setRefusing] = useState(false);
  const { message, modal } = App.useApp();
  const [task, setTask] = useState(null);
  const [form, setForm] = useState(null);
  const [caseView, setCaseView] = useState(null);
  const [serviceCase, setServiceCase] = useState(null);
  const [correcting, setCorrecting] = useState(false);
  const [issuing, setIssuing] = useState(false);
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
      // A case of a catalogue item (opened through POST /cases) has a tracking number, clock and light.
      setServiceCase(await get(`/cases/${tk.instance_id}`).catch(() => null));
      // The task form starts from the case data it is rendered with, restricted to the form's fields.
      const keys = Object.keys(f.schema?.properties || {});
      const start = Object.fromEntries(keys.filter((k) => k in (f.data || {})).map((k) => [k, f.data[k]]));
      current.current = start;
      setData(start);
      const found = await definitionOutline(c.definition_id);
      setOutline(found);
      if (found.startFormKey) setAppForm(await get(`/forms/${found.startFormKey}`).catch(() => null));
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
  const actions = quickActions(form.schema, t, serviceCase);
  const materials = materialsIn(caseView?.data);
  const reload = async () => setServiceCase(await get(`/cases/${task.instance_id}`).catch(() => null));
  return (
    <Card size="small" data-testid="task-page"
      title={<span>{task.name || task.element_id} {task.loop_item && <Tag data-testid="task-loop-item">{groupTitle(task.loop_item)}</Tag>}
        <Typography.Text type="secondary" style={{ fontSize: 12 }}> {task.business_key || task.instance_id}</Typography.Text></span>}
      extra={<Space>{t('deadline')}: <Deadline at={task.due_at} provisional={task.due_provisional} /> <Light light={stepLight(task, serviceCase?.light)} /></Space>}>
      {serviceCase && (
        <Space wrap data-testid="service-case">
          <CaseStatus view={serviceCase} />
          <span>{serviceCase.item_name}</span>
          <span>{t('caseDeadline')}: <Deadline at={serviceCase.due_at} provisional={serviceCase.due_provisional} /></span>
          {serviceCase.corrections.length > 0 && <Tag>{t('correctionNotice')} × {serviceCase.corrections.length}</Tag>}
          {serviceCase.licences.map((n) => <Tag color="blue" key={n} data-testid="issued-licence">{t('licence')} {n}</Tag>)}
        </Space>)}
      <Divider titlePlacement="left" plain>{t('application')}</Divider>
      <div data-testid="application">
        {appForm ? <FormView schema={appForm.schema} uiSchema={appForm.ui_schema} formData={caseView?.data} readonly
          context={{ caseId: task.instance_id }} />
          : <DataList data={caseView?.data} />}
      </div>
      <Divider titlePlacement="left" plain>{t('materials')}</Divider>
      {materials.length ? <List size="small" dataSource={materials} data-testid="materials" renderItem={(m) => (
        <List.Item><MaterialPreview caseId={task.instance_id} refValue={m.ref} /></List.Item>)} />
        : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />}
      <Divider titlePlacement="left" plain>{t('opinions')}</Divider>
      {caseView && <History history={caseView.history} names={outline?.names} />}
      {comments.length > 0 && (
        <List size="small" header={t('thisStep')} dataSource={comments} data-testid="task-comments" renderItem={(c) => (
          <List.Item>{c.author}: {c.text} {c.verdict && <Tag>{t(c.verdict)}</Tag>} <small>{fmt(c.at)}</small></List.Item>)} />)}
      <Divider titlePlacement="left" plain>{t('taskForm')}</Divider>
      <div data-testid="task-form">
        <FormView schema={form.schema} uiSchema={form.ui_schema} formData={data}
          onChange={(d) => { current.current = d; }}
          onSubmit={complete} extraErrors={extraErrors} formRef={formRef}>
          {/* rjsf does not re-render its children when only their handlers change: the buttons live outside. */}
          <></>
        </FormView>
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
                // A case of a catalogue item gets the one-time notice built by ticking what is deficient;
                // otherwise 'correct' needs the deficiencies listed in the form first.
                // A catalogue case's refusal goes through POST /cases/{id}/refusal (reason and notice).
                if (a.key === 'correct' && serviceCase) setCorrecting(true);
                else if (a.patch.acceptance === 'refuse' && serviceCase) setRefusing(true);
                else if (a.key !== 'correct') setTimeout(() => formRef.current?.submit(), 0);
              }}>{a.label}</Button>))}
          <Button type={actions.length ? 'default' : 'primary'} loading={busy}
            data-testid="task-submit" title={`${t('submit')} (Ctrl+Enter)`} onClick={() => formRef.current?.submit()}>
            {t('submit')}<span className="yw-kbd">Ctrl+Enter</span></Button>
          <Button onClick={transfer} data-testid="transfer">{t('transfer')}</Button>
          {mayIssue(task, outline, serviceCase, me) && (
            <Button onClick={() => setIssuing(true)} data-testid="issue-licence">{t('issueLicence')}</Button>)}
        </Space>
      </div>
      {correcting && <CorrectionBuilder serviceCase={serviceCase} task={task} form={form} appForm={appForm}
        values={current.current} onCancel={() => setCorrecting(false)} onSent={onDone} />}
      {refusing && <RefuseCase serviceCase={serviceCase} task={task} values={current.current}
        onCancel={() => setRefusing(false)} onSent={onDone} />}
      {issuing && <IssueLicence serviceCase={serviceCase} onClose={async (issued) => {
        setIssuing(false);
        if (issued) await reload();
      }} />}
    </Card>
  );
}

// The one-time notice (一次性告知): tick every deficient material or field, say what is wrong, send it with
// POST /cases/{id}/corrections, which also completes this acceptance step with the form's decision.
function CorrectionBuilder({ serviceCase, task, form, appForm, values, onCancel, onSent }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [choices, setChoices] = useState([]);
  const [picked, setPicked] = useState({});
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    itemDetail(serviceCase.item_code, serviceCase.item_version).then((item) => {
      const materials = (item.document.materials || []).map((m) => ({ key: `m:${m.code}`, kind: 'material',
        ref: m.code, name: m.name }));
      const fields = Object.entries(appForm?.schema?.properties || {})
        .filter(([k, f]) => k !== 'applicant' && !f['x-material'])
        .map(([k, f]) => ({ key: `f:${k}`, kind: 'field', ref: `/${k}`, name: f.title || k }));
      setChoices([...materials, ...fields]);
    });
  }, [serviceCase, appForm]);
  const items = choices.filter((c) => picked[c.key] !== undefined)
    .map((c) => ({ kind: c.kind, ref: c.ref, name: c.name, problem: picked[c.key].trim() || t('defaultProblem') }));
  const send = async () => {
    setBusy(true);
    try {
      // The acceptance form records the decision too; its deficiencies are plain names or notice items.
      const listed = form.schema?.properties?.deficiencies?.items?.type === 'object' ? items
        : items.map((i) => `${i.name}: ${i.problem}`);
      const data = { ...values, acceptance: 'correct', deficiencies: listed };
      await post(`/cases/${serviceCase.case_id}/corrections`, { items, task_id: task.id, data });
      message.success(t('correctionSent'));
      onSent();
    } catch (e) {
      message.error(problemLines(e).join('; '));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={t('correctionNotice')} onCancel={onCancel} onOk={send} confirmLoading={busy}
      okButtonProps={{ disabled: !items.length, 'data-testid': 'correction-send' }} width={640}>
      <List size="small" dataSource={choices} data-testid="correction-builder" renderItem={(c) => (
        <List.Item>
          <Space style={{ width: '100%' }} wrap>
            <Checkbox checked={picked[c.key] !== undefined} data-testid={`deficient-${c.ref}`}
              onChange={(e) => setPicked((p) => {
                const next = { ...p };
                if (e.target.checked) next[c.key] = ''; else delete next[c.key];
                return next;
              })}>
              <Tag>{t(c.kind === 'material' ? 'materials' : 'field')}</Tag>{c.name}
            </Checkbox>
            {picked[c.key] !== undefined && (
              <Input size="small" style={{ width: 300 }} placeholder={t('problem')} value={picked[c.key]}
                data-testid={`problem-${c.ref}`} onChange={(e) => setPicked((p) => ({ ...p, [c.key]: e.target.value }))} />)}
          </Space>
        </List.Item>)} />
    </Modal>
  );
}

// Not accepted (不予受理) for a catalogue case: the reason (and the basis) go to POST /cases/{id}/refusal, which
// writes the notice with the applicant's remedies and completes the acceptance step with its decision.
function RefuseCase({ serviceCase, task, values, onCancel, onSent }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [reason, setReason] = useState(values.reason || '');
  const [basis, setBasis] = useState('');
  const [busy, setBusy] = useState(false);
  const send = async () => {
    setBusy(true);
    try {
      const data = { ...values, acceptance: 'refuse', reason: reason.trim() };
      await post(`/cases/${serviceCase.case_id}/refusal`, { reason: reason.trim(), basis: basis.trim() || null,
        task_id: task.id, data });
      message.success(t('refusalSent'));
      onSent();
    } catch (e) {
      message.error(problemLines(e).join('; '));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={t('refuse')} onCancel={onCancel} onOk={send} confirmLoading={busy}
      okButtonProps={{ disabled: !reason.trim(), danger: true, 'data-testid': 'refusal-send' }}>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Input.TextArea rows={3} placeholder={t('refuseReason')} value={reason} data-testid="refusal-reason"
          onChange={(e) => setReason(e.target.value)} />
        <Input placeholder={t('refuseBasis')} value={basis} onChange={(e) => setBasis(e.target.value)} />
      </Space>
    </Modal>
  );
}

// Issue the e-licence of the case (POST /cases/{id}/licences): signed by the server, downloadable by the applicant.
function IssueLicence({ serviceCase, onClose }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [holder, setHolder] = useState({ holder_name: '', holder_id: '', title: '', licence_type: '' });
  const [busy, setBusy] = useState(false);
  const issue = async () => {
    setBusy(true);
    try {
      const licence = await post(`/cases/${serviceCase.case_id}/licences`, {
        holder_name: holder.holder_name.trim(), holder_id: holder.holder_id.trim(),
        title: holder.title.trim() || null, licence_type: holder.licence_type.trim() || null,
        data: { item: serviceCase.item_name, tracking_number: serviceCase.tracking_number } });
      message.success(`${t('licence')} ${licence.number}`);
      onClose(true);
    } catch (e) {
      message.error(problemLines(e).join('; '));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={t('issueLicence')} onCancel={() => onClose(false)} onOk={issue} confirmLoading={busy}
      okButtonProps={{ 'data-testid': 'issue-licence-ok' }}>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Input addonBefore={t('holderName')} value={holder.holder_name} data-testid="licence-holder-name"
          onChange={(e) => setHolder({ ...holder, holder_name: e.target.value })} />
        <Input addonBefore={t('holderId')} value={holder.holder_id} data-testid="licence-holder-id"
          onChange={(e) => setHolder({ ...holder, holder_id: e.target.value })} />
        <Input addonBefore={t('licenceTitle')} value={holder.title} placeholder={t('fromItem')}
          onChange={(e) => setHolder({ ...holder, title: e.target.value })} />
        <Input addonBefore={t('licenceType')} value={holder.licence_type} placeholder={t('fromItem')}
          onChange={(e) => setHolder({ ...holder, licence_type: e.target.value })} />
      </Space>
    </Modal>
  );
}
