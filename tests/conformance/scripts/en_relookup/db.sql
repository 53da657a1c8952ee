-- Lookups (Claris "Defining lookups"): Invoices copies a customer's name, discount and city, and a
-- shipping rate by weight, declared in fmscript_lookups beside fmscript_relationships.
CREATE TABLE "Customers" ("ID" NUMBER, "Name" TEXT, "Discount" NUMBER, "City" TEXT);
INSERT INTO "Customers" VALUES (1, 'Ada', 5, 'London'), (2, 'Bo', NULL, 'Paris'), (5, 'Cy', 15, 'Oslo');
CREATE TABLE "Rates" ("MaxWeight" NUMBER, "Rate" TEXT);
INSERT INTO "Rates" VALUES (25, 'A'), (50, 'B'), (100, 'C'), (150, 'D');
CREATE TABLE "Invoices" ("ID" NUMBER, "CustomerID" NUMBER, "CustomerName" TEXT, "Discount" NUMBER,
    "City" TEXT, "Weight" NUMBER, "Rate" TEXT);
INSERT INTO "Invoices" VALUES
    (100, 1, 'old', 0, 'x', 8, ''),
    (101, 5, '', NULL, '', 50, ''),
    (102, 9, 'keep', 3, 'Rome', 200, 'keep');
CREATE TABLE fmscript_relationships (left_to TEXT, left_field TEXT, right_to TEXT, right_field TEXT);
INSERT INTO fmscript_relationships VALUES
    ('Invoices', 'CustomerID', 'Customers', 'ID'),
    ('Invoices', 'Weight', 'Rates', 'MaxWeight');
CREATE TABLE fmscript_lookups (starting_to TEXT, field TEXT, related_to TEXT, source_field TEXT,
    if_no_match TEXT DEFAULT 'do not copy', use_value TEXT, dont_copy_if_empty INTEGER DEFAULT 1);
INSERT INTO fmscript_lookups VALUES
    ('Invoices', 'CustomerName', 'Customers', 'Name', 'use', 'unknown', 1),
    ('Invoices', 'Discount', 'Customers', 'Discount', 'do not copy', NULL, 1),
    ('Invoices', 'City', 'Customers', 'City', 'do not copy', NULL, 0),
    ('Invoices', 'Rate', 'Rates', 'Rate', 'copy next higher value', NULL, 1);
