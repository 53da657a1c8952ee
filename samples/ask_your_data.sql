CREATE TABLE "Products" ("Name" TEXT, "Category" TEXT, "Price" NUMBER, "Added" DATE);
INSERT INTO "Products" ("Name", "Category", "Price", "Added") VALUES
  ('Espresso cup', 'Kitchen', 6.5, '2025-01-12'),
  ('Chef knife', 'Kitchen', 48, '2025-02-03'),
  ('Desk lamp', 'Office', 32, '2025-02-20'),
  ('Notebook', 'Office', 4.2, '2025-03-01'),
  ('Standing desk', 'Office', 410, '2025-03-15'),
  ('Tea kettle', 'Kitchen', 27, '2025-04-02');
