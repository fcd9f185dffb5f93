// The public progress page the receipt's QR code opens (GET /progress/{tracking number}): no login, and the
// server answers no personal data (no names, ID numbers, accounts, handlers or form data).
import { useEffect, useState } from 'react';
import { Card, Descriptions, Result, Steps, Tag } from 'antd';
import { get } from '../api.js';
import { useI18n } from '../i18n.js';
import { fmt } from '../util.js';
import { Deadline } from './CaseParts.jsx';

export default function PublicProgress({ trackingNumber }) {
  const { t } = useI18n();
  const [view, setView] = useState(undefined);
  useEffect(() => {
    get(`/progress/${encodeURIComponent(trackingNumber)}`).then(setView).catch(() => setView(null));
  }, [trackingNumber]);
  if (view === undefined) return <Card loading />;
  if (view === null) return <Result status="404" title={t('publicProgress')} subTitle={t('notFound')} />;
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
