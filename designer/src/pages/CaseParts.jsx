// Pieces shared by the workbench, the portal and supervision: status tag, history, current steps.
import { Empty, Tag, Timeline } from 'antd';
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

/** A case's status as the case endpoints word it (办理中, 待补正, 已办结 ...). */
export function CaseStatus({ view }) {
  const { t } = useI18n();
  const color = { in_progress: 'processing', awaiting_correction: 'warning', completed: 'success',
    not_accepted: 'error', cancelled: 'default' }[view.status];
  return <Tag color={color} data-testid="case-status">{t(`case_${view.status}`)}</Tag>;
}

const ACTION_ZH = { correction_requested: '要求补正', resubmitted: '补正提交', started: '申请提交', task_completed: '办理完成', task_claimed: '签收', task_created: '到达环节',
  completed: '办结', cancelled: '撤销', suspended: '挂起', resumed: '恢复', task_transferred: '转办' };

export function History({ history, tasksById = {} }) {
  const { lang } = useI18n();
  if (!history?.length) return <Empty />;
  return (
    <Timeline items={history.map((h) => ({
      key: h.id,
      content: (
        <span>
          <b>{(lang === 'zh' && ACTION_ZH[h.action]) || h.action}</b>{' '}
          {h.details?.name || tasksById[h.task_id]?.name || h.element_id || ''}{' '}
          <span style={{ color: '#888' }}>{h.actor ? `· ${h.actor} ` : ''}· {fmt(h.at)}</span>
        </span>
      ),
    }))} />
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
