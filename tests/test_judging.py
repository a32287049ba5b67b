"""Probe inside, judge outside: the wire, the judge's verdicts and the rewriting of test cells
(fast: no kernel runs here; tests/test_forgers.py grades hostile kernels end to end)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.course import Course
from autograder.engine import judging
from autograder.engine.judge import JUDGE_FILE, Judge, load
from nnkit import evidence
from nnkit.evidence import MARK, WireError, dumps, loads
from nnkit.grading import expect_close
from tests.conftest import ROOT


def test_the_wire_carries_numbers_arrays_and_names_and_nothing_else():
    value = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "n": np.int64(3), "ok": np.bool_(True),
             "xs": (1, 2.5, "a"), "nan": float("nan"), "f": lambda: 0}
    back = loads(dumps(value))
    assert back["w"].dtype == np.float32 and back["w"].shape == (2, 3)
    assert back["n"] == 3 and back["ok"] is True and back["xs"] == [1, 2.5, "a"]
    assert math.isnan(back["nan"])
    assert back["f"] == {"$t": "function"}  # what cannot travel is named, never pickled
    assert loads(dumps(np.array(["a"])))["$t"].startswith("array of")


@pytest.mark.parametrize("text", [
    "[" * 5000 + "]" * 5000,  # deeper than the reader allows (or Python's recursion)
    json.dumps({"$a": "object", "s": [1], "d": [1]}),  # a foreign dtype
    json.dumps({"$a": "float64", "s": [3], "d": [1, 2]}),  # data that does not fit the shape
    json.dumps({"$a": "float64", "s": [1], "d": ["os.system('x')"]}),
    json.dumps({"$a": "int8", "s": [1], "d": [1000]}),
    json.dumps({"$a": "float64", "s": [-1], "d": []}),
    "not json", "{'a': 1}",
])
def test_the_wire_refuses_what_is_not_evidence(text):
    with pytest.raises(WireError):
        loads(text)


def test_the_wire_refuses_what_is_too_large():
    with pytest.raises(WireError, match="larger"):
        loads(json.dumps(list(range(10))), limit=10)


def _judge() -> Judge:
    judge = Judge()

    @judge.challenge("t")
    def _(rng):
        return {"x": rng.normal(size=4)}

    @judge.check("t")
    def _(c, ev):
        expect_close(ev.array("y", shape=(4,)), 2 * c["x"], "y")

    return judge


def _test_cell(*outputs, grade_id: str = "t") -> dict:
    cell = new_code_cell("probe")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": grade_id,
                                 "points": 2}
    cell.outputs = list(outputs)
    return cell


def _evidence(test: str, **values) -> dict:
    return new_output("stream", name="stdout", text=f"{MARK}{test} {dumps(values)}\n")


def test_a_test_cell_passes_on_right_evidence_alone_and_keeps_what_the_student_printed():
    judge = _judge()
    x = judge.challenges(7)["t"]["x"]
    cell = _test_cell(new_output("stream", name="stdout", text="hello\n"),
                      _evidence("t", y=2 * x),
                      new_output("stream", name="stderr", text="a warning"),
                      new_output("execute_result", data={"text/plain": "'0.5'"}, execution_count=1),
                      new_output("display_data", data={"text/plain": "'anything'"}))
    assert judging.judge_cell(cell, judge, 7) is None
    assert [o.output_type for o in cell.outputs] == ["stream"]  # nbgrader reads no partial credit
    assert cell.outputs[0].text == "hello\n"


def test_wrong_evidence_fails_with_a_reason_that_hides_the_expected_values():
    judge = _judge()
    x = judge.challenges(7)["t"]["x"]
    cell = _test_cell(_evidence("t", y=2 * x + 1), new_output("execute_result",
                      data={"text/plain": "20"}, execution_count=1))
    reason = judging.judge_cell(cell, judge, 7)
    assert reason and "largest difference" in reason
    assert str(round(2 * x[0], 3)) not in reason
    assert [o.output_type for o in cell.outputs] == ["error"]


@pytest.mark.parametrize("outputs, why", [
    ([], "did not report"),
    ([new_output("error", ename="NameError", evalue="name 'f' is not defined", traceback=[])],
     "NameError"),
    ([new_output("error", ename="KeyboardInterrupt", evalue="", traceback=[])],
     "ran past its time limit"),
    ([_evidence("t", y=[1, 2, 3, 4]), _evidence("t", y=[1, 2, 3, 4])], "more than once"),
    ([_evidence("other", y=[1, 2, 3, 4])], "another test"),
    ([new_output("stream", name="stdout", text=f"{MARK}t {'[' * 100000}\n")], "could not be read"),
    ([new_output("stream", name="stdout", text=f"{MARK}t [1, 2]\n")], "not a set of named values"),
    ([_evidence("t", y="four")], "expected numbers"),
    ([_evidence("t", y=[[1.0]] * 4)], "shape"),
    ([_evidence("t", y=[float("nan")] * 4)], "non-finite"),
    ([_evidence("t", z=[1.0] * 4)], "did not report y"),
    ([_evidence("t", y=np.ones(4), **{"$too_big": 1})], "too large"),
])
def test_evidence_that_is_missing_or_malformed_gives_zero_with_a_reason(outputs, why):
    cell = _test_cell(*outputs)
    reason = judging.judge_cell(cell, _judge(), 7)
    assert reason and why in reason
    assert cell.outputs[-1].output_type == "error" and why in cell.outputs[-1].evalue


def test_a_stopped_cell_keeps_the_name_the_grader_reads_its_reason_from():
    cell = _test_cell(new_output("error", ename="KeyboardInterrupt", evalue="", traceback=[]))
    assert "time limit (30 CPU seconds)" in judging.judge_cell(cell, _judge(), 7, 30.0)
    assert cell.outputs[-1].ename == "KeyboardInterrupt"  # warm's needs_look reason reads it
    cell = _test_cell(new_output("error", ename="ValueError", evalue="bad", traceback=[]))
    judging.judge_cell(cell, _judge(), 7)
    assert cell.outputs[-1].ename == judging.FAILED


def test_a_check_that_meets_evidence_it_did_not_expect_gives_a_reason_not_a_crash():
    judge = Judge()
    judge.check("t")(lambda c, ev: ev["y"]["key"] + 1)
    assert "could not be checked" in judge.verdict("t", {}, dumps({"y": [1]}))


def test_the_challenges_depend_on_the_seed_and_the_test_and_leave_the_seed_out():
    judge = _judge()
    a, b = judge.challenges(1)["t"]["x"], judge.challenges(2)["t"]["x"]
    assert not np.allclose(a, b)
    nb = new_notebook(cells=[_test_cell()])
    judging.plant(nb, judge, 123456789)
    assert "123456789" not in nb.cells[0].source and "receive" in nb.cells[0].source
    judging.judge_notebook(nb, judge, 123456789)
    assert len(nb.cells) == 1, "the planted cell is removed again"


def test_received_challenges_replace_the_local_judge(monkeypatch):
    monkeypatch.setattr(evidence, "_received", None)
    evidence.receive(dumps({"t": {"x": [1.0]}}))
    assert evidence.challenge("lab1", "t") == {"x": [1.0]}
    with pytest.raises(AssertionError, match="no challenge"):
        evidence.challenge("lab1", "missing")
    evidence.report("lab1", "t", y=[2.0])  # reports only: the grader judges


def test_without_a_grader_the_judge_runs_in_the_kernel(monkeypatch, capsys):
    monkeypatch.setattr(evidence, "_received", None)
    c = evidence.challenge("lab1", "test_perceptron_xor")
    assert set(c) == {"X", "y", "eta", "seed"}
    with pytest.raises(AssertionError):
        evidence.report("lab1", "test_perceptron_xor", xor={"w": [0, 0], "b": 0, "errors": [1] * 25})
    assert capsys.readouterr().out.startswith(MARK + "test_perceptron_xor ")


def _hidden_blocks(source: str) -> list[str]:
    return [part.split("### END HIDDEN TESTS")[0]
            for part in source.split("### BEGIN HIDDEN TESTS")[1:]]


@pytest.mark.parametrize("lab", Course(ROOT, ROOT / "grading").lab_names())
def test_every_graded_test_of_a_judged_lab_has_a_challenge_a_check_and_a_probe(lab):
    path = ROOT / "solutions" / lab / JUDGE_FILE
    assert path.exists(), f"{lab} has no judge: its hidden tests would run in the kernel"
    judge = load(path.read_text(encoding="utf-8"))
    import nbformat

    nb = nbformat.read(ROOT / "solutions" / lab / f"{lab}.ipynb", as_version=4)
    tests = {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
             if c.metadata.get("nbgrader", {}).get("grade")
             and not c.metadata["nbgrader"].get("solution")}
    assert set(judge.checks) == set(tests), "one check per graded test cell, no other"
    assert set(judge.makers) <= set(tests)
    for test, source in tests.items():
        hidden = "".join(_hidden_blocks(source))
        assert f'nnkit.evidence.report("{lab}", "{test}"' in hidden, f"{test}: no probe"
        assert "nnkit.grading.expect" not in hidden, f"{test}: a check left in the kernel"
        for seed in (0, 1):
            judge.challenges(seed)  # every maker runs on any seed


@pytest.mark.parametrize("level, shown, hidden", [
    ("differences", "y: values differ from the reference (largest difference", ""),
    ("checks", "y", "largest difference"),
    ("verdict", "a hidden test failed", "y"),
])
def test_a_lab_chooses_how_much_a_failing_check_says(level, shown, hidden):
    judge = _judge()
    judge.feedback = level
    x = judge.challenges(3)["t"]["x"]
    reason = judge.verdict("t", judge.challenges(3)["t"], dumps({"y": 2 * x + 1}))
    assert reason.startswith(shown) and (not hidden or hidden not in reason)
    with pytest.raises(ValueError):
        Judge(feedback="everything")


@pytest.mark.slow
def test_plain_nbgrader_judges_in_the_kernel_with_the_same_rulings():
    """The other path: stock nbgrader, no sandbox, the lab's judge loaded in the kernel."""
    from autograder.verify import PATCHED, verify

    outcomes = verify(Course(ROOT, ROOT / "grading"), "lab1", progress=False, plain=True,
                      only={"solution", "release", "mistake01", PATCHED})
    assert len(outcomes) == 4 and all(o.ok for o in outcomes), outcomes
