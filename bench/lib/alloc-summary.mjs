#!/usr/bin/env node
// Summarizes a sampling heap profile written by alloc-profile.js: bytes allocated per request,
// charged to the innermost frame that has a script (a builtin such as `Map` or `push` is charged
// to the JavaScript that called it), grouped by who owns that script — an npm package, Node's own
// code (`node:`), the bench app (`app`) — and then by function. Inlining moves an allocation into
// the function its code was inlined into, so compare owners and totals, not single functions.
//   node bench/lib/alloc-summary.mjs alloc-123.heapprofile <requests> [top]
import { readFileSync } from 'node:fs';

const [file, requestsArg, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/lib/alloc-summary.mjs <file.heapprofile> <requests> [top]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const requests = Number(requestsArg) || 1;
const top = Number(topArg) || 20;

const bytesOf = new Map();
for (const s of profile.samples) bytesOf.set(s.nodeId, (bytesOf.get(s.nodeId) ?? 0) + s.size);

function ownerOf(url) {
  if (url.startsWith('node:')) return 'node:';
  const at = url.lastIndexOf('node_modules/');
  if (at < 0) return url.includes('/bench/app/') ? 'app' : url.includes('/bench/variants/') ? 'bench variant' : url;
  const [scope, name] = url.slice(at + 'node_modules/'.length).split('/');
  return scope.startsWith('@') ? `${scope}/${name}` : scope;
}

const owners = new Map();
const functions = new Map();
let total = 0;
(function walk(node, scripted) {
  const frame = node.callFrame;
  const here = frame.url ? frame : scripted;
  const bytes = bytesOf.get(node.id) ?? 0;
  if (bytes) {
    total += bytes;
    const owner = here ? ownerOf(here.url) : '(V8)';
    owners.set(owner, (owners.get(owner) ?? 0) + bytes);
    const name = here ? `${owner}  ${here.functionName || '(anonymous)'} ${here.url.split('/').slice(-2).join('/')}:${here.lineNumber + 1}` : '(V8)';
    functions.set(name, (functions.get(name) ?? 0) + bytes);
  }
  for (const child of node.children ?? []) walk(child, here);
})(profile.head, undefined);

const per = (b) => (b / requests).toFixed(0).padStart(7);
console.log(`${file}: ${per(total)} bytes allocated per request (sampled; ${requests} requests)`);
console.log('\nby owner of the allocating code:');
for (const [k, v] of [...owners].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${per(v)}  ${k}`);
console.log('\nby function:');
for (const [k, v] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${per(v)}  ${k}`);
