"""Small helpers the course notebooks import: seeding, plotting, gradient checks, and gradients
on any Keras backend (`nnkit.autodiff`)."""

from nnkit.gradcheck import numerical_gradient, relative_error
from nnkit.runmode import fast_mode, pick
from nnkit.seed import seed_everything

__all__ = ["fast_mode", "numerical_gradient", "pick", "relative_error", "seed_everything"]
