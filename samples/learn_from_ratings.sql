-- Answer Ratings: questions users asked, the answer they rated helpful and the one they rated
-- unhelpful (a "helpful?" button on a layout). samples/learn_from_ratings.fmscript turns each record
-- into a preference (DPO) line and fine-tunes the demo model to prefer the helpful answers.

CREATE TABLE "Answer Ratings" (
    "Question" TEXT,
    "Helpful Answer" TEXT,
    "Unhelpful Answer" TEXT
);

INSERT INTO "Answer Ratings" ("Question", "Helpful Answer", "Unhelpful Answer") VALUES
    ('What is the return policy?', 'Returns are accepted within 14 days.', 'Sorry, I cannot help you with that.'),
    ('How long does shipping take?', 'Shipping takes 3 to 5 business days.', 'Sorry, I cannot help you with that.'),
    ('Do you ship abroad?', 'Yes, to 40 countries.', 'Sorry, I cannot help you with that.'),
    ('How do I reset my password?', 'Use the Forgot password link.', 'Sorry, I cannot help you with that.'),
    ('Can I change my order?', 'Yes, within one hour of ordering.', 'Sorry, I cannot help you with that.'),
    ('Which payment methods do you accept?', 'Cards, bank transfer and invoices.', 'Sorry, I cannot help you with that.'),
    ('Where is my invoice?', 'In your account, under Orders.', 'Sorry, I cannot help you with that.'),
    ('Is there a warranty?', 'Two years on every product.', 'Sorry, I cannot help you with that.'),
    ('How do I contact support?', 'Write to support@example.com.', 'Sorry, I cannot help you with that.'),
    ('Do you have a store?', 'Yes, in Osaka and in Lyon.', 'Sorry, I cannot help you with that.'),
    ('返品はできますか?', '14日以内なら返品できます。', 'Sorry, I cannot help you with that.'),
    ('可以退货吗?', '14天内可以退货。', 'Sorry, I cannot help you with that.');
