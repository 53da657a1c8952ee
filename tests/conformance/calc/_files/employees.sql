-- The ExecuteSQL help page's example file: Employees and Salaries, related through EmpID
-- (Employees::EmpID, Salaries::EmpID and Salaries::Salary are number fields).
CREATE TABLE "Employees" (
    "EmpID" NUMBER UNIQUE,
    "LastName" TEXT,
    "FirstName" TEXT,
    "Department" TEXT,
    "Hired" DATE
);
INSERT INTO "Employees" VALUES
    (1, 'Smith', 'John', 'Development', '2019-04-01'),
    (2, 'Mori', 'Aiko', 'Development', '2020-01-15'),
    (3, 'Lee', 'Ann', 'Sales', '2021-09-30'),
    (4, 'O''Brien', 'Pat', 'Sales', '2022-06-01');
CREATE TABLE "Salaries" (
    "EmpID" NUMBER,
    "Salary" NUMBER
);
INSERT INTO "Salaries" VALUES (1, 60000), (2, 40000), (3, 45000), (4, 55000.5);
