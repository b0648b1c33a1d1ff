"""Losses: cross_entropy, nll_loss, mse_loss, l1_loss, huber, binary cross-entropy, kl_div ..."""
__all__: list[str] = []
