-- The sample of samples/rag_support.fmscript: help-desk articles added to a RAG space; each record
-- keeps the id of its document in the space, so a changed article can be removed and added again.
CREATE TABLE "Articles" (
  "Id" INTEGER PRIMARY KEY,
  "Title" TEXT,
  "Body" TEXT,
  "RAG Document" NUMBER
);
INSERT INTO "Articles" ("Title", "Body") VALUES
  ('Refunds', 'Refunds are paid to the original card within 14 days of the return. Store credit is paid at once.'),
  ('Shipping', 'Shipping takes three to five business days. Express shipping arrives the next business day.'),
  ('Gift cards', 'Gift cards never expire. They can be used online and in every store.'),
  ('Opening hours', 'Support is open Monday to Friday, from 9 to 17.');
