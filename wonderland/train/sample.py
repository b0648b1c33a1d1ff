"""Text from a trained language model: a finished run's model (any whose forward gives
next-character logits and that has a generate()), prompted with text its training data's
vocabulary encodes. `wonderland sample RUN_DIR` comes through here."""
from __future__ import annotations

import os

from ..core.grad_mode import no_grad
from ..core.random import Generator
from ..core.tensor import Tensor
from .run import _load


def sample_text(run_dir: str | os.PathLike, prompt: str = "\n", tokens: int = 500,
                temperature: float = 0.8, top_k: int | None = 200, top_p: float | None = None,
                seed: int = 0, weights: str = "model", recipe: str | None = None) -> str:
    """The prompt followed by `tokens` generated characters (nanoGPT's sampling defaults:
    temperature 0.8, top-k 200), drawn from a generator seeded with `seed`."""
    chosen, _, model, (train, _, _) = _load(run_dir, weights, recipe)
    vocab = getattr(train, "vocab", None)
    if vocab is None or not callable(getattr(model, "generate", None)):
        raise ValueError(f"{run_dir} was trained by recipe '{chosen.name}', which is no "
                         f"language model (its data has no vocabulary, or its model no "
                         f"generate())")
    if not prompt:
        raise ValueError("the prompt must hold at least one character")
    model.eval()
    ids = Tensor(vocab.encode(prompt)[None, :])
    with no_grad():
        out = model.generate(ids, tokens, temperature=temperature, top_k=top_k, top_p=top_p,
                             generator=Generator(seed))
    return vocab.decode(out[0])
