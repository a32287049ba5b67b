"""``feedback LAB``: nbgrader's per-student HTML feedback, hidden tests kept hidden.

nbgrader's feedback shows the autograded notebook, whose test cells hold the hidden tests and
whose tracebacks quote their lines. Unless the instructor asks for them, the hidden regions are
removed from the test cells and a failing hidden test's traceback is cut down to its last line
(the error message). Students' own cells are shown as they wrote them, whatever they contain
(a stray ``BEGIN HIDDEN TESTS`` included). Figures the student's code drew are in the pages:
grading kernels use matplotlib's inline backend (:data:`autograder.engine.nbconfig.KERNEL_ENV`).

What a student's code printed or displayed is inert in the page (:class:`FeedbackExporter`):
HTML outputs are shown as their plain-text form, else cleaned by nbconvert's sanitiser (no
script, event handler, frame or ``javascript:`` link survives), rendered Markdown is cleaned
too, a Content-Security-Policy forbids every script and remote load, and a note at the top says
which parts of the page are the student's own output.
"""

from __future__ import annotations

import html
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import pass_context
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor, Preprocessor
from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbgrader import utils
from nbgrader.apps import NbGraderAPI
from nbgrader.preprocessors import ClearHiddenTests, GetGrades
from tqdm import tqdm

from autograder.course import Course
from autograder.grade import load_reasons
from autograder.leaks import secret_region_lines
from autograder.nbgrader_api import nbgrader_api
from autograder.report import require_graded

#: What stands in for an output line that quoted a hidden test.
REDACTED = "[a line of a hidden test, removed]"
#: The feedback page's Content-Security-Policy: inline styles and embedded (``data:``) images
#: only; no script at all (MathJax included: formulas show as their TeX source), no frame,
#: plugin, form, base URL or remote load.
CSP = ("default-src 'none'; script-src 'none'; object-src 'none'; frame-src 'none'; "
       "base-uri 'none'; form-action 'none'; style-src 'unsafe-inline'; img-src data:; "
       "font-src data:")
#: The note at the top of each page (:data:`_HEAD` labels each output area).
NOTE = ("Everything in an output area (marked &ldquo;output from the student's kernel&rdquo;), "
        "test cells' included, is what the student's notebook printed or displayed, shown as "
        "inert text; the scores in the headings and the table of contents are the grader's.")
#: What student HTML and rendered Markdown may keep: text structure, tables, links and images
#: (``http``, ``https`` or ``mailto`` only), no ``class``, ``id`` or ``style`` to dress up as
#: the grader's own parts of the page; anything else is shown escaped, as text.
ALLOWED_TAGS = ["a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl",
                "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li",
                "ol", "p", "pre", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
                "th", "thead", "tr", "ul"]
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "abbr": ["title"], "img": ["src", "alt", "title"],
                      "td": ["colspan", "rowspan"], "th": ["colspan", "rowspan"]}
_HEAD = (f'<meta http-equiv="Content-Security-Policy" content="{CSP}" />\n'
         "<style>div.output_wrapper { border-left: 3px solid #f0ad4e; padding-left: 4px; }\n"
         "div.output_wrapper::before { content: \"output from the student's kernel\"; "
         "font-size: 80%; color: #8a6d3b; }</style>")


