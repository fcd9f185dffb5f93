import { StrictMode, Suspense, lazy, useCallback, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { App as AntApp, Button, ConfigProvider, Layout, Menu, Space, Spin, Typography } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import 'dayjs/locale/zh-cn';
import dayjs from 'dayjs';
import { api, setCsrf, ApiError } from './api.js';
import { I18nContext, initialLang, translator } from './i18n.js';
import { match, navigate, usePath } from './router.jsx';
import { SessionContext } from './session.js';
import Login from './pages/Login.jsx';
import Workbench from './pages/Workbench.jsx';
import WindowDesk from './pages/WindowDesk.jsx';
import Portal from './pages/Portal.jsx';
import PublicProgress from './pages/PublicProgress.jsx';
import './styles.css';

// The designer (bpmn-js) and the dashboard (ECharts) are separate chunks, loaded only when opened.
const Designer = lazy(() => import('./designer/Designer.jsx'));
const Supervision = lazy(() => import('./pages/Supervision.jsx'));
const Calendar = lazy(() => import('./pages/Calendar.jsx'));

const SECTIONS = [
  { key: 'workbench', roles: ['clerk', 'approver'] },
  { key: 'window', roles: ['clerk'] },
  { key: 'portal', roles: ['applicant'] },
  // Administrators hold no supervision:read: their home is the calendar.
  { key: 'supervision', roles: ['supervisor', 'auditor'] },
  { key: 'designer', roles: ['designer'] },
  { key: 'calendar', roles: ['admin', 'supervisor'] },
];

function home(me) {
  const first = SECTIONS.find((s) => s.roles.some((r) => me.roles.includes(r)));
  return first ? `/${first.key}` : '/portal';
}

function Shell() {
  const [lang, setLangState] = useState(initialLang);
  const [me, setMe] = useState(undefined);
  const path = usePath();
  const t = useMemo(() => translator(lang), [lang]);
  const setLang = useCallback((value) => {
    localStorage.setItem('yw.lang', value);
    setLangState(value);
  }, []);
  const i18n = useMemo(() => ({ lang, t, setLang }), [lang, t, setLang]);
  dayjs.locale(lang === 'zh' ? 'zh-cn' : 'en');
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('app');
  }, [lang, t]);

  // The receipt's QR code opens /progress/<tracking number> (the server redirects it here): no login.
  const publicPage = path.startsWith('/progress/') || path.startsWith('/track/');
  useEffect(() => {
    if (publicPage) return;
    api('GET', '/session').then((who) => { setCsrf(who.csrf_token); setMe(who); })
      .catch((e) => { if (e instanceof ApiError && e.status === 401) setMe(null); else throw e; });
  }, [publicPage]);

  const onLogin = (who) => {
    setCsrf(who.csrf_token);
    setMe(who);
    navigate(home(who), { replace: true });
  };
  const logout = async () => {
    await api('DELETE', '/session').catch(() => {});
    setCsrf(null);
    setMe(null);
    navigate('/login');
  };

  // An administrator's first sign-in: the session only sets up the second factor until that is done.
  const enrolling = me?.second_factor === 'enrol';
  let page;
  if (publicPage) page = <PublicProgress trackingNumber={(match('/progress/:n', path) || match('/track/:n', path))?.n} />;
  else if (me === undefined) page = <Spin style={{ margin: 80 }} />;
  else if (me === null || enrolling || path === '/login') page = <Login onLogin={onLogin} onSignedOut={() => setMe(null)} enrolling={enrolling} />;
  else if (path === '/' || path === '') { navigate(home(me), { replace: true }); page = null; }
  else if (path.startsWith('/workbench')) page = <Workbench taskId={match('/workbench/:id', path)?.id} />;
  else if (path.startsWith('/window')) page = <WindowDesk />;
  else if (path.startsWith('/portal')) page = <Portal path={path} />;
  else if (path.startsWith('/supervision')) page = <Supervision path={path} />;
  else if (path.startsWith('/designer')) page = <Designer path={path} />;
  else if (path.startsWith('/calendar')) page = <Calendar />;
  else page = <Typography.Title level={3}>{t('notFound')}</Typography.Title>;

  const sections = me && !enrolling ? SECTIONS.filter((s) => s.roles.some((r) => me.roles.includes(r))) : [];
  const current = path.split('/')[1];
  return (
    <I18nContext.Provider value={i18n}>
      <ConfigProvider locale={lang === 'zh' ? zhCN : enUS} theme={{ token: { colorPrimary: '#c41d24' } }}
        button={{ autoInsertSpace: false }}>
        <AntApp>
          <SessionContext.Provider value={me}>
            <Layout style={{ minHeight: '100vh' }}>
              <Layout.Header className="yw-header">
                <div className="yw-brand">{t('app')}</div>
                <Menu theme="dark" mode="horizontal" selectedKeys={[current]} style={{ flex: 1, minWidth: 0 }}
                  items={sections.map((s) => ({ key: s.key, label: t(s.key) }))}
                  onClick={({ key }) => navigate(`/${key}`)} />
                <Space>
                  <Button size="small" data-testid="lang-toggle" onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}>
                    {t('language')}
                  </Button>
                  {me && !enrolling && <span className="yw-user" data-testid="whoami">{me.display_name || me.username}</span>}
                  {me && <Button size="small" onClick={logout} data-testid="logout">{t('logout')}</Button>}
                </Space>
              </Layout.Header>
              <Layout.Content className="yw-content">
                <Suspense fallback={<Spin style={{ margin: 80 }} />}>{page}</Suspense>
              </Layout.Content>
            </Layout>
          </SessionContext.Provider>
        </AntApp>
      </ConfigProvider>
    </I18nContext.Provider>
  );
}

createRoot(document.getElementById('root')).render(<StrictMode><Shell /></StrictMode>);
