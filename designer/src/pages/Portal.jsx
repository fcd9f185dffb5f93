// Applicants: browse the catalogue with its service guides, apply through POST /cases (drafts kept on the server
// under /drafts, materials uploaded), answer a corrections notice (/resubmit), follow progress, download the e-licence, rate.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Drawer, Empty, Input, List, Rate, Result, Row, Select, Space,
  Table, Tag, Typography } from 'antd';
import { api, extraErrorsFrom, get, post, problemLines } from '../api.js';
import { useI18n } from '../i18n.js';
import { Link, match, navigate } from '../router.jsx';
import { useSession } from '../session.js';
import { download, fmt } from '../util.js';
import FormView from '../forms/FormView.jsx';
import { CaseStatus, Deadline, History, Light } from './CaseParts.jsx';
import { definitionOutline } from './outline.js';
import { applicationForm, catalogueItems, guideUrl, itemDetail, withoutApplicant } from './items.js';

export default function Portal({ path }) {
  const apply = match('/portal/apply/:code', path);
  const one = match('/portal/cases/:id', path);
  if (apply) return <Apply code={apply.code} />;
  if (one) return <CasePage caseId={one.id} />;
  return <Home />;
}

function Home() {
  const { t } = useI18n();
  const [items, setItems] = useState([]);
  const [cases, setCases] = useState([]);
  const [drafts, setDrafts] = useState([]);
  const [guide, setGuide] = useState(null);
  useEffect(() => {
    catalogueItems().then(setItems);
    get('/cases?limit=50').then((p) => setCases(p.items));
    get('/drafts').then((p) => setDrafts(p.items)).catch(() => setDrafts([]));  // staff without the right to apply
  }, []);
  return (
    <Row gutter={16}>
      <Col xs={24} lg={12}>
        <Card size="small" title={t('items')}>
          <List dataSource={items} data-testid="portal-items" renderItem={(item) => (
            <List.Item actions={[
              <a key="g" onClick={async () => setGuide(await itemDetail(item.code))} data-testid={`guide-${item.code}`}>
                {t('guide')}</a>,
              <Button key="a" type="primary" size="small" data-testid={`apply-${item.code}`}
                onClick={() => navigate(`/portal/apply/${encodeURIComponent(item.code)}`)}>{t('applyFor')}</Button>]}>
              <List.Item.Meta title={item.name} description={
                `${item.code} · ${item.department} · ${t('promisedDays')} ${item.promised_days}`} />
            </List.Item>)} />
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        {drafts.length > 0 && <Card size="small" title={t('myDrafts')} style={{ marginBottom: 16 }}>
          <List size="small" dataSource={drafts} data-testid="my-drafts" renderItem={(d) => (
            <List.Item actions={[<Link key="c" to={`/portal/apply/${encodeURIComponent(d.item_code)}`}
              data-testid={`draft-${d.item_code}`}>{t('continueDraft')}</Link>]}>
              <List.Item.Meta title={d.item_name || d.item_code} description={`${t('draftSavedAt')} ${fmt(d.saved_at)}`} />
            </List.Item>)} />
        </Card>}
        <Card size="small" title={t('myCases')}>
          <Table size="small" rowKey="case_id" dataSource={cases} pagination={false} data-testid="my-cases" columns={[
            { title: t('trackingNumber'), render: (_, r) => (
              <Link to={`/portal/cases/${r.case_id}`} data-testid="case-link">{r.tracking_number}</Link>) },
            { title: t('item'), dataIndex: 'item_name' },
            { title: t('status'), render: (_, r) => <CaseStatus view={r} /> },
            { title: t('startedAt'), dataIndex: 'opened_at', render: fmt }]} />
        </Card>
      </Col>
      <Drawer open={!!guide} onClose={() => setGuide(null)} title={`${t('guide')} · ${guide?.name || ''}`} size="large">
        {guide && <Guide item={guide} />}
      </Drawer>
    </Row>
  );
}

