// 工作日历: where each year's working days come from (GET /calendar/status), a year's holidays, make-up days
// and local days (GET /calendar/days), loading a State Council holiday notice file (POST /calendar/import,
// checked first with dry_run) and local closures (PUT/DELETE /calendar/local/{day}). Changing needs the
// administrator's calendar:manage; everyone else reads.
import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Button, Card, Col, DatePicker, Form, Input, Popconfirm, Row, Select, Space,
  Table, Tag, Typography, Upload } from 'antd';
import dayjs from 'dayjs';
import { api, get, post, problemLines } from '../api.js';
import { useI18n } from '../i18n.js';
import { useSession } from '../session.js';
import { fmt } from '../util.js';

const SOURCE_COLOR = { notice: 'green', library: 'blue', statutory: 'orange', local: 'purple' };

/** The administrator's calendar warnings (e.g. next year's notice not loaded), for any page to show. */
export function CalendarWarnings({ warnings }) {
  const { lang } = useI18n();
  if (!warnings?.length) return null;
  return (
    <Space direction="vertical" style={{ width: '100%', marginBottom: 16 }} data-testid="calendar-warnings">
      {warnings.map((w) => <Alert key={`${w.code}-${w.year}`} type="warning" showIcon
        message={lang === 'en' && w.message_en ? w.message_en : w.message} />)}
    </Space>
  );
}

function ImportCard({ onLoaded }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [content, setContent] = useState('');
  const [report, setReport] = useState(null);
  const [errors, setErrors] = useState(null);
  const send = async (dryRun) => {
    setErrors(null);
    try {
      const result = await post('/calendar/import', { content, dry_run: dryRun });
      setReport(result);
      if (!dryRun) {
        message.success(t('imported'));
        onLoaded(result.years[0]);
      }
    } catch (e) {
      setReport(null);
      setErrors(problemLines(e));
    }
  };
  const readFile = (file) => {
    file.text().then((text) => { setContent(text); setReport(null); setErrors(null); });
    return false; // read in the browser; nothing is uploaded until 检查 / 导入
  };
  return (
    <Card size="small" title={t('importNotice')} data-testid="calendar-import">
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>{t('formatHelp')}</Typography.Paragraph>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Upload accept=".csv,.txt,text/csv,text/plain" maxCount={1} beforeUpload={readFile} showUploadList={false}>
          <Button data-testid="calendar-file">{t('chooseFile')}</Button>
        </Upload>
        <Input.TextArea rows={6} value={content} placeholder={t('pasteHere')} aria-label={t('pasteHere')}
          data-testid="calendar-content" onChange={(e) => { setContent(e.target.value); setReport(null); }} />
        <Space>
          <Button onClick={() => send(true)} disabled={!content.trim()} data-testid="calendar-check">{t('check')}</Button>
          <Button type="primary" onClick={() => send(false)} disabled={!report || !report.dry_run}
            data-testid="calendar-load">{t('load')}</Button>
        </Space>
        {errors && <Alert type="error" showIcon message={t('fileErrors')} data-testid="calendar-errors"
          description={<ul style={{ margin: 0, paddingInlineStart: 18 }}>{errors.map((l) => <li key={l}>{l}</li>)}</ul>} />}
        {report && (
          <Alert type={report.dry_run ? 'info' : 'success'} showIcon data-testid="calendar-report"
            message={report.dry_run ? t('checkResult') : t('imported')}
            description={<div>
              <div>{report.years.join('、')}: {report.national_days} {t('nationalDays')}, {report.local_days} {t('localDays')}</div>
              <div>{report.dry_run ? t('wouldMove') : t('moved')}: {report.cases_moved} {t('casesMoved')},{' '}
                {report.steps_moved} {t('stepsMoved')}</div>
              {report.warnings.map((w) => <div key={w.message} style={{ color: '#ad6800' }}>{w.message}</div>)}
            </div>} />)}
      </Space>
    </Card>
  );
}

function LocalDayCard({ onSaved }) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const [error, setError] = useState(null);
  const save = async (values) => {
    setError(null);
    try {
      await api('PUT', `/calendar/local/${values.day.format('YYYY-MM-DD')}`,
        { body: { kind: values.kind, name: values.name || null, notice: values.notice || null } });
      form.resetFields();
      onSaved(values.day.year());
    } catch (e) {
      setError(problemLines(e).join('; '));
    }
  };
  return (
    <Card size="small" title={t('localDay')} data-testid="calendar-local">
      <Form form={form} layout="vertical" onFinish={save} initialValues={{ kind: 'closure' }}>
        <Form.Item name="day" label={t('date')} rules={[{ required: true }]}>
          <DatePicker style={{ width: '100%' }} data-testid="local-day" />
        </Form.Item>
        <Form.Item name="kind" label={t('kind_closure') + ' / ' + t('kind_local_workday')}>
          <Select options={['closure', 'local_workday'].map((k) => ({ value: k, label: t(`kind_${k}`) }))} />
        </Form.Item>
        <Form.Item name="name" label={t('name')}><Input data-testid="local-name" /></Form.Item>
        <Form.Item name="notice" label={t('notice')}><Input data-testid="local-notice" /></Form.Item>
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 8 }} />}
        <Button type="primary" htmlType="submit" data-testid="local-save">{t('addLocalDay')}</Button>
      </Form>
    </Card>
  );
}

