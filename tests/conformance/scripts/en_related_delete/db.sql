-- Relationships: Customers -< Invoices -< LineItems, declared in fmscript_table_occurrences and
-- fmscript_relationships (README "The FileMaker file").
CREATE TABLE "Customers" ("ID" NUMBER, "Name" TEXT, "City" TEXT, "Wanted Status" TEXT, "Tags" TEXT);
INSERT INTO "Customers" VALUES
    (1, 'Ada', 'London', 'Open', 'gold' || char(13) || 'early'),
    (2, 'Bo', 'Paris', 'Paid', 'silver'),
    (3, 'Cy', 'Oslo', 'Open', NULL);
CREATE TABLE "Invoices" ("ID" NUMBER, "CustomerID" NUMBER, "Total" NUMBER, "Issued" DATE, "Status" TEXT);
INSERT INTO "Invoices" VALUES
    (10, 1, 120, '2024-01-05', 'Paid'),
    (11, 1, 80.5, '2024-02-10', 'Open'),
    (12, 2, 300, '2024-03-15', 'Paid'),
    (13, 1, 45, '2024-04-20', 'open');
CREATE TABLE "LineItems" ("InvoiceID" NUMBER, "Product" TEXT, "Qty" NUMBER);
INSERT INTO "LineItems" VALUES (11, 'Pen', 3), (10, 'Ink', 1), (12, 'Pad', 5), (10, 'Nib', 2);
CREATE TABLE "Offers" ("Tag" TEXT, "Offer" TEXT);
INSERT INTO "Offers" VALUES ('Gold', '20% off'), ('early', 'free shipping'), ('silver', '10% off');

CREATE TABLE fmscript_table_occurrences (name TEXT, base_table TEXT);
INSERT INTO fmscript_table_occurrences VALUES
    ('Customer Invoices', 'Invoices'),
    ('Open Invoices', 'Invoices'),
    ('Invoice Customer', 'Customers'),
    ('Big Invoices', 'Invoices');
CREATE TABLE fmscript_relationships (
    left_to TEXT, left_field TEXT, right_to TEXT, right_field TEXT,
    operator TEXT DEFAULT '=', sort_field TEXT, sort_order TEXT, allow_creation INTEGER DEFAULT 0,
    delete_related INTEGER DEFAULT 0
);
INSERT INTO fmscript_relationships VALUES
    ('Customers', 'ID', 'Customer Invoices', 'CustomerID', '=', 'Total', 'descending', 1, 1),
    ('Customers', 'ID', 'Open Invoices', 'CustomerID', '=', NULL, NULL, 0, 0),
    ('Customers', 'Wanted Status', 'Open Invoices', 'Status', '=', NULL, NULL, 0, 0),
    ('Customer Invoices', 'ID', 'LineItems', 'InvoiceID', '=', NULL, NULL, 0, 1),
    ('Invoices', 'CustomerID', 'Invoice Customer', 'ID', '=', NULL, NULL, 0, 0),
    ('Customers', 'Tags', 'Offers', 'Tag', '=', NULL, NULL, 0, 0),
    ('Customers', 'ID', 'Big Invoices', 'CustomerID', '=', NULL, NULL, 0, 0),
    ('Big Invoices', 'Total', 'Customers', 'ID', '>', NULL, NULL, 0, 0);
CREATE TABLE fmscript_layouts (layout TEXT, table_occurrence TEXT);
INSERT INTO fmscript_layouts VALUES ('Customers', 'Customers'), ('Invoices', 'Invoices'), ('Invoice List', 'Customer Invoices');
