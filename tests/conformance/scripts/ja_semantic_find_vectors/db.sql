CREATE TABLE "Notes" ("Text" TEXT, "Vec" TEXT, "Bin" CONTAINER);
INSERT INTO "Notes" ("Text", "Vec") VALUES
  ('east', '[1,0]'),
  ('north', '[0,1]'),
  ('north-east', '[0.7071,0.7071]'),
  ('west', '[-1,0]'),
  ('no vector', '');
