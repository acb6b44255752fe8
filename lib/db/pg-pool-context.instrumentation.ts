import { context } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { TRACER_NAME } from '../tracing.constants';

type Connect = (this: unknown, callback?: (...args: unknown[]) => void) => unknown;
interface PoolClass {
  prototype: { connect: Connect };
}

/**
 * Keeps `pool.connect(callback)` — and so `pool.query(text, callback)`, which goes through it — in
 * its caller's context. When every connection is busy, pg-pool queues the callback and runs it from
 * whichever request releases a connection: without this, that request's context leaks into the
 * waiting query, whose span then lands in the wrong trace. The pg instrumentation binds the
 * callback only when it records `pg-pool.connect` spans, which we leave off by default. (Promise
 * callers are safe: `await` restores the awaiting function's context.)
 *
 * Constructed after the pg instrumentation, so its wrapper sits outside the pg one.
 */
export class PgPoolContextInstrumentation extends InstrumentationBase {
  constructor() {
    super(`${TRACER_NAME}/pg-pool-context`, '0.1.0', {});
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        'pg-pool',
        ['>=2.0.0 <4'],
        (Pool: PoolClass) => {
          this._wrap(Pool.prototype, 'connect', (original: Connect): Connect =>
            function connect(this: unknown, callback?: (...args: unknown[]) => void) {
              return original.call(this, typeof callback === 'function' ? context.bind(context.active(), callback) : callback);
            },
          );
          return Pool;
        },
        (Pool: PoolClass) => {
          this._unwrap(Pool.prototype, 'connect');
          return Pool;
        },
      ),
    ];
  }
}
