// Starts one embedded PostgreSQL for the whole suite (no PostgreSQL needs to be installed).
// Workers inherit TEST_DATABASE_URL because they are forked after this runs.
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');

module.exports = async function globalSetup() {
  if (process.env.TEST_DATABASE_URL) return;
  const child = spawn(process.execPath, [path.join(__dirname, 'pg-server.mjs')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  globalThis.__PG_SERVER__ = child;
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('embedded PostgreSQL did not start within 60 s')), 60000);
    readline.createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line).url);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`embedded PostgreSQL exited with code ${code} before it was ready`));
    });
  });
  process.env.TEST_DATABASE_URL = url;
};
