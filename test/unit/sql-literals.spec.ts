import { maskSqlLiterals } from '../../lib/db/sql-literals';

describe('maskSqlLiterals', () => {
  it.each([
    ["SELECT * FROM users WHERE email = 'a@b.c' AND id = 42", 'SELECT * FROM users WHERE email = ? AND id = ?'],
    ["UPDATE t SET note = 'it''s \"quoted\" -- not a comment' WHERE id = 3.5e2", 'UPDATE t SET note = ? WHERE id = ?'],
    ["SELECT E'line\\'s end' AS x", 'SELECT ? AS x'],
    ['SELECT $$ secret $$, $tag$ also $tag$', 'SELECT ?, ?'],
    ['SELECT "Order"."id" FROM "orders" "Order" WHERE "Order"."id" = $1 LIMIT 1', 'SELECT "Order"."id" FROM "orders" "Order" WHERE "Order"."id" = $1 LIMIT ?'],
    ['SELECT col1, t2.x3 FROM t2 /* keep 42 */ -- and 7\nWHERE a = -5', 'SELECT col1, t2.x3 FROM t2 /* keep 42 */ -- and 7\nWHERE a = -?'],
    ['INSERT INTO orders(item, quantity) VALUES ($1, $2)', 'INSERT INTO orders(item, quantity) VALUES ($1, $2)'],
  ])('%s', (sql, expected) => {
    expect(maskSqlLiterals(sql)).toBe(expected);
  });

  it('never leaves a value of an unterminated literal behind', () => {
    expect(maskSqlLiterals("SELECT 'unterminated secret")).toBe('SELECT ?');
  });
});
