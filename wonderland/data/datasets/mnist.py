"""MNIST (LeCun, Cortes and Burges: 70,000 28x28 grey handwritten digits) from its IDX files,
downloaded from a mirror into the cache and checked against the published MD5s."""
from __future__ import annotations

from .idx_images import IdxImageDataset


class MNIST(IdxImageDataset):
    """MNIST: 60,000 train and 10,000 test uint8 (28, 28) images, y an int64 digit in 0..9.
    MNIST(root=None, train=True, transform=None, target_transform=None, download=True); files
    are looked for in root, else cache_dir()/"mnist" (see IdxImageDataset)."""

    mirror = "https://ossci-datasets.s3.amazonaws.com/mnist/"  # PyTorch's copy of the originals
    cache_name = "mnist"
    md5 = {  # the MD5s of the original .gz files from yann.lecun.com/exdb/mnist
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]
