"""Small helpers the course notebooks import: seeding, plotting and gradient checks."""

from nnkit.gradcheck import numerical_gradient, relative_error
from nnkit.seed import seed_everything

__all__ = ["numerical_gradient", "relative_error", "seed_everything"]
