-- GetNthRecord's help examples (zh page): the 联系人 (Contacts) table with a 名字 (First Name) field.
CREATE TABLE "联系人" ("名字" TEXT, "姓氏" TEXT);
INSERT INTO "联系人" VALUES ('美咲', '佐藤'), ('伟', '王'), ('Anna', 'Berg');
CREATE TABLE "电话" ("主题" TEXT);
INSERT INTO "电话" VALUES ('续约');
