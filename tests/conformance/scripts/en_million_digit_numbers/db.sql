-- A number field given a million digits (past the exponent fmscript's decimals hold).
CREATE TABLE "Products" ("Name" TEXT, "Price" NUMBER);
INSERT INTO "Products" VALUES ('Apple', 3), ('Cherry', 12);
