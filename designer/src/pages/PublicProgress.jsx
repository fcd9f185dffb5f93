// The public progress page reached from the receipt's QR code: no login, no personal data.
import { useEffect, useState } from 'react';
import { Card, Result, Steps } from 'antd';
import { get } from '../api.js';
import { useI18n } from '../i18n.js';
import { fmt } from '../util.js';

export default function PublicProgress({ caseId }) {
  const { t } = useI18n();
  const [view, setView] = useState(undefined);
  useEffect(() => {
    get(`/progress/${encodeURIComponent(caseId)}`).then(setView).catch(() => setView(null));
  }, [caseId]);
  if (view === undefined) return <Card loading />;
  if (view === null) return <Result status="404" title={t('publicProgress')} subTitle={t('notFound')} />;
  return (
    <Card title={`${t('publicProgress')} · ${caseId}`} data-testid="public-progress">
      <p>{t('status')}: {t(view.status) || view.status}</p>
      <Steps direction="vertical" size="small" items={(view.steps || []).map((s) => ({
        title: s.name, description: fmt(s.at), status: s.done ? 'finish' : 'process' }))} />
    </Card>
  );
}
