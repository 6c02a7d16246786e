-- workload.sql — a deterministic sqlite3 workload for the drop-in suite:
-- generated customers, products and orders (tens of thousands of rows),
-- indexes, joins, aggregates, window functions, updates, deletes and VACUUM.
-- sqlite3's page cache, parser and sorter all allocate through malloc.
PRAGMA journal_mode = WAL;
PRAGMA cache_size = -16000;

CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL);
CREATE TABLE products (id INTEGER PRIMARY KEY, title TEXT NOT NULL, price_cents INTEGER NOT NULL);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    quantity INTEGER NOT NULL,
    note TEXT
);

-- A linear congruential generator in SQL keeps the data identical across runs.
WITH RECURSIVE seq(i, r) AS (
    SELECT 1, 12345
    UNION ALL
    SELECT i + 1, (r * 1103515245 + 12345) % 2147483648 FROM seq WHERE i < 4000
)
INSERT INTO customers
SELECT i, 'customer-' || printf('%05d', i) || '-' || substr(hex(r), 1, 6),
       CASE r % 7 WHEN 0 THEN 'Oslo' WHEN 1 THEN 'Lyon' WHEN 2 THEN 'Porto'
                  WHEN 3 THEN 'Turku' WHEN 4 THEN 'Graz' WHEN 5 THEN 'Brno' ELSE 'Gent' END
FROM seq;

WITH RECURSIVE seq(i, r) AS (
    SELECT 1, 777
    UNION ALL
    SELECT i + 1, (r * 1103515245 + 12345) % 2147483648 FROM seq WHERE i < 1500
)
INSERT INTO products
SELECT i, 'product ' || i || ' ' || replace(hex(randomblob(0)) || substr(hex(r * r), 1, (r % 40) + 1), '0', 'o'),
       100 + r % 50000
FROM seq;

BEGIN;
WITH RECURSIVE seq(i, r) AS (
    SELECT 1, 4242
    UNION ALL
    SELECT i + 1, (r * 1103515245 + 12345) % 2147483648 FROM seq WHERE i < 60000
)
INSERT INTO orders
SELECT i, 1 + r % 4000, 1 + (r / 4000) % 1500, 1 + (r / 7) % 9,
       CASE WHEN r % 5 = 0 THEN NULL ELSE printf('%.*c', 1 + r % 200, 'n') END
FROM seq;
COMMIT;

CREATE INDEX orders_by_customer ON orders(customer_id);
CREATE INDEX orders_by_product ON orders(product_id, quantity);
CREATE INDEX customers_by_city ON customers(city, name);

SELECT 'rows', (SELECT count(*) FROM customers), (SELECT count(*) FROM products),
       (SELECT count(*) FROM orders);

-- Revenue per city (join + group by + order by).
SELECT c.city, count(*) AS n, sum(o.quantity * p.price_cents) AS revenue
FROM orders o JOIN customers c ON c.id = o.customer_id
JOIN products p ON p.id = o.product_id
GROUP BY c.city ORDER BY revenue DESC, c.city;

-- Best customers (window function over an aggregate).
SELECT name, total, rank FROM (
    SELECT c.name, sum(o.quantity * p.price_cents) AS total,
           rank() OVER (ORDER BY sum(o.quantity * p.price_cents) DESC, c.name) AS rank
    FROM orders o JOIN customers c ON c.id = o.customer_id
    JOIN products p ON p.id = o.product_id
    GROUP BY c.id
) WHERE rank <= 10;

-- Products never ordered with quantity 9 (anti-join through the index).
SELECT count(*) FROM products p
WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.product_id = p.id AND o.quantity = 9);

-- Long text concatenation: big, growing strings.
SELECT length(group_concat(name, ',')), substr(group_concat(name, ','), 1, 60)
FROM (SELECT name FROM customers ORDER BY name DESC);

-- Updates, deletes, and a rebuild.
UPDATE orders SET note = coalesce(note, '') || '-updated' WHERE id % 3 = 0;
DELETE FROM orders WHERE quantity = 1;
UPDATE products SET price_cents = price_cents * 2 WHERE id IN (
    SELECT product_id FROM orders GROUP BY product_id HAVING count(*) > 45);
VACUUM;

SELECT 'after', count(*), sum(quantity), sum(length(note)) FROM orders;
SELECT city, count(DISTINCT o.product_id) FROM customers c JOIN orders o ON o.customer_id = c.id
GROUP BY city ORDER BY city;
SELECT quantity, count(*), avg(length(note)) FROM orders GROUP BY quantity ORDER BY quantity;
