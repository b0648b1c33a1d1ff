"""Data loading: datasets, samplers, collation, the DataLoader, transforms and ready-made
datasets (wl.data.datasets)."""
from . import datasets, transforms
from .collate import default_collate
from .dataloader import DataLoader
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .sampler import (
    BatchSampler,
    BatchShardSampler,
    DistributedSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = ["Dataset", "TensorDataset", "ConcatDataset", "Subset", "random_split", "DataLoader",
           "default_collate", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "BatchShardSampler",
           "DistributedSampler", "datasets", "transforms"]