def _redact(text: str, hidden: set[str]) -> str:
    return "\n".join(REDACTED if any(h in line for h in hidden) else line
                     for line in text.split("\n"))


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden-test regions from test cells, and the traceback lines that would quote
    them; leave every other cell (a student's text above all) untouched. A kernel sees the code
    it runs and may print it: any output line that quotes a hidden test is redacted too."""

    def preprocess(self, nb, resources):
        hidden = set().union(*(secret_region_lines(c.source) for c in nb.cells
                               if utils.is_grade(c) and not utils.is_solution(c)))
        nb, resources = super().preprocess(nb, resources)
        for cell in nb.cells:
            for out in cell.get("outputs", []) if hidden else []:
                for key in ("text", "evalue"):
                    if isinstance(out.get(key), str):
                        out[key] = _redact(out[key], hidden)
                for mime, value in out.get("data", {}).items():
                    if isinstance(value, str) and mime.startswith("text/"):
                        out["data"][mime] = _redact(value, hidden)
                if "traceback" in out:
                    out["traceback"] = [_redact(line, hidden) for line in out["traceback"]]
        return nb, resources

    def preprocess_cell(self, cell, resources, cell_index):
        if not utils.is_grade(cell) or utils.is_solution(cell):
            return cell, resources
        had_hidden = self.begin_test_delimeter in cell.source
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if had_hidden and cell.cell_type == "code":
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources


class InertOutputs(Preprocessor):
    """Before anything else: an HTML output that has a plain-text form is shown as that text
    (a DataFrame as its text table), and cell ids are HTML-escaped (nbgrader's template writes
    them into the page as they are)."""

    def preprocess_cell(self, cell, resources, cell_index):
        meta = cell.metadata.get("nbgrader", {})
        if isinstance(meta.get("grade_id"), str):
            meta["grade_id"] = html.escape(meta["grade_id"])
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/html" in data and "text/plain" in data:
                del data["text/html"]
        return cell, resources


def inert_page(page: str) -> str:
    """``page`` with :data:`CSP` first in its head and :data:`NOTE` first in its body."""
    head, body = page.find("<head>"), page.find("<body>")
    if head < 0 or body < head:
        raise ValueError("a feedback page with no <head> and <body>")
    note = f'<div class="alert alert-warning" id="student-output-note">{NOTE}</div>'
    return (page[:head + 6] + "\n" + _HEAD + page[head + 6:body + 6] + "\n" + note
            + page[body + 6:])


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback page (its ``feedback`` template) with every student output inert:
    nbconvert's ``sanitize_html`` on, its cleaner (``clean_html``) being nbconvert's bleach
    sanitiser with :data:`ALLOWED_TAGS`, and rendered Markdown cleaned too (nbgrader's template
    renders Markdown cells without it); :class:`InertOutputs` first; :func:`inert_page` last."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sanitize_html = True
        self.exclude_anchor_links = True
        self.sanitizer = SanitizeHTML(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES)
        self.register_preprocessor(InertOutputs, enabled=True)

    def clean(self, markup: str | bytes) -> str:
        """``markup`` with only :data:`ALLOWED_TAGS` and :data:`ALLOWED_ATTRIBUTES` active."""
        text = markup.decode() if isinstance(markup, bytes) else str(markup)
        return self.sanitizer.sanitize_html_tags(text)

    def default_filters(self):
        yield from super().default_filters()
        yield ("clean_html", self.clean)

    @pass_context
    def markdown2html(self, context, source: str) -> str:
        return self.clean(super().markdown2html(context, source))

    def from_notebook_node(self, nb, resources=None, **kw):
        page, resources = super().from_notebook_node(nb, resources, **kw)
        return inert_page(page), resources


@dataclass
class FeedbackRun:
    """The pages written; each student whose page can only say why there is no graded
    notebook (``explained``), and each who got no page at all, with the reason."""

    written: list[Path] = field(default_factory=list)
    explained: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def reason_page(lab: str, why: str) -> str:
    """A feedback page for a hand-in with no graded notebook: the reason, in plain words."""
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\" />\n{_HEAD}"
            f"<title>{html.escape(lab)}: no grade</title></head>\n<body>\n"
            f"<h1>{html.escape(lab)}: your hand-in could not be graded</h1>\n"
            f"<p>Score: 0. Why: {html.escape(why)}.</p>\n<p>Hand in the lab's notebook, named as "
            "it was released, with every cell still in it; ask your instructor if this looks "
            "wrong.</p>\n</body></html>\n")


def _graded_students(course: Course, lab: str) -> list[str]:
    with course.open_gradebook() as gb:
        students = {s.student.id for s in gb.find_assignment(lab).submissions}
    return sorted(students | set(load_reasons(course, lab)))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "nbgrader failed"


def feedback_api(course: Course, show_hidden: bool = False) -> NbGraderAPI:
    """nbgrader's API with its feedback made by :class:`FeedbackExporter`, hidden tests removed
    unless ``show_hidden``."""
    api = nbgrader_api(course)
    steps = [GetGrades] + ([] if show_hidden else [HideHiddenTests]) + [CSSHTMLHeaderPreprocessor]
    for config in (api.config, api.coursedir.config):
        config.GenerateFeedback.preprocessors = steps
        config.GenerateFeedback.exporter_class = FeedbackExporter
    return api


def feedback_pages(course: Course, lab: str, show_hidden: bool = False,
                   progress: bool = False) -> FeedbackRun:
    """Write ``<work>/feedback/<student>/<lab>/*.html`` for every graded student, one at a
    time (a progress bar when ``progress``): the graded notebook's page, or one that says why
    there is none; say why any student got no page."""
    require_graded(course, lab)
    api = feedback_api(course, show_hidden)
    reasons = load_reasons(course, lab)
    run = FeedbackRun()
    for student in tqdm(_graded_students(course, lab), desc=f"feedback {lab}", unit="student",
                        disable=not progress):
        folder = course.work / "feedback" / student / lab
        shutil.rmtree(folder, ignore_errors=True)
        if not (course.work / "autograded" / student / lab).is_dir():
            why = reasons.get(student) or "no graded notebook"
            folder.mkdir(parents=True)
            page = folder / f"{lab}.html"
            page.write_text(reason_page(lab, why), encoding="utf-8")
            run.written.append(page)
            run.explained[student] = why
            continue
        result = api.generate_feedback(lab, student_id=student, force=True)
        pages = sorted(folder.glob("*.html"))
        if result.get("success") and pages:
            run.written += pages
        else:
            run.missing[student] = _last_line(result.get("error") or result.get("log") or "")
    return run


def generate_feedback(course: Course, lab: str, show_hidden: bool = False) -> list[Path]:
    """The pages :func:`feedback_pages` writes."""
    return feedback_pages(course, lab, show_hidden).written
