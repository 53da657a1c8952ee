-- Configure Regression Model / PredictFromModel: house prices by [area, bedrooms, age] (as the
-- Claris example's features), one record without a vector and one with text that is no vector.
CREATE TABLE "Houses" ("ID" NUMBER, "Features" TEXT, "Price" NUMBER, "Kind" TEXT, "Saved" CONTAINER GLOBAL);
INSERT INTO "Houses" ("ID", "Features", "Price", "Kind") VALUES
    (1, '[1000, 2, 30]', 200, 'small'),
    (2, '[1100, 2, 25]', 210, 'small'),
    (3, '[1200, 3, 20]', 220, 'small'),
    (4, '[1150, 2, 35]', 205, 'small'),
    (5, '[3000, 5, 5]', 600, 'large'),
    (6, '[3200, 5, 2]', 640, 'large'),
    (7, '[2900, 4, 8]', 590, 'large'),
    (8, '[3100, 6, 1]', 620, 'large'),
    (9, '', 300, 'empty'),
    (10, 'three bedrooms', 400, 'invalid');
