// Drive the Node client from the integration tests, as drive.py does the
// Python one: one operation, one JSON line on stdout ({outcome, id, why}),
// and approvectl's exit code for the outcome (64 for a usage error).
//   node drive.mjs request '{"action": ..., "target": ..., ...}'
//   node drive.mjs wait|status|cancel ID
// Settings from the environment: APPROVE_URL, APPROVE_TOKEN, APPROVE_CA,
// TOKEN_FILE, TRUSTED_KEYS, ALLOW_INSECURE_HTTP=1.
import { Client, UsageError } from '../approvald.mjs';

// The request fields in drive.py's (the wire's) names, in the Node API's.
const NAMES = { on_behalf_of: 'onBehalfOf', timeout_s: 'timeoutS',
  idempotency_key: 'idempotencyKey', max_wait_s: 'maxWaitS' };

async function run(op, arg) {
  const client = new Client({ trustedKeys: process.env.TRUSTED_KEYS,
    tokenFile: process.env.TOKEN_FILE,
    allowInsecureHttp: process.env.ALLOW_INSECURE_HTTP === '1' });
  if (op === 'request') {
    const fields = Object.fromEntries(Object.entries(JSON.parse(arg))
      .map(([k, v]) => [NAMES[k] ?? k, v]));
    return client.request(fields);
  }
  return { wait: (id) => client.wait(id), status: (id) => client.status(id),
    cancel: (id) => client.cancel(id) }[op](arg);
}

try {
  const r = await run(process.argv[2], process.argv[3]);
  const line = { outcome: r.outcome, id: r.id, why: r.why };
  if (r.body) line.body = r.body.toString('utf8');
  console.log(JSON.stringify(line));
  process.exitCode = r.exitCode;
} catch (e) {
  const usage = e instanceof UsageError;
  console.log(JSON.stringify({ outcome: usage ? 'usage' : 'crash',
    why: usage ? e.message : String(e.stack) }));
  process.exitCode = usage ? 64 : 70;   // 70: a fault, no outcome at all
}
