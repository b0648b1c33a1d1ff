"""Tiny Shakespeare, character GRU in the char-rnn style: 2 layers of 256 (0.82M parameters, the
GPT recipe's size), trained as the GPT but at char-rnn's learning rate, for the comparison."""
from ._lm import char_rnn_recipe

recipe = char_rnn_recipe("gru", 256, "0.82M")