function Guide({ item }) {
  const { t } = useI18n();
  const doc = item.document;
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="guide">
      <Descriptions column={1} bordered size="small" items={[
        { key: 'c', label: t('itemCode'), children: item.code },
        { key: 't', label: t('itemType'), children: item.type_label },
        { key: 'd', label: t('department'), children: item.department },
        { key: 'l', label: t('timeLimit'), children: `${t('statutoryDays')} ${item.statutory_days} · ${t('promisedDays')} ${item.promised_days}` },
        { key: 'v', label: t('delivery'), children: (doc.delivery || []).map((d) => t(`delivery_${d}`)).join('、') },
        { key: 'm', label: t('materials'), children: (
          <ul style={{ margin: 0, paddingLeft: 18 }}>{(doc.materials || []).map((m) => (
            <li key={m.code}>{m.name}{m.required === false ? ` (${t('optional')})` : ''}
              {m.formats ? ` · ${m.formats.join('/')}` : ''}</li>))}</ul>) },
      ]} />
      <a href={guideUrl(item.code)} target="_blank" rel="noreferrer">{t('printGuide')}</a>
    </Space>
  );
}

function Apply({ code }) {
  const { t } = useI18n();
  const me = useSession();
  const { message } = App.useApp();
  const draftPath = `/drafts/${encodeURIComponent(code)}`;
  const [item, setItem] = useState(null);
  const [form, setForm] = useState(null);
  // The draft is the server's (it follows the applicant to another device; nothing stays in the browser).
  // rjsf keeps the form state; the latest values are mirrored in a ref for the draft (feeding them back as
  // props on every keystroke would race with rjsf's own state).
  const [draft, setDraft] = useState(undefined);
  const current = useRef({});
  const [applicant, setApplicant] = useState({ id_number: '', kind: 'person' });
  const [errors, setErrors] = useState(undefined);
  const [problems, setProblems] = useState(null);
  useEffect(() => {
    itemDetail(code).then(async (found) => {
      setItem(found);
      setForm(await applicationForm(found));
    });
    get(draftPath).then((kept) => {
      current.current = kept.data;
      setApplicant({ id_number: kept.applicant.id_number, kind: kept.applicant.kind });
      setDraft(kept);
    }).catch((e) => {
      if (e.status !== 404) message.error(problemLines(e).join('; '));
      setDraft(null);
    });
  }, [code, draftPath, message]);
  const saveDraft = async () => {
    try {
      const kept = await api('PUT', draftPath, { body: { data: current.current, applicant } });
      message.success(`${t('draftSaved')} ${fmt(kept.saved_at)}`);
    } catch (e) {
      message.error(problemLines(e).join('; '));
    }
  };
  const discardDraft = async () => {
    await api('DELETE', draftPath);
    current.current = {};
    setApplicant({ id_number: '', kind: 'person' });
    setDraft(null);
  };
  const submit = async (values) => {
    setProblems(null);
    try {
      const data = form?.schema?.properties?.applicant ? { ...values, applicant: me.username } : values;
      const receipt = await post('/cases', { item_code: code, item_version: item.version, channel: 'online',
        applicant: { id_number: applicant.id_number.trim(), kind: applicant.kind }, data });
      message.success(`${t('submitted')}: ${receipt.tracking_number}`);
      navigate(`/portal/cases/${receipt.case_id}`);
    } catch (e) {
      setErrors(extraErrorsFrom(e));
      setProblems(problemLines(e));
    }
  };
  if (!item || !form || draft === undefined) return <Card loading />;
  const ui = { ...(form.ui_schema || {}), applicant: { 'ui:widget': 'hidden' } };
  return (
    <Card title={`${t('applyFor')} · ${item.name}`} data-testid="apply-form">
      <Space style={{ marginBottom: 12 }} wrap>
        <Select value={applicant.kind} style={{ width: 140 }} onChange={(kind) => setApplicant({ ...applicant, kind })}
          options={[{ value: 'person', label: t('person') }, { value: 'company', label: t('company') }]} />
        <Input style={{ width: 300 }} data-testid="apply-id-number" value={applicant.id_number}
          placeholder={applicant.kind === 'person' ? t('residentId') : t('creditCode')}
          onChange={(e) => setApplicant({ ...applicant, id_number: e.target.value })} />
      </Space>
      {draft && <Alert type="info" style={{ marginBottom: 12 }} data-testid="draft-restored"
        title={`${t('draftRestored')} ${fmt(draft.saved_at)}`}
        action={<Button size="small" onClick={discardDraft} data-testid="discard-draft">{t('discardDraft')}</Button>} />}
      {problems && <Alert type="error" style={{ marginBottom: 12 }} data-testid="apply-problems"
        title={<ul style={{ margin: 0 }}>{problems.map((p) => <li key={p}>{p}</li>)}</ul>} />}
      <FormView key={draft ? draft.saved_at : 'new'} schema={withoutApplicant(form.schema)} uiSchema={ui}
        formData={current.current} extraErrors={errors}
        context={{ formKey: form.key, formVersion: form.version }}
        onChange={(d) => { current.current = d; }} onSubmit={submit}>
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
  const me = useSession();
  const { message } = App.useApp();
  const [view, setView] = useState(null);
  const load = useCallback(async () => {
    const [c, receipt, instance] = await Promise.all([get(`/cases/${caseId}`), get(`/cases/${caseId}/receipt`),
      get(`/instances/${caseId}`)]);
    const mine = c.current_tasks.find((x) => x.assignee === me.username);
    const [taskForm, outline] = await Promise.all([mine ? get(`/tasks/${mine.id}/form`) : null,
      definitionOutline(instance.definition_id)]);
    setView({ c, receipt, instance, taskForm, names: outline.names });
  }, [caseId, me.username]);
  useEffect(() => { load().catch((e) => message.error(problemLines(e).join('; '))); }, [load, message]);

  if (!view) return <Card loading />;
  const { c, receipt, instance, taskForm, names } = view;
  const open = c.corrections.find((x) => !x.resubmitted_at);
  return (
    <Row gutter={16}>
      <Col xs={24} lg={14}>
        <Card size="small" data-testid="case-page" title={<Space>
          {t('trackingNumber')} <span data-testid="tracking-number">{c.tracking_number}</span>
          <CaseStatus view={c} /> <Light light={c.light} /></Space>}>
          <Descriptions size="small" column={2} items={[
            { key: 'i', label: t('item'), children: c.item_name },
            { key: 's', label: t('startedAt'), children: fmt(c.opened_at) },
            { key: 'd', label: t('deadline'), children: <span><Deadline at={c.due_at} provisional={c.due_provisional} />
              {` (${t('promisedDays')} ${c.promised_days}${c.paused_days ? ` + ${c.paused_days}` : ''})`}</span> },
            { key: 'c', label: t('currentStep'), children: c.current_tasks.map((x) => x.name).join('、') || '—' },
            { key: 'e', label: t('endedAt'), children: fmt(c.closed_at) },
          ]} />
          <History history={instance.history} names={names} />
        </Card>
      </Col>
      <Col xs={24} lg={10}>
        {open && <Correction caseId={caseId} notice={open} taskForm={taskForm} onDone={load} />}
        {c.closed_at && <Outcome c={c} onRated={load} />}
        <Card size="small" title={t('receipt')} data-testid="portal-receipt" style={{ marginTop: 16 }}>
          <Space align="start">
            <img src={receipt.qr_svg} alt="QR" width={120} height={120} data-testid="receipt-qr" />
            <Space direction="vertical">
              <span>{t('trackHint')}</span>
              <span>{t('queryCode')}: <b data-testid="receipt-code">{receipt.query_code}</b></span>
              <a href={receipt.progress_url} data-testid="progress-link">{receipt.progress_url}</a>
            </Space>
          </Space>
        </Card>
      </Col>
    </Row>
  );
}

function Correction({ caseId, notice, taskForm, onDone }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [errors, setErrors] = useState(undefined);
  const resubmit = async (data) => {
    try {
      await post(`/cases/${caseId}/resubmit`, { data });
      message.success(t('submitted'));
      await onDone();
    } catch (e) {
      setErrors(extraErrorsFrom(e));
      message.error(problemLines(e).join('; '));
    }
  };
  return (
    <Card size="small" title={`${t('correctionNotice')} (${t('round')} ${notice.round})`} data-testid="correction">
      <Alert type="warning" style={{ marginBottom: 8 }} title={
        <ul style={{ margin: 0 }} data-testid="correction-items">{notice.items.map((d, i) => (
          <li key={i}><b>{d.name}</b>: {d.problem}{d.requirement ? ` (${d.requirement})` : ''}</li>))}</ul>} />
      <details style={{ marginBottom: 8 }}>
        <summary>{t('noticeText')}</summary>
        <pre className="yw-notice" data-testid="correction-notice">{notice.notice_text}</pre>
      </details>
      {taskForm ? (
        <FormView schema={taskForm.schema} uiSchema={taskForm.ui_schema} onSubmit={resubmit} extraErrors={errors}
          context={{ caseId, formKey: taskForm.form_key, formVersion: taskForm.form_version }} />
      ) : <Button type="primary" onClick={() => resubmit(null)} data-testid="resubmit">{t('resubmit')}</Button>}
    </Card>
  );
}

function Outcome({ c, onRated }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [licences, setLicences] = useState([]);
  const [rating, setRating] = useState({ score: 5, comment: '' });
  useEffect(() => {
    Promise.all(c.licences.map((n) => get(`/licences/${encodeURIComponent(n)}`))).then(setLicences);
  }, [c.licences]);
  const downloadLicence = async (number) => {
    const document = await get(`/licences/${encodeURIComponent(number)}/document`);
    download(`${number}.json`, JSON.stringify(document, null, 2), 'application/json');
  };
  const rate = async () => {
    try {
      await post(`/cases/${c.case_id}/rating`, { score: rating.score, comment: rating.comment || null });
      await onRated();
    } catch (e) {
      message.error(problemLines(e).join('; '));
    }
  };
  const success = c.outcome === 'approved' || c.outcome === 'completed';
  return (
    <Card size="small" title={t('result')} data-testid="result">
      <Result status={success ? 'success' : 'warning'} title={t(`case_${c.status}`)} style={{ padding: 8 }} />
      <Typography.Title level={5}>{t('licence')}</Typography.Title>
      {licences.length ? <List size="small" dataSource={licences} renderItem={(l) => (
        <List.Item actions={[
          <a key="h" href={`/api/v1/licences/${encodeURIComponent(l.number)}/html`} target="_blank" rel="noreferrer">
            {t('view')}</a>,
          <Button key="d" size="small" onClick={() => downloadLicence(l.number)} data-testid="licence-download">
            {t('download')}</Button>]}>
          <span data-testid="licence">{l.title} · {l.number}</span>
        </List.Item>)} /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('noLicence')} />}
      <Typography.Title level={5}>{t('rate')}</Typography.Title>
      {c.rating ? (
        <Space direction="vertical" data-testid="rated">
          <Rate disabled value={c.rating.score} />
          <span>{c.rating.comment}</span>
          <Tag color="green">{t('rated')} · {fmt(c.rating.rated_at)}</Tag>
        </Space>) : (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Rate value={rating.score} onChange={(score) => setRating({ ...rating, score })} data-testid="rate-stars" />
          <Input.TextArea value={rating.comment} data-testid="rate-comment"
            onChange={(e) => setRating({ ...rating, comment: e.target.value })} />
          <Button type="primary" onClick={rate} data-testid="rate-submit">{t('rate')}</Button>
        </Space>)}
    </Card>
  );
}
