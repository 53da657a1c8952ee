-- GetNthRecord's help examples: a Contacts table with a First Name field.
CREATE TABLE "Contacts" ("First Name" TEXT, "Last Name" TEXT, "Age" NUMBER);
INSERT INTO "Contacts" VALUES ('Kate', 'Ito', 41), ('Hiro', 'Sato', 29), ('Anna', 'Berg', 35);
CREATE TABLE "Calls" ("Subject" TEXT);
INSERT INTO "Calls" VALUES ('Renewal');
