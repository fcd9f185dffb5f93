// The comprehensive window: open a case for a citizen and print the receipt with its QR code.
import { useEffect, useState } from 'react';
import { App, Button, Card, Col, Descriptions, Input, Row, Select, Space } from 'antd';
import QRCode from 'qrcode';
import { extraErrorsFrom, post, problemLines } from '../api.js';
import { useI18n } from '../i18n.js';
import { fmt } from '../util.js';
import FormView from '../forms/FormView.jsx';
import { applicationForm, latestProcesses } from './items.js';

export default function WindowDesk() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [items, setItems] = useState([]);
  const [chosen, setChosen] = useState(null);
  const [form, setForm] = useState(null);
  const [applicant, setApplicant] = useState('');
  const [formKey, setFormKey] = useState(0);
  const [errors, setErrors] = useState(undefined);
  const [receipt, setReceipt] = useState(null);

  useEffect(() => { latestProcesses().then(setItems); }, []);
  const choose = async (processId) => {
    const d = items.find((i) => i.process_id === processId);
    setChosen(d);
    setReceipt(null);
    setForm(await applicationForm(d));
  };
  const submit = async (values) => {
    try {
      const body = { process_id: chosen.process_id, applicant: applicant || null,
        data: form?.schema?.properties?.applicant ? { ...values, applicant } : values };
      if (!applicant && form?.schema?.properties?.applicant) delete body.data.applicant;
      const created = await post('/instances', body, { headers: { 'Idempotency-Key': crypto.randomUUID() } });
      const url = `${window.location.origin}/ui/track/${created.id}`;
      setReceipt({ ...created, url, qr: await QRCode.toDataURL(url, { margin: 1, width: 160 }) });
      setFormKey((n) => n + 1);
    } catch (e) {
      setErrors(extraErrorsFrom(e));
      message.error(problemLines(e).join('; '));
    }
  };
  return (
    <Row gutter={16}>
      <Col xs={24} lg={12} className="yw-noprint">
        <Card size="small" title={t('openCase')}>
          <Space direction="vertical" style={{ width: '100%' }}>
            <Select placeholder={t('selectItem')} style={{ width: '100%' }} onChange={choose} data-testid="window-item"
              options={items.map((i) => ({ value: i.process_id, label: i.name || i.process_id }))} />
            <Input placeholder={t('applicantAccount')} value={applicant} onChange={(e) => setApplicant(e.target.value)}
              data-testid="window-applicant" />
            {chosen && <FormView key={formKey} schema={form?.schema}
              uiSchema={{ ...(form?.ui_schema || {}), applicant: { 'ui:widget': 'hidden' } }}
              formData={{ applicant: applicant || undefined }}
              onSubmit={submit} extraErrors={errors} />}
          </Space>
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        {receipt && (
          <div className="yw-receipt" data-testid="receipt">
            <h2 style={{ textAlign: 'center' }}>{t('receipt')}</h2>
            <Descriptions column={1} size="small" items={[
              { key: 'n', label: t('caseNo'), children: receipt.business_key || receipt.id },
              { key: 'i', label: t('item'), children: chosen?.name || receipt.process_id },
              { key: 'a', label: t('applicantAccount'), children: receipt.applicants?.join(', ') || '—' },
              { key: 's', label: t('startedAt'), children: fmt(receipt.started_at) },
            ]} />
            <div style={{ textAlign: 'center' }}>
              <img src={receipt.qr} alt="QR" data-testid="receipt-qr" />
              <div style={{ fontSize: 12 }}>{t('trackHint')}</div>
            </div>
            <Button className="yw-noprint" onClick={() => window.print()}>{t('print')}</Button>
          </div>
        )}
      </Col>
    </Row>
  );
}
