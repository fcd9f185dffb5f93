// The comprehensive window: open a case for a citizen (POST /cases, channel window) and print the receipt
// (GET /cases/{id}/receipt) with its QR code (/receipt/qr.svg) to the public progress page.
import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Button, Card, Col, Descriptions, Input, Row, Select, Space } from 'antd';
import { extraErrorsFrom, get, post, problemLines } from '../api.js';
import { useI18n } from '../i18n.js';
import { useSession } from '../session.js';
import { fmt } from '../util.js';
import FormView from '../forms/FormView.jsx';
import { applicationForm, catalogueItems, itemDetail, withoutApplicant } from './items.js';
import { Deadline } from './CaseParts.jsx';

export default function WindowDesk() {
  const { t } = useI18n();
  const me = useSession();
  const [items, setItems] = useState([]);
  const [groups, setGroups] = useState([]);
  const [chosen, setChosen] = useState(null);
  const [form, setForm] = useState(null);
  const [applicant, setApplicant] = useState({ user: '', id_number: '', kind: 'person' });
  const [desk, setDesk] = useState(null);
  const [formKey, setFormKey] = useState(0);
  const [errors, setErrors] = useState(undefined);
  const [problems, setProblems] = useState(null);
  const [receipt, setReceipt] = useState(null);
  const values = useRef({});

  useEffect(() => {
    catalogueItems().then(setItems);
    get('/groups').then(setGroups).catch(() => setGroups([]));
  }, []);
  // The windows this clerk staffs (a clerk may sit at more than one).
  const windows = useMemo(() => {
    const kinds = Object.fromEntries(groups.map((g) => [g.name, g]));
    const mine = me.groups.filter((g) => kinds[g]?.kind === 'window');
    return (mine.length ? mine : me.groups).map((g) => ({ value: g, label: kinds[g]?.title || g }));
  }, [groups, me.groups]);
  useEffect(() => { if (!desk && windows.length) setDesk(windows[0].value); }, [windows, desk]);

  const choose = async (code) => {
    const item = await itemDetail(code);
    setChosen(item);
    setReceipt(null);
    values.current = {};
    setForm(await applicationForm(item));
    setFormKey((n) => n + 1);
  };
  const submit = async (data) => {
    setProblems(null);
    try {
      const body = { item_code: chosen.code, item_version: chosen.version, channel: 'window', window: desk,
        applicant: { user: applicant.user.trim() || null, id_number: applicant.id_number.trim(), kind: applicant.kind },
        data: form?.schema?.properties?.applicant ? { ...data, applicant: applicant.user.trim() } : data };
      const opened = await post('/cases', body);
      setReceipt(await get(`/cases/${opened.case_id}/receipt`));
      setApplicant({ user: '', id_number: '', kind: 'person' });
      setFormKey((n) => n + 1);
    } catch (e) {
      setErrors(extraErrorsFrom(e));
      setProblems(problemLines(e));
    }
  };
  return (
    <Row gutter={16}>
      <Col xs={24} lg={12} className="yw-noprint">
        <Card size="small" title={t('openCase')}>
          <Space direction="vertical" style={{ width: '100%' }}>
            <Select showSearch optionFilterProp="label" placeholder={t('selectItem')} style={{ width: '100%' }}
              onChange={choose} data-testid="window-item"
              options={items.map((i) => ({ value: i.code, label: i.name }))} />
            <Select value={desk} onChange={setDesk} options={windows} style={{ width: '100%' }}
              data-testid="window-group" />
            <Input placeholder={t('applicantAccount')} value={applicant.user} data-testid="window-applicant"
              onChange={(e) => setApplicant({ ...applicant, user: e.target.value })} />
            <Space.Compact style={{ width: '100%' }}>
              <Select value={applicant.kind} style={{ width: 140 }} onChange={(kind) => setApplicant({ ...applicant, kind })}
                options={[{ value: 'person', label: t('person') }, { value: 'company', label: t('company') }]} />
              <Input placeholder={applicant.kind === 'person' ? t('residentId') : t('creditCode')}
                value={applicant.id_number} data-testid="window-id-number"
                onChange={(e) => setApplicant({ ...applicant, id_number: e.target.value })} />
            </Space.Compact>
            {problems && <Alert type="error" data-testid="window-problems"
              title={<ul style={{ margin: 0 }}>{problems.map((p) => <li key={p}>{p}</li>)}</ul>} />}
            {chosen && form && <FormView key={formKey} schema={withoutApplicant(form.schema)}
              uiSchema={{ ...(form.ui_schema || {}), applicant: { 'ui:widget': 'hidden' } }}
              formData={values.current} onChange={(d) => { values.current = d; }}
              context={{ formKey: form.key, formVersion: form.version }}
              onSubmit={submit} extraErrors={errors} />}
          </Space>
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        {receipt && (
          <div className="yw-receipt" data-testid="receipt">
            <h2 style={{ textAlign: 'center' }}>{t('receipt')}</h2>
            <Descriptions column={1} size="small" items={[
              { key: 'n', label: t('trackingNumber'), children: <b data-testid="receipt-number">{receipt.tracking_number}</b> },
              { key: 'q', label: t('queryCode'), children: <b data-testid="receipt-code">{receipt.query_code}</b> },
              { key: 'i', label: t('item'), children: `${receipt.item_name} (${receipt.item_code})` },
              { key: 's', label: t('startedAt'), children: fmt(receipt.opened_at) },
              { key: 'p', label: t('promisedDays'), children: receipt.promised_days },
              { key: 'd', label: t('deadline'), children: <Deadline at={receipt.due_at} provisional={receipt.due_provisional} /> },
            ]} />
            <div style={{ textAlign: 'center' }}>
              <img src={receipt.qr_svg} alt="QR" width={160} height={160} data-testid="receipt-qr" />
              <div style={{ fontSize: 12 }}>{t('trackHint')}</div>
              <div style={{ fontSize: 12 }} data-testid="receipt-url">{receipt.progress_url}</div>
            </div>
            <Button className="yw-noprint" onClick={() => window.print()}>{t('print')}</Button>
          </div>
        )}
      </Col>
    </Row>
  );
}
