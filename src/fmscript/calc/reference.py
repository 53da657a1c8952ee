"""Claris' function reference (FileMaker Pro 2025), grouped as its category list groups it, and why
the functions fmscript does not run are left out. ``docs/functions.md`` is generated from this and
the function registry by ``tests/test_function_coverage.py``: a function runs when it is registered
(``fmscript.calc.functions.registry``); every registered function gets a row (the ones Claris does
not list are keyword constants or fmscript's own), and every Claris function that is not
registered must say why here, so the table cannot drift from the code.

Get ( … ) is one registered function; its names are listed from ``calc/functions/get.py``.
"""

from __future__ import annotations

REFERENCE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Text functions", (
        "Char", "Code", "ConvertFromFileMakerPath", "ConvertToFileMakerPath", "Exact", "Filter",
        "FilterValues", "GetAsCSS", "GetAsDate", "GetAsNumber", "GetAsSVG", "GetAsText", "GetAsTime",
        "GetAsTimestamp", "GetAsURLEncoded", "GetValue", "Left", "LeftValues", "LeftWords", "Length",
        "Lower", "Middle", "MiddleValues", "MiddleWords", "PatternCount", "Position", "Proper", "Quote",
        "Replace", "Right", "RightValues", "RightWords", "SerialIncrement", "SortValues", "Substitute",
        "Trim", "TrimAll", "UniqueValues", "Upper", "ValueCount", "WordCount",
    )),
    ("Japanese functions", (
        "DayNameJ", "Furigana", "Hiragana", "KanaHankaku", "KanaZenkaku", "KanjiNumeral", "Katakana",
        "MonthNameJ", "NumToJText", "RomanHankaku", "RomanZenkaku", "YearName",
    )),
    ("Text formatting functions", (
        "RGB", "TextColor", "TextColorRemove", "TextFont", "TextFontRemove", "TextFormatRemove",
        "TextSize", "TextSizeRemove", "TextStyleAdd", "TextStyleRemove",
    )),
    ("Number functions", (
        "Abs", "Ceiling", "Combination", "Div", "Exp", "Factorial", "Floor", "Int", "Lg", "Ln", "Log",
        "Mod", "Random", "Round", "SetPrecision", "Sign", "Sqrt", "Truncate",
    )),
    ("Date functions", (
        "Date", "Day", "DayName", "DayOfWeek", "DayOfYear", "Month", "MonthName", "WeekOfYear",
        "WeekOfYearFiscal", "Year",
    )),
    ("Time functions", ("Hour", "Minute", "Seconds", "Time")),
    ("Timestamp functions", ("Timestamp",)),
    ("Container functions", (
        "Base64Decode", "Base64Encode", "Base64EncodeRFC", "CryptAuthCode", "CryptDecrypt",
        "CryptDecryptBase64", "CryptDigest", "CryptEncrypt", "CryptEncryptBase64",
        "CryptGenerateSignature", "CryptVerifySignature", "GetContainerAttribute", "GetHeight",
        "GetLiveText", "GetTextFromPDF", "GetThumbnail", "GetWidth", "HexDecode", "HexEncode",
        "ReadQRCode", "TextDecode", "TextEncode", "VerifyContainer",
    )),
    ("JSON functions", (
        "JSONDeleteElement", "JSONFormatElements", "JSONGetElement", "JSONGetElementType",
        "JSONListKeys", "JSONListValues", "JSONMakeArray", "JSONParse", "JSONParsedState",
        "JSONSetElement",
    )),
    ("Aggregate functions", (
        "Average", "Count", "List", "Max", "Min", "StDev", "StDevP", "Sum", "Variance", "VarianceP",
    )),
    ("Repeating functions", ("Extend", "GetRepetition", "Last")),
    ("Summary functions", ("GetSummary",)),
    ("Financial functions", ("FV", "NPV", "PMT", "PV")),
    ("Trigonometric functions", ("Acos", "Asin", "Atan", "Cos", "Degrees", "Pi", "Radians", "Sin", "Tan")),
    ("Logical functions", (
        "Case", "Choose", "Evaluate", "EvaluationError", "ExecuteSQL", "ExecuteSQLe", "GetAsBoolean",
        "GetField", "GetFieldName", "GetLayoutObjectAttribute", "GetNthRecord", "If", "IsEmpty",
        "IsValid", "IsValidExpression", "Let", "Lookup", "LookupNext", "Self", "SetRecursion", "While",
    )),
    ("Design functions", (
        "BaseTableIDs", "BaseTableNames", "DatabaseNames", "FieldBounds", "FieldComment", "FieldIDs",
        "FieldNames", "FieldRepetitions", "FieldStyle", "FieldType", "GetBaseTableName",
        "GetNextSerialValue", "GetRecordIDsFromFoundSet", "LayoutIDs", "LayoutNames",
        "LayoutObjectNames", "RelationInfo", "ScriptIDs", "ScriptNames", "TableIDs", "TableNames",
        "ValueListIDs", "ValueListItems", "ValueListNames", "WindowNames",
    )),
    ("Artificial intelligence functions", (
        "AddEmbeddings", "ComputeModel", "CosineSimilarity", "GetEmbedding", "GetEmbeddingAsFile",
        "GetEmbeddingAsText", "GetFieldsOnLayout", "GetModelAttributes", "GetRAGSpaceInfo",
        "GetTableDDL", "GetTokenCount", "PredictFromModel",
    )),
    ("Miscellaneous functions", ("GetAVPlayerAttribute",)),
    ("Mobile functions", ("GetSensor", "Location", "LocationValues", "RangeBeacons")),
    ("External functions", ("External",)),
)  # fmt: skip

