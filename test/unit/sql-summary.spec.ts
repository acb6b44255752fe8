import { summarizeSql } from '../../lib/db/sql-summary';

describe('summarizeSql', () => {
  it('names a TypeORM SELECT after its table, not its alias', () => {
    expect(
      summarizeSql('SELECT "Order"."id" AS "Order_id" FROM "orders" "Order" WHERE ("Order"."id" = $1) LIMIT 1'),
    ).toEqual({ spanName: 'SELECT orders', operation: 'SELECT', collection: 'orders' });
  });

  it.each([
    ['INSERT INTO "orders"("item", "quantity") VALUES ($1, $2) RETURNING "id"', 'INSERT orders'],
    ['UPDATE "sales"."orders" SET "quantity" = $1 WHERE "id" = $2', 'UPDATE sales.orders'],
    ['DELETE FROM orders WHERE id = $1', 'DELETE orders'],
    ['select * from orders', 'SELECT orders'],
    ['SELECT * FROM "we""ird"', 'SELECT we"ird'],
  ])('summarizes %s as %s', (sql, spanName) => {
    expect(summarizeSql(sql).spanName).toBe(spanName);
  });

  it('skips leading block and line comments', () => {
    expect(summarizeSql('/* comment */ SELECT * FROM orders').spanName).toBe('SELECT orders');
    expect(summarizeSql('-- comment\nDELETE FROM orders').spanName).toBe('DELETE orders');
  });

  it('names statements without a table by their keyword alone', () => {
    expect(summarizeSql('START TRANSACTION')).toEqual({ spanName: 'START', operation: 'START', collection: undefined });
    expect(summarizeSql('COMMIT').spanName).toBe('COMMIT');
    expect(summarizeSql('SELECT 1').spanName).toBe('SELECT');
  });

  it('gives no collection for a subquery in FROM', () => {
    expect(summarizeSql('SELECT * FROM (SELECT 1) t')).toMatchObject({ spanName: 'SELECT', collection: undefined });
  });

  it.each([
    ['SELECT EXTRACT(YEAR FROM "created_at") AS y FROM "orders"', 'SELECT orders'],
    ["SELECT 'a from b' AS note FROM orders", 'SELECT orders'],
    ['SELECT * FROM ONLY orders', 'SELECT orders'],
    ['(SELECT 1 FROM orders)', 'SELECT orders'],
    ['SELECT * FROM заказы', 'SELECT заказы'],
    ['SELECT * FROM "a(b" x', 'SELECT a(b'],
  ])('reads only the statement\'s own FROM in %p', (sql, name) => {
    expect(summarizeSql(sql).spanName).toBe(name);
  });

  it.each(['', '   \n\t'])('falls back to postgresql for %p', (sql) => {
    expect(summarizeSql(sql)).toEqual({ spanName: 'postgresql' });
  });

  it('stays correct for repeated statements and after many distinct ones', () => {
    for (let i = 0; i < 2000; i++) {
      const sql = `SELECT * FROM table_${i} WHERE id = ${i}`;
      const expected = { operation: 'SELECT', collection: `table_${i}`, spanName: `SELECT table_${i}` };
      expect(summarizeSql(sql)).toEqual(expected);
      expect(summarizeSql(sql)).toEqual(expected);
    }
    expect(summarizeSql('SELECT * FROM table_7 WHERE id = 7').spanName).toBe('SELECT table_7');
    expect(summarizeSql('SELECT * FROM table_1999 WHERE id = 1999').spanName).toBe('SELECT table_1999');
  });
});
