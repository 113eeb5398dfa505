// approvald's executor client for Node.js: submit a request, wait for its
// decision, verify it, cancel it. Standard library only (node:crypto for
// Ed25519).
//
// Every answer from the daemon is treated as hostile: bounded, parsed
// strictly, checked. An outcome is APPROVED only when the view passed
// every check of docs/PROTOCOL.md §4 and the freshness and key rules of §9
// against the caller's own trusted-keys file and the exact bytes this
// client sent; anything else is one of the other outcomes.
//
//   const client = new Client({ trustedKeys: 'trusted-keys' });
//   const r = await client.request({ action: 'refund', target: 'order-77',
//     justification: 'item arrived broken', params: { amount: 1800 } });
//   if (r.outcome === APPROVED) { /* act */ }
import { createHash, createPublicKey, randomBytes, verify as edVerify }
  from 'node:crypto';
import { constants as fsc, openSync, fstatSync, readSync, closeSync,
  readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export const APPROVED = 'approved';
export const DENIED = 'denied';
export const EXPIRED = 'expired';
export const CANCELLED = 'cancelled';
export const PENDING = 'pending';
export const VERIFICATION_FAILED = 'verification_failed';
export const UNREACHABLE = 'unreachable';
export const UNAUTHORISED = 'unauthorised';
// approvectl's exit code for each outcome.
export const EXIT_CODES = Object.freeze({
  approved: 0, denied: 1, expired: 2, cancelled: 3, pending: 4,
  verification_failed: 65, unreachable: 69, unauthorised: 77,
});
const STATES = [APPROVED, DENIED, EXPIRED, CANCELLED, PENDING];

const DEFAULT_URL = 'http://127.0.0.1:8470';
const REPLY_MAX = 8 * 1024 * 1024;     // a larger answer is refused
const TOKEN_FILE_MAX = 4096;
const TRUSTED_MAX = 1024;
const TRUSTED_LINE_MAX = 512;
const SIGNATURES_MAX = 1024;
const JSON_DEPTH_MAX = 16;
const ID_MAX = 48;
const TIME_MAX = 2 ** 53;              // Unix ms, exact in a double
const NONCE_TAG = 'approve-nonce-v1';
const DECISION_TAG = 'approve-decision-v1';
const SKEW_MS = 5 * 60 * 1000;         // signed this long before created_at
const FUTURE_MS = 60 * 1000;           // clock skew allowed past our clock
const CONNECT_MS = 5000;
const CALL_S = 30;
const WAIT_S = 55;                     // each long-poll; the daemon caps 60
const WAIT_SLACK_S = 15;
const GRACE_MS = 10000;                // keep asking this long past expiry
const UNSEEN_MS = 60000;               // with no view yet, give up after
const BACKOFF_MIN_MS = 200;
const BACKOFF_MAX_MS = 5000;
const PROGRESS_MS = 1000;              // a quicker pending answer backs off
const RETRY_AFTER_MAX_S = 60;          // a longer Retry-After counts as this

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
const REQ_ID_RE = /^req_[A-Za-z0-9]{1,44}$/;
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const CONTROL_RE = /[\x00-\x1f\x7f-\x9f]/;
const SHOWN_RE = /[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const TOKEN_RE = /^[\x21-\x7e]{1,1024}$/;

// The caller's mistake, or a daemon answer that says so (400, 404, 409,
// 413). Never an approval.
export class UsageError extends Error {}

// What became of a request: outcome (one of the names above), the last
// checked view (or null), why (safe for a terminal), and the bytes sent.
export class Result {
  constructor(outcome, view = null, why = '', id = null) {
    this.outcome = outcome;
    this.view = view;
    this.why = why;
    this.id = id ?? (view ? view.id : null);
    this.body = null;
    this.retryMs = 0;        // the daemon's Retry-After, for a 429
  }

  get approved() { return this.outcome === APPROVED; }

  get exitCode() { return EXIT_CODES[this.outcome]; }
}

// text with terminal controls and bidi overrides shown as '?'.
export function clean(text) {
  return String(text).replace(SHOWN_RE, '?');
}

const sha256hex = (data) => createHash('sha256').update(data).digest('hex');

// The body nonce derived from an idempotency key (PROTOCOL.md §9).
export function bodyNonce(key) {
  return sha256hex(Buffer.from(`${NONCE_TAG}\n${key}`, 'utf8')).slice(0, 32);
}

// --- strict JSON ----------------------------------------------------------

// Walk JSON text to refuse what JSON.parse lets through: duplicate keys
// (after unescaping) and nesting deeper than the daemon allows.
function jsonCheck(text) {
  let i = 0;
  const ws = () => { while (' \t\r\n'.includes(text[i]) && i < text.length) i++; };
  const str = () => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) throw new Error('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const value = (depth) => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      if (depth + 1 > JSON_DEPTH_MAX) throw new Error('nested too deeply');
      const close = c === '{' ? '}' : ']';
      const keys = new Set();
      i++;
      ws();
      if (text[i] === close) { i++; return; }
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') throw new Error('expected a key');
          const k = str();
          if (keys.has(k)) throw new Error('duplicate key');
          keys.add(k);
          ws();
          if (text[i++] !== ':') throw new Error('expected :');
        }
        value(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i++] !== close) throw new Error('expected , or close');
        return;
      }
    }
    if (c === '"') { str(); return; }
    const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(
      text.slice(i, i + 400));
    if (!m) throw new Error('not JSON');
    i += m[0].length;
  };
  value(0);
}

