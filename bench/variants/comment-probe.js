'use strict';
// Ablation probe of sqlcommenter, loaded with --require before nestjs-tracing's app: it replaces
// nestjs-tracing's `withTraceComment` (reached by path: the package does not export it; the
// compiled pg wrapper reads it from the module at each call). COMMENT_PROBE names the comment:
// - `constant` (variant nestjs-tracing-no-export-comment-constant): a comment of the same length
//   and shape as the real one, but the same text on every query — is the price the work of
//   writing the comment, or a statement text that differs on every query?
// - `discard` (…-comment-discard): the real comment built for each query, then the statement sent
//   as the caller wrote it — the comment's JavaScript without its trip to PostgreSQL;
// - `flat` (…-comment-flat): the real commented statement, flattened before pg gets it (V8 builds
//   `a + b` as a rope; ToNumber flattens a string in place, the trick of npm `flatstr`).
const { dirname, join } = require('node:path');

const mode = process.env.COMMENT_PROBE;
const span = require(join(dirname(require.resolve('nestjs-tracing/package.json')), 'dist/db/pg-query.span.js'));
const real = span.withTraceComment;
let sink = 0;

if (mode === 'constant') {
  const COMMENT = ` /*traceparent='00-${'0'.repeat(31)}1-${'0'.repeat(15)}1-01'*/`;
  span.withTraceComment = (_span, text) => text + COMMENT;
} else if (mode === 'discard') {
  span.withTraceComment = (s, text) => {
    sink += real(s, text).length;
    return text;
  };
} else if (mode === 'flat') {
  span.withTraceComment = (s, text) => {
    const commented = real(s, text);
    sink += Number(commented) | 0;
    return commented;
  };
} else {
  throw new Error(`COMMENT_PROBE=${mode}: constant, discard or flat`);
}
module.exports.sink = () => sink;
