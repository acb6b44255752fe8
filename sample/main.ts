// Single-process entry (`npm run start:dev`). Phase 1 first: before anything loads http,
// @nestjs/core or pg, so that they are instrumented.
import 'nestjs-tracing/register';
import { bootstrap } from './app.bootstrap';
import { connectDatabase } from './database/database.setup';
import { applySampleDefaults } from './sample.defaults';

async function main(): Promise<void> {
  applySampleDefaults();
  // An embedded database, if started, is a child process that stops when this process exits.
  const database = await connectDatabase();
  await bootstrap(database.url);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
