"""PyTorch twins of the reference models: the same layers under the same parameter names, so a
state dict moves between them unchanged."""
import torch
from torch import nn


class LogisticRegression(nn.Module):
    def __init__(self, in_features=40, num_classes=10):
        super().__init__()
        self.linear = nn.Linear(in_features, num_classes)

    def forward(self, x):
        return self.linear(x.flatten(1))


class MLP(nn.Module):
    def __init__(self, in_features=40, hidden=(100, 100), num_classes=10, residual=True,
                 dropout=0.0):
        super().__init__()
        widths = [in_features, *hidden]
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.head = nn.Linear(widths[-1], num_classes)
        self.dropout = nn.Dropout(dropout)
        self.residual = residual

    def forward(self, x):
        h = x.flatten(1)
        for i, layer in enumerate(self.hidden):
            z = torch.relu(layer(h))
            h = self.dropout(h + z if self.residual and i > 0 and z.shape == h.shape else z)
        return self.head(h)


class ConvNet1d(nn.Module):
    def __init__(self, in_length=40, channels=25, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv1d(1, channels, 5, stride=2, padding=1)
        self.conv2 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        self.conv3 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        with torch.no_grad():  # the flattened size, found by running the convolutions once
            n = self._features(torch.zeros(1, 1, in_length)).shape[1]
        self.linear = nn.Linear(n, num_classes)

    def _features(self, x):
        for conv in (self.conv1, self.conv2, self.conv3):
            x = torch.relu(conv(x))
        return x.flatten(1)

    def forward(self, x):
        return self.linear(self._features(x.view(x.shape[0], 1, -1)))


class ConvNet2d(nn.Module):
    def __init__(self, in_channels=1, image_size=28, channels=(32, 64), hidden=None,
                 num_classes=10, dropout=0.5):
        super().__init__()
        widths = [in_channels, *channels]
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3) for a, b in zip(widths[:-1], widths[1:]))
        with torch.no_grad():
            n = self._features(torch.zeros(1, in_channels, image_size, image_size)).shape[1]
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(n, hidden) if hidden else None
        self.head = nn.Linear(hidden or n, num_classes)

    def _features(self, x):
        for conv in self.convs:
            x = nn.functional.max_pool2d(torch.relu(conv(x)), 2)
        return x.flatten(1)

    def forward(self, x):
        h = self.dropout(self._features(x))
        if self.fc is not None:
            h = self.dropout(torch.relu(self.fc(h)))
        return self.head(h)


class GRUClassifier(nn.Module):
    def __init__(self, seq_len=40, hidden_size=6, num_classes=10, bidirectional=True,
                 input_size=1):
        super().__init__()
        self.gru = nn.GRU(input_size, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.linear = nn.Linear(seq_len * hidden_size * (2 if bidirectional else 1), num_classes)

    def forward(self, x):
        out, _ = self.gru(x.view(*x.shape[:2], -1))
        return self.linear(out.reshape(out.shape[0], -1))
