-- Hostile training data for Configure Regression Model: NaN / Infinity / 1e999 in a vector (no
-- JSON number), a target beyond a double, and a text field that must keep its data.
CREATE TABLE "Houses" ("ID" NUMBER, "Features" TEXT, "Price" NUMBER, "Note" TEXT, "Saved" CONTAINER);
INSERT INTO "Houses" ("ID", "Features", "Price", "Note") VALUES
    (1, '[1000, 2]', 200, 'keep me'),
    (2, '[1100, 2]', 210, ''),
    (3, '[NaN, 3]', 220, ''),
    (4, '[Infinity, 3]', 220, ''),
    (5, '[1e999, 3]', 220, ''),
    (6, '[1150, 2]', 1e400, ''),
    (7, '[3000, 5]', 600, '');
