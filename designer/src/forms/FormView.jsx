// The one JSON-Schema form renderer used everywhere (portal, workbench, designer preview):
// rjsf with its Ant Design theme; rjsf's own strings follow the UI language.
import Form from '@rjsf/antd';
import { TranslatableString, englishStringTranslator } from '@rjsf/utils';
import { validator } from './validator.js';
import { useI18n } from '../i18n.js';
import MaterialField, { withMaterialFields } from './MaterialField.jsx';

const FIELDS = { material: MaterialField };

const ZH = {
  [TranslatableString.ArrayItemTitle]: '条目',
  [TranslatableString.EmptyArray]: '暂无条目,请点击下方按钮添加。',
  [TranslatableString.YesLabel]: '是',
  [TranslatableString.NoLabel]: '否',
  [TranslatableString.CloseLabel]: '关闭',
  [TranslatableString.ErrorsLabel]: '错误',
  [TranslatableString.NewStringDefault]: '新值',
  [TranslatableString.AddButton]: '添加',
  [TranslatableString.AddItemButton]: '添加条目',
  [TranslatableString.CopyButton]: '复制',
  [TranslatableString.MoveDownButton]: '下移',
  [TranslatableString.MoveUpButton]: '上移',
  [TranslatableString.RemoveButton]: '删除',
  [TranslatableString.NowLabel]: '现在',
  [TranslatableString.ClearLabel]: '清除',
  [TranslatableString.AriaDateLabel]: '选择日期',
  [TranslatableString.PreviewLabel]: '预览',
  [TranslatableString.Type]: '类型',
  [TranslatableString.Value]: '值',
  [TranslatableString.ClearButton]: '清空',
  [TranslatableString.OptionalObjectAdd]: '填写可选项',
  [TranslatableString.OptionalObjectRemove]: '移除可选项',
  [TranslatableString.OptionalObjectEmptyMsg]: '未填写',
  [TranslatableString.UnsupportedField]: '不支持的字段定义。',
};

export function zhTranslateString(key, params) {
  const text = ZH[key];
  if (!text) return englishStringTranslator(key, params);
  return (params || []).reduce((s, p, i) => s.replaceAll(`%${i + 1}`, p), text);
}

/**
 * context: {caseId} lets material fields show the case's files; {formKey, formVersion} lets uploads be
 * checked against the field's own formats and size limit.
 */
export default function FormView({ schema, uiSchema, formData, onChange, onSubmit, readonly, extraErrors,
  children, formRef, id, context }) {
  const { lang, t } = useI18n();
  const ui = { ...withMaterialFields(schema, uiSchema), 'ui:submitButtonOptions': { submitText: t('submit'),
    ...(uiSchema?.['ui:submitButtonOptions'] || {}), ...(readonly ? { norender: true } : {}) } };
  return (
    <Form id={id} ref={formRef} schema={schema || { type: 'object' }} uiSchema={ui} formData={formData}
      fields={FIELDS} formContext={context || {}}
      validator={validator} readonly={readonly} liveValidate={false} showErrorList={false}
      extraErrors={extraErrors} noHtml5Validate
      translateString={lang === 'zh' ? zhTranslateString : undefined}
      onChange={onChange ? (e) => onChange(e.formData) : undefined}
      onSubmit={onSubmit ? (e) => onSubmit(e.formData) : undefined}>
      {children}
    </Form>
  );
}
