CREATE TABLE "Support QA" (Question TEXT, Answer TEXT);
INSERT INTO "Support QA" VALUES ('please say " AND hi to everyone', 'one');
INSERT INTO "Support QA" VALUES ('say hi', 'two');
INSERT INTO "Support QA" VALUES ('AND hi', 'three');
