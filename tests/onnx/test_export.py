"""wl.onnx.export: models built from the covered layers, exported, checked by onnx.checker and
run by onnxruntime, give wonderland's own outputs (float32), also at a batch size other than
the example's when the batch axis is dynamic."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest

import wonderland as wl
from wonderland import nn
from wonderland.autodiff.pytree import tree_flatten
from wonderland.models.cnn import ConvNet1d, ConvNet2d

RTOL, ATOL = 1e-5, 1e-6


def export_and_run(tmp_path, model, example, runs, dynamic=True, **kw):
    """Export model at the example inputs, then compare onnxruntime with wonderland on each
    tuple of inputs in runs; the exported proto."""
    names = [f"x{i}" for i in range(len(example))]
    path = tmp_path / "model.onnx"
    axes = {n: {0: "batch"} for n in names} if dynamic else None
    wl.onnx.export(model, example, str(path), input_names=names, dynamic_axes=axes, **kw)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    model.eval()
    for inputs in runs:
        got = session.run(None, {n: x.numpy() for n, x in zip(names, inputs)})
        with wl.no_grad():
            want = model(*inputs)
        want = tree_flatten(want)[0]  # (output, (h, c)): the graph's outputs in order
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.dtype == w.numpy().dtype
            np.testing.assert_allclose(g, w.numpy(), rtol=RTOL, atol=ATOL)
    return proto


def test_mlp_with_a_dynamic_batch(tmp_path):
    wl.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.Sigmoid(),
                          nn.Linear(16, 3), nn.Tanh())
    proto = export_and_run(tmp_path, model, (wl.randn(2, 6),),
                           [(wl.randn(2, 6),), (wl.randn(7, 6),)])
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    # the parameters travel as initializers under their names
    assert {"0.weight", "0.bias", "4.bias"} <= {t.name for t in proto.graph.initializer}


def test_mnist1d_cnn(tmp_path):
    wl.manual_seed(0)
    model = ConvNet1d()
    export_and_run(tmp_path, model, (wl.randn(3, 40),), [(wl.randn(3, 40),), (wl.randn(8, 40),)])


def test_2d_cnn_with_max_pooling_and_dropout_in_training_mode(tmp_path):
    wl.manual_seed(0)
    model = ConvNet2d(image_size=12, channels=(4, 6), hidden=8)
    model.train()  # exported in eval mode (dropout off), the mode restored after
    export_and_run(tmp_path, model, (wl.randn(2, 1, 12, 12),), [(wl.randn(5, 1, 12, 12),)])
    model.train()
    wl.onnx.export(model, wl.randn(2, 1, 12, 12), str(tmp_path / "again.onnx"))
    assert model.training


class Block(nn.Module):
    """A pre-norm Transformer block: LayerNorm, self-attention, LayerNorm, GELU MLP."""

    def __init__(self, dim=8, heads=2, approximate="none"):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(approximate=approximate),
                                 nn.Linear(4 * dim, dim))

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_transformer_block(tmp_path, approximate):
    wl.manual_seed(0)
    model = Block(approximate=approximate)
    export_and_run(tmp_path, model, (wl.randn(2, 5, 8),),
                   [(wl.randn(2, 5, 8),), (wl.randn(4, 5, 8),)])


def test_transformer_block_at_opset_18(tmp_path):
    # from opset 18 the reductions take their axes as an input, not an attribute
    wl.manual_seed(0)
    proto = export_and_run(tmp_path, Block(), (wl.randn(2, 5, 8),), [(wl.randn(3, 5, 8),)],
                           opset_version=18)
    assert proto.opset_import[0].version == 18


class Tagger(nn.Module):
    """Embedding, GRU, Linear on every step, log-softmax: a small sequence tagger."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(11, 6)
        self.gru = nn.GRU(6, 5, batch_first=True)
        self.head = nn.Linear(5, 4)

    def forward(self, tokens):
        out, _ = self.gru(self.embed(tokens))
        return nn.functional.log_softmax(self.head(out), dim=-1)


def test_embedding_gru_tagger(tmp_path):
    # the zero initial state is made at the example's batch size: its products with the
    # weights repeat one row, cut to one so that the batch stays dynamic
    wl.manual_seed(0)
    export_and_run(tmp_path, Tagger(), (wl.randint(0, 11, (2, 7)),),
                   [(wl.randint(0, 11, (2, 7)),), (wl.randint(0, 11, (5, 7)),)])


