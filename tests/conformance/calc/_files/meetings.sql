-- The GetTableDDL help page's example file (zh page: field comments in Chinese); a "--" comment
-- after a column is its FileMaker field comment.
CREATE TABLE "Meetings" (
    "Title" TEXT,
    "Location" TEXT,
    "Date" DATE,
    "Start Time" TIMESTAMP,
    "End Time" TIMESTAMP,
    "Duration" TEXT,
    "Note" TEXT,
    "PrimaryKey" TEXT PRIMARY KEY, -- 每条记录在此表中的唯一标识符
    "CreatedBy" TEXT, -- 创建每条记录的用户的账户名称
    "ModifiedBy" TEXT, -- 最后修改每条记录的用户的账户名称
    "CreationTimestamp" TIMESTAMP, -- 每条记录的创建日期和时间
    "ModificationTimestamp" TIMESTAMP, -- 每条记录的上次修改日期和时间
    "Note_Embedding" CONTAINER
);
CREATE TABLE "Topics" (
    "Subject" TEXT,
    "Text" TEXT,
    "ForeignKey" TEXT, -- 每条记录在关系表中的唯一标识符
    "Number of Topics" NUMBER,
    "PrimaryKey" TEXT PRIMARY KEY, -- 每条记录在此表中的唯一标识符
    "CreatedBy" TEXT, -- 创建每条记录的用户的账户名
    "ModifiedBy" TEXT, -- 最后修改每条记录的用户的账户名
    "CreationTimestamp" TIMESTAMP, -- 每条记录的创建日期和时间
    "ModificationTimestamp" TIMESTAMP, -- 每条记录的上次修改日期和时间
    FOREIGN KEY ("ForeignKey") REFERENCES "Meetings" ("PrimaryKey")
);
