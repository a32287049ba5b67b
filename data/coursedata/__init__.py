"""Every dataset the course uses, offline and reproducible.

``coursedata.load(name, **kwargs)`` dispatches by name; each module documents the
shapes and dtypes it returns.
"""

from coursedata.registry import DATASETS, load

__all__ = ["DATASETS", "load"]
