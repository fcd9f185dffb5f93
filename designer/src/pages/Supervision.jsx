// Electronic supervision: cases by light, item, department and status; trend; overdue list with
// drill-down; CSV export. Built from the cases API (supervisors read every case).
import { useEffect, useMemo, useRef, useState } from 'react';
import { Button, Card, Col, Drawer, Row, Statistic, Table } from 'antd';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, TitleComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { get } from '../api.js';
import { useI18n } from '../i18n.js';
import { download, fmt, lightOf, LIGHT_COLOR } from '../util.js';
import { DataList, History, Light, StatusTag } from './CaseParts.jsx';

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

const worst = (tasks) => {
  const order = ['red', 'yellow', 'green', 'none'];
  return tasks.map((x) => lightOf(x)).sort((a, b) => order.indexOf(a) - order.indexOf(b))[0] || 'none';
};

function count(rows, keyOf) {
  const m = new Map();
  for (const r of rows) for (const k of [].concat(keyOf(r))) m.set(k, (m.get(k) || 0) + 1);
  return [...m.entries()];
}

export default function Supervision() {
  const { t } = useI18n();
  const [cases, setCases] = useState(null);
  const [drill, setDrill] = useState(null);
  useEffect(() => {
    (async () => {
      const page = await get('/instances?limit=200');
      // Details (current steps, deadlines) for the cases still running.
      const details = await Promise.all(page.items.map((c) => (c.status === 'running' || c.status === 'suspended'
        ? get(`/instances/${c.id}`) : Promise.resolve({ ...c, current_tasks: [] }))));
      setCases(details.map((c) => ({ ...c, light: worst(c.current_tasks || []),
        departments: [...new Set((c.current_tasks || []).flatMap((x) => x.candidate_groups))] })));
    })();
  }, []);

  const charts = useMemo(() => {
    if (!cases) return null;
    const byLight = count(cases, (c) => c.light);
    const byItem = count(cases, (c) => c.process_id);
    const byDept = count(cases.filter((c) => c.departments.length), (c) => c.departments);
    const byDay = count(cases, (c) => c.started_at.slice(0, 10)).sort();
    return {
      light: { tooltip: {}, series: [{ type: 'pie', radius: ['40%', '70%'],
        data: byLight.map(([k, v]) => ({ name: t(k), value: v, itemStyle: { color: LIGHT_COLOR[k] } })) }] },
      item: { tooltip: {}, grid: { left: 40, right: 10, bottom: 60 }, xAxis: { type: 'category', data: byItem.map((x) => x[0]),
        axisLabel: { rotate: 20 } }, yAxis: { type: 'value', minInterval: 1 }, series: [{ type: 'bar', data: byItem.map((x) => x[1]) }] },
      dept: { tooltip: {}, grid: { left: 40, right: 10, bottom: 40 }, xAxis: { type: 'category', data: byDept.map((x) => x[0]) },
        yAxis: { type: 'value', minInterval: 1 }, series: [{ type: 'bar', data: byDept.map((x) => x[1]) }] },
      trend: { tooltip: {}, grid: { left: 40, right: 10, bottom: 40 }, xAxis: { type: 'category', data: byDay.map((x) => x[0]) },
        yAxis: { type: 'value', minInterval: 1 }, series: [{ type: 'line', data: byDay.map((x) => x[1]) }] },
    };
  }, [cases, t]);

  if (!cases) return <Card loading />;
  const overdue = cases.filter((c) => c.light === 'red');
  const exportCsv = () => {
    const head = ['id', 'business_key', 'process_id', 'status', 'light', 'departments', 'started_at', 'ended_at'];
    const quote = (v) => `"${String(v ?? '').replaceAll('"', '""')}"`;
    const lines = [head.join(','), ...cases.map((c) => head.map((h) => quote(Array.isArray(c[h]) ? c[h].join(' ') : c[h])).join(','))];
    download('cases.csv', '\ufeff' + lines.join('\r\n'), 'text/csv');
  };
  const openCase = async (c) => setDrill(await get(`/instances/${c.id}`));
  const columns = [
    { title: t('light'), render: (_, c) => <Light task={c.current_tasks?.[0]} /> },
    { title: t('caseNo'), render: (_, c) => <a onClick={() => openCase(c)} data-testid="drill">{c.business_key || c.id.slice(0, 8)}</a> },
    { title: t('item'), dataIndex: 'process_id' },
    { title: t('group'), render: (_, c) => c.departments.join(', ') },
    { title: t('status'), dataIndex: 'status', render: (s) => <StatusTag status={s} /> },
    { title: t('startedAt'), dataIndex: 'started_at', render: fmt },
  ];
  return (
    <div data-testid="supervision">
      <Row gutter={16} style={{ marginBottom: 16 }}>
        <Col span={6}><Card size="small"><Statistic title={t('total')} value={cases.length} /></Card></Col>
        <Col span={6}><Card size="small"><Statistic title={t('running')} value={cases.filter((c) => c.status === 'running').length} /></Card></Col>
        <Col span={6}><Card size="small"><Statistic title={t('completed')} value={cases.filter((c) => c.status === 'completed').length} /></Card></Col>
        <Col span={6}><Card size="small"><Statistic title={t('overdue')} value={overdue.length} styles={{ content: { color: '#f5222d' } }} /></Card></Col>
      </Row>
      <Row gutter={16}>
        <Col xs={24} lg={6}><Card size="small" title={t('casesByLight')}><Chart option={charts.light} testid="chart-light" /></Card></Col>
        <Col xs={24} lg={6}><Card size="small" title={t('casesByItem')}><Chart option={charts.item} testid="chart-item" /></Card></Col>
        <Col xs={24} lg={6}><Card size="small" title={t('deptApprovals')}><Chart option={charts.dept} testid="chart-dept" /></Card></Col>
        <Col xs={24} lg={6}><Card size="small" title={t('trend')}><Chart option={charts.trend} testid="chart-trend" /></Card></Col>
      </Row>
      <Card size="small" style={{ marginTop: 16 }} title={t('overdue')}>
        <Table size="small" rowKey="id" dataSource={overdue} columns={columns} pagination={false} />
      </Card>
      <Card size="small" style={{ marginTop: 16 }} title={t('total')}
        extra={<Button onClick={exportCsv} data-testid="export-csv">{t('export')}</Button>}>
        <Table size="small" rowKey="id" dataSource={cases} columns={columns} data-testid="all-cases" />
      </Card>
      <Drawer open={!!drill} onClose={() => setDrill(null)} size="large"
        title={drill ? `${drill.business_key || drill.id} · ${drill.process_id}` : ''}>
        {drill && <><StatusTag status={drill.status} /><DataList data={drill.data} /><History history={drill.history} /></>}
      </Drawer>
    </div>
  );
}
