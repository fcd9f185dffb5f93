// The product's one rule for a person's and a company's number (forms/identifiers.py on the server), so the
// applicant hears of a mistyped ID number, credit code, mobile number or postcode as they type, not after
// submitting. The server checks every submission again and stays the authority.

const RIC_CHARS = /^[0-9X]*$/;
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'; // GB 32100: no I, O, S, V, Z
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const RIC_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RIC_CHECK = '10X98765432';

let regions = null; // every region code of any era, loaded apart from the page (41 KB)
/** Resolves once the region codes are in; until then the region is left to the server's check. */
export const regionsReady = import('./regionCodes.js').then((m) => {
  regions = new Set(m.default.match(/\d{6}/g));
});

function today() {
  const now = new Date();
  return now.getFullYear() * 10000 + (now.getMonth() + 1) * 100 + now.getDate();
}

/** Why `value` is not a valid resident ID number (check digit, birth date, region), or null. */
export function residentIdProblem(value) {
  if (!RIC_CHARS.test(value) || value.slice(0, 17).includes('X')) return 'characters';
  if (value.length !== 18) return 'length';
  const sum = RIC_WEIGHTS.reduce((total, w, i) => total + w * Number(value[i]), 0);
  if (RIC_CHECK[sum % 11] !== value[17]) return 'check-digit';
  const [y, m, d] = [Number(value.slice(6, 10)), Number(value.slice(10, 12)), Number(value.slice(12, 14))];
  const born = new Date(Date.UTC(y, m - 1, d));
  if (y < 1850 || born.getUTCFullYear() !== y || born.getUTCMonth() !== m - 1 || born.getUTCDate() !== d) {
    return 'birth-date';
  }
  if (y * 10000 + m * 100 + d > today()) return 'birth-date-future';
  if (regions && !regions.has(value.slice(0, 6))) return 'region';
  return null;
}

/** Why `value` is not a valid unified social credit code, or null. */
export function usccProblem(value) {
  if ([...value].some((c) => !USCC_ALPHABET.includes(c))) return 'characters';
  if (value.length !== 18) return 'length';
  const sum = USCC_WEIGHTS.reduce((total, w, i) => total + w * USCC_ALPHABET.indexOf(value[i]), 0);
  return USCC_ALPHABET[(31 - (sum % 31)) % 31] === value[17] ? null : 'check-digit';
}

const CHECKS = {
  'cn-resident-id': residentIdProblem,
  'cn-uscc': usccProblem,
  'cn-mobile': (v) => (/^1[3-9][0-9]{9}$/.test(v) ? null : 'invalid'),
  'cn-postcode': (v) => (/^[0-9]{6}$/.test(v) ? null : 'invalid'),
};

// The same words as the server's messages (forms/messages.py).
const NAMES = {
  'cn-resident-id': ['居民身份证号码', 'resident ID number'], 'cn-uscc': ['统一社会信用代码', 'unified social credit code'],
  'cn-mobile': ['手机号码', 'mobile phone number'], 'cn-postcode': ['邮政编码', 'postal code'],
};
const REASONS = {
  length: ['长度应为18位', 'must be 18 characters'],
  characters: ['含有不允许的字符，请去掉空格并使用大写字母', 'has characters that are not allowed; remove spaces and use capitals'],
  'check-digit': ['校验码不正确', 'the check character is wrong'],
  'birth-date': ['出生日期不是有效日期', 'the birth date is not a real date'],
  'birth-date-future': ['出生日期晚于今天', 'the birth date is in the future'],
  region: ['前6位不是任何时期的县级行政区划代码', 'the first six digits are no county code of any time'],
};

function message(format, reason, lang) {
  const en = lang === 'en' ? 1 : 0;
  const why = REASONS[reason]?.[en];
  if (en) return `is not a valid ${NAMES[format][1]}${why ? ` (${why})` : ''}`;
  return `不是有效的${NAMES[format][0]}${why ? `（${why}）` : ''}`;
}

function resolve(schema, root) {
  let node = schema;
  for (let hops = 0; node && typeof node.$ref === 'string' && node.$ref.startsWith('#/') && hops < 20; hops += 1) {
    node = node.$ref.slice(2).split('/').map(decodeURIComponent).reduce((n, key) => n?.[key], root);
  }
  return node;
}

/** Format errors of the Chinese identifiers in `data`, as @cfworker/json-schema reports its errors. */
export function identifierErrors(schema, data, lang, root = schema, location = '#', out = []) {
  const node = resolve(schema, root);
  if (!node || typeof node !== 'object' || out.length > 200) return out;
  if (typeof data === 'string' && CHECKS[node.format]) {
    const reason = CHECKS[node.format](data);
    if (reason) out.push({ instanceLocation: location, keyword: 'format', error: message(node.format, reason, lang) });
  }
  for (const part of node.allOf || []) identifierErrors(part, data, lang, root, location, out);
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    for (const [key, sub] of Object.entries(node.properties || {})) {
      if (key in data) identifierErrors(sub, data[key], lang, root, `${location}/${encodeURIComponent(key)}`, out);
    }
  }
  if (Array.isArray(data) && node.items && typeof node.items === 'object') {
    data.forEach((item, i) => identifierErrors(node.items, item, lang, root, `${location}/${i}`, out));
  }
  return out;
}
