-- Inventory: a small file for the record, transaction, import/export and data file cases.
-- "ID" is an auto-entered serial number (declared type contains SERIAL, see data/serials.py);
-- "Code" must be unique (a validation failure is error 504).
CREATE TABLE "Items" (
    "ID" INTEGER SERIAL,
    "Code" TEXT UNIQUE,
    "Name" TEXT,
    "Qty" NUMBER,
    "Added" DATE
);
INSERT INTO "Items" ("ID", "Code", "Name", "Qty", "Added") VALUES
    (1, 'A1', 'apple', 3, '2024-01-05'),
    (2, 'P1', 'pear', 5, '2024-02-01'),
    (3, 'F1', 'fig', 1, '2024-03-09'),
    (4, 'K1', 'kiwi', 8, '2024-03-10');
CREATE TABLE "Log" ("Line" TEXT);
INSERT INTO "Log" ("Line") VALUES ('one'), ('two');
