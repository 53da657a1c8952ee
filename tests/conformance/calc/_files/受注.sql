-- Relationships with Japanese and Chinese names: 顧客 (customers) -< 受注 (orders), and 客户 -< 订单.
CREATE TABLE "顧客" ("顧客ID" NUMBER, "名前" TEXT);
INSERT INTO "顧客" VALUES (1, '山田'), (2, '佐藤');
CREATE TABLE "受注" ("受注ID" NUMBER, "顧客ID" NUMBER, "商品" TEXT, "金額" NUMBER);
INSERT INTO "受注" VALUES (1, 1, 'ペン', 300), (2, 2, 'ノート', 500), (3, 1, '消しゴム', 100);
CREATE TABLE "客户" ("客户ID" NUMBER, "姓名" TEXT);
INSERT INTO "客户" VALUES (7, '王伟');
CREATE TABLE "订单" ("客户ID" NUMBER, "金额" NUMBER);
INSERT INTO "订单" VALUES (7, 20), (7, 30.5), (8, 99);
CREATE TABLE fmscript_table_occurrences (name TEXT, base_table TEXT);
INSERT INTO fmscript_table_occurrences VALUES ('顧客の受注', '受注');
CREATE TABLE fmscript_relationships (left_to TEXT, left_field TEXT, right_to TEXT, right_field TEXT);
INSERT INTO fmscript_relationships VALUES
    ('顧客', '顧客ID', '顧客の受注', '顧客ID'),
    ('受注', '顧客ID', '顧客', '顧客ID'),
    ('客户', '客户ID', '订单', '客户ID');
