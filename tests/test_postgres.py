"""Grading into a PostgreSQL gradebook: ``--db`` takes any SQLAlchemy URL, and the coordinator
(the only writer) fills it exactly as it fills the default SQLite file.

The server is a throwaway cluster on a Unix socket in a temporary folder (Debian's
``postgresql``, installed by tools/bootstrap.sh), never the machine's own.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import sqlalchemy

from autograder.cli import main
from autograder.course import Course
from autograder.report import grades_table
from autograder.simulate import solved_notebook
from tests.conftest import ROOT

PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if not PG_BIN or importlib.util.find_spec("psycopg") is None:
        pytest.skip("needs a PostgreSQL server and psycopg (tools/bootstrap.sh installs both)")
    bin_dir = PG_BIN[-1]
    root = Path(tempfile.mkdtemp(prefix="nn-postgres-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    owner = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        owner = ["runuser", "-u", "postgres", "--"]
        root.chmod(0o755)
        for path in (root, sock):
            shutil.chown(path, "postgres")

    def run(*command: object) -> None:
        subprocess.run([*owner, *map(str, command)], check=True, capture_output=True, timeout=120)

    run(bin_dir / "initdb", "-D", data, "-A", "trust", "-U", "grader")
    run(bin_dir / "pg_ctl", "-D", data, "-l", root / "server.log", "-w", "-o",
        f"-k {sock} -c listen_addresses=''", "start")
    try:
        run(bin_dir / "createdb", "-h", sock, "-U", "grader", "gradebook")
        yield f"postgresql+psycopg://grader@/gradebook?host={sock}"
    finally:
        run(bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_grade_and_report_with_a_postgresql_gradebook(tmp_path: Path, postgres_url: str):
    source = ROOT / "solutions" / "lab1" / "lab1.ipynb"
    released = ROOT / "labs" / "lab1" / "lab1.ipynb"
    folder = tmp_path / "subs"
    for student, nb in (("solved", solved_notebook(source, released)),
                        ("blank", nbformat.read(released, as_version=4))):
        (folder / student).mkdir(parents=True)
        nbformat.write(nb, folder / student / "lab1.ipynb")
    work = tmp_path / "work"
    common = ["--work", str(work), "--db", postgres_url]
    assert main([*common, "grade", "lab1", str(folder), "--jobs", "1"]) == 0
    assert main([*common, "report", "lab1"]) == 0

    table = grades_table(Course(ROOT, work, db=postgres_url), "lab1").set_index("student_id")
    assert table.loc["solved", "score"] == 20
    assert table.loc["blank", "score"] == 0
    assert not (work / "gradebook.db").exists(), "nothing may go to the default SQLite file"
    engine = sqlalchemy.create_engine(postgres_url)
    with engine.connect() as db:
        students = db.execute(sqlalchemy.text("select id from student order by id")).scalars()
        assert list(students) == ["blank", "solved"]
    engine.dispose()
