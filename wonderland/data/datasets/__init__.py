"""Ready-made datasets (one per file) and the helpers that fetch and read their files."""
from .cifar10 import CIFAR10
from .digits import Digits
from .download import cache_dir, download_and_verify, file_digest, sha256_file
from .fashion_mnist import FashionMNIST
from .idx import read_idx, write_idx
from .idx_images import IdxImageDataset
from .karate import KarateClub
from .mnist import MNIST
from .mnist1d import MNIST1D
from .moons import Moons
from .planetoid import Planetoid
from .shakespeare import CharDataset, CharVocab, Shakespeare, TinyShakespeare
from .swiss_roll import SwissRoll
from .toys import EightGaussians, SwissRoll2D, TwentyFiveGaussians, toy_points

__all__ = ["CIFAR10", "MNIST", "MNIST1D", "CharDataset", "CharVocab", "Digits", "EightGaussians",
           "FashionMNIST", "IdxImageDataset", "KarateClub", "Moons", "Planetoid", "Shakespeare",
           "SwissRoll", "SwissRoll2D",
           "TinyShakespeare", "TwentyFiveGaussians", "cache_dir", "download_and_verify",
           "file_digest", "read_idx", "sha256_file", "toy_points", "write_idx"]