def test_lstm_with_all_its_outputs(tmp_path):
    wl.manual_seed(0)
    model = nn.LSTM(4, 5, num_layers=2, batch_first=True)
    export_and_run(tmp_path, model, (wl.randn(2, 6, 4),), [(wl.randn(3, 6, 4),)])


def test_several_inputs_and_outputs(tmp_path):
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, a, b):
            h = self.fc(a) * b - 2.0
            return h.sum(-1), h[:, 1:].mean(0), wl.cat([a, b], 1)

    wl.manual_seed(0)
    export_and_run(tmp_path, Two(), (wl.randn(2, 3), wl.randn(2, 3)),
                   [(wl.randn(2, 3), wl.randn(2, 3))], dynamic=False)


def test_an_unsupported_primitive_is_named_with_its_module(tmp_path):
    class Sorts(nn.Module):
        def forward(self, x):
            return x.argsort(-1)

    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = Sorts()

        def forward(self, x):
            return self.inner(x)

    with pytest.raises(NotImplementedError, match=r"ArgSort.*'inner' \(Sorts\)"):
        wl.onnx.export(Outer(), wl.randn(2, 3), str(tmp_path / "m.onnx"))


def test_arguments_are_checked(tmp_path):
    model = nn.Linear(2, 2)
    path = str(tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="opset_version"):
        wl.onnx.export(model, wl.randn(1, 2), path, opset_version=9)
    with pytest.raises(ValueError, match="input_names"):
        wl.onnx.export(model, wl.randn(1, 2), path, input_names=["a", "b"])
    with pytest.raises(ValueError, match="dynamic_axes names 'z'"):
        wl.onnx.export(model, wl.randn(1, 2), path, dynamic_axes={"z": [0]})
    with pytest.raises(TypeError, match="args"):
        wl.onnx.export(model, [1.0], path)


