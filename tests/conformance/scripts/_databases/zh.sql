-- Support_QA (names as in the zh Fine-Tune Model seed page), Chinese data.
CREATE TABLE "Support_QA" (
    "Question" TEXT,
    "Answer" TEXT,
    "Category" TEXT
);
INSERT INTO "Support_QA" ("Question", "Answer", "Category") VALUES
    ('如何更新信用卡?', '进入 账户 > 账单 > 付款方式 并选择编辑。', '账单'),
    ('可以开发票吗?', '可以。发票在 账户 > 账单 > 发票 中。', '账单'),
    ('可以退款吗?', '未使用的商品可在购买后 30 天内退款。', '账单'),
    ('如何重置密码?', '在登录页面选择 忘记密码。', '账户'),
    ('如何更改电子邮件地址?', '在 账户 > 个人资料 中更改。', '账户'),
    ('配送需要多长时间?', '标准配送需要 3 到 5 个工作日。', '配送'),
    ('可以国际配送吗?', '可以，配送到 40 多个国家。', '配送'),
    ('如何退货?', '在 订单 > 退货 中办理。', '退货');

CREATE TABLE "Global" (
    "OpenAI_API_Key" TEXT GLOBAL,
    "Fine_Tuning_API_Key" TEXT GLOBAL,
    "Fine_Tuned_Model" TEXT GLOBAL
);
INSERT INTO "Global" ("OpenAI_API_Key", "Fine_Tuning_API_Key", "Fine_Tuned_Model") VALUES ('', '', '');
