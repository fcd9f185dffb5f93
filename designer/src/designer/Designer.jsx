// Policy staff: processes (deployed versions), the modeler and the form builder.
import { useEffect, useState } from 'react';
import { Button, Card, Table, Tabs } from 'antd';
import { api, get } from '../api.js';
import { useI18n } from '../i18n.js';
import { fmt } from '../util.js';
import ModelerPage from './Modeler.jsx';
import FormBuilder from './FormBuilder.jsx';

export default function Designer() {
  const { t } = useI18n();
  const [tab, setTab] = useState('forms');
  const [definitions, setDefinitions] = useState([]);
  const [forms, setForms] = useState([]);
  const [items, setItems] = useState([]);
  const [opened, setOpened] = useState({ xml: null, name: null, n: 0 });
  const reload = () => {
    get('/definitions').then(setDefinitions);
    get('/forms').then(setForms);
    get('/items?limit=500').then((p) => setItems(p.items));
  };
  useEffect(reload, []);
  const openDefinition = async (d) => {
    const xml = await (await api('GET', `/definitions/${d.id}/xml`, { raw: true })).text();
    setOpened({ xml, name: d.files[0] || `${d.process_id}.bpmn`, n: opened.n + 1 });
    setTab('modeler');
  };
  return (
    <Tabs activeKey={tab} onChange={(k) => { setTab(k); if (k !== 'modeler') reload(); }} items={[
      { key: 'forms', label: t('formBuilder'), children: <FormBuilder onPublished={reload} /> },
      { key: 'modeler', label: t('processes'), forceRender: false, children: (
        <ModelerPage key={opened.n} initialXml={opened.xml} fileName={opened.name} onDeployed={reload} />) },
      { key: 'list', label: t('items'), children: (
        <Card size="small">
          <Table size="small" rowKey="code" dataSource={items} data-testid="catalogue" style={{ marginBottom: 12 }}
            pagination={false} columns={[
              { title: t('itemCode'), dataIndex: 'code' }, { title: t('itemName'), dataIndex: 'name' },
              { title: 'v', dataIndex: 'version' }, { title: t('department'), dataIndex: 'department' },
              { title: t('promisedDays'), dataIndex: 'promised_days' },
              { title: t('published'), dataIndex: 'published_at', render: fmt }]} />
          <Table size="small" rowKey="id" dataSource={definitions} pagination={{ pageSize: 20 }} columns={[
            { title: t('processId'), dataIndex: 'process_id' }, { title: t('processName'), dataIndex: 'name' },
            { title: 'v', dataIndex: 'version' }, { title: t('versionNote'), dataIndex: 'note' },
            { title: t('deploy'), dataIndex: 'deployed_at', render: fmt },
            { title: '', render: (_, d) => <Button size="small" onClick={() => openDefinition(d)}>{t('open')}</Button> }]} />
          <Table size="small" rowKey="form_key" dataSource={forms} style={{ marginTop: 12 }} columns={[
            { title: t('formKeyLabel'), dataIndex: 'form_key' }, { title: 'v', dataIndex: 'version' },
            { title: t('versionNote'), dataIndex: 'note' }]} />
        </Card>) },
    ]} />
  );
}
