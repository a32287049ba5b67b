"""Instructor tooling for the course: release labs, grade submissions, report grades.

Importing it keeps jsonschema from loading ``rfc3987_syntax`` in this process: nbformat imports
jsonschema, whose format checkers import that module eagerly, and it builds dozens of Lark
parsers at import (1.6 s on the project's machine, paid by every grading worker; jsonschema
issue #1428) for the ``iri`` formats, which no notebook schema uses.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)
