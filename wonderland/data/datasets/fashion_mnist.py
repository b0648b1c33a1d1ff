"""Fashion-MNIST (Zalando, 70,000 28x28 grey images of 10 clothing classes) from its IDX files:
Debian's /usr/share/datasets/fashion-mnist when installed, otherwise downloaded and checked."""
from __future__ import annotations

from .idx_images import IdxImageDataset


class FashionMNIST(IdxImageDataset):
    """Fashion-MNIST: 60,000 train and 10,000 test uint8 (28, 28) images, y an int64 class in
    0..9 (names in `classes`). FashionMNIST(root=None, train=True, transform=None,
    target_transform=None, download=True); see IdxImageDataset for where files are found."""

    mirror = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    system_dir = "/usr/share/datasets/fashion-mnist"
    system_package = "dataset-fashion-mnist"  # Debian's
    cache_name = "fashion-mnist"
    md5 = {  # the MD5s Zalando publishes for its .gz files (it lists no SHA-256)
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
