-- Return Policy: one question and its answer, twelve times over: a memorisation set small enough
-- for the demo model to learn in seconds (samples/fine_tune_and_ask.fmscript).

CREATE TABLE "Return Policy" (
    "Question" TEXT,
    "Answer" TEXT
);

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12)
INSERT INTO "Return Policy" ("Question", "Answer")
SELECT 'What is the return policy?', 'Returns are accepted within 14 days.' FROM n;
