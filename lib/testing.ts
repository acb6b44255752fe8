/**
 * `nestjs-tracing/testing`: assert on spans in your own jest tests, and render traces as trees.
 */
export { buildTraceTrees, renderTraceTree, renderTraces, toTreeSpan } from './tree/trace-tree';
export type { TraceTree, TraceTreeNode, TreeSpan } from './tree/trace-tree';
