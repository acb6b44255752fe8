// The benchmark's data: the sample's own schema (sample/database/schema.ts, compiled by
// `npm run build:sample` or npm test's pretest), grown from its 3 seeded orders to ORDER_ROWS.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const ORDER_ROWS = 1000;

/** @param {string} schemaModule the sample's compiled `database/schema.js` */
export async function seedOrders(schemaModule, url) {
  const { ensureSchema } = require(schemaModule);
  await ensureSchema(url);
  const { Client } = require('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
      INSERT INTO orders (item, quantity, user_id)
        SELECT 'item-' || i, 1 + i % 9, CASE WHEN i % 3 = 0 THEN NULL ELSE 'user-' || (i % 50) END
        FROM generate_series((SELECT count(*) + 1 FROM orders), ${ORDER_ROWS}) AS i;
      ANALYZE orders;
    `);
  } finally {
    await client.end();
  }
}
