"""A synthetic class for the similarity report: independent answers (the lab's references and
its solution with a catalogued mistake) and copies of one student disguised as a student
would (renamed identifiers, reformatting, reordered functions and methods, added comments and
prints, a ``for`` loop turned into a ``while`` loop). Used by ``tests/test_similarity.py`` and
``benchmarks/similarity_speed.py``."""

from __future__ import annotations

import ast
import builtins
import random
from pathlib import Path

import nbformat

from autograder.simulate import (
    filled_notebook,
    load_mistakes,
    load_references,
    solution_cells,
)

#: Each disguise, by name; ``all`` applies every one.
DISGUISES = ("rename", "reformat", "reorder", "comments", "while", "all")
_WORDS = ("val", "tmp", "res", "arr", "out", "mat", "vec", "acc", "itm", "buf", "cur", "nxt")


class _Rename(ast.NodeTransformer):
    """Renames the names a cell binds (variables, arguments), never functions, attributes or
    what the cell only uses."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.names.get(node.id, node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self.names.get(node.arg, node.arg)
        return node


def _bound(tree: ast.AST) -> list[str]:
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    names |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    return sorted(names - defined - set(dir(builtins)) - {"self"})


def _while(tree: ast.AST) -> None:
    """Turn the first ``for x in range(...)`` (else ``for x in seq``) into a ``while`` loop."""
    for parent in ast.walk(tree):
        for fieldname in ("body", "orelse"):
            body = getattr(parent, fieldname, None)
            if not isinstance(body, list):
                continue
            for i, node in enumerate(body):
                if isinstance(node, ast.For) and isinstance(node.target, ast.Name) \
                        and not node.orelse:
                    body[i:i + 1] = _as_while(node)
                    return


def _as_while(loop: ast.For) -> list[ast.stmt]:
    var = loop.target.id
    it = loop.iter
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" \
            and len(it.args) <= 2 and not it.keywords:
        start = ast.unparse(it.args[0]) if len(it.args) == 2 else "0"
        stop = ast.unparse(it.args[-1])
        head = ast.parse(f"{var} = {start}\nwhile {var} < {stop}:\n    pass").body
        step = ast.parse(f"{var} += 1").body
        head[1].body = loop.body + step
        return head
    seq = ast.unparse(it)
    head = ast.parse(f"_seq = list({seq})\n_k = 0\nwhile _k < len(_seq):\n"
                     f"    {var} = _seq[_k]\n    _k += 1").body
    head[2].body = head[2].body + loop.body
    return head


def _reorder(tree: ast.Module) -> None:
    """Reverse the order of the functions of the cell and of the methods of each class."""
    for holder in [tree] + [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
        slots = [i for i, n in enumerate(holder.body) if isinstance(n, ast.FunctionDef)]
        defs = [holder.body[i] for i in slots]
        for i, node in zip(slots, reversed(defs)):
            holder.body[i] = node


def _prints(tree: ast.AST, rng: random.Random) -> None:
    """A debugging print after the first statement of every function."""
    for fn in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
        at = 1 if len(fn.body) > 1 else 0
        word = rng.choice(_WORDS)
        fn.body.insert(at, ast.parse(f"print('debug {fn.name} {word}')").body[0])


def _comment(code: str, rng: random.Random) -> str:
    lines = code.splitlines()
    out = []
    for line in lines:
        if line.strip() and rng.random() < 0.3:
            indent = line[:len(line) - len(line.lstrip())]
            out.append(f"{indent}# {rng.choice(_WORDS)}: {rng.choice(('why', 'step', 'ok', 'see'))}")
        out.append(line)
    return "\n".join(out)


def disguise(code: str, how: str, seed: int = 0) -> str:
    """``code`` (one answer cell) disguised as ``how`` says (one of :data:`DISGUISES`)."""
    rng = random.Random(f"{seed}:{how}")
    if not code.strip():
        return code
    tree = ast.parse(code)
    every = how == "all"
    if every or how == "rename":
        names = _bound(tree)
        _Rename({n: f"{rng.choice(_WORDS)}_{i}" for i, n in enumerate(names)}).visit(tree)
    if every or how == "reorder":
        _reorder(tree)
    if every or how == "while":
        _while(tree)
    if every or how == "comments":
        _prints(tree, rng)
    if how == "rename":  # a renamer keeps the layout: only the names change
        return _keep_layout(code, tree)
    text = ast.unparse(ast.fix_missing_locations(tree))
    if every or how == "reformat":
        text = text.replace(", ", " ,  ").replace(" = ", "=").replace("(", "( ")
    if every or how == "comments":
        text = _comment(text, rng)
    return text


def _keep_layout(code: str, tree: ast.AST) -> str:
    """``code`` with each name replaced as in ``tree`` (same lines, same comments)."""
    import io
    import tokenize

    renamed = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name)] + \
              [n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)]
    original = ast.parse(code)
    before = [n.id for n in ast.walk(original) if isinstance(n, ast.Name)] + \
             [n.arg for n in ast.walk(original) if isinstance(n, ast.arg)]
    names = {b: a for b, a in zip(before, renamed) if a != b}
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.NAME and tok.string in names:
            tok = tok._replace(string=names[tok.string])
        out.append(tok)
    return tokenize.untokenize(out)


def disguised(cells: dict[str, str], how: str, seed: int = 0) -> dict[str, str]:
    """Every answer cell of ``cells`` disguised as ``how`` says."""
    return {gid: disguise(code, how, seed) for gid, code in cells.items()}


def independent(root: Path, lab: str) -> dict[str, dict[str, str]]:
    """The lab's independently written answers: each reference, and the solution with its
    first catalogued mistake (a student who got one thing wrong)."""
    found = {ref.name: dict(ref.cells) for ref in load_references(root / "solutions" / lab)}
    mistakes = load_mistakes(root / "solutions" / lab)
    source = sorted((root / "solutions" / lab).glob("*.ipynb"))[0]
    cells = solution_cells(source)
    if mistakes:
        m = mistakes[0]
        cells[m.cell] = cells[m.cell].replace(m.find, m.replace)
    found["solution"] = cells
    return found


def write_notebook(folder: Path, student: str, notebook: nbformat.NotebookNode, name: str) -> Path:
    """Write ``notebook`` as ``folder/<student>/<name>``."""
    path = folder / student / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def write_class(root: Path, lab: str, folder: Path, copied: str = "loops",
                disguises: tuple[str, ...] = DISGUISES) -> dict[str, str]:
    """Write a class into ``folder``: the independent answers, one untouched release
    (``release``), and ``copy_<how>`` for each disguise of the answers of ``copied``.
    Returns who each student copied (``copy_*`` only)."""
    released = root / "labs" / lab / f"{lab}.ipynb"
    answers = independent(root, lab)
    for student, cells in answers.items():
        write_notebook(folder, student, filled_notebook(released, cells), released.name)
    write_notebook(folder, "release", nbformat.read(released, as_version=4), released.name)
    copies = {}
    for n, how in enumerate(disguises):
        student = f"copy_{how}"
        write_notebook(folder, student, filled_notebook(released, disguised(answers[copied], how, n)),
                       released.name)
        copies[student] = copied
    return copies


def big_class(root: Path, lab: str, folder: Path, size: int, seed: int = 0) -> int:
    """Write ``size`` students into ``folder``: the references and the solution with each
    catalogued mistake, each disguised at random, and one in ten a disguised copy of a
    classmate. Returns how many notebooks it wrote."""
    rng = random.Random(seed)
    released = root / "labs" / lab / f"{lab}.ipynb"
    source = sorted((root / "solutions" / lab).glob("*.ipynb"))[0]
    bases = [dict(ref.cells) for ref in load_references(root / "solutions" / lab)]
    for m in load_mistakes(root / "solutions" / lab):
        cells = solution_cells(source)
        if cells.get(m.cell, "").count(m.find) == 1:
            cells[m.cell] = cells[m.cell].replace(m.find, m.replace)
            bases.append(cells)
    written: list[dict[str, str]] = []
    for i in range(size):
        if written and rng.random() < 0.1:
            cells = disguised(rng.choice(written), rng.choice(DISGUISES), i)
        else:
            cells = disguised(rng.choice(bases), rng.choice(DISGUISES[:-1]), i)
        written.append(cells)
        write_notebook(folder, f"s{i:04d}", filled_notebook(released, cells), released.name)
    return size
