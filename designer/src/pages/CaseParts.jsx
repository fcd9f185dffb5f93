// Pieces shared by the workbench, the portal and supervision: status tag, history, current steps.
import { Empty, Tag, Timeline, Tooltip } from 'antd';
import { useI18n } from '../i18n.js';
import { fmt, LIGHT_COLOR } from '../util.js';

const STATUS_COLOR = { running: 'processing', completed: 'success', cancelled: 'default', suspended: 'warning',
  terminated: 'error' };

export function StatusTag({ status }) {
  const { t } = useI18n();
  return <Tag color={STATUS_COLOR[status]} data-testid="case-status">{t(status)}</Tag>;
}

/** A warning light as the server marked it (green, yellow, red; none for steps without a deadline). */
export function Light({ light = 'none' }) {
  const { t } = useI18n();
  return <span className="yw-light" title={t(light)} data-light={light} style={{ background: LIGHT_COLOR[light] }} />;
}

/**
 * A deadline, marked 临时 when the server says it runs into a year whose holiday notice is not loaded yet
 * (``due_provisional``): counted with the statutory holidays only until an administrator loads the notice.
 */
export function Deadline({ at, provisional }) {
  const { t } = useI18n();
  return (
    <span data-testid="deadline">
      {fmt(at)}
      {at && provisional && (
        <Tooltip title={t('provisionalHint')}>
          <Tag color="orange" style={{ marginInlineStart: 6 }} data-testid="provisional">{t('provisional')}</Tag>
        </Tooltip>)}
    </span>
  );
}

/** A case's status as the case endpoints word it (办理中, 待补正, 已办结 ...). */
export function CaseStatus({ view }) {
  const { t } = useI18n();
  const color = { in_progress: 'processing', awaiting_correction: 'warning', special_procedure: 'warning',
    completed: 'success', not_accepted: 'error', cancelled: 'default' }[view.status];
  return <Tag color={color} data-testid="case-status">{t(`case_${view.status}`)}</Tag>;
}

/** The readable label of a history action (every action the server writes has one in i18n.js). */
export function actionLabel(t, action) {
  const label = t(`act_${action}`);
  return label === `act_${action}` ? action : label;
}

/** What a step decided, as its history row holds it: acceptance, approval, opinion text. */
function decisionOf(h, t) {
  const d = h.details || {};
  if (h.action === 'task.opinion') {
    return [d.verdict && t(d.verdict), d.text].filter(Boolean).join(' · ');
  }
  if (h.action === 'task.completed') {
    const data = d.data || {};
    const parts = [];
    if (data.acceptance) parts.push(t(data.acceptance));
    if (typeof data.opinion?.approved === 'boolean') parts.push(t(data.opinion.approved ? 'approve' : 'disapprove'));
    if (data.decision) parts.push(t(data.decision));
    if (typeof data.opinion?.comment === 'string' && data.opinion.comment) parts.push(data.opinion.comment);
    if (typeof data.reason === 'string' && data.reason) parts.push(data.reason);
    return parts.join(' · ');
  }
  if (h.action === 'task.transferred') return d.to_user ? `→ ${d.to_user}${d.reason ? ` · ${d.reason}` : ''}` : '';
  if (h.action === 'licence.issued') return d.licence_number || '';
  if (h.action === 'case.rated') return d.score ? `${d.score} ★` : '';
  return typeof d.reason === 'string' ? d.reason : '';
}

/**
 * The case history, readable: what happened (a label, never the action code), at which step (its name from
 * the diagram), who and when, and the step's decision or opinion where the row holds one.
 */
export function History({ history, names = {} }) {
  const { t } = useI18n();
  if (!history?.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('noHistory')} />;
  return (
    <Timeline data-testid="history" items={history.map((h) => {
      const decision = decisionOf(h, t);
      const step = h.element_id ? names[h.element_id] || h.details?.name || h.element_id : '';
      return {
        key: h.id,
        content: (
          <span data-testid="history-entry" data-action={h.action}>
            <b>{actionLabel(t, h.action)}</b>{step ? ` · ${step}` : ''}
            {decision && <span data-testid="history-decision">{' '}<Tag>{decision}</Tag></span>}
            <span style={{ color: '#888' }}>{h.actor ? ` · ${h.actor}` : ''} · {fmt(h.at)}</span>
          </span>
        ),
      };
    })} />
  );
}

/** Render plain data as a readable list (for cases whose form is not at hand). */
export function DataList({ data }) {
  const entries = Object.entries(data || {});
  if (!entries.length) return <Empty />;
  return (
    <table className="ant-table" style={{ width: '100%' }}>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}><td style={{ color: '#888', padding: 4, width: 160 }}>{k}</td>
            <td style={{ padding: 4 }}>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</td></tr>
        ))}
      </tbody>
    </table>
  );
}
