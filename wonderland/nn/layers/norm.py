"""BatchNorm1d/2d, LayerNorm, GroupNorm, RMSNorm, InstanceNorm2d."""
__all__: list[str] = []
