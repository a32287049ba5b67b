"""The similarity report as one HTML page: the class's histogram of pairwise similarity, the
clusters, and the top pairs side by side with their shared passages highlighted.

Every student-controlled text (ids, names, code, reasons) goes through :func:`html.escape`, and
the page's Content-Security-Policy forbids every script and remote load: the code on it is
hostile by assumption. The histogram is a PNG inside the page (a ``data:`` URI).
"""

from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path

import numpy as np

from autograder.course import Course
from autograder.similarity import SHOWN, Pair, Result, report_path, shared_slices

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'none'"
STYLE = """body{font-family:sans-serif;margin:1.5em;max-width:110em}
table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.2em .5em;text-align:left}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1em;margin-bottom:2.5em}
pre{background:#f6f6f6;padding:.5em;overflow-x:auto;font-size:85%;margin:.2em 0 .8em}
mark{background:#ffd54f}.flag{color:#b00020;font-weight:bold}h4{margin:.3em 0}"""


def histogram_uri(result: Result) -> str:
    """The histogram of the class's pairwise similarity, with the threshold, as a data URI."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = [100 * p.similarity for p in result.pairs if not result.prints[p.b].answer.source]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.hist(values, bins=np.linspace(0, 100, 51), color="tab:blue", edgecolor="black")
    ax.axvline(100 * result.threshold, color="tab:red", linestyle="--",
               label=f"threshold {100 * result.threshold:.0f} %")
    ax.set_yscale("log")
    ax.set_xlabel("similarity of a pair (% of the answer code of the more similar of the two)")
    ax.set_ylabel("pairs")
    ax.legend()
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=90, metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def highlighted(code: str, slices: np.ndarray | None) -> str:
    """``code`` escaped, each ``(start, end)`` slice of it in ``<mark>``."""
    if slices is None or not slices.size:
        return escape(code)
    out, at = [], 0
    for start, end in zip(*slices):
        start, end = max(int(start), at), min(int(end), len(code))
        if end <= start:
            continue
        out += [escape(code[at:start]), "<mark>", escape(code[start:end]), "</mark>"]
        at = end
    return "".join(out + [escape(code[at:])])


def _side(result: Result, mine: int, other: int, share: float) -> str:
    fp = result.prints[mine]
    slices = shared_slices(fp, result.prints[other])
    cells = "".join(f"<h4>{escape(gid)}</h4><pre>{highlighted(code, slices.get(i))}</pre>"
                    for i, (gid, code) in enumerate(fp.answer.cells) if code.strip())
    return (f"<div><h3>{escape(result.label(mine))}: {share:.0%} of its answer code shared</h3>"
            f"{cells or '<p>(no answer code)</p>'}</div>")


def _pair(result: Result, n: int, p: Pair) -> str:
    flag = " <span class='flag'>above the threshold</span>" if p.similarity >= result.threshold \
        else ""
    return (f"<h2 id='pair{n}'>{n}. {escape(result.label(p.a))} and {escape(result.label(p.b))}"
            f": {p.similarity:.0%}{flag}</h2><div class='pair'>"
            f"{_side(result, p.a, p.b, p.share_a)}{_side(result, p.b, p.a, p.share_b)}</div>")


def page(result: Result) -> str:
    """The whole HTML page of ``result``."""
    shown = [p for p in result.pairs if p.similarity > 0][:SHOWN]
    students = sum(not p.answer.source for p in result.prints)
    earlier = len(result.prints) - students
    table = "".join(
        f"<tr><td><a href='#pair{n}'>{n}</a></td><td>{escape(result.label(p.a))}</td>"
        f"<td>{escape(result.label(p.b))}</td><td>{p.share_a:.0%}</td><td>{p.share_b:.0%}</td>"
        f"<td>{'yes' if p.similarity >= result.threshold else ''}</td></tr>"
        for n, p in enumerate(shown, 1))
    groups = "".join(
        f"<li>{len(g)} students: likely source <b>{escape(result.label(g[0]))}</b>; "
        f"{', '.join(escape(result.label(i)) for i in g[1:])}</li>" for g in result.clusters)
    skipped = "".join(f"<li>{escape(who)}: {escape(why)}</li>"
                      for who, why in sorted(result.skipped.items()))
    lab = escape(result.lab)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{lab}: code similarity</title><style>{STYLE}</style></head><body>
<h1>{lab}: code similarity</h1>
<p>{students} students compared{f", and against {earlier} earlier submissions" if earlier else ""},
on the code of their answer cells only (the release's own code removed); names, layout, comments
and strings do not count. A pair's shares are the part of each one's answer code found in the
other's. Flagged: {len(result.flagged())} pair(s) at or above {result.threshold:.0%}
({escape(result.how)}). Everything below shows students' own code and names: read it, never
run it.</p>
<img alt="histogram of pairwise similarity" src="{histogram_uri(result)}">
<h2>Groups of three or more</h2>{f"<ul>{groups}</ul>" if groups else "<p>none</p>"}
<h2>Top pairs</h2><table><tr><th>#</th><th>student</th><th>other</th><th>share of student's
</th><th>share of other's</th><th>flagged</th></tr>{table}</table>
{"".join(_pair(result, n, p) for n, p in enumerate(shown, 1))}
<h2>Not compared</h2>{f"<ul>{skipped}</ul>" if skipped else "<p>none</p>"}
</body></html>
"""


def write_page(result: Result, course: Course) -> Path:
    """Write :func:`page` to ``<work>/reports/<lab>_similarity.html``; return its path."""
    path = report_path(course, result.lab, ".html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page(result), encoding="utf-8")
    return path
