import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Space, Typography } from 'antd';
import { api, problemLines, setCsrf } from '../api.js';
import { useI18n } from '../i18n.js';
import SecondFactorEnrolment from './SecondFactorEnrolment.jsx';

// What the sign-in page says for each problem the server answers (its type's last part).
function loginError(e, t) {
  const type = (e?.problem?.type || '').split(':').pop();
  if (type === 'login-failed') return [t('loginFailed')];
  if (type === 'second-factor-failed') return [t('codeFailed')];
  if (type === 'rate-limited') return [t('tooManyLogins').replace('{s}', e.problem.retry_after ?? 60)];
  if (type === 'password-rejected') return e.problem.errors.map((x) => x.message);
  return problemLines(e);
}

function Problem({ lines }) {
  if (!lines) return null;
  return (
    <Alert type="error" style={{ marginBottom: 12 }} data-testid="login-error"
      title={lines.length === 1 ? lines[0] : <ul style={{ margin: 0, paddingLeft: 18 }}>{lines.map((l) => <li key={l}>{l}</li>)}</ul>} />
  );
}

/**
 * Signing in: the password; an administrator's code (or setting one up at the first sign-in); and a
 * password a security administrator reset, which its holder replaces before anything else.
 */
export default function Login({ onLogin, onSignedOut, enrolling }) {
  const { t } = useI18n();
  const [step, setStep] = useState(enrolling ? 'enrol' : 'password');
  const [credentials, setCredentials] = useState({});
  const [needsCode, setNeedsCode] = useState(false);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(false);
  const [renewForm] = Form.useForm();

  const attempt = async (body) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const who = await api('POST', '/session', { body });
      if (who.second_factor === 'enrol') {
        setCsrf(who.csrf_token);
        setStep('enrol');
      } else {
        onLogin(who);
      }
    } catch (e) {
      const type = (e?.problem?.type || '').split(':').pop();
      if (type === 'second-factor-required') {
        setCredentials(body);
        setStep('code');
      } else if (type === 'password-change-required') {
        setCredentials(body);
        setNeedsCode(Boolean(e.problem.second_factor));
        setStep('renew');
      } else {
        setError(loginError(e, t));
      }
    } finally {
      setBusy(false);
    }
  };

  const renew = async (values) => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/session/password/renew', {
        body: { username: credentials.username, old_password: credentials.password, new_password: values.new_password,
          code: needsCode ? values.code : undefined },
      });
      setNotice(needsCode ? t('renewedAdmin') : t('renewed'));
      setCredentials({});
      setStep('password');
    } catch (e) {
      setError(loginError(e, t));
      renewForm.setFieldValue('code', '');  // a code counts once, even when the new password was refused
    } finally {
      setBusy(false);
    }
  };

  const back = () => { setStep('password'); setError(null); setCredentials({}); };
  if (step === 'enrol') {
    const leave = () => api('DELETE', '/session').catch(() => {}).finally(() => {
      setCsrf(null);
      back();
      onSignedOut?.();
    });
    return <SecondFactorEnrolment onDone={onLogin} onLeave={leave} />;
  }
  return (
    <Card title={t(step === 'renew' ? 'renewTitle' : 'login')} style={{ maxWidth: 420, margin: '60px auto' }}>
      {notice && <Alert type="success" title={notice} style={{ marginBottom: 12 }} data-testid="login-notice" />}
      <Problem lines={error} />
      {step === 'password' && (
        <Form layout="vertical" onFinish={attempt} key="password">
          <Form.Item name="username" label={t('username')} rules={[{ required: true }]}>
            <Input id="login-username" autoFocus autoComplete="username" />
          </Form.Item>
          <Form.Item name="password" label={t('password')} rules={[{ required: true }]}>
            <Input.Password id="login-password" autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} block data-testid="login-submit">{t('login')}</Button>
        </Form>
      )}
      {step === 'code' && (
        <Form layout="vertical" onFinish={({ code }) => attempt({ ...credentials, code: code.trim() })} key="code">
          <Typography.Paragraph type="secondary">{t('codeHint')}</Typography.Paragraph>
          <Form.Item name="code" label={t('code')} rules={[{ required: true, message: t('codeRequired') }]}>
            <Input id="login-code" autoFocus autoComplete="one-time-code" inputMode="numeric" maxLength={64}
              style={{ letterSpacing: 4, fontSize: 18 }} />
          </Form.Item>
          <Space style={{ width: '100%' }} direction="vertical">
            <Button type="primary" htmlType="submit" loading={busy} block data-testid="login-code-submit">{t('verify')}</Button>
            <Button type="link" onClick={back} block>{t('back')}</Button>
          </Space>
        </Form>
      )}
      {step === 'renew' && (
        <Form layout="vertical" onFinish={renew} key="renew" form={renewForm}>
          <Typography.Paragraph>{t('renewIntro')}</Typography.Paragraph>
          <Typography.Paragraph type="secondary">{t('passwordRuleHint')}</Typography.Paragraph>
          <Form.Item label={t('username')}><Input value={credentials.username} disabled /></Form.Item>
          <Form.Item name="new_password" label={t('newPassword')} rules={[{ required: true }]}>
            <Input.Password id="renew-new-password" autoFocus autoComplete="new-password" />
          </Form.Item>
          <Form.Item name="confirm" label={t('confirmPassword')} dependencies={['new_password']} rules={[
            { required: true },
            ({ getFieldValue }) => ({
              validator: (_, value) => (!value || value === getFieldValue('new_password')
                ? Promise.resolve() : Promise.reject(new Error(t('passwordMismatch')))),
            })]}>
            <Input.Password id="renew-confirm-password" autoComplete="new-password" />
          </Form.Item>
          {needsCode && (
            <Form.Item name="code" label={t('code')} extra={t('renewCodeHint')}
              rules={[{ required: true, message: t('codeRequired') }]}>
              <Input id="renew-code" autoComplete="one-time-code" inputMode="numeric" maxLength={64} />
            </Form.Item>
          )}
          <Space style={{ width: '100%' }} direction="vertical">
            <Button type="primary" htmlType="submit" loading={busy} block data-testid="renew-submit">{t('save')}</Button>
            <Button type="link" onClick={back} block>{t('back')}</Button>
          </Space>
        </Form>
      )}
    </Card>
  );
}
