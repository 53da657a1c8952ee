-- Invoices: the FileMaker file the sample test cases run against (a .sql text: every case loads
-- its own fresh in-memory copy, so a case that changes records never affects another).

CREATE TABLE "Invoices" (
    "Number" TEXT,
    "Customer" TEXT,
    "Status" TEXT
);

CREATE TABLE "Lines" (
    "Invoice" TEXT,
    "Item" TEXT,
    "Quantity" NUMBER,
    "Price" NUMBER
);

INSERT INTO "Invoices" ("Number", "Customer", "Status") VALUES
    ('INV-1', 'Ann Lee', 'open'),
    ('INV-2', 'Bo Chen', 'paid'),
    ('INV-3', 'Ann Lee', 'open');

INSERT INTO "Lines" ("Invoice", "Item", "Quantity", "Price") VALUES
    ('INV-1', 'Paper', 3, 4.5),
    ('INV-1', 'Toner', 1, 62),
    ('INV-2', 'Stapler', 2, 8.25),
    ('INV-3', 'Paper', 10, 4.5),
    ('INV-3', 'Pens', 4, 1.2);