// A JSON document from bytes, as strictly as the daemon parses: UTF-8, no
// duplicate keys, bounded depth. Throws otherwise.
export function parseJson(data) {
  if (data.length > REPLY_MAX) throw new Error('larger than the limit');
  const text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  const value = JSON.parse(text);   // first: it finds every syntax error
  jsonCheck(text);
  return value;
}

function jsonInt(v, lo, hi) {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi
    ? v : null;
}

// Strict base64 (canonical, padded) as a Buffer, null when it is not.
function b64(text) {
  if (typeof text !== 'string' || !B64_RE.test(text)) return null;
  const raw = Buffer.from(text, 'base64');
  return raw.toString('base64') === text ? raw : null;
}

// A string without a lone surrogate, so UTF-8 holds it as it is (Node 18
// lacks String.prototype.isWellFormed).
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (s) => typeof s === 'string' && !LONE_SURROGATE_RE.test(s);

// --- trusted keys ---------------------------------------------------------

// Map signer -> 32-byte public key from a trusted-keys file's text:
// "<signer> ed25519 <base64 key>" per line, blank and # lines skipped.
export function parseTrusted(text) {
  const keys = new Map();
  if (text.includes('\0')) throw new UsageError('trusted keys: holds a NUL byte');
  text.split('\n').forEach((line, n) => {
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split(' ');
    const pk = parts.length === 3 ? b64(parts[2]) : null;
    if (line.length >= TRUSTED_LINE_MAX || !pk || pk.length !== 32 ||
        parts[1] !== 'ed25519' || !NAME_RE.test(parts[0]) ||
        keys.has(parts[0]))
      throw new UsageError(`trusted keys: line ${n + 1}: expected a unique ` +
        '"<signer> ed25519 <base64 key>"');
    if (keys.size === TRUSTED_MAX)
      throw new UsageError(`trusted keys: more than ${TRUSTED_MAX} keys`);
    keys.set(parts[0], pk);
  });
  if (keys.size === 0) throw new UsageError('trusted keys: the file holds no keys');
  return keys;
}

export function loadTrusted(path) {
  let data;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new UsageError(`trusted keys: ${path}: ${e.code}`);
  }
  if (data.length > TRUSTED_MAX * TRUSTED_LINE_MAX)
    throw new UsageError(`trusted keys: ${path}: too large`);
  try {
    return parseTrusted(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`trusted keys: ${path}: not UTF-8`);
  }
}

// --- verification (PROTOCOL.md §4 and §9) ----------------------------------

function decisionBytes(id, digest, verdict, signer, signedAt, reason) {
  const rh = sha256hex(Buffer.from(reason, 'utf8'));
  return Buffer.from(`${DECISION_TAG}\nid:${id}\ndigest:${digest}\n` +
    `verdict:${verdict}\nsigner:${signer}\nsigned_at:${signedAt}\n` +
    `reason:${rh}\n`, 'utf8');
}

