"""Normalisations: batch_norm, layer_norm, group_norm, rms_norm, instance_norm."""
__all__: list[str] = []
