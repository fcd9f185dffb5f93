// Form patterns are written in the browser's dialect, with one addition the server (RE2) reads
// natively: Unicode script classes named bare, as in \p{Han}. A u-flag RegExp spells a script
// \p{Script=Han}, so before a schema is compiled here each pattern gets that spelling (the same
// rule as forms/regex_dialect.py's browser_property; tests/unit/forms/test_form_patterns.py
// runs both on the same patterns). \s needs nothing: the browser's is the definition the
// server adopts (ECMAScript white space and line terminators, U+3000 included).
const GENERAL_CATEGORIES = new Set(['Other', 'Control', 'cntrl', 'Format', 'Unassigned', 'Private_Use',
  'Surrogate', 'Letter', 'Cased_Letter', 'Lowercase_Letter', 'Modifier_Letter', 'Other_Letter', 'Titlecase_Letter',
  'Uppercase_Letter', 'Mark', 'Combining_Mark', 'Spacing_Mark', 'Enclosing_Mark', 'Nonspacing_Mark', 'Number',
  'Decimal_Number', 'digit', 'Letter_Number', 'Other_Number', 'Punctuation', 'punct', 'Connector_Punctuation',
  'Dash_Punctuation', 'Close_Punctuation', 'Final_Punctuation', 'Initial_Punctuation', 'Other_Punctuation',
  'Open_Punctuation', 'Symbol', 'Currency_Symbol', 'Modifier_Symbol', 'Math_Symbol', 'Other_Symbol', 'Separator',
  'Line_Separator', 'Paragraph_Separator', 'Space_Separator']);
const PROPERTY = /\\([pP])(?:\{(?:(?:Script|sc|General_Category|gc)=)?([^}=]*)\}|([A-Za-z]))/g;

function property(match, kind, braced, single) {
  const name = braced ?? single;
  if (name.length <= 2 || GENERAL_CATEGORIES.has(name) || name === 'Any' || name === 'ASCII') return `\\${kind}{${name}}`;
  return `\\${kind}{Script=${name}}`;
}

/** The pattern as a u-flag RegExp must read it to match what the server matches. */
export function browserPattern(pattern) {
  let out = '';
  for (let i = 0; i < pattern.length; i += 1) {
    if (pattern[i] !== '\\') { out += pattern[i]; continue; }
    PROPERTY.lastIndex = i;
    const found = PROPERTY.exec(pattern);
    if (found && found.index === i) {
      out += property(...found);
      i += found[0].length - 1;
    } else {
      out += pattern.slice(i, i + 2);
      i += 1;
    }
  }
  return out;
}

/** A copy of a schema whose pattern and patternProperties keys read as the server reads them. */
export function withBrowserPatterns(schema) {
  if (Array.isArray(schema)) return schema.map(withBrowserPatterns);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'pattern' && typeof value === 'string') copy[key] = browserPattern(value);
    else if (key === 'patternProperties' && value && typeof value === 'object' && !Array.isArray(value)) {
      copy[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [browserPattern(k), withBrowserPatterns(v)]));
    } else copy[key] = withBrowserPatterns(value);
  }
  return copy;
}
