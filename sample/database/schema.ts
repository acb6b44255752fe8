import { Client } from 'pg';

/**
 * Creates the orders table if it is missing and seeds orders 1..3 into an empty one. Run once, by
 * the cluster primary (or the single process of start:dev), never by concurrent workers.
 */
export async function ensureSchema(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE IF NOT EXISTS orders (
        id serial PRIMARY KEY,
        item text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        user_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO orders (item, quantity, user_id)
      SELECT * FROM (VALUES ('book', 1, 'alice'), ('pen', 3, 'bob'), ('lamp', 2, NULL)) AS seed(item, quantity, user_id)
      WHERE NOT EXISTS (SELECT 1 FROM orders);
    `);
  } finally {
    await client.end();
  }
}
