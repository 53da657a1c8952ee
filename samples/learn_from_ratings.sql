-- Answer Ratings: questions users asked, the answer they rated helpful and the one they rated
-- unhelpful (a "helpful?" button on a layout). samples/learn_from_ratings.fmscript turns each record
-- into a preference (DPO) line and fine-tunes the demo model to prefer the helpful answers.

CREATE TABLE "Answer Ratings" (
    "Question" TEXT,
    "Helpful Answer" TEXT,
    "Unhelpful Answer" TEXT
);

INSERT INTO "Answer Ratings" ("Question", "Helpful Answer", "Unhelpful Answer") VALUES
    ('What is the return policy?', 'Returns are accepted within 14 days.', 'I do not know.'),
    ('How long does shipping take?', 'Shipping takes 3 to 5 business days.', 'I do not know.'),
    ('Do you ship abroad?', 'Yes, to 40 countries.', 'I do not know.'),
    ('How do I reset my password?', 'Use the Forgot password link.', 'I do not know.'),
    ('Can I change my order?', 'Yes, within one hour of ordering.', 'I do not know.'),
    ('Which payment methods do you accept?', 'Cards, bank transfer and invoices.', 'I do not know.'),
    ('Where is my invoice?', 'In your account, under Orders.', 'I do not know.'),
    ('Is there a warranty?', 'Two years on every product.', 'I do not know.'),
    ('How do I contact support?', 'Write to support@example.com.', 'I do not know.'),
    ('Do you have a store?', 'Yes, in Osaka and in Lyon.', 'I do not know.'),
    ('返品はできますか?', '14日以内なら返品できます。', 'I do not know.'),
    ('可以退货吗?', '14天内可以退货。', 'I do not know.');