class Residual(nn.Module):
    """ResNet's way: out += identity (in place as PyTorch's), and a detached branch."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(4, 4), nn.Linear(4, 4)

    def forward(self, x):
        out = self.fc1(x).relu()
        out += x
        out = self.fc2(out)
        out += x.detach() * 0.5
        return out.relu()


def test_in_place_updates_and_detached_aliases_are_traced(tmp_path):
    wl.manual_seed(0)
    export_and_run(tmp_path, Residual(), (wl.randn(3, 4),), [(wl.randn(3, 4),), (wl.randn(6, 4),)])


def test_a_write_into_part_of_a_traced_tensor_is_refused(tmp_path):
    class Partial(nn.Module):
        def forward(self, x):
            h = x * 2
            h.numpy()[:, 0] = 0.0  # writes into h's memory, behind the ops' back
            return h + 1

    with pytest.raises(NotImplementedError, match="written in place in part"):
        wl.onnx.export(Partial(), wl.randn(2, 3), str(tmp_path / "m.onnx"))


def test_cnn_with_padded_pooling_batch_norm_and_transposed_convolutions(tmp_path):
    # padding (IndexAdd -> Pad), window views (AsStrided -> Gather), a -inf frame built at the
    # example's batch size (cut to one slice, so the batch stays dynamic), ConvTranspose
    wl.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
        nn.MaxPool2d(3, stride=2, padding=1), nn.AvgPool2d(3, stride=1, padding=1),
        nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1), nn.Upsample(scale_factor=2),
        nn.Conv2d(2, 3, 3), nn.AdaptiveAvgPool2d((2, 3)), nn.Flatten(), nn.Linear(18, 2))
    with wl.no_grad():  # one training step's running statistics, not the initial ones
        model(wl.randn(8, 3, 7, 7) + 1)
    export_and_run(tmp_path, model, (wl.randn(2, 3, 7, 7),),
                   [(wl.randn(2, 3, 7, 7),), (wl.randn(5, 3, 7, 7),)])


class MaskedAttention(nn.Module):
    """Self-attention with a causal float mask and a boolean key padding mask (an input)."""

    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x, padding):
        causal = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
        return self.attn(x, x, x, attn_mask=causal, key_padding_mask=padding)[0]


def test_attention_with_causal_and_padding_masks_at_opset_13(tmp_path):
    wl.manual_seed(0)
    pad = wl.tensor([[False] * 4 + [True], [False] * 5, [False] * 3 + [True] * 2])
    export_and_run(tmp_path, MaskedAttention(), (wl.randn(2, 5, 8), pad[:2]),
                   [(wl.randn(3, 5, 8), pad)], opset_version=13)


def test_nn_transformer(tmp_path):
    wl.manual_seed(0)
    model = nn.Transformer(8, 2, 1, 1, 16, batch_first=True)
    export_and_run(tmp_path, model, (wl.randn(2, 5, 8), wl.randn(2, 4, 8)),
                   [(wl.randn(3, 5, 8), wl.randn(3, 4, 8))])


class Pointwise(nn.Module):
    """Many elementwise ops, reductions and casts in one graph."""

    def forward(self, a, b):
        pos = (a > 0).float()  # Greater, Cast
        h = wl.where(a < b, a.exp(), (b.abs() + 1).log()) * pos - b.sigmoid() / 3
        h = h + a.clamp(-0.5, 0.5) ** 2 + b.clamp(min=0).sqrt() + (b * b + 1).rsqrt()
        h = h + wl.maximum(a, b) - wl.minimum(a, b).neg() + a.sin() * b.cos() + wl.erf(a)
        h = h + a.log1p().nan_to_num(0.0) * 0 + b.expm1() + a.floor() + b.sign() + a.tanh()
        h = h + (b.abs() + 1).log2() + (a.abs() + 1).log10() + a.exp2() + (a * 4).round() / 4
        h = h + b.round(decimals=1) + (a.abs() + 0.5) ** b + (a / 4).tan() + (a / 4).asin()
        h = h + (b / 4).acos() + a.atan() + (a / 2).sinh() * (b / 2).cosh() + a.ceil()
        out = [h.cumsum(1), h.amax(1), h.amin(0, keepdim=True), h.prod(1), h.mean(),
               h.argmax(1), (a != b).logical_and(a >= b).float(), h.softmax(-1), h.std(1)]
        return tuple(out)


def test_pointwise_reductions_and_casts(tmp_path):
    wl.manual_seed(0)
    export_and_run(tmp_path, Pointwise(), (wl.randn(3, 4), wl.randn(3, 4)),
                   [(wl.randn(3, 4), wl.randn(3, 4))], dynamic=False)


def test_int32_tokens_are_cast_for_the_embedding(tmp_path):
    wl.manual_seed(0)
    model = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 2))
    tokens = wl.randint(0, 10, (5, 3)).to(wl.int32)
    export_and_run(tmp_path, model, (tokens[:2],), [(tokens,)])


def test_torch_style_call_to_a_file_object(tmp_path, capsys):
    import io

    wl.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.Softmax(dim=1))
    buffer = io.BytesIO()
    wl.onnx.export(model, (wl.randn(1, 3),), buffer, export_params=True, opset_version=17,
                   do_constant_folding=True, input_names=["input"], output_names=["output"],
                   dynamic_axes={"input": {0: "batch_size"}, "output": {0: "batch_size"}},
                   verbose=True)
    assert "Gemm" in capsys.readouterr().out
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    x = wl.randn(4, 3)
    got = session.run(["output"], {"input": x.numpy()})[0]
    np.testing.assert_allclose(got, model(x).detach().numpy(), rtol=RTOL, atol=ATOL)
    with pytest.raises(NotImplementedError, match="export_params=False"):
        wl.onnx.export(model, wl.randn(1, 3), io.BytesIO(), export_params=False)


def test_export_under_anomaly_mode_leaves_it_on(tmp_path):
    with wl.autograd.detect_anomaly():
        wl.onnx.export(nn.Linear(2, 2), wl.randn(1, 2), str(tmp_path / "m.onnx"))
        assert wl.autograd.is_anomaly_enabled()
    assert not wl.autograd.is_anomaly_enabled()


def test_each_submodule_keeps_its_own_mode(tmp_path):
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.BatchNorm1d(2))
    model.train()
    model[2].eval()  # frozen statistics in a model that trains
    wl.onnx.export(model, wl.randn(3, 2), str(tmp_path / "m.onnx"))
    assert [m.training for m in model] == [True, True, False] and model.training
