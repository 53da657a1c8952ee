-- GetRecordIDsFromFoundSet's help example: records 1, 5, 21, 22, 23, 7 in that order (sorted by Pos).
CREATE TABLE "Items" ("Pos" NUMBER, "Name" TEXT);
INSERT INTO "Items" (rowid, "Pos", "Name") VALUES
    (1, 1, 'a'), (5, 2, 'b'), (7, 6, 'f'), (21, 3, 'c'), (22, 4, 'd'), (23, 5, 'e');
