// Electronic supervision: cases by light, item and department as the sweep marked them
// (GET /supervision/cases), statistics and trends (GET /statistics), poor ratings (GET /ratings/flagged),
// the overdue list with drill-down to the case history, CSV exports (/supervision/cases.csv, /statistics.csv).
import { useEffect, useMemo, useRef, useState } from 'react';
import { Button, Card, Col, Drawer, Row, Space, Statistic, Table, Tag } from 'antd';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, TitleComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { get } from '../api.js';
import { useI18n } from '../i18n.js';
import { fmt, LIGHT_COLOR } from '../util.js';
import FormView from '../forms/FormView.jsx';
import { CaseStatus, DataList, Deadline, History, Light } from './CaseParts.jsx';
import { definitionOutline } from './outline.js';
import { CalendarWarnings } from './Calendar.jsx';

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, TitleComponent,
  CanvasRenderer]);

function Chart({ option, testid }) {
  const ref = useRef(null);
  useEffect(() => {
    const chart = echarts.init(ref.current, null, { renderer: 'canvas' });
    chart.setOption(option);
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => { window.removeEventListener('resize', resize); chart.dispose(); };
  }, [option]);
  return <div ref={ref} style={{ height: 240 }} data-testid={testid} />;
}

function count(rows, keyOf) {
  const m = new Map();
  for (const r of rows) m.set(keyOf(r), (m.get(keyOf(r)) || 0) + 1);
  return [...m.entries()];
}

const pct = (v) => (v === null || v === undefined ? '—' : `${Math.round(v * 1000) / 10}%`);

