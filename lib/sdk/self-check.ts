import { isWrapped } from '@opentelemetry/instrumentation';
import { LOG_PREFIX } from '../tracing.constants';
import { getRegisteredInstrumentations } from './instrumentations';

const FIX =
  "Make `import 'nestjs-tracing/register';` the first line of your entry file (before any other " +
  'import), or start node with `--require nestjs-tracing/register`.';

/** A loaded module and the class method its instrumentation wraps when it patches in time. */
interface Target {
  module: string;
  className: string;
  method: string;
}

// Modules loaded before phase 1 are never patched; reading the require cache (rather than calling
// require) tells us what the app really got, without triggering a late patch ourselves.
const TARGETS: Target[] = [
  { module: '@nestjs/core/router/router-execution-context.js', className: 'RouterExecutionContext', method: 'create' },
  { module: 'pg', className: 'Client', method: 'query' },
];

/**
 * Phase 2's check that phase 1 ran first. Measured: when the instrumentations start after the
 * app's modules are loaded, the app produces no spans and no error, so we name the fix instead.
 * Returns one message per problem; empty when everything is patched.
 */
export function findUnpatchedTargets(): string[] {
  if (!getRegisteredInstrumentations()) {
    return [`${LOG_PREFIX} the instrumentations are not registered, so no HTTP, Nest or database span will be recorded. ${FIX}`];
  }
  const problems: string[] = [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const http = require('node:http') as typeof import('node:http');
  if (!isWrapped(methodOf(http, 'Server', 'emit'))) {
    problems.push(`${LOG_PREFIX} the HTTP server is not instrumented: requests get no SERVER span. ${FIX}`);
  }
  for (const target of TARGETS) {
    const loaded = loadedExports(target.module);
    if (loaded !== undefined && !isWrapped(methodOf(loaded, target.className, target.method))) {
      problems.push(`${LOG_PREFIX} ${target.module} was loaded before the instrumentations were registered, so it is not traced. ${FIX}`);
    }
  }
  return problems;
}

function loadedExports(id: string): unknown {
  try {
    return require.cache[require.resolve(id)]?.exports;
  } catch {
    return undefined; // not installed: nothing to trace
  }
}

function methodOf(exports: unknown, className: string, method: string): unknown {
  const classes = exports as Record<string, { prototype?: Record<string, unknown> } | undefined> | undefined;
  return classes?.[className]?.prototype?.[method];
}
