'use strict';
// Ablation probe of sqlcommenter, loaded with --require before nestjs-tracing's app: it replaces
// nestjs-tracing's `withTraceComment` (reached by path: the package does not export it; the
// compiled pg wrapper reads it from the module at each call). COMMENT_PROBE names the comment:
// - `constant` (variant nestjs-tracing-no-export-comment-constant): a comment of the same length
//   and shape as the real one, but the same text on every query — is the price the work of
//   writing the comment, or a statement text that differs on every query?
const { dirname, join } = require('node:path');

const mode = process.env.COMMENT_PROBE;
if (mode !== 'constant') throw new Error(`COMMENT_PROBE=${mode}: constant`);
const span = require(join(dirname(require.resolve('nestjs-tracing/package.json')), 'dist/db/pg-query.span.js'));

const COMMENT = ` /*traceparent='00-${'0'.repeat(31)}1-${'0'.repeat(15)}1-01'*/`;
span.withTraceComment = (_span, text) => text + COMMENT;
