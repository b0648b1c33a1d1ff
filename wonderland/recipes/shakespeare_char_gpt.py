"""Tiny Shakespeare, character GPT: nanoGPT's CPU configuration (4 layers, 4 heads, 128 wide,
context 64, no bias, no dropout; 0.80M parameters), AdamW with warmup and cosine decay, 2000
steps of 12; nanoGPT reports validation loss 1.88."""
from ..models import GPT, GPTConfig
from ._lm import NANOGPT_SOURCE, SHAKESPEARE_CONFIG, lm_recipe


def _model(cfg: dict) -> GPT:
    return GPT(GPTConfig(vocab_size=cfg["vocab_size"], block_size=cfg["block_size"],
                         n_layer=cfg["n_layer"], n_head=cfg["n_head"], n_embd=cfg["n_embd"],
                         dropout=cfg["dropout"], bias=cfg["bias"]))


def _space(trial) -> dict:
    return {"lr": trial.suggest_float("lr", 3e-4, 3e-3, log=True),
            "dropout": trial.suggest_float("dropout", 0.0, 0.2)}


recipe = lm_recipe(
    name="shakespeare_char_gpt",
    description="tiny Shakespeare, character GPT 4 layers x 4 heads x 128 (0.80M parameters), "
                "AdamW 1e-3 with warmup and cosine decay, 2000 steps of 12",
    config={**SHAKESPEARE_CONFIG, "vocab_size": 65, "n_layer": 4, "n_head": 4, "n_embd": 128,
            "dropout": 0.0, "bias": False},
    model=_model,
    published={"val_loss": 1.88, "source": NANOGPT_SOURCE},
    search_space=_space,
)