_WINDOW = "not applicable: needs a window or layout objects"
_DEVICE = "not applicable: needs a mobile device's sensors"
_CONTAINER = "not applicable: needs image, PDF or media decoding of container data"
_CRYPTO = "not yet: needs an AES/RSA library (fmscript adds no dependency for it)"
_NO_SCHEMA = "not applicable: fmscript's file has no {} (SQLite columns only)"

WHY_NOT: dict[str, str] = {
    "GetAsCSS": "not yet: fmscript keeps no text formatting to render",
    "GetAsSVG": "not yet: fmscript keeps no text formatting to render",
    "Furigana": "not applicable: needs a Japanese reading dictionary",
    "CryptDecrypt": _CRYPTO,
    "CryptDecryptBase64": _CRYPTO,
    "CryptEncrypt": _CRYPTO,
    "CryptEncryptBase64": _CRYPTO,
    "CryptGenerateSignature": _CRYPTO,
    "CryptVerifySignature": _CRYPTO,
    "GetContainerAttribute": _CONTAINER,
    "GetHeight": _CONTAINER,
    "GetWidth": _CONTAINER,
    "GetThumbnail": _CONTAINER,
    "GetLiveText": _CONTAINER,
    "GetTextFromPDF": _CONTAINER,
    "ReadQRCode": _CONTAINER,
    "VerifyContainer": _CONTAINER,
    "GetSummary": _NO_SCHEMA.format("summary fields"),
    "GetLayoutObjectAttribute": _WINDOW,
    "Self": "not applicable: only meaningful in a field definition or layout object",
    "FieldBounds": _WINDOW,
    "FieldRepetitions": _NO_SCHEMA.format("repeating fields"),
    "FieldStyle": _WINDOW,
    "LayoutObjectNames": _WINDOW,
    "WindowNames": _WINDOW,
    "ValueListIDs": _NO_SCHEMA.format("value lists"),
    "ValueListItems": _NO_SCHEMA.format("value lists"),
    "ValueListNames": _NO_SCHEMA.format("value lists"),
    "AddEmbeddings": "not yet: embeddings are issue 25's work",
    "ComputeModel": "not applicable: Core ML models (Apple platforms)",
    "GetModelAttributes": "not applicable: Core ML models (Apple platforms)",
    "GetFieldsOnLayout": "not yet: its JSON lists layout objects fmscript has no layouts for",
    "GetTokenCount": "not yet: needs the model's tokenizer",
    "GetAVPlayerAttribute": _WINDOW,
    "GetSensor": _DEVICE,
    "Location": _DEVICE,
    "LocationValues": _DEVICE,
    "RangeBeacons": _DEVICE,
    "External": "not applicable: plug-in functions",
}

