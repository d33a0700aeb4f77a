/**
 * Secrets never leave the machine. ComfyUI workflows carry API keys in node inputs (OpenAI, Replicate,
 * Hugging Face, AWS nodes) and local paths that name the user; both end up in the metadata Ferry
 * sends and in the PNG's own text chunks. This module finds and replaces them: values of inputs
 * named like credentials, strings shaped like known keys wherever they appear, and home folders
 * (`/home/<name>/`, `/Users/<name>/`, `C:\Users\<name>\` → `~/`). Pure: no I/O.
 */

export const REDACTED = '[redacted]';

/** What was replaced and where (a dotted path into the value); never the secret itself. */
export interface Finding {
  kind: 'secret' | 'home-path';
  path: string;
}

/** Key shapes of the services creator tools call; each is specific enough not to hit prompt text. */
const KEY_SHAPES: RegExp[] = [
  /\bsk-(?:proj-|ant-|or-)?[A-Za-z0-9_-]{20,}/g, // OpenAI, Anthropic, OpenRouter
  /\bhf_[A-Za-z0-9]{30,}/g, // Hugging Face
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key IDs
  /\bgh[pousr]_[A-Za-z0-9]{36,}/g, // GitHub
  /\bgithub_pat_[A-Za-z0-9_]{22,}/g,
  /\bglpat-[A-Za-z0-9_-]{20,}/g, // GitLab
  /\bxox[abprse]-[A-Za-z0-9-]{10,}/g, // Slack
  /\br8_[A-Za-z0-9]{30,}/g, // Replicate
  /\bAIza[0-9A-Za-z_-]{35}/g, // Google
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWT
];

/** Home folders with the user's name in them; the separator after the name is kept. */
const NAME = `[^/\\\\\\n\\r"',;]+`; // a folder name: spaces allowed (Windows "Bob Smith"), list punctuation not
const HOME_PATHS: RegExp[] = [
  new RegExp(`/home/${NAME}(?=[/\\\\]|$)`, 'g'),
  new RegExp(`/Users/${NAME}(?=[/\\\\]|$)`, 'g'),
  new RegExp(`\\b[A-Za-z]:[\\\\/]+Users[\\\\/]+${NAME}(?=[/\\\\]|$)`, 'gi'),
];
/** Folders under /Users and C:\Users that name no one. */
const SHARED_HOMES = new Set(['shared', 'public', 'default', 'all users']);

/** Splits `aws_secret_access_key`, `apiKey`, `HF-Token` into lower-case words. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/**
 * Inputs whose value is a credential by their name: api_key, apikey, token, hf_token, secret,
 * password, auth, authorization, aws_access_key_id, aws_secret_access_key, private_key… but not
 * `max_tokens` or `token_normalization` (the last word decides for "token" and "key").
 */
export function isSecretKey(key: string): boolean {
  const w = words(key);
  if (w.length === 0) return false;
  const last = w[w.length - 1]!;
  const prev = w[w.length - 2];
  if (w.some((x) => ['apikey', 'secret', 'secrets', 'password', 'passwd', 'passphrase', 'credential', 'credentials'].includes(x))) return true;
  if (['token', 'auth', 'authorization', 'bearer', 'cookie'].includes(last)) return true;
  if (last === 'key' && prev !== undefined && ['api', 'access', 'private', 'secret', 'session', 'auth', 'client'].includes(prev)) return true;
  if (last === 'id' && prev === 'key' && w.includes('access')) return true; // aws_access_key_id
  return false;
}

/** Replaces key shapes and home folders inside a string; reports what kinds were found. */
export function redactString(s: string): { text: string; kinds: Set<Finding['kind']> } {
  const kinds = new Set<Finding['kind']>();
  let text = s;
  for (const re of KEY_SHAPES) {
    text = text.replace(re, () => {
      kinds.add('secret');
      return REDACTED;
    });
  }
  for (const re of HOME_PATHS) {
    text = text.replace(re, (m) => {
      const name = m.split(/[\\/]+/).pop() ?? '';
      if (SHARED_HOMES.has(name.toLowerCase())) return m;
      kinds.add('home-path');
      return '~';
    });
  }
  return { text, kinds };
}

const isLink = (v: unknown) => Array.isArray(v) && v.length === 2 && typeof v[1] === 'number' && (typeof v[0] === 'string' || typeof v[0] === 'number');

/**
 * Values of credential-named inputs anywhere in `value`. ComfyUI's UI-format `workflow` keeps the
 * same values in unnamed `widgets_values` arrays, so the values found by name in the `prompt` graph
 * are also looked for, verbatim, everywhere else. Short values are left out: replacing every "abc"
 * in a prompt would say nothing about a secret.
 */
export function secretValues(value: unknown, into = new Set<string>()): Set<string> {
  const walk = (v: unknown, named: boolean): void => {
    if (typeof v === 'string') {
      if (named && v.trim().length >= 8) into.add(v);
    } else if (Array.isArray(v)) {
      if (!(named && isLink(v))) for (const x of v) walk(x, named);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, named || isSecretKey(k));
    }
  };
  walk(value, false);
  return into;
}

/** A deep copy of `value` with secrets and home paths replaced, and where they were. */
export function redactValue<T>(value: T, known: Set<string> = secretValues(value)): { value: T; findings: Finding[] } {
  const findings: Finding[] = [];
  const walk = (v: unknown, p: string, secretByName: boolean): unknown => {
    if (typeof v === 'string') {
      if (secretByName && v.trim() !== '') {
        findings.push({ kind: 'secret', path: p });
        return REDACTED;
      }
      let text = v;
      for (const k of known) {
        if (text.includes(k)) {
          text = text.split(k).join(REDACTED);
          findings.push({ kind: 'secret', path: p });
        }
      }
      const r = redactString(text);
      for (const kind of r.kinds) findings.push({ kind, path: p });
      return r.text;
    }
    if (Array.isArray(v)) {
      // A graph link [nodeId, slot] under a secret-named input points at the node that holds the
      // secret; that node's own input is caught by its name or value, the link itself is not one.
      if (secretByName && isLink(v)) return v;
      return v.map((x, i) => walk(x, p ? `${p}.${i}` : String(i), secretByName));
    }
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, p ? `${p}.${k}` : k, secretByName || isSecretKey(k));
      return out;
    }
    return v;
  };
  return { value: walk(value, '', false) as T, findings };
}

/** Parses JSON text, or undefined. */
function json(text: string): unknown {
  const t = text.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Redacts the text chunks of one file together: JSON texts (ComfyUI's graphs) structurally, so an
 * `api_key` input is found by its name, and its value is then found in the other chunks too (the
 * workflow's unnamed widget values); any other text (A1111 parameters) by known values and shapes.
 * Returns the new texts (unchanged ones as they were) and what was found in each.
 */
export function redactTexts(texts: string[]): { text: string; findings: Finding[] }[] {
  const parsed = texts.map(json);
  const known = new Set<string>();
  for (const p of parsed) if (p !== undefined) secretValues(p, known);
  return texts.map((text, i) => {
    const r = redactValue(parsed[i] !== undefined ? parsed[i] : text, known);
    if (r.findings.length === 0) return { text, findings: [] };
    return { text: typeof r.value === 'string' ? r.value : JSON.stringify(r.value), findings: r.findings };
  });
}
