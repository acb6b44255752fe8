// Single-process entry (`npm run start:dev`). Phase 1 first: before anything loads http,
// @nestjs/core or pg, so that they are instrumented.
import 'nestjs-tracing/register';
import { bootstrap } from './app.bootstrap';
import { startDependencies } from './sample.dependencies';
import { applySampleDefaults } from './sample.defaults';

async function main(): Promise<void> {
  applySampleDefaults();
  // An embedded database or a shipping service started here are child processes that stop when
  // this process exits.
  const { env } = await startDependencies();
  process.env.SHIPPING_URL = env.SHIPPING_URL;
  await bootstrap(env.DATABASE_URL);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