export default function Supervision() {
  const { t } = useI18n();
  const [data, setData] = useState(null);
  const [drill, setDrill] = useState(null);
  useEffect(() => {
    Promise.all([get('/supervision/cases?open_only=false&limit=2000'), get('/statistics?by=item'),
      get('/statistics?by=month'), get('/ratings/flagged?open_only=false'), get('/calendar/status')])
      .then(([cases, byItem, byMonth, flagged, calendar]) => setData({ cases, byItem, byMonth, flagged, calendar }));
  }, []);

  const charts = useMemo(() => {
    if (!data) return null;
    const byLight = count(data.cases, (c) => c.light);
    const byDept = count(data.cases, (c) => c.department);
    const itemName = Object.fromEntries(data.cases.map((c) => [c.item_code, c.item_name]));
    const months = [...data.byMonth].sort((a, b) => a.month.localeCompare(b.month));
    const bar = (rows) => ({ tooltip: {}, grid: { left: 40, right: 10, bottom: 60 },
      xAxis: { type: 'category', data: rows.map((x) => x[0]), axisLabel: { rotate: 20 } },
      yAxis: { type: 'value', minInterval: 1 }, series: [{ type: 'bar', data: rows.map((x) => x[1]) }] });
    return {
      light: { tooltip: {}, series: [{ type: 'pie', radius: ['40%', '70%'],
        data: byLight.map(([k, v]) => ({ name: t(k), value: v, itemStyle: { color: LIGHT_COLOR[k] } })) }] },
      item: bar(data.byItem.map((r) => [itemName[r.item_code] || r.item_code, r.cases])),
      dept: bar(byDept),
      trend: { tooltip: { trigger: 'axis' }, legend: { data: [t('total'), t('onTimeRate')] },
        grid: { left: 40, right: 40, bottom: 40 }, xAxis: { type: 'category', data: months.map((r) => r.month) },
        yAxis: [{ type: 'value', minInterval: 1 }, { type: 'value', max: 100 }],
        series: [{ name: t('total'), type: 'bar', data: months.map((r) => r.cases) },
          { name: t('onTimeRate'), type: 'line', yAxisIndex: 1,
            data: months.map((r) => (r.on_time_rate === null ? null : Math.round(r.on_time_rate * 100))) }] },
    };
  }, [data, t]);

  if (!data) return <Card loading />;
  const { cases, byItem, flagged } = data;
  const overdue = cases.filter((c) => c.light === 'red');
  const itemNames = Object.fromEntries(cases.map((c) => [c.item_code, c.item_name]));
  // Drill-down: the case by its id (each row carries it), its application form and its history.
  const openCase = async (row) => {
    const [c, instance] = await Promise.all([get(`/cases/${row.case_id}`), get(`/instances/${row.case_id}`)]);
    const outline = await definitionOutline(instance.definition_id);
    const appForm = outline.startFormKey ? await get(`/forms/${outline.startFormKey}`).catch(() => null) : null;
    setDrill({ c, instance, outline, appForm });
  };
  const columns = [
    { title: t('light'), render: (_, c) => <Light light={c.light} /> },
    { title: t('trackingNumber'), render: (_, c) => <a onClick={() => openCase(c)} data-testid="drill">{c.tracking_number}</a> },
    { title: t('item'), dataIndex: 'item_name' },
    { title: t('department'), dataIndex: 'department' },
    { title: t('region'), dataIndex: 'region_code' },
    { title: t('startedAt'), dataIndex: 'opened_at', render: fmt },
    { title: t('deadline'), dataIndex: 'due_at', render: (v, c) => <Deadline at={v} provisional={c.due_provisional} /> },
    { title: t('outcome'), dataIndex: 'outcome', render: (o) => (o ? t(`outcome_${o}`) : t('running')) },
  ];
  const open = cases.filter((c) => !c.closed_at).length;
  const rated = byItem.reduce((n, r) => n + r.rated, 0);
  return (
    <div data-testid="supervision">
      <CalendarWarnings warnings={data.calendar.warnings} />
      <Row gutter={16} style={{ marginBottom: 16 }}>
        <Col span={5}><Card size="small"><Statistic title={t('total')} value={cases.length} /></Card></Col>
        <Col span={5}><Card size="small"><Statistic title={t('running')} value={open} /></Card></Col>
        <Col span={5}><Card size="small"><Statistic title={t('completed')} value={cases.length - open} /></Card></Col>
        <Col span={5}><Card size="small"><Statistic title={t('overdue')} value={overdue.length} styles={{ content: { color: '#f5222d' } }} /></Card></Col>
        <Col span={4}><Card size="small"><Statistic title={t('ratings')} value={rated} /></Card></Col>
      </Row>
      <Row gutter={16}>
        <Col xs={24} lg={6}><Card size="small" title={t('casesByLight')}><Chart option={charts.light} testid="chart-light" /></Card></Col>
        <Col xs={24} lg={6}><Card size="small" title={t('casesByItem')}><Chart option={charts.item} testid="chart-item" /></Card></Col>
        <Col xs={24} lg={6}><Card size="small" title={t('casesByDepartment')}><Chart option={charts.dept} testid="chart-dept" /></Card></Col>
        <Col xs={24} lg={6}><Card size="small" title={t('trend')}><Chart option={charts.trend} testid="chart-trend" /></Card></Col>
      </Row>
      <Card size="small" style={{ marginTop: 16 }} title={t('statistics')}
        extra={<a href="/api/v1/statistics.csv?by=item" download data-testid="export-statistics">{t('export')}</a>}>
        <Table size="small" rowKey="item_code" dataSource={byItem} pagination={false} data-testid="statistics" columns={[
          { title: t('item'), dataIndex: 'item_code', render: (v) => (itemNames[v] ? <span>{itemNames[v]} <small style={{ color: '#888' }}>{v}</small></span> : v) },
          { title: t('total'), dataIndex: 'cases' },
          { title: t('onlineShare'), dataIndex: 'online_share', render: pct },
          { title: t('closed'), dataIndex: 'closed' }, { title: t('onTimeRate'), dataIndex: 'on_time_rate', render: pct },
          { title: t('durationP50'), dataIndex: 'duration_p50', render: (v) => v ?? '—' },
          { title: t('ratings'), dataIndex: 'rated' },
          { title: t('ratingAvg'), dataIndex: 'rating_avg', render: (v) => (v === null ? '—' : v.toFixed(1)) },
          { title: t('poorRatings'), dataIndex: 'poor_ratings' }]} />
      </Card>
      <Card size="small" style={{ marginTop: 16 }} title={t('overdue')}>
        <Table size="small" rowKey="case_id" dataSource={overdue} columns={columns} pagination={false}
          data-testid="overdue-cases" />
      </Card>
      <Card size="small" style={{ marginTop: 16 }} title={t('poorRatingsList')}>
        <Table size="small" rowKey="case_id" dataSource={flagged} pagination={false} data-testid="flagged-ratings" columns={[
          { title: t('trackingNumber'), dataIndex: 'tracking_number' },
          { title: t('item'), dataIndex: 'item_code', render: (v) => itemNames[v] || v },
          { title: t('rate'), dataIndex: 'score' }, { title: t('comment'), dataIndex: 'comment' },
          { title: t('step'), dataIndex: 'handled_element_id' }, { title: t('assignee'), dataIndex: 'handler' },
          { title: t('followUp'), dataIndex: 'follow_up', render: (v) => v || <Tag color="orange">{t('awaitingFollowUp')}</Tag> }]} />
      </Card>
      <Card size="small" style={{ marginTop: 16 }} title={t('allCases')}
        extra={<a href="/api/v1/supervision/cases.csv?open_only=false&limit=5000" download data-testid="export-csv">
          {t('export')}</a>}>
        <Table size="small" rowKey="case_id" dataSource={cases} columns={columns} data-testid="all-cases" />
      </Card>
      <Drawer open={!!drill} onClose={() => setDrill(null)} size="large"
        title={drill ? `${drill.c.tracking_number} · ${drill.c.item_name}` : ''}>
        {drill && (
          <Space direction="vertical" style={{ width: '100%' }} data-testid="drill-case">
            <Space><CaseStatus view={drill.c} /><Light light={drill.c.light} />
              {drill.c.rating && <Tag data-testid="drill-rating">{t('rate')} {drill.c.rating.score}</Tag>}</Space>
            <div data-testid="drill-application">
              {drill.appForm ? <FormView schema={drill.appForm.schema} uiSchema={drill.appForm.ui_schema}
                formData={drill.instance.data} readonly context={{ caseId: drill.c.case_id }} />
                : <DataList data={drill.instance.data} />}
            </div>
            <History history={drill.instance.history} names={drill.outline.names} />
          </Space>)}
      </Drawer>
    </div>
  );
}
