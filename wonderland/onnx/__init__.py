"""wl.onnx: export a model's forward pass as an ONNX graph, as torch.onnx.export's tracing
exporter does. The `onnx` package (the `onnx` extra) is imported on first use of export, so
that `import wonderland` does not need it."""
__all__ = ["export"]


def __getattr__(name: str):
    if name == "export":
        try:
            from .exporter import export
        except ModuleNotFoundError as e:
            if e.name != "onnx":
                raise
            raise ModuleNotFoundError("wl.onnx.export needs the onnx package: pip install "
                                      "'wonderland[onnx]' (or pip install onnx)",
                                      name="onnx") from e
        return export
    raise AttributeError(f"module 'wonderland.onnx' has no attribute {name!r}")
