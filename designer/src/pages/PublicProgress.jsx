// The public progress page the receipt's QR code opens (GET /progress/{tracking number}?code={query code}): no
// login, and the server answers no personal data (no names, ID numbers, accounts, handlers or form data).
// Tracking numbers can be guessed, so the page also needs the receipt's query code (查询码): the QR link carries
// it; whoever types the number in is asked for it.
import { useEffect, useState } from 'react';
import { Alert, Button, Card, Descriptions, Form, Input, Result, Steps, Tag } from 'antd';
import { ApiError, get } from '../api.js';
import { useI18n } from '../i18n.js';
import { fmt } from '../util.js';
import { Deadline } from './CaseParts.jsx';

function codeInAddress() {
  return new URLSearchParams(window.location.search).get('code') || '';
}

function AskCode({ trackingNumber, failed, onCode }) {
  const { t } = useI18n();
  return (
    <Card title={t('publicProgress')} style={{ maxWidth: 480, margin: '0 auto' }} data-testid="progress-ask">
      {failed && <Alert type={failed === 'busy' ? 'warning' : 'error'} showIcon style={{ marginBottom: 16 }}
        message={t(failed === 'busy' ? 'tooManyTries' : 'progressNotFound')} data-testid="progress-error" />}
      <Form layout="vertical" initialValues={{ number: trackingNumber || '' }}
        onFinish={(v) => onCode(v.number.trim(), v.code.trim().toUpperCase())}>
        <Form.Item name="number" label={t('trackingNumber')} rules={[{ required: true }]}>
          <Input data-testid="progress-number" />
        </Form.Item>
        <Form.Item name="code" label={t('queryCode')} extra={t('queryCodeHint')} rules={[{ required: true }]}>
          <Input data-testid="progress-code" autoComplete="off" />
        </Form.Item>
        <Button type="primary" htmlType="submit" data-testid="progress-submit">{t('track')}</Button>
      </Form>
    </Card>
  );
}

export default function PublicProgress({ trackingNumber }) {
  const { t } = useI18n();
  const [asked, setAsked] = useState({ number: trackingNumber, code: codeInAddress() });
  const [view, setView] = useState(undefined);
  useEffect(() => {
    if (!asked.number || !asked.code) { setView(null); return; }
    setView(undefined);
    get(`/progress/${encodeURIComponent(asked.number)}?code=${encodeURIComponent(asked.code)}`).then(setView)
      .catch((e) => setView(e instanceof ApiError && e.status === 429 ? 'busy' : 'missing'));
  }, [asked]);
  if (view === undefined) return <Card loading />;
  if (view === null || view === 'busy' || view === 'missing') {
    return <AskCode trackingNumber={asked.number} failed={typeof view === 'string' ? view : null}
      onCode={(number, code) => setAsked({ number, code })} />;
  }
  const steps = [
    ...view.steps_done.map((s) => ({ title: s.step, description: fmt(s.finished_at), status: 'finish' })),
    ...view.current_steps.map((s) => ({ title: s.step, status: 'process',
      description: <span>{t('since')} {fmt(s.since)}{s.due_at && <> · {t('deadline')} <Deadline at={s.due_at}
        provisional={s.due_provisional} /></>}</span> })),
  ];
  return (
    <Card title={t('publicProgress')} data-testid="public-progress" style={{ maxWidth: 720, margin: '0 auto' }}>
      <Descriptions column={1} size="small" bordered items={[
        { key: 'n', label: t('trackingNumber'), children: view.tracking_number },
        { key: 'i', label: t('item'), children: `${view.item_name} (${view.item_code})` },
        { key: 's', label: t('status'), children: <Tag data-testid="public-status">{t(`case_${view.status}`)}</Tag> },
        { key: 'o', label: t('startedAt'), children: fmt(view.opened_at) },
        { key: 'd', label: t('deadline'), children: <Deadline at={view.due_at} provisional={view.due_provisional} /> },
        { key: 'c', label: t('endedAt'), children: fmt(view.closed_at) },
      ]} />
      <Steps direction="vertical" size="small" style={{ marginTop: 16 }} items={steps} data-testid="public-steps" />
    </Card>
  );
}
