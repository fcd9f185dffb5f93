import { useState } from 'react';
import { Alert, Button, Card, Form, Input } from 'antd';
import { api } from '../api.js';
import { useI18n } from '../i18n.js';

export default function Login({ onLogin }) {
  const { t } = useI18n();
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (values) => {
    setBusy(true);
    setError(null);
    try {
      onLogin(await api('POST', '/session', { body: values }));
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t('login')} style={{ maxWidth: 380, margin: '60px auto' }}>
      {error && <Alert type="error" title={error} style={{ marginBottom: 12 }} />}
      <Form layout="vertical" onFinish={submit}>
        <Form.Item name="username" label={t('username')} rules={[{ required: true }]}>
          <Input id="login-username" autoFocus autoComplete="username" />
        </Form.Item>
        <Form.Item name="password" label={t('password')} rules={[{ required: true }]}>
          <Input.Password id="login-password" autoComplete="current-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} block data-testid="login-submit">{t('login')}</Button>
      </Form>
    </Card>
  );
}
