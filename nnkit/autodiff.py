"""Gradients on whichever Keras backend runs: TensorFlow, JAX or PyTorch, in one place.

Keras code written with ``keras.ops`` runs unchanged on every backend, but *taking a gradient*
is not part of Keras's backend-neutral API: each framework does it its own way. TensorFlow
records the operations on a ``tf.GradientTape``; JAX transforms a pure function with
``jax.grad``; PyTorch marks tensors with ``requires_grad`` and calls ``loss.backward()``.
This module holds the three ways side by side, and two functions that pick the one of the
backend in use (``KERAS_BACKEND``):

* :func:`value_and_grad` for a function of a few tensors (lectures 5 and 7);
* :func:`train_step` for one gradient step of a Keras model, the loop ``fit`` runs (lecture 10).

:func:`show_source` shows a notebook reader the code of these functions.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

Tensor = Any  # a tf.Tensor, a jax.Array or a torch.Tensor, depending on the backend
Params = Mapping[str, Any]


def backend() -> str:
    """The Keras backend in use: ``"tensorflow"``, ``"jax"`` or ``"torch"``."""
    import keras

    return keras.backend.backend()


@contextlib.contextmanager
def float64() -> Iterator[None]:
    """Let the backend compute in float64 inside the ``with`` block.

    TensorFlow and PyTorch keep a float64 array in float64; JAX truncates it to float32 (with a
    warning) unless 64-bit types are switched on, which this does for the block only.
    """
    if backend() == "jax":
        import jax

        with jax.enable_x64(True):
            yield
    else:
        yield


# --- the gradient of a function of tensors, three ways -------------------------------------


def value_and_grad_tensorflow(loss_fn: Callable[[dict], Tensor], params: Params):
    """TensorFlow: the tape records the operations on the variables, then runs them backwards."""
    import tensorflow as tf

    variables = {name: tf.Variable(value) for name, value in params.items()}
    with tf.GradientTape() as tape:
        loss = loss_fn(variables)
    return loss, tape.gradient(loss, variables)


def value_and_grad_jax(loss_fn: Callable[[dict], Tensor], params: Params):
    """JAX: ``jax.value_and_grad`` turns a function into one that also returns its gradient."""
    import jax
    import jax.numpy as jnp

    arrays = {name: jnp.asarray(value) for name, value in params.items()}
    return jax.value_and_grad(loss_fn)(arrays)


def value_and_grad_torch(loss_fn: Callable[[dict], Tensor], params: Params):
    """PyTorch: tensors that require a gradient record the operations on them; ``backward``
    runs the record backwards and leaves each gradient in the tensor's ``.grad``."""
    import keras

    tensors = {name: keras.ops.convert_to_tensor(value) for name, value in params.items()}  # on Keras's device
    for tensor in tensors.values():
        tensor.requires_grad_(True)
    loss = loss_fn(tensors)
    loss.backward()
    return loss, {name: tensor.grad for name, tensor in tensors.items()}


VALUE_AND_GRAD = {"tensorflow": value_and_grad_tensorflow, "jax": value_and_grad_jax,
                  "torch": value_and_grad_torch}


def value_and_grad(loss_fn: Callable[[Any], Tensor], params: Any) -> tuple[float, Any]:
    """``loss_fn(params)`` and its gradient with respect to ``params``, as numpy.

    ``params`` is a numpy array (or a number) or a dict of them; ``loss_fn`` receives the same
    structure as backend tensors and returns a scalar tensor, computed with ``keras.ops`` (or
    the tensors' operators). float64 arrays stay float64 on every backend (see :func:`float64`),
    as far as the Keras operations used keep them. Returns ``(value, gradient)``, the gradient
    shaped like ``params``.
    """
    import keras

    single = not isinstance(params, Mapping)
    named = {"": params} if single else params
    named = {name: np.asarray(value) for name, value in named.items()}
    function = (lambda p: loss_fn(p[""])) if single else loss_fn
    with float64():
        loss, grads = VALUE_AND_GRAD[backend()](function, named)
        grads = {name: np.zeros_like(named[name]) if grads[name] is None
                 else keras.ops.convert_to_numpy(grads[name]) for name in named}
        value = float(keras.ops.convert_to_numpy(loss))
    return value, grads[""] if single else grads


# --- one training step of a Keras model, three ways ----------------------------------------


def train_step_tensorflow(model, loss_fn, optimizer, x, y) -> Tensor:
    """TensorFlow: record the forward pass on a tape, take the gradients, let the optimiser step."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def train_step_jax(model, loss_fn, optimizer, x, y) -> Tensor:
    """JAX: differentiate a pure function of the weights (``model.stateless_call``), then step.

    JAX cannot watch variables change; ``stateless_call`` runs the model on weight values passed
    in and returns the new values of its non-trainable variables (batch-norm statistics, seeds).
    """
    import jax

    def loss_of(trainable, non_trainable):
        y_pred, non_trainable = model.stateless_call(trainable, non_trainable, x, training=True)
        return loss_fn(y, y_pred), non_trainable

    (loss, non_trainable), grads = jax.value_and_grad(loss_of, has_aux=True)(
        [v.value for v in model.trainable_variables], [v.value for v in model.non_trainable_variables])
    for variable, value in zip(model.non_trainable_variables, non_trainable):
        variable.assign(value)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def train_step_torch(model, loss_fn, optimizer, x, y) -> Tensor:
    """PyTorch: run the forward pass, ``backward()`` fills each weight's ``.grad``, then step."""
    import torch

    model.zero_grad()   # .grad adds up over backward calls: start from zero
    loss = loss_fn(y, model(x, training=True))
    loss.backward()
    grads = [v.value.grad for v in model.trainable_variables]
    with torch.no_grad():
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


TRAIN_STEP = {"tensorflow": train_step_tensorflow, "jax": train_step_jax, "torch": train_step_torch}


def train_step(model, loss_fn: Callable[[Any, Any], Tensor], optimizer, x: np.ndarray,
               y: np.ndarray) -> float:
    """One gradient step of a Keras ``model`` on the batch ``(x, y)``; returns the batch's loss.

    ``loss_fn(y_true, y_pred)`` is a Keras loss; ``optimizer`` a ``keras.optimizers`` optimiser.
    """
    import keras

    loss = TRAIN_STEP[backend()](model, loss_fn, optimizer, x, y)
    return float(keras.ops.convert_to_numpy(loss))


# --- showing the code in a notebook --------------------------------------------------------


def show_source(*functions: Callable) -> None:
    """Display the source code of ``functions`` in a notebook (printed outside one)."""
    code = "\n\n\n".join(inspect.getsource(function).rstrip() for function in functions)
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:  # plain Python without IPython
        print(code)
        return
    if get_ipython() is None:
        print(code)
    else:
        display(Markdown(f"```python\n{code}\n```"))
