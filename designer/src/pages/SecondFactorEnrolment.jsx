import { useEffect, useState } from 'react';
import { Alert, Button, Card, Form, Input, Spin, Typography } from 'antd';
import { api, problemLines, setCsrf } from '../api.js';
import { useI18n } from '../i18n.js';

// The secret in groups of four, as authenticator apps ask for it to be typed.
const grouped = (secret) => secret.replace(/(.{4})/g, '$1 ').trim();

/**
 * An administrator's first sign-in: a new TOTP secret as a QR code (and as text), confirmed with a code of
 * the app; then the recovery codes, shown once. ``onDone(who)`` gets the new, full session.
 */
export default function SecondFactorEnrolment({ onDone, onLeave }) {
  const { t } = useI18n();
  const [enrolment, setEnrolment] = useState(null);
  const [enrolled, setEnrolled] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let current = true;
    api('POST', '/session/second-factor/enrolment')
      .then((made) => current && setEnrolment(made)).catch((e) => current && setError(problemLines(e)));
    return () => { current = false; };
  }, []);

  const confirm = async ({ code }) => {
    setBusy(true);
    setError(null);
    try {
      const who = await api('POST', '/session/second-factor/enrolment/confirm', { body: { code: code.trim() } });
      setCsrf(who.csrf_token);
      setEnrolled(who);
    } catch (e) {
      setError(problemLines(e));
    } finally {
      setBusy(false);
    }
  };

  if (enrolled) {
    return (
      <Card title={t('recoveryTitle')} style={{ maxWidth: 520, margin: '40px auto' }}>
        <Typography.Paragraph>{t('recoveryIntro')}</Typography.Paragraph>
        <ol className="yw-recovery-codes" data-testid="recovery-codes">
          {enrolled.recovery_codes.map((c) => <li key={c}><code>{c}</code></li>)}
        </ol>
        <Button type="primary" block onClick={() => onDone(enrolled)} data-testid="recovery-saved">
          {t('recoverySaved')}
        </Button>
      </Card>
    );
  }
  return (
    <Card title={t('enrolTitle')} style={{ maxWidth: 520, margin: '40px auto' }}>
      <Typography.Paragraph>{t('enrolIntro')}</Typography.Paragraph>
      {error && <Alert type="error" title={error.join('; ')} style={{ marginBottom: 12 }} data-testid="enrol-error" />}
      {!enrolment && !error && <Spin />}
      {enrolment && (
        <>
          <div style={{ textAlign: 'center' }}>
            <img src={enrolment.qr_svg} alt={enrolment.otpauth_uri} width={220} height={220} data-testid="enrol-qr" />
          </div>
          <Typography.Paragraph>
            {t('enrolSecret')}: <Typography.Text code copyable={{ text: enrolment.secret }} data-testid="enrol-secret">
              {grouped(enrolment.secret)}</Typography.Text>
          </Typography.Paragraph>
          <Typography.Paragraph type="secondary" style={{ fontSize: 12, wordBreak: 'break-all' }}>
            {t('enrolUri')}: {enrolment.otpauth_uri}
          </Typography.Paragraph>
          <Form layout="vertical" onFinish={confirm}>
            <Form.Item name="code" label={t('code')} rules={[{ required: true, message: t('codeRequired') }]}>
              <Input id="enrol-code" autoFocus autoComplete="one-time-code" inputMode="numeric" maxLength={6}
                style={{ letterSpacing: 4, fontSize: 18 }} />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy} block data-testid="enrol-confirm">
              {t('enrolConfirm')}
            </Button>
            <Button type="link" block onClick={onLeave} data-testid="enrol-leave">{t('back')}</Button>
          </Form>
        </>
      )}
    </Card>
  );
}
