-- Numbers and dates for find ranges.
CREATE TABLE "Products" (
    "Name" TEXT,
    "Price" NUMBER,
    "Added" DATE,
    "Stock" INTEGER
);
INSERT INTO "Products" ("Name", "Price", "Added", "Stock") VALUES
    ('Apple', 1.5, '2024-01-15', 10),
    ('Banana', 0.25, '2024-02-01', 0),
    ('Cherry', 12, '2024-03-31', 5),
    ('Durian', 25.5, '2024-04-01', NULL),
    ('Elderberry', 100, '2023-12-31', 3),
    ('Fig', 10, '2024-02-29', 7);
