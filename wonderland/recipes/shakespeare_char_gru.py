"""Tiny Shakespeare, character GRU in the char-rnn style: 2 layers of 256 (0.82M parameters, the
GPT recipe's size), trained exactly as the GPT (2000 steps of 12 windows of 64) but at char-rnn's
learning rate 2e-3, for the comparison in docs/results.md."""
from ..models import CharRNN
from ._lm import SHAKESPEARE_CONFIG, lm_recipe

recipe = lm_recipe(
    name="shakespeare_char_gru",
    description="tiny Shakespeare, character GRU 2 x 256 (0.82M parameters), AdamW 2e-3 with "
                "warmup and cosine decay, 2000 steps of 12",
    config={**SHAKESPEARE_CONFIG, "vocab_size": 65, "hidden": 256, "layers": 2, "dropout": 0.0,
            "lr": 2e-3, "min_lr": 2e-4},
    model=lambda cfg: CharRNN(cfg["vocab_size"], cfg["hidden"], cfg["layers"], cell="gru",
                              dropout=cfg["dropout"]),
)
