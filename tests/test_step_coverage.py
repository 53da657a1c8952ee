"""docs/steps.md: every script step of Claris' script step reference (FileMaker Pro 2025 / 22), grouped
as the reference groups them, with its en/ja/zh names and what fmscript does with it — generated
from the step catalogue, so it cannot drift.

- a catalogue step that no group lists fails ``test_every_catalogue_step_has_a_row``;
- a step that does not run needs its reason here (``REASONS``);
- docs/steps.md must equal the rendering: ``FMSCRIPT_WRITE_DOCS=1 pytest tests/test_step_coverage.py``
  rewrites it after a change.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from fmscript.syntax import catalogue_gui
from fmscript.syntax.catalogue import STEPS, StepSpec

DOC = Path(__file__).resolve().parents[1] / "docs" / "steps.md"
NOTHING = "fmscript.steps.misc:nothing"

# The groups of Claris' "Script steps reference (category list)", in its order.
GROUPS: dict[str, tuple[str, ...]] = {
    "Control": (
        "Perform Script", "Perform Script on Server", "Perform Script on Server with Callback",
        "Pause/Resume Script", "Exit Script", "Halt Script", "If", "Else If", "Else", "End If", "Loop",
        "Exit Loop If", "End Loop", "Allow User Abort", "Set Error Capture", "Set Error Logging",
        "Set Variable", "Set Layout Object Animation", "Install OnTimer Script",
        "Configure Local Notification", "Configure Region Monitor Script", "Configure NFC Reading",
        "Open Transaction", "Commit Transaction", "Revert Transaction", "Set Revert Transaction on Error",
        "Trigger Claris Connect Flow",
    ),
    "Navigation": (
        "Go to Layout", "Go to Record/Request/Page", "Go to Related Record", "Go to Portal Row",
        "Go to Object", "Go to Field", "Go to Next Field", "Go to Previous Field", "Close Popover",
        "Enter Browse Mode", "Enter Find Mode", "Enter Preview Mode",
    ),
    "Editing": (
        "Undo/Redo", "Cut", "Copy", "Paste", "Clear", "Set Selection", "Select All", "Perform Find/Replace",
    ),
    "Fields": (
        "Set Field", "Set Field By Name", "Set Next Serial Value", "Insert Text", "Insert Calculated Result",
        "Insert from Device", "Insert from Index", "Insert from Last Visited", "Insert from URL",
        "Insert Current Date", "Insert Current Time", "Insert Current User Name", "Insert Picture",
        "Insert Audio/Video", "Insert PDF", "Insert File", "Replace Field Contents",
        "Relookup Field Contents", "Export Field Contents",
    ),
    "Records": (
        "New Record/Request", "Duplicate Record/Request", "Delete Record/Request", "Delete Portal Row",
        "Delete All Records", "Open Record/Request", "Revert Record/Request", "Commit Records/Requests",
        "Copy Record/Request", "Copy All Records/Requests", "Import Records", "Export Records",
        "Save Records as Excel", "Save Records as PDF", "Save Records as Snapshot Link", "Truncate Table",
    ),
    "Found Sets": (
        "Perform Find", "Perform Quick Find", "Constrain Found Set", "Extend Found Set", "Modify Last Find",
        "Show All Records", "Show Omitted Only", "Omit Record", "Omit Multiple Records", "Sort Records",
        "Sort Records by Field", "Unsort Records", "Find Matching Records",
    ),
    "Windows": (
        "New Window", "Select Window", "Close Window", "Adjust Window", "Move/Resize Window",
        "Arrange All Windows", "Freeze Window", "Refresh Window", "Scroll Window", "Show/Hide Menubar",
        "Show/Hide Toolbars", "Show/Hide Text Ruler", "Set Window Title", "Set Zoom Level", "View As",
        "Set Allowed Orientations",
    ),
    "Files": (
        "New File", "Open File", "Close File", "Convert File", "Set Multi-User", "Set Use System Formats",
        "Save a Copy as", "Save a Copy as XML", "Save a Copy as Add-on Package", "Recover File",
        "Print Setup", "Print", "Create Data File", "Open Data File", "Write to Data File",
        "Read from Data File", "Get Data File Position", "Set Data File Position", "Close Data File",
        "Delete File", "Rename File", "Get File Exists", "Get File Size", "Get Folder Path",
    ),
    "Accounts": (
        "Add Account", "Delete Account", "Reset Account Password", "Change Password", "Enable Account",
        "Re-Login",
    ),
    "Spelling": (
        "Check Selection", "Check Record", "Check Found Set", "Correct Word", "Spelling Options",
        "Select Dictionaries", "Edit User Dictionary", "Set Dictionary",
    ),
    "Open Menu Item": (
        "Open Edit Saved Finds", "Open Favorites", "Open File Options", "Open Find/Replace", "Open Help",
        "Open Hosts", "Open Manage Containers", "Open Manage Data Sources", "Open Manage Database",
        "Open Manage Layouts", "Open Manage Themes", "Open Manage Value Lists", "Open Preferences",
        "Open Script Workspace", "Open Sharing", "Open Upload to Host",
    ),
    "Miscellaneous": (
        "#", "Show Custom Dialog", "Allow Formatting Bar", "Refresh Object", "Refresh Portal", "Beep",
        "Speak", "Dial Phone", "Install Plug-In File", "Install Menu Set", "Set Web Viewer",
        "Perform JavaScript in Web Viewer", "Open URL", "Send Mail", "Send DDE Execute", "Send Event",
        "Perform AppleScript", "Execute SQL", "Execute FileMaker Data API", "Flush Cache to Disk",
        "Exit Application", "Enable Touch Keyboard", "Set Session Identifier", "AVPlayer Play",
        "AVPlayer Set Playback State", "AVPlayer Set Options",
    ),
    "Artificial Intelligence": (
        "Configure AI Account", "Generate Response from Model", "Perform SQL Query by Natural Language",
        "Perform Find by Natural Language", "Insert Embedding", "Insert Embedding in Found Set",
        "Perform Semantic Find", "Configure Prompt Template", "Configure Regression Model",
        "Configure RAG Account", "Perform RAG Action", "Fine-Tune Model", "Save Records as JSONL",
        "Set AI Call Logging", "Configure Machine Learning Model",
    ),
}  # fmt: skip

_WINDOW = "one headless window: there is nothing to arrange, show or hide"
_DIALOG = "opens a FileMaker dialog or window"
_CLIPBOARD = "works on the clipboard or a text selection in a window"
_CONTAINER = "fills a container field from a device, a file dialog or the screen"
_DEVICE = "needs a device of FileMaker Go / the OS"
_SPELL = "spelling works on a window's text and dictionaries"

REASONS: dict[str, str] = {
    # no-op outside a GUI
    "Set Layout Object Animation": "animations are drawn on a screen",
    "Set Error Logging": "uncaptured errors are reported on stderr with their position",
    "Close Popover": "no popover is open without a window",
    "Enter Preview Mode": "preview is a printed view of a window",
    **{name: _WINDOW for name in (
        "Adjust Window", "Move/Resize Window", "Arrange All Windows", "Scroll Window", "Show/Hide Menubar",
        "Show/Hide Toolbars", "Show/Hide Text Ruler", "Set Window Title", "Set Zoom Level", "View As",
        "Set Allowed Orientations", "Allow Formatting Bar", "Enable Touch Keyboard", "Refresh Object",
        "Refresh Portal", "Install Menu Set",
    )},
    "Set Multi-User": "network sharing is FileMaker Pro's; the SQLite file is shared by the OS",
    "Set Use System Formats": "fmscript always uses the file's (English) formats",
    "Flush Cache to Disk": "every commit is written to SQLite at once",
    "Set Session Identifier": "sessions are FileMaker Server's",
    # not applicable: a screen, a device, a dialog or a service
    "Install OnTimer Script": "timers run in an idle window session (FileMaker Server does not run them either)",
    "Configure Local Notification": _DEVICE,
    "Configure Region Monitor Script": _DEVICE,
    "Configure NFC Reading": _DEVICE,
    "Trigger Claris Connect Flow": "calls the Claris Connect service",
    "Go to Object": "layout objects are drawn on a screen",
    "Go to Portal Row": "portals are layout objects",
    "Go to Next Field": "the tab order of a layout on a screen",
    "Go to Previous Field": "the tab order of a layout on a screen",
    **{name: _CLIPBOARD for name in (
        "Undo/Redo", "Cut", "Copy", "Paste", "Set Selection", "Select All", "Perform Find/Replace",
        "Copy Record/Request", "Copy All Records/Requests",
    )},
    **{name: _CONTAINER for name in (
        "Insert from Device", "Insert Picture", "Insert Audio/Video", "Insert PDF", "Insert File",
    )},
    "Insert from Index": "picks a value from the field's index in a dialog",
    "Insert from Last Visited": "copies from the record last visited in a window",
    "Delete Portal Row": "portals are layout objects",
    "Save Records as PDF": "renders a layout for printing",
    "Save Records as Snapshot Link": "a snapshot link reopens a window's state",
    "New File": _DIALOG,
    "Open File": "a run works on one file (--file)",
    "Close File": "a run works on one file (--file)",
    "Convert File": _DIALOG,
    "Recover File": "recovers .fmp12 files",
    "Print Setup": "needs a printer",
    "Print": "needs a printer",
    "Save a Copy as Add-on Package": "add-ons are .fmp12 packages",
    "Get Folder Path": "asks the user to choose a folder",
    **{name: _SPELL for name in GROUPS["Spelling"]},
    **{name: _DIALOG for name in GROUPS["Open Menu Item"]},
    **{name: _DEVICE for name in ("AVPlayer Play", "AVPlayer Set Options", "AVPlayer Set Playback State", "Dial Phone", "Speak")},
    "Execute SQL": "runs SQL on an ODBC data source",
    "Install Plug-In File": "plug-ins are native FileMaker libraries",
    "Open URL": "opens a browser",
    "Perform AppleScript": "macOS scripting of applications",
    "Perform JavaScript in Web Viewer": "web viewers are layout objects",
    "Send DDE Execute": "Windows DDE",
    "Send Event": "sends an OS event to an application",
    "Send Mail": "needs the mail client or an SMTP account of FileMaker Pro",
    "Set Web Viewer": "web viewers are layout objects",
    "Configure Machine Learning Model": "Core ML models run on Apple devices",
}  # fmt: skip

BY_NAME = {spec.name: spec for spec in STEPS}
# "# (comment)" is no catalogue step: the grammar reads comments (and // disabled steps) itself.
BY_NAME["#"] = StepSpec("#", ("#",), ("#",), handler="fmscript.syntax (comments)")
NOT_APPLICABLE = {row[0] for row in catalogue_gui.NOT_APPLICABLE}


def status(spec: StepSpec) -> str:
    if spec.handler == NOTHING:
        return "no-op"
    if spec.handler:
        return "runs"
    return "not applicable" if spec.name in NOT_APPLICABLE else "not yet"


def render() -> str:
    counts: Counter[str] = Counter(status(BY_NAME[n]) for names in GROUPS.values() for n in names)
    total = sum(counts.values())
    headless = counts["runs"] + counts["no-op"] + counts["not yet"]
    share = 100 * (counts["runs"] + counts["no-op"]) / headless
    out = [
        "# Script step coverage",
        "",
        "Every step of Claris' script step reference (FileMaker Pro 2025 / 22), grouped as the reference",
        "groups them, with the names the en / ja / zh help uses (all of them parse, mixed freely).",
        "Generated from the step catalogue by `tests/test_step_coverage.py`",
        "(`FMSCRIPT_WRITE_DOCS=1 pytest tests/test_step_coverage.py` rewrites it); do not edit by hand.",
        "",
        "- **runs**: does what FileMaker does (conformance cases in `tests/conformance/scripts/`)",
        "- **no-op**: accepted and does nothing outside a GUI (the reason is given)",
        "- **not applicable**: needs a screen, a device, a dialog or a service; error 3 when reached,",
        "  as FileMaker Server answers steps it does not support",
        "- **not yet**: could run headless; error 3 when reached",
        "",
        f"{total} steps: {counts['runs']} run, {counts['no-op']} no-op, {counts['not applicable']} not "
        f"applicable, {counts['not yet']} not yet — {share:.1f} % of the {headless} steps that can run "
        "without a screen run (or are no-ops).",
    ]
    for group, names in GROUPS.items():
        out += ["", f"## {group}", "", "| step | ja | zh | status | note |", "|---|---|---|---|---|"]
        for name in names:
            spec = BY_NAME[name]
            cells = [name, " / ".join(spec.ja), " / ".join(spec.zh), status(spec), REASONS.get(name, "")]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out) + "\n"


def test_every_catalogue_step_has_a_row() -> None:
    listed = [n for names in GROUPS.values() for n in names]
    assert [n for n, k in Counter(listed).items() if k > 1] == []
    assert sorted(set(BY_NAME) - set(listed)) == []  # a step no group lists
    assert sorted(set(listed) - set(BY_NAME)) == []  # a row for a step the catalogue lacks


def test_step_names_are_declared_once() -> None:
    assert [n for n, k in Counter(spec.name for spec in STEPS).items() if k > 1] == []
    assert "#" not in {spec.name for spec in STEPS}


def test_a_step_that_does_not_run_says_why() -> None:
    missing = [spec.name for spec in STEPS if status(spec) != "runs" and spec.name not in REASONS]
    stale = [name for name in REASONS if status(BY_NAME[name]) == "runs"]
    assert (missing, stale) == ([], [])


def test_readme_gives_the_counts() -> None:
    counts = Counter(status(BY_NAME[n]) for names in GROUPS.values() for n in names)
    readme = " ".join((DOC.parent.parent / "README.md").read_text(encoding="utf-8").split())
    want = (
        f"{sum(counts.values())} steps: {counts['runs']} run, {counts['no-op']} are no-ops",
        f"{counts['not applicable']} need a screen",
        f"{counts['not yet']} do not run yet",
    )
    assert [w for w in want if w not in readme] == []


def test_docs_steps_md_is_generated() -> None:
    text = render()
    if os.environ.get("FMSCRIPT_WRITE_DOCS"):
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, (
        "run FMSCRIPT_WRITE_DOCS=1 pytest tests/test_step_coverage.py"
    )
