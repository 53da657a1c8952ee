-- Web QA: an empty table that samples/fetch_training_data.fmscript fills from a web service.
CREATE TABLE "Web QA" (
    "Question" TEXT,
    "Answer" TEXT,
    "Source" TEXT
);
