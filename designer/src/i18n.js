// zh-CN is the default language; English is selectable (kept in localStorage).
import { createContext, useContext } from 'react';

const zh = {
  app: '一网通办', login: '登录', logout: '退出', username: '用户名', password: '密码',
  workbench: '工作台', window: '综合窗口', portal: '办事大厅', supervision: '电子监察', designer: '事项设计',
  myTasks: '我的待办', groupTasks: '部门待办', allTasks: '全部', claim: '签收', open: '办理', deadline: '办理时限',
  step: '环节', caseNo: '办件编号', item: '事项', group: '部门/窗口', assignee: '办理人', light: '亮灯',
  green: '绿灯', yellow: '黄灯', red: '红灯', none: '无', noTask: '请选择左侧待办', application: '申请信息',
  materials: '申请材料', opinions: '历史意见', taskForm: '办理表单', submit: '提交', save: '保存',
  accept: '受理', correct: '要求补正', refuse: '不予受理', approve: '同意', disapprove: '不同意',
  returnBack: '退回', transfer: '转办', transferTo: '转办给(用户名)', reason: '理由', comment: '意见',
  shortcuts: '快捷键: J/K 上下选择, C 签收, Enter 办理, Ctrl+Enter 提交', done: '已办结',
  applyFor: '申请办理', guide: '办事指南', myCases: '我的办件', apply: '申请', saveDraft: '保存草稿',
  draftSaved: '草稿已保存', progress: '办理进度', status: '状态', rate: '评价', rated: '感谢您的评价',
  correctionNotice: '补正通知', licence: '电子证照', download: '下载', submitted: '申请已提交',
  running: '办理中', completed: '已办结', cancelled: '已撤销', suspended: '已挂起', terminated: '已终止',
  openCase: '为群众申请', applicantAccount: '申请人账号', receipt: '受理回执', print: '打印',
  issue: '出件', trackHint: '扫描二维码查询办理进度', track: '进度查询', history: '办理过程',
  casesByLight: '按亮灯', casesByItem: '按事项', casesByStatus: '按状态', trend: '趋势', overdue: '超期件',
  export: '导出CSV', total: '办件总数', ratings: '评价', items: '事项', processes: '流程', forms: '表单',
  newProcess: '新建流程', upload: '上传BPMN', lint: '检查', deploy: '发布', versionNote: '版本说明',
  diff: '与上一版本差异', properties: '属性', candidateGroups: '候选部门/窗口', formKey: '绑定表单',
  timeLimit: '时限(工作日)', multiInstance: '多部门并联(会签)', collection: '部门列表变量',
  elementVariable: '元素变量', exportXml: '导出BPMN', exportBundle: '导出包', importBundle: '导入包',
  formBuilder: '表单设计', palette: '字段', preview: '预览', jsonSchema: 'JSON Schema', uiSchema: 'UI Schema',
  formKeyLabel: '表单标识', publish: '发布', published: '已发布', lintOk: '检查通过', wizard: '流程向导',
  processId: '流程标识', processName: '流程名称', departments: '会签部门', generate: '生成',
  noData: '暂无数据', fieldText: '单行文本', fieldTextarea: '多行文本', fieldNumber: '数字', fieldDate: '日期',
  fieldSelect: '下拉选择', fieldCheckbox: '勾选', fieldIdNumber: '身份证号', fieldMobile: '手机号',
  fieldTitle: '字段名称', fieldKey: '字段标识', required: '必填', remove: '删除', templates: '模板',
  language: 'English', welcome: '欢迎', selectItem: '请选择事项', publicProgress: '办件进度(公开)',
  currentStep: '当前环节', startedAt: '申请时间', endedAt: '办结时间', notFound: '未找到',
  refresh: '刷新', drillDown: '查看', deptApprovals: '部门审批', step_done: '已完成',
  // cases, materials, catalogue, supervision
  trackingNumber: '办件编号', uploadMaterial: '上传材料', promisedDays: '承诺时限(工作日)',
  statutoryDays: '法定时限(工作日)', itemCode: '事项编码', itemName: '事项名称', itemType: '事项类型',
  department: '实施部门', delivery: '送达方式', delivery_window: '窗口领取', delivery_mail: '邮寄送达',
  delivery_electronic: '电子送达', optional: '非必需', printGuide: '打印办事指南', person: '个人', company: '企业',
  residentId: '公民身份号码', creditCode: '统一社会信用代码', round: '第', noticeText: '补正告知书全文',
  resubmit: '提交补正', result: '办理结果', view: '查看', noLicence: '暂无电子证照',
  case_in_progress: '办理中', case_awaiting_correction: '待补正', case_completed: '已办结',
  case_not_accepted: '不予受理', case_cancelled: '已撤销', caseDeadline: '办件时限', issueLicence: '签发电子证照',
  holderName: '持证人', holderId: '持证人证件号码', licenceTitle: '证照名称', correctionSent: '补正告知已发送',
  defaultProblem: '不符合要求,请补正', problem: '问题说明', field: '字段', fieldMaterial: '申请材料(文件)',
  level: '行使层级', level_province: '省级', level_city: '市级', level_county: '县级', level_township: '乡镇级',
  level_village: '村级', region: '行政区划代码', legalBasis: '设定依据', onlineDepth: '网上可办程度',
  atMostOneVisit: '最多跑一次', resultName: '办理结果名称', formats: '格式', noMaterials: '申请表中没有材料字段',
  itemCodeRule: '大写字母、数字和单个连字符,6-64位', regionRule: '6、9或12位数字', promisedRule: '承诺时限不得超过法定时限',
  type_licence: '行政许可', type_confirmation: '行政确认', type_benefit: '行政给付', type_levy: '行政征收',
  type_ruling: '行政裁决', type_award: '行政奖励', type_public_service: '公共服务', type_other: '其他',
  since: '开始于', licenceType: '电子证照类型', licenceTypeRule: '先填写办理结果名称', fromItem: '默认取自事项', allCases: '全部办件', casesByDepartment: '按部门', statistics: '统计(按事项)', closed: '已办结',
  onTimeRate: '按时办结率', onlineShare: '网办率', durationP50: '用时中位数(工作日)', ratingAvg: '平均评分',
  poorRatings: '差评', poorRatingsList: '差评处理', followUp: '整改情况', awaitingFollowUp: '待跟进', outcome: '结果',
  outcome_approved: '准予', outcome_denied: '不予许可', outcome_not_accepted: '不予受理', outcome_completed: '办结',
  outcome_cancelled: '撤销',
};