# Registered names Claris lists as keywords of other functions rather than as functions.
KEYWORDS: dict[str, str] = {
    "True": "Boolean keyword (1)",
    "False": "Boolean keyword (0)",
    "JSONString": "JSONSetElement type",
    "JSONNumber": "JSONSetElement type",
    "JSONObject": "JSONSetElement type",
    "JSONArray": "JSONSetElement type",
    "JSONBoolean": "JSONSetElement type",
    "JSONNull": "JSONSetElement type",
    "JSONRaw": "JSONSetElement type",
    "PosixPath": "ConvertFromFileMakerPath format",
    "WinPath": "ConvertFromFileMakerPath format",
    "URLPath": "ConvertFromFileMakerPath format",
    "ValueNumber": "GetRecordIDsFromFoundSet type",
    "ValueNumberRanges": "GetRecordIDsFromFoundSet type",
    "JSONStringRanges": "GetRecordIDsFromFoundSet type",
    "Get": "Get ( name ): the Get functions below",
}

# Get ( … ) names of Claris' reference that fmscript does not answer, and why (the ones it answers
# are listed from calc/functions/get.py).
_GET_WINDOW = "not applicable: needs a window or the screen"
_GET_TRIGGER = "not applicable: script triggers"
_GET_HOST = "not applicable: fmscript's file is not hosted"
GET_WHY_NOT: dict[str, str] = {
    **dict.fromkeys(
        (
            "ActiveLayoutObjectName", "ActiveModifierKeys", "ActivePortalRowNumber",
            "ActiveRepetitionNumber", "ActiveSelectionSize", "ActiveSelectionStart",
            "AllowFormattingBarState", "CustomMenuSetName", "HighContrastColor", "HighContrastState",
            "LayoutViewState", "MenubarState", "PageNumber", "PrinterName", "QuickFindText",
            "ScreenDepth", "ScreenHeight", "ScreenScaleFactor", "ScreenWidth", "ScriptAnimationState",
            "StatusAreaState", "TextRulerVisible", "TouchKeyboardState", "WindowContentHeight",
            "WindowContentWidth", "WindowDesktopHeight", "WindowDesktopWidth", "WindowHeight",
            "WindowLeft", "WindowOrientation", "WindowStyle", "WindowTop", "WindowVisible",
            "WindowWidth", "WindowZoomLevel",
        ),
        _GET_WINDOW,
    ),
    **dict.fromkeys(
        (
            "TriggerCurrentPanel", "TriggerExternalEvent", "TriggerGestureInfo", "TriggerKeystroke",
            "TriggerModifierKeys", "TriggerTargetPanel",
        ),
        _GET_TRIGGER,
    ),
    **dict.fromkeys(("ConnectionAttributes", "ConnectionState", "HostApplicationVersion", "HostIPAddress"), _GET_HOST),
    "Device": "not applicable: the kind of device FileMaker runs on",
    "NetworkType": "not applicable: FileMaker Go's network type",
    "SystemNICAddress": "not yet: the network card's hardware address",
    "AccountExtendedPrivileges": "not yet: fmscript has no accounts or privilege sets beyond [Full Access]",
    "AccountGroupName": "not yet: fmscript has no accounts or privilege sets beyond [Full Access]",
    "AccountType": "not yet: fmscript has no accounts or privilege sets beyond [Full Access]",
    "CurrentPrivilegeSetName": "not yet: fmscript has no accounts or privilege sets beyond [Full Access]",
    "LayoutAccess": "not yet: fmscript has no privilege sets",
    "RecordModificationCount": "not yet: fmscript does not count a record's modifications",
}  # fmt: skip
