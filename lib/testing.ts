/**
 * `nestjs-tracing/testing`: assert on spans in your own jest tests, and render traces as trees.
 */
export { TestingTracing } from './testing/testing-tracing';
export type { ServerSpanMatch, TestingTracingOptions } from './testing/testing-tracing';
export { TraceAssertionError, TraceView } from './testing/trace-view';
export type { SpanMatch } from './testing/trace-view';
export { buildTraceTrees, renderTraceTree, renderTraces, toTreeSpan } from './tree/trace-tree';
export type { TraceTree, TraceTreeNode, TreeSpan } from './tree/trace-tree';
