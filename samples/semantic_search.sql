-- The sample of samples/semantic_search.fmscript: four help-desk notes; their embeddings are
-- filled in by Insert Embedding in Found Set (a container field: FileMaker's binary form, and a
-- text field: the JSON array).
CREATE TABLE "Notes" (
  "Id" INTEGER PRIMARY KEY,
  "Text" TEXT,
  "Embedding" CONTAINER,
  "Embedding JSON" TEXT
);
INSERT INTO "Notes" ("Text") VALUES
  ('Returns are accepted within 14 days.'),
  ('Shipping takes three to five business days.'),
  ('Gift cards never expire.'),
  ('Support is open Monday to Friday.');