function sigValid(pk, message, sig) {
  try {
    const key = createPublicKey({ format: 'jwk', key: {
      kty: 'OKP', crv: 'Ed25519', x: pk.toString('base64url') } });
    return edVerify(null, message, key, sig);
  } catch {
    return false;
  }
}

class Refusal extends Error {}

function sigFields(i, e) {
  if (e === null || typeof e !== 'object' || Array.isArray(e))
    throw new Refusal(`signature ${i}: not an object`);
  const { signer, verdict } = e;
  if (typeof signer !== 'string' || !NAME_RE.test(signer))
    throw new Refusal(`signature ${i}: signer is missing or not a valid name`);
  if (verdict !== 'approve' && verdict !== 'deny')
    throw new Refusal(`signature ${i}: verdict is not approve or deny`);
  const signedAt = jsonInt(e.signed_at, 0, TIME_MAX);
  if (signedAt === null)
    throw new Refusal(`signature ${i}: signed_at is not a non-negative integer`);
  const reason = 'reason' in e ? e.reason : '';
  if (!wellFormed(reason))
    throw new Refusal(`signature ${i}: reason is not a string`);
  const sig = b64(e.sig);
  if (!sig || sig.length !== 64)
    throw new Refusal(`signature ${i}: sig is not base64 of 64 bytes`);
  return { signer, verdict, signedAt, reason, sig };
}

// Count the approvals that hold; throws Refusal on a trusted deny or a
// malformed entry.
function tally(view, digest, trusted, nowMs) {
  const signers = new Set();
  const keys = new Set();
  const notes = [];
  view.signatures.forEach((e, i) => {
    const s = sigFields(i, e);
    const pk = trusted.get(s.signer);
    const msg = decisionBytes(view.id, digest, s.verdict, s.signer,
      s.signedAt, s.reason);
    if (!pk) notes.push(`${s.signer}: not in the trusted keys`);
    else if (!sigValid(pk, msg, s.sig))
      notes.push(`${s.signer}: signature does not verify`);
    else if (s.verdict === 'deny')
      throw new Refusal(`${s.signer}, a trusted signer, denied the request`);
    else if (s.signedAt < view.created_at - SKEW_MS)
      notes.push(`${s.signer}: signed more than 5 minutes before the request was made`);
    else if (s.signedAt > nowMs + FUTURE_MS)
      notes.push(`${s.signer}: signed in the future`);
    else if (signers.has(s.signer))
      notes.push(`${s.signer}: approved twice, counted once`);
    else if (keys.has(pk.toString('hex')))
      notes.push(`${s.signer}: the same key as another signer, counted once`);
    else {
      signers.add(s.signer);
      keys.add(pk.toString('hex'));
    }
  });
  return { have: signers.size, notes };
}

function checkView(view, sent, trusted, nowMs) {
  if (view === null || typeof view !== 'object' || Array.isArray(view))
    return 'the view is not an object';
  if (typeof view.state !== 'string') return 'the view has no state';
  if (view.state !== APPROVED) return 'the request is not approved';
  const id = view.id;
  if (!wellFormed(id) || Buffer.byteLength(id) < 1 ||
      Buffer.byteLength(id) > ID_MAX || CONTROL_RE.test(id))
    return 'id is missing or malformed';
  if (typeof view.digest !== 'string') return 'digest is not a string';
  const body = b64(view.body);
  if (!body) return 'body is not strict base64';
  const digest = sha256hex(body);
  if (digest !== view.digest)
    return 'digest is not the lowercase hex SHA-256 of the body';
  if (sent != null && !body.equals(Buffer.from(sent)))
    return 'body is not the request that was sent';
  const need = jsonInt(view.approvals_required, 1, 2 ** 31 - 1);
  if (need === null) return 'approvals_required is not an integer >= 1';
  if (jsonInt(view.created_at, 0, TIME_MAX) === null)
    return 'created_at is not a non-negative integer';
  if (!Array.isArray(view.signatures)) return 'signatures is not an array';
  if (view.signatures.length > SIGNATURES_MAX)
    return `more than ${SIGNATURES_MAX} signatures`;
  let t;
  try {
    t = tally(view, digest, trusted, nowMs);
  } catch (e) {
    if (e instanceof Refusal) return e.message;
    throw e;
  }
  if (t.have < need)
    return `${t.have} of ${need} required approvals verify with the trusted keys` +
      (t.notes.length ? ` (${t.notes.join('; ')})` : '');
  return null;
}

