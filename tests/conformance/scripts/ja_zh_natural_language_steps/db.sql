CREATE TABLE "Products" ("Name" TEXT, "Price" NUMBER, "Added" DATE);
INSERT INTO "Products" ("Name", "Price", "Added") VALUES ('Apple', 3, '2025-01-05'), ('Cherry', 12, '2025-03-15');
CREATE TABLE "Orders" ("Product" TEXT, "Qty" NUMBER);
