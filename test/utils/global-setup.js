// Starts one embedded PostgreSQL for the whole suite (no PostgreSQL needs to be installed), with
// the sample's own launcher and schema, compiled by `pretest`. Workers inherit TEST_DATABASE_URL
// because they are forked after this runs.
const path = require('node:path');

const SAMPLE = path.join(__dirname, '..', '..', 'dist-test', 'sample', 'database');

module.exports = async function globalSetup() {
  if (process.env.TEST_DATABASE_URL) return;
  const { startEmbeddedPostgres } = require(path.join(SAMPLE, 'embedded-postgres.js'));
  const { ensureSchema } = require(path.join(SAMPLE, 'schema.js'));
  const database = await startEmbeddedPostgres('tracing_test');
  globalThis.__TEST_DATABASE__ = database;
  try {
    await ensureSchema(database.url);
  } catch (error) {
    await database.stop();
    throw error;
  }
  process.env.TEST_DATABASE_URL = database.url;
};
