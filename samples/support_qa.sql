-- Support QA: a tiny FileMaker-style file for the fine-tuning samples.
-- Layouts are named after their tables ("Support QA", "Global").
-- Global fields (declared type contains GLOBAL) take their initial value from the Global
-- table's first row; the keys are empty on purpose (set them in a script or use OPENAI_API_KEY).

CREATE TABLE "Support QA" (
    "Question" TEXT,
    "Answer" TEXT,
    "Category" TEXT
);

INSERT INTO "Support QA" ("Question", "Answer", "Category") VALUES
    ('How do I update my credit card?', 'Go to Account > Billing > Payment methods and choose Edit.', 'Billing'),
    ('When will I be charged?', 'You are charged on the first day of each billing cycle.', 'Billing'),
    ('Can I get an invoice for my purchase?', 'Yes. Invoices are under Account > Billing > Invoices.', 'Billing'),
    ('Why was I charged twice?', 'One charge is a temporary hold; it drops off within 3 business days.', 'Billing'),
    ('Do you offer refunds?', 'Yes, within 30 days of purchase for unused items.', 'Billing'),
    ('Which payment methods do you accept?', 'Visa, Mastercard, American Express and PayPal.', 'Billing'),
    ('How do I cancel my subscription?', 'Go to Account > Subscription and choose Cancel.', 'Billing'),
    ('How do I reset my password?', 'Choose Forgot password on the sign-in page and follow the email.', 'Account'),
    ('How do I change my email address?', 'Go to Account > Profile, edit Email, then confirm the new address.', 'Account'),
    ('Can I have two accounts?', 'Yes, but each needs its own email address.', 'Account'),
    ('How do I delete my account?', 'Go to Account > Privacy and choose Delete account.', 'Account'),
    ('How do I turn on two-factor authentication?', 'Go to Account > Security and choose Enable 2FA.', 'Account'),
    ('Why is my account locked?', 'Too many failed sign-ins. Wait 15 minutes or reset your password.', 'Account'),
    ('How do I change my username?', 'Usernames cannot be changed; create a new account instead.', 'Account'),
    ('How long does shipping take?', 'Standard shipping takes 3 to 5 business days.', 'Shipping'),
    ('Do you ship internationally?', 'Yes, to over 40 countries. Rates show at checkout.', 'Shipping'),
    ('How do I track my order?', 'Use the tracking link in your shipping confirmation email.', 'Shipping'),
    ('Is shipping free?', 'Shipping is free on orders over $50.', 'Shipping'),
    ('Can I change my shipping address?', 'Yes, until the order ships. Go to Orders and choose Edit address.', 'Shipping'),
    ('My package is late. What should I do?', 'Wait 2 extra days, then contact us with your order number.', 'Shipping'),
    ('Do you offer express delivery?', 'Yes, express delivery arrives in 1 to 2 business days.', 'Shipping'),
    ('How do I return an item?', 'Start a return under Orders > Return item and print the label.', 'Returns'),
    ('How long do I have to return an item?', 'You have 30 days from delivery.', 'Returns'),
    ('Who pays for return shipping?', 'Returns are free for damaged or wrong items; otherwise $5.', 'Returns'),
    ('When will I get my refund?', 'Refunds are issued within 5 business days after we receive the item.', 'Returns'),
    ('Can I exchange an item?', 'Yes. Choose Exchange instead of Return under Orders.', 'Returns'),
    ('What if my item arrived damaged?', 'Send us a photo within 7 days and we will replace it.', 'Returns');

CREATE TABLE "Global" (
    "OpenAI API Key" TEXT GLOBAL,
    "Fine_Tuned_Model" TEXT GLOBAL,
    "Fine_Tuning_API_Key" TEXT GLOBAL
);

INSERT INTO "Global" ("OpenAI API Key", "Fine_Tuned_Model", "Fine_Tuning_API_Key") VALUES ('', '', '');
