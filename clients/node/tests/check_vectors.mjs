// Run the shared verification vectors (tests/vectors/views.json) through
// verifyView; exit 1 on any answer that differs.
import { readFileSync } from 'node:fs';
import { APPROVED, VERIFICATION_FAILED, parseTrusted, verifyView }
  from '../approvald.mjs';

const doc = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const trusted = Object.fromEntries(Object.entries(doc.trusted)
  .map(([k, v]) => [k, parseTrusted(v)]));
let wrong = 0;
for (const vec of doc.vectors) {
  const sent = vec.sent === null ? null : Buffer.from(vec.sent, 'base64');
  const v = verifyView(vec.view, sent, trusted[vec.trusted], vec.now);
  const got = v.ok ? APPROVED : VERIFICATION_FAILED;
  if (got !== vec.expect) {
    console.log(`# ${vec.name}: expected ${vec.expect}, got ${got} (${v.why})`);
    wrong++;
  }
}
console.log(`# node: ${doc.vectors.length} vectors, ${wrong} wrong`);
process.exit(wrong || doc.vectors.length < 50 ? 1 : 0);