const en = {
  app: 'One-Window Services', login: 'Log in', logout: 'Log out', username: 'Username', password: 'Password',
  workbench: 'Workbench', window: 'Window', portal: 'Portal', supervision: 'Supervision', designer: 'Designer',
  myTasks: 'My tasks', groupTasks: "My groups' tasks", allTasks: 'All', claim: 'Claim', open: 'Open',
  deadline: 'Deadline', step: 'Step', caseNo: 'Case', item: 'Item', group: 'Group', assignee: 'Assignee',
  light: 'Light', green: 'Green', yellow: 'Yellow', red: 'Red', none: 'None', noTask: 'Select a task',
  application: 'Application', materials: 'Materials', opinions: 'Earlier opinions', taskForm: 'Task form',
  submit: 'Submit', save: 'Save', accept: 'Accept', correct: 'Request corrections', refuse: 'Refuse',
  approve: 'Approve', disapprove: 'Disapprove', returnBack: 'Return', transfer: 'Transfer',
  transferTo: 'Transfer to (username)', reason: 'Reason', comment: 'Opinion',
  shortcuts: 'Shortcuts: J/K move, C claim, Enter open, Ctrl+Enter submit', done: 'Done',
  applyFor: 'Apply', guide: 'Service guide', myCases: 'My cases', apply: 'Apply', saveDraft: 'Save draft',
  draftSaved: 'Draft saved', progress: 'Progress', status: 'Status', rate: 'Rate', rated: 'Thank you for rating',
  correctionNotice: 'Corrections notice', licence: 'E-licence', download: 'Download', submitted: 'Submitted',
  running: 'In progress', completed: 'Completed', cancelled: 'Cancelled', suspended: 'Suspended',
  terminated: 'Terminated', openCase: 'Open a case for a citizen', applicantAccount: 'Applicant account',
  receipt: 'Receipt', print: 'Print', issue: 'Issue', trackHint: 'Scan the QR code to follow progress',
  track: 'Track', history: 'History', casesByLight: 'By light', casesByItem: 'By item',
  casesByStatus: 'By status', trend: 'Trend', overdue: 'Overdue', export: 'Export CSV', total: 'Cases',
  ratings: 'Ratings', items: 'Items', processes: 'Processes', forms: 'Forms', newProcess: 'New process',
  upload: 'Upload BPMN', lint: 'Lint', deploy: 'Publish', versionNote: 'Version note',
  diff: 'Diff to previous version', properties: 'Properties', candidateGroups: 'Candidate groups',
  formKey: 'Form', timeLimit: 'Time limit (working days)', multiInstance: 'Parallel over departments (countersign)',
  collection: 'Department list variable', elementVariable: 'Element variable', exportXml: 'Export BPMN',
  exportBundle: 'Export bundle', importBundle: 'Import bundle', formBuilder: 'Form builder', palette: 'Fields',
  preview: 'Preview', jsonSchema: 'JSON Schema', uiSchema: 'UI Schema', formKeyLabel: 'Form key',
  publish: 'Publish', published: 'Published', lintOk: 'No lint issues', wizard: 'Process wizard',
  processId: 'Process id', processName: 'Process name', departments: 'Countersigning departments',
  generate: 'Generate', noData: 'No data', fieldText: 'Text', fieldTextarea: 'Long text', fieldNumber: 'Number',
  fieldDate: 'Date', fieldSelect: 'Select', fieldCheckbox: 'Checkbox', fieldIdNumber: 'Resident ID',
  fieldMobile: 'Mobile', fieldTitle: 'Label', fieldKey: 'Key', required: 'Required', remove: 'Remove',
  templates: 'Templates', language: '中文', welcome: 'Welcome', selectItem: 'Choose an item',
  publicProgress: 'Case progress (public)', currentStep: 'Current step', startedAt: 'Applied',
  endedAt: 'Completed', notFound: 'Not found', refresh: 'Refresh', drillDown: 'Open',
  deptApprovals: 'Department approvals', step_done: 'done',
  // cases, materials, catalogue, supervision
  trackingNumber: 'Tracking number', uploadMaterial: 'Upload file', promisedDays: 'Promised limit (working days)',
  statutoryDays: 'Statutory limit (working days)', itemCode: 'Item code', itemName: 'Item name', itemType: 'Item type',
  department: 'Department', delivery: 'Delivery', delivery_window: 'Pick up at the window', delivery_mail: 'By mail',
  delivery_electronic: 'Electronic', optional: 'optional', printGuide: 'Print the service guide', person: 'Person',
  company: 'Company', residentId: 'Resident ID number', creditCode: 'Unified social credit code', round: 'round',
  noticeText: 'Full text of the notice', resubmit: 'Hand in corrections', result: 'Result', view: 'View',
  noLicence: 'No e-licence', case_in_progress: 'In progress', case_awaiting_correction: 'Awaiting corrections',
  case_completed: 'Completed', case_not_accepted: 'Not accepted', case_cancelled: 'Withdrawn',
  caseDeadline: 'Case deadline', issueLicence: 'Issue e-licence', holderName: 'Holder', holderId: 'Holder ID number',
  licenceTitle: 'Licence title', correctionSent: 'Corrections notice sent', defaultProblem: 'Does not meet the requirements',
  problem: 'What is wrong', field: 'Field', fieldMaterial: 'Material (file)', level: 'Level', level_province: 'Province',
  level_city: 'City', level_county: 'County', level_township: 'Township', level_village: 'Village',
  region: 'Region code', legalBasis: 'Legal basis', onlineDepth: 'Online depth', atMostOneVisit: 'At most one visit',
  resultName: 'Result', formats: 'Formats', noMaterials: 'The application form has no material fields',
  itemCodeRule: 'Capital letters, digits and single dashes, 6-64 long', regionRule: '6, 9 or 12 digits',
  promisedRule: 'The promised limit may not exceed the statutory limit', type_licence: 'Licence',
  type_confirmation: 'Confirmation', type_benefit: 'Benefit', type_levy: 'Levy', type_ruling: 'Ruling',
  type_award: 'Award', type_public_service: 'Public service', type_other: 'Other', since: 'since',
  licenceType: 'E-licence type', licenceTypeRule: 'Name the result first', fromItem: 'from the item',
  allCases: 'All cases', casesByDepartment: 'By department', statistics: 'Statistics by item', closed: 'Closed',
  onTimeRate: 'On-time rate', onlineShare: 'Online share', durationP50: 'Median duration (working days)',
  ratingAvg: 'Average rating', poorRatings: 'Poor', poorRatingsList: 'Poor ratings', followUp: 'Follow-up', awaitingFollowUp: 'Open',
  outcome: 'Outcome', outcome_approved: 'Approved', outcome_denied: 'Denied', outcome_not_accepted: 'Not accepted',
  outcome_completed: 'Completed', outcome_cancelled: 'Withdrawn',
};

export const DICTIONARIES = { zh, en };
export const I18nContext = createContext({ lang: 'zh', t: (k) => zh[k] || k, setLang: () => {} });
export const useI18n = () => useContext(I18nContext);

export function initialLang() {
  try {
    return localStorage.getItem('yw.lang') === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

export function translator(lang) {
  const dict = DICTIONARIES[lang] || zh;
  return (key) => dict[key] ?? zh[key] ?? key;
}
