"""Tiny Shakespeare, character LSTM in the char-rnn style: 2 layers of 224 (0.83M parameters,
the GPT recipe's size), trained as the GRU recipe, for the comparison in docs/results.md."""
from ..models import CharRNN
from ._lm import SHAKESPEARE_CONFIG, lm_recipe

recipe = lm_recipe(
    name="shakespeare_char_lstm",
    description="tiny Shakespeare, character LSTM 2 x 224 (0.83M parameters), AdamW 2e-3 with "
                "warmup and cosine decay, 2000 steps of 12",
    config={**SHAKESPEARE_CONFIG, "vocab_size": 65, "hidden": 224, "layers": 2, "dropout": 0.0,
            "lr": 2e-3, "min_lr": 2e-4},
    model=lambda cfg: CharRNN(cfg["vocab_size"], cfg["hidden"], cfg["layers"], cell="lstm",
                              dropout=cfg["dropout"]),
)
