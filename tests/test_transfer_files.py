"""The file formats behind Save Records as Excel and Import/Export Records, read back directly."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

from fmscript.data import delimited
from fmscript.data.xlsx import write_xlsx


def test_xlsx_holds_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx(
        path, "Items", [["Name", "Qty"], ["a & b\rc", Decimal("3.5")], ["", Decimal(2)]], create_folders=False
    )
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        assert 'name="Items"' in z.read("xl/workbook.xml").decode()
    assert '<c r="A2" t="inlineStr"><is><t xml:space="preserve">a &amp; b\nc</t></is></c>' in sheet
    assert '<c r="B2"><v>3.5</v></c>' in sheet
    assert '<row r="3"><c r="B3"><v>2</v></c></row>' in sheet  # an empty value is no cell


def test_delimited_round_trip(tmp_path: Path) -> None:
    rows = [['x, "y"', "line 1\rline 2"], ["", "tab\there"]]
    for name in ("t.csv", "t.tab"):
        path = tmp_path / name
        delimited.write_rows(path, rows, "Unicode (UTF-8)", create_folders=False)
        back = delimited.read_rows(path, "UTF-8")
        assert back[0] == ['x, "y"', "line 1\rline 2"]  # a return travels as a vertical tab
        assert back[1][0] == ""
    assert (tmp_path / "t.csv").read_bytes().startswith(b'"x, ""y""","line 1\x0bline 2"\r')
    assert delimited.codec_for("Japanese (Shift-JIS)") == "shift_jis"
    assert delimited.codec_for("Windows (ANSI)") == "cp1252"


def test_xlsx_reads_back(tmp_path: Path) -> None:
    from fmscript.data.xlsx import read_xlsx

    path = tmp_path / "in.xlsx"
    write_xlsx(
        path, "Stock", [["Code", "Qty"], ["A1", Decimal(3)], ["", Decimal("2.5")]], create_folders=False
    )
    assert read_xlsx(path) == [["Code", "Qty"], ["A1", "3"], ["", "2.5"]]
    assert read_xlsx(path, "stock")[1] == ["A1", "3"]
