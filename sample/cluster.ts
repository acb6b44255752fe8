// `npm start`: the orders service under the cluster bootstrap. This file runs in the primary AND
// in every worker (a fork re-runs it), so it imports nothing of the app, the database driver or
// the tracing SDK at the top: those load lazily, in the process that needs them.
import { bootstrapCluster } from 'nestjs-tracing/cluster';
import { applySampleDefaults } from './sample.defaults';

applySampleDefaults();

bootstrapCluster({
  // Primary only: the database (embedded when DATABASE_URL is unset) and the shipping service
  // (started when SHIPPING_URL is unset), their URLs handed to the workers. The primary loads no
  // tracing code, so this is never traced; shipping traces itself in its own process.
  primary: async () => (await import('./sample.dependencies.js')).startDependencies(),
  // Worker only, after nestjs-tracing/register: load and start the app.
  worker: async () => {
    const { bootstrap } = await import('./app.bootstrap.js');
    await bootstrap(process.env.DATABASE_URL!);
  },
}).catch((error: unknown) => {
  // Bad options (e.g. WEB_CONCURRENCY=abc) or a failed primary setup: say why, start nothing.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
