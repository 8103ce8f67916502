"""Datasets kept in memory as tensors, seeded batch loading, and batched augmentations."""

from infossl.data.augment import (
    ColorJitter,
    GaussianNoise,
    MultiView,
    Normalize,
    Pipeline,
    RandomGaussianBlur,
    RandomGrayscale,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomSolarize,
)
from infossl.data.batches import Batch, BatchLoader
from infossl.data.cifar_binary import CIFAR10_CLASSES, CIFAR10_MEAN, CIFAR10_STD
from infossl.data.dataset import DatasetError, ImageDataset, VectorDataset
from infossl.data.digits import DIGITS_MEAN, DIGITS_STD, load_digits
from infossl.data.loading import dataset_names, load_dataset, register_dataset
from infossl.data.multiview import MultiViewDataset, multiview_dataset
from infossl.data.presets import PRESETS, build_views, byol, digits, evaluation, multicrop, simclr

__all__ = [
    "CIFAR10_CLASSES",
    "CIFAR10_MEAN",
    "CIFAR10_STD",
    "DIGITS_MEAN",
    "DIGITS_STD",
    "PRESETS",
    "Batch",
    "BatchLoader",
    "ColorJitter",
    "DatasetError",
    "GaussianNoise",
    "ImageDataset",
    "MultiView",
    "MultiViewDataset",
    "Normalize",
    "Pipeline",
    "RandomGaussianBlur",
    "RandomGrayscale",
    "RandomHorizontalFlip",
    "RandomResizedCrop",
    "RandomSolarize",
    "VectorDataset",
    "build_views",
    "byol",
    "dataset_names",
    "digits",
    "evaluation",
    "load_dataset",
    "load_digits",
    "multicrop",
    "multiview_dataset",
    "register_dataset",
    "simclr",
]
