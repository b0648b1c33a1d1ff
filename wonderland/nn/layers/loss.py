"""Loss modules: CrossEntropyLoss, MSELoss, BCEWithLogitsLoss ..."""
__all__: list[str] = []
