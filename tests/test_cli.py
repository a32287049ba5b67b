"""The command line: help everywhere, meaningful exit codes, clear messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from autograder.cli import main
from tests.conftest import ROOT

COMMANDS = ["check", "release", "collect", "grade", "feedback", "report", "verify", "demo",
            "validate"]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str):
    result = run(command, "--help")
    assert result.returncode == 0
    assert "usage: autograder" in result.stdout


@pytest.mark.parametrize("command", ["release", "report", "verify", "feedback"])
def test_unknown_lab_exits_2_with_the_known_labs(command: str, tmp_path: Path, capsys):
    assert main(["--work", str(tmp_path), command, "no_such_lab"]) == 2
    err = capsys.readouterr().err
    assert "no lab called 'no_such_lab'" in err and "lab1" in err


def test_grade_of_a_missing_folder_exits_2(tmp_path: Path, capsys):
    assert main(["--work", str(tmp_path), "grade", "lab1", str(tmp_path / "nowhere")]) == 2
    assert "no folder of submissions" in capsys.readouterr().err


def test_grade_of_a_zip_or_an_empty_folder_exits_2_with_what_to_do(tmp_path: Path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["--work", str(tmp_path), "grade", "lab1", str(tmp_path / "empty")]) == 2
    assert "is empty" in capsys.readouterr().err
    (tmp_path / "class.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    assert main(["--work", str(tmp_path), "grade", "lab1", str(tmp_path / "class.zip")]) == 2
    assert "autograder collect lab1" in capsys.readouterr().err


def test_check_passes_on_the_repository():
    result = run("check")
    assert result.returncode == 0, result.stdout


@pytest.mark.slow
def test_grade_writes_the_gradebook_at_the_url_given(tmp_path: Path, capsys):
    (tmp_path / "subs" / "fay").mkdir(parents=True)
    (tmp_path / "subs" / "fay" / "lab1.ipynb").write_text("{ not json")
    db = tmp_path / "elsewhere" / "book.db"
    db.parent.mkdir()
    work = tmp_path / "work"
    assert main(["--work", str(work), "--db", f"sqlite:///{db}", "grade", "lab1",
                 str(tmp_path / "subs")]) == 0
    assert db.is_file() and not (work / "gradebook.db").exists()
    assert main(["--work", str(work), "--db", f"sqlite:///{db}", "report", "lab1"]) == 0
    assert "not a valid notebook" in capsys.readouterr().out


@pytest.mark.parametrize("jobs", ["-1", "0", "two", "1.5"])
def test_jobs_must_be_a_positive_whole_number(tmp_path: Path, capsys, jobs: str):
    with pytest.raises(SystemExit) as stop:
        main(["--work", str(tmp_path), "grade", "lab1", str(tmp_path), "--jobs", jobs])
    assert stop.value.code == 2
    assert f"argument --jobs: {jobs!r} is not a positive whole number" in capsys.readouterr().err


def test_an_unexpected_error_is_one_line_unless_debug(tmp_path: Path, capsys, monkeypatch):
    def broken(course, args):
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr("autograder.cli.cmd_check", broken)
    assert main(["check"]) == 1
    assert capsys.readouterr().err == ("autograder: RuntimeError: the disk caught fire (run with "
                                       "--debug for the traceback)\n")
    with pytest.raises(RuntimeError, match="caught fire"):
        main(["--debug", "check"])