export default function Calendar() {
  const { t } = useI18n();
  const me = useSession();
  const manage = me?.roles?.includes('admin');
  const [status, setStatus] = useState(null);
  const [year, setYear] = useState(dayjs().year());
  const [days, setDays] = useState(null);
  const load = useCallback(async (shown) => {
    const [s, d] = await Promise.all([get('/calendar/status'), get(`/calendar/days?year=${shown}`)]);
    setStatus(s);
    setDays(d);
  }, []);
  useEffect(() => { load(year); }, [load, year]);
  const show = (shown) => { if (shown === year) load(shown); else setYear(shown); };
  if (!status) return <Card loading />;
  const yearRow = status.years.find((y) => y.year === year);
  const source = (s) => <Tag color={SOURCE_COLOR[s]}>{t(`source_${s}`)}</Tag>;
  return (
    <div data-testid="calendar-page">
      <CalendarWarnings warnings={status.warnings} />
      <Row gutter={16}>
        <Col xs={24} lg={manage ? 15 : 24}>
          <Card size="small" title={t('calendarYears')} style={{ marginBottom: 16 }}>
            <Table size="small" rowKey="year" pagination={false} dataSource={status.years} data-testid="calendar-years"
              onRow={(r) => ({ onClick: () => show(r.year), style: { cursor: 'pointer' } })}
              rowClassName={(r) => (r.year === year ? 'ant-table-row-selected' : '')}
              columns={[
                { title: t('year'), dataIndex: 'year', render: (v) => <a>{v}</a> },
                { title: t('source'), dataIndex: 'source', render: source },
                { title: t('notice'), dataIndex: 'notice', render: (v) => v || '—' },
                { title: t('loadedBy'), dataIndex: 'loaded_by', render: (v) => v || '—' },
                { title: t('loadedAt'), dataIndex: 'loaded_at', render: fmt },
              ]} />
          </Card>
          <Card size="small" data-testid="calendar-days"
            title={<Space>{t('calendarDays')}
              <Select value={year} onChange={setYear} style={{ width: 100 }} aria-label={t('year')}
                options={[...new Set([...status.years.map((y) => y.year), year])].sort().map((y) => ({ value: y, label: y }))} />
              {yearRow && source(yearRow.source)}</Space>}
            extra={manage && yearRow?.source === 'notice' && (
              <Popconfirm title={t('unload')} onConfirm={async () => { await api('DELETE', `/calendar/years/${year}`); load(year); }}>
                <Button size="small" danger>{t('unload')}</Button>
              </Popconfirm>)}>
            <Table size="small" rowKey={(r) => `${r.day}-${r.scope}`} dataSource={days || []} pagination={false}
              scroll={{ x: 560 }} columns={[
                { title: t('date'), dataIndex: 'day' },
                { title: t('weekday'), dataIndex: 'day', render: (v) => t('weekdays')[dayjs(v).day()] },
                { title: t('kind_holiday') + '/' + t('kind_workday'), dataIndex: 'kind',
                  render: (k, r) => <Tag color={r.working ? 'blue' : 'red'}>{t(`kind_${k}`)}</Tag> },
                { title: t('name'), dataIndex: 'name', render: (v) => v || '—' },
                { title: t('source'), dataIndex: 'source', render: source },
                { title: t('notice'), dataIndex: 'notice', render: (v) => v || '—' },
                ...(manage ? [{ title: '', render: (_, r) => r.scope === 'local' && (
                  <Button size="small" onClick={async () => { await api('DELETE', `/calendar/local/${r.day}`); load(year); }}>
                    {t('removeLocal')}</Button>) }] : []),
              ]} />
          </Card>
        </Col>
        {manage && (
          <Col xs={24} lg={9}>
            <Space direction="vertical" style={{ width: '100%' }}>
              <ImportCard onLoaded={show} />
              <LocalDayCard onSaved={show} />
            </Space>
          </Col>)}
      </Row>
    </div>
  );
}