// { ok: true } only when view is an approval that holds: state approved;
// body strict base64 whose SHA-256 is digest; body equal to sent (a
// Buffer; null skips that comparison); approvals_required or more valid
// approve signatures over id and digest from distinct signers with
// distinct keys in trusted (see loadTrusted), none signed more than 5
// minutes before created_at nor after nowMs (default the clock) plus a
// small skew; and no valid trusted deny. Else { ok: false, why }.
export function verifyView(view, sent, trusted, nowMs = Date.now()) {
  const why = checkView(view, sent, trusted, nowMs);
  return why === null ? { ok: true, why: '' } : { ok: false, why: clean(why) };
}

// --- transport ------------------------------------------------------------

function loopback(host) {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return net.isIPv4(h) && h.startsWith('127.');
}

function parseUrl(text, ca, allowHttp) {
  let u;
  try {
    u = new URL(text);
  } catch {
    u = null;
  }
  if (!u || !['http:', 'https:'].includes(u.protocol) || !u.hostname ||
      u.search || u.hash || u.username || u.password ||
      CONTROL_RE.test(text) || text.includes(' ') || !/^https?:\/\//.test(text))
    throw new UsageError(`${clean(text)}: the daemon's URL must be http:// or ` +
      'https:// with a host and no query');
  if (u.protocol === 'http:' && ca)
    throw new UsageError(`${clean(text)}: a CA file is given, so the URL must be https://`);
  if (u.protocol === 'http:' && !loopback(u.hostname) && !allowHttp)
    throw new UsageError(`${clean(text)}: plain http to a host that is not ` +
      'loopback would expose the token; use https:// or allowInsecureHttp');
  return { url: u, text, base: u.pathname.replace(/\/+$/, '') };
}

class Unreachable extends Error {}

function readToken(token, tokenFile) {
  let t = token ?? (process.env.APPROVE_TOKEN || null);
  if (t === null && tokenFile) {
    let fd;
    try {
      fd = openSync(tokenFile, fsc.O_RDONLY | fsc.O_NOFOLLOW);
    } catch (e) {
      throw new UsageError(`token file ${tokenFile}: ${e.code}`);
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new UsageError(`token file ${tokenFile}: not a file`);
      if (st.mode & 0o077)
        throw new UsageError(`token file ${tokenFile}: permissions ` +
          `${(st.mode & 0o7777).toString(8).padStart(4, '0')} are too open: ` +
          'it must be readable by its owner only (chmod 600)');
      const buf = Buffer.alloc(TOKEN_FILE_MAX + 1);
      const n = readSync(fd, buf, 0, buf.length, 0);
      if (n > TOKEN_FILE_MAX) throw new UsageError(`token file ${tokenFile}: too large`);
      t = buf.subarray(0, n).toString('latin1').split('\n')[0].replace(/^[ \t]+|[ \t\r]+$/g, '');
      buf.fill(0);
    } finally {
      closeSync(fd);
    }
  }
  if (t !== null && !TOKEN_RE.test(t))
    throw new UsageError('the token must be 1 to 1024 visible ASCII characters');
  return t;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function checkId(id) {
  if (typeof id !== 'string' || !REQ_ID_RE.test(id))
    throw new UsageError('a request id is req_ and 1 to 44 letters or digits');
  return id;
}

// " by NAME: reason" for the first deny entry, cleaned.
function denial(view) {
  const e = (Array.isArray(view.signatures) ? view.signatures : [])
    .find((s) => s && typeof s === 'object' && s.verdict === 'deny');
  if (!e) return '';
  let text = typeof e.signer === 'string' ? ` by ${clean(e.signer).slice(0, 64)}` : '';
  if (typeof e.reason === 'string' && e.reason) text += `: ${clean(e.reason).slice(0, 1024)}`;
  return text;
}

// A connection to one approvald, or several nodes of one.
// urls: comma-separated (default APPROVE_URL, else http://127.0.0.1:8470);
// a node that gives no answer or a 5xx is left for the next. token:
// default APPROVE_TOKEN, else tokenFile's first line (mode 0600 or
// stricter). ca: a PEM file for https:// (default APPROVE_CA, else the
// system's CAs). trustedKeys: a file path or a Map; required, since an
// approval is only taken after verifying it. allowInsecureHttp: permit
// http:// to a host that is not loopback.
export class Client {
  #token;
  #urls;
  #agentOpts;
  #current = 0;

  constructor({ trustedKeys, urls, token, tokenFile, ca,
    allowInsecureHttp = false } = {}) {
    if (trustedKeys instanceof Map) {
      if (trustedKeys.size === 0 || ![...trustedKeys].every(([k, v]) =>
        typeof k === 'string' && NAME_RE.test(k) && Buffer.isBuffer(v) &&
        v.length === 32))
        throw new UsageError('trusted keys: a Map of signer names to 32-byte keys, at least one');
      this.trusted = new Map(trustedKeys);
    } else if (typeof trustedKeys === 'string') {
      this.trusted = loadTrusted(trustedKeys);
    } else {
      throw new UsageError('trustedKeys is required: a file or a Map');
    }
    const list = urls || process.env.APPROVE_URL || DEFAULT_URL;
    const caFile = ca || process.env.APPROVE_CA || null;
    this.#urls = list.split(',').map((u) => parseUrl(u.trim(), caFile, allowInsecureHttp));
    this.#token = readToken(token ?? null, tokenFile ?? null);
    try {
      this.#agentOpts = caFile ? { ca: readFileSync(caFile) } : {};
    } catch (e) {
      throw new UsageError(`CA file ${caFile}: ${e.code}`);
    }
  }

  // -- HTTP -----------------------------------------------------------------

  #once(u, method, path, body, timeoutS) {
    return new Promise((resolve, reject) => {
      const mod = u.url.protocol === 'https:' ? https : http;
      const headers = { Accept: 'application/json' };
      if (this.#token !== null) headers.Authorization = `Bearer ${this.#token}`;
      if (body) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = body.length;
      }
      const req = mod.request({
        host: u.url.hostname.replace(/^\[|\]$/g, ''),
        port: u.url.port || (mod === https ? 443 : 80),
        method, path: u.base + path, headers, agent: false,
        timeout: CONNECT_MS, ...this.#agentOpts,
      }, (res) => {
        const chunks = [];
        let size = 0;
        res.on('data', (c) => {
          size += c.length;
          if (size > REPLY_MAX) {
            req.destroy(new Unreachable(`${u.text}: an answer larger than the limit`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          const ra = res.headers['retry-after'];
          resolve({ status: res.statusCode, data: Buffer.concat(chunks),
            retryAfter: /^\d{1,5}$/.test(ra ?? '')
              ? Math.min(Number(ra), RETRY_AFTER_MAX_S) : 0 });
        });
        res.on('error', (e) => reject(e));
      });
      const timer = setTimeout(() => req.destroy(new Error('timed out')),
        timeoutS * 1000);
      req.on('socket', (s) => s.on('connect', () => req.setTimeout(0)));
      req.on('timeout', () => req.destroy(new Error('connect timed out')));
      req.on('error', (e) => reject(e));
      req.on('close', () => clearTimeout(timer));
      req.end(body ?? undefined);
    }).catch((e) => {
      throw e instanceof Unreachable ? e
        : new Unreachable(`${u.text}: ${clean(e.code || e.message).slice(0, 200)}`);
    });
  }

  // One call, moving through the URL list on no answer or a 5xx.
  async #call(method, path, body = null, timeoutS = CALL_S) {
    let err;
    for (let n = 0; n < this.#urls.length; n++) {
      const u = this.#urls[this.#current];
      try {
        const reply = await this.#once(u, method, path, body, timeoutS);
        if (reply.status < 500) return reply;
        err = new Unreachable(`${u.text}: HTTP ${reply.status}`);
      } catch (e) {
        if (!(e instanceof Unreachable)) throw e;
        err = e;
      }
      this.#current = (this.#current + 1) % this.#urls.length;
    }
    throw err;
  }

  #error(reply, id = null) {
    let text = 'no error message';
    try {
      const e = parseJson(reply.data).error;
      if (typeof e.code === 'string' && typeof e.message === 'string')
        text = `${clean(e.code).slice(0, 64)}: ${clean(e.message).slice(0, 512)}`;
    } catch { /* the status says enough */ }
    const why = `the daemon answered ${reply.status} ${text}`;
    if (reply.status === 401 || reply.status === 403)
      return new Result(UNAUTHORISED, null, why, id);
    if ([400, 404, 409, 413].includes(reply.status)) throw new UsageError(why);
    const r = new Result(UNREACHABLE, null, why, id);   // 429, or odd
    r.retryMs = reply.retryAfter * 1000;
    return r;
  }

  // The checked view in a 200/201 answer, or a Result saying why not.
  #view(reply, id) {
    let view;
    try {
      view = parseJson(reply.data);
    } catch (e) {
      return new Result(VERIFICATION_FAILED, null,
        `the daemon's answer is not JSON: ${clean(e.message)}`, id);
    }
    if (view === null || typeof view !== 'object' || Array.isArray(view) ||
        typeof view.id !== 'string' || !REQ_ID_RE.test(view.id) ||
        !STATES.includes(view.state))
      return new Result(VERIFICATION_FAILED, null,
        "the daemon's answer is not a request view", id);
    if (id !== null && view.id !== id)
      return new Result(VERIFICATION_FAILED, null,
        'the daemon answered with another request', id);
    if (view.state === PENDING && jsonInt(view.expires_at, 0, TIME_MAX) === null)
      return new Result(VERIFICATION_FAILED, null, 'a pending view without expires_at', id);
    return view;
  }

  #final(view, sent) {
    if (view.state !== APPROVED)
      return new Result(view.state, view,
        clean(view.state === DENIED ? `denied${denial(view)}` : view.state));
    const v = verifyView(view, sent, this.trusted);
    if (!v.ok) return new Result(VERIFICATION_FAILED, view, `verification failed: ${v.why}`);
    return new Result(APPROVED, view, 'approved and verified');
  }

  // -- the calls --------------------------------------------------------------

  // The exact request bytes, with an idempotency key (random when none is
  // given) and the nonce derived from it.
  static buildBody({ action, target, justification, params, onBehalfOf,
    timeoutS, idempotencyKey } = {}) {
    const key = idempotencyKey ?? `k-${randomBytes(16).toString('hex')}`;
    for (const [k, v] of Object.entries({ action, target, justification }))
      if (v === '' || !wellFormed(v))
        throw new UsageError(`${k} must be a non-empty string`);
    const body = { action, target };
    if (params !== undefined) {
      if (params === null || typeof params !== 'object' || Array.isArray(params))
        throw new UsageError('params must be an object');
      body.params = params;
    }
    body.justification = justification;
    if (onBehalfOf !== undefined) body.on_behalf_of = onBehalfOf;
    body.idempotency_key = key;
    body.nonce = bodyNonce(key);
    if (timeoutS !== undefined) {
      if (jsonInt(timeoutS, 1, 2 ** 31 - 1) === null)
        throw new UsageError('timeoutS must be a positive integer');
      body.timeout_s = timeoutS;
    }
    let text;
    try {
      text = JSON.stringify(body);
    } catch (e) {
      throw new UsageError(`the request cannot be JSON: ${e.message}`);
    }
    if (!wellFormed(text)) throw new UsageError('the request is not valid Unicode');
    return Buffer.from(text, 'utf8');
  }

  // POST the exact bytes; a Result (pending, or final and checked).
  async submit(body) {
    let reply;
    try {
      reply = await this.#call('POST', '/v1/requests', Buffer.from(body));
    } catch (e) {
      if (!(e instanceof Unreachable)) throw e;
      return new Result(UNREACHABLE, null, `cannot reach the daemon: ${e.message}`);
    }
    if (reply.status !== 200 && reply.status !== 201) return this.#error(reply);
    const view = this.#view(reply, null);
    if (view instanceof Result) return view;
    if (view.state === PENDING) return new Result(PENDING, view, 'pending');
    return this.#final(view, body);
  }

  // Build, submit and (unless wait is false) wait: the final Result, with
  // the bytes sent in result.body.
  async request({ wait = true, maxWaitS, ...fields }) {
    const body = Client.buildBody(fields);
    let r = await this.submit(body);
    if (wait && r.outcome === PENDING) r = await this.wait(r.id, body, maxWaitS);
    r.body = body;
    return r;
  }

  // The request's state now; an approval is verified (against sent when given).
  async status(id, sent = null) {
    return this.#getOnce(checkId(id), 0, sent);
  }

  async #getOnce(id, waitS, sent) {
    let reply;
    try {
      reply = await this.#call('GET', `/v1/requests/${id}?wait=${waitS}`, null,
        waitS + WAIT_SLACK_S);
    } catch (e) {
      if (!(e instanceof Unreachable)) throw e;
      return new Result(UNREACHABLE, null, `cannot reach the daemon: ${e.message}`, id);
    }
    if (reply.status !== 200) return this.#error(reply, id);
    const view = this.#view(reply, id);
    if (view instanceof Result) return view;
    if (view.state === PENDING) return new Result(PENDING, view, 'pending');
    return this.#final(view, sent);
  }

  // Wait until the request is final, through daemon restarts and across
  // the URL list: back off and ask again, up to its expires_at and a grace
  // (then EXPIRED, or UNREACHABLE when the daemon never answered again).
  // With maxWaitS, PENDING after that long. Pass the bytes sent so an
  // approval is checked against them.
  async wait(id, sent = null, maxWaitS = undefined) {
    checkId(id);
    const start = Date.now();
    let deadline = start + UNSEEN_MS;
    const stop = maxWaitS === undefined ? null : start + maxWaitS * 1000;
    let backoff = BACKOFF_MIN_MS;
    let last = null;
    let err = null;
    let retryMs = 0;
    for (;;) {
      const asked = Date.now();
      const waitS = stop === null ? WAIT_S
        : Math.max(0, Math.min(WAIT_S, Math.floor((stop - asked) / 1000)));
      const r = await this.#getOnce(id, waitS, sent);
      if (r.outcome === UNREACHABLE) {
        err = r.why;
        retryMs = r.retryMs;
      }
      else if (r.outcome !== PENDING) return r;
      else {
        last = r;
        err = null;
        deadline = r.view.expires_at + GRACE_MS;
      }
      const now = Date.now();
      if (stop !== null && now >= stop)
        return last ?? new Result(err ? UNREACHABLE : PENDING, null, err ?? 'pending', id);
      if (now >= deadline) {
        if (err !== null)
          return new Result(UNREACHABLE, last && last.view, `giving up: ${err}`, id);
        return new Result(EXPIRED, last.view,
          'still pending past its expiry: taken as expired', id);
      }
      if (err === null && now - asked >= PROGRESS_MS) {
        backoff = BACKOFF_MIN_MS;
        continue;
      }
      const limit = stop === null ? deadline : Math.min(deadline, stop);
      await sleep(Math.min(Math.max(backoff, retryMs), limit - Date.now()));
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    }
  }

  // DELETE the request: CANCELLED, or the final Result it already had.
  async cancel(id) {
    checkId(id);
    let reply;
    try {
      reply = await this.#call('DELETE', `/v1/requests/${id}`);
    } catch (e) {
      if (!(e instanceof Unreachable)) throw e;
      return new Result(UNREACHABLE, null, `cannot reach the daemon: ${e.message}`, id);
    }
    if (reply.status === 409) return this.status(id);
    if (reply.status !== 200) return this.#error(reply, id);
    const view = this.#view(reply, id);
    if (view instanceof Result) return view;
    return this.#final(view, null);
  }
}
