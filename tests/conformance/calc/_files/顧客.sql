-- FieldType's help example (ja): the 顧客 (Customers) file, 本日の日付 a global date field.
CREATE TABLE "顧客" ("名前" TEXT, "電話番号" TEXT, "本日の日付" DATE GLOBAL, "残高" NUMBER);
CREATE INDEX "顧客_名前" ON "顧客" ("名前");
INSERT INTO "顧客" VALUES ('山田', '03-1234-5678', '2024-04-01', 1200);
