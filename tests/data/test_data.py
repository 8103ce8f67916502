"""Datasets: digits, image folders, zip archives (incl. unsafe ones), CIFAR-10 binary, arrays,
the decoded-array cache, clear errors, and the seeded shard-aware batch loader."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from infossl.data import (
    CIFAR10_CLASSES,
    CIFAR10_MEAN,
    DIGITS_MEAN,
    DIGITS_STD,
    BatchLoader,
    DatasetError,
    ImageDataset,
    MultiViewDataset,
    VectorDataset,
    dataset_names,
    load_dataset,
    register_dataset,
)
from infossl.data import imagefolder as imagefolder_module
from infossl.data.loading import convert_images

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
CIFAR_VAL = SHARED / "cifar10" / "cifar10_val_jpg.zip"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("INFOSSL_CACHE", str(tmp_path / "cache"))


def png_bytes(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


def make_pixels(k: int, h: int = 4, w: int = 5) -> np.ndarray:
    rng = np.random.default_rng(k)
    return rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def write_folder(root: Path, layout: dict[str, int], prefix: str = "") -> dict[str, list]:
    """Write PNGs ``root/prefix/<class>/<k>.png``; return the pixel arrays per class."""
    out: dict[str, list] = {}
    seed = 0
    for cls, count in layout.items():
        folder = root / prefix / cls
        folder.mkdir(parents=True, exist_ok=True)
        out[cls] = []
        for k in range(count):
            px = make_pixels(seed := seed + 1)
            (folder / f"{k:03d}.png").write_bytes(png_bytes(px))
            out[cls].append(px)
    return out


# --- digits ----------------------------------------------------------------------------------


def test_digits_splits_values_and_stats():
    from sklearn.datasets import load_digits

    raw = load_digits()
    train, test, full = (load_dataset("digits", s) for s in ("train", "test", "all"))
    assert (len(train), len(test), len(full)) == (1438, 359, 1797)
    assert full.images.shape == (1797, 1, 8, 8) and full.images.dtype == torch.uint8
    assert full.classes == tuple("0123456789")
    pixels = full.images[:, 0]
    assert pixels[torch.from_numpy(raw.images == 16)].unique().tolist() == [255]
    assert pixels[torch.from_numpy(raw.images == 0)].unique().tolist() == [0]
    assert pixels[torch.from_numpy(raw.images == 8)].unique().tolist() == [128]  # 127.5 → 128
    assert torch.equal(test.images, full.images[4::5])
    assert torch.equal(test.labels, full.labels[4::5])
    mean, std = full.channel_stats()
    assert abs(mean[0] - DIGITS_MEAN[0]) < 1e-4 and abs(std[0] - DIGITS_STD[0]) < 1e-4
    big = load_dataset("digits", "test", image_size=16)
    assert big.images.shape == (359, 1, 16, 16) and big.name == "digits16-test"
    rgb = load_dataset("digits", "test", channels=3)
    assert rgb.images.shape == (359, 3, 8, 8) and torch.equal(rgb.images[:, 2], test.images[:, 0])


# --- image folders and zips --------------------------------------------------------------------


def test_image_folder_exact_pixels_sorted_classes(tmp_path):
    pixels = write_folder(tmp_path / "ds", {"dog": 2, "cat": 3})
    data = load_dataset(tmp_path / "ds")
    assert data.classes == ("cat", "dog")
    assert data.labels.tolist() == [0, 0, 0, 1, 1]
    expected = np.stack(pixels["cat"] + pixels["dog"]).transpose(0, 3, 1, 2)
    assert torch.equal(data.images, torch.from_numpy(expected))


def test_zip_with_splits_and_cache(tmp_path, monkeypatch):
    pixels = write_folder(tmp_path / "src", {"a": 2, "b": 1}, prefix="train")
    write_folder(tmp_path / "src", {"a": 1, "b": 1}, prefix="val")
    archive = tmp_path / "ds.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted((tmp_path / "src").rglob("*.png")):
            zf.write(f, f.relative_to(tmp_path / "src").as_posix())
    train = load_dataset(archive, "train")
    assert len(train) == 3 and train.labels.tolist() == [0, 0, 1] and train.name == "ds-train"
    expected = np.stack(pixels["a"] + pixels["b"]).transpose(0, 3, 1, 2)
    assert torch.equal(train.images, torch.from_numpy(expected))
    assert len(load_dataset(archive, "val")) == 2
    with pytest.raises(DatasetError, match=r"several splits \['train', 'val'\]"):
        load_dataset(archive)
    with pytest.raises(DatasetError, match="split 'test' not found"):
        load_dataset(archive, "test")
    assert list((tmp_path / "cache").glob("ds-train-*.npz"))

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded although cached")

    monkeypatch.setattr(imagefolder_module, "decode_images", no_decoding)
    assert torch.equal(load_dataset(archive, "train").images, train.images)
    monkeypatch.undo()
    monkeypatch.setenv("INFOSSL_CACHE", str(tmp_path / "cache"))
    with zipfile.ZipFile(archive, "w") as zf:  # new content: new fingerprint, decoded again
        zf.writestr("train/z/0.png", png_bytes(make_pixels(99)))
    again = load_dataset(archive, "train")
    assert again.classes == ("z",) and len(again) == 1
    assert len(load_dataset(archive, "train", cache=False)) == 1


def test_single_top_level_folder_is_stripped_and_images_resized(tmp_path):
    root = tmp_path / "wrapped"
    (root / "inner" / "x").mkdir(parents=True)
    (root / "inner" / "x" / "0.png").write_bytes(png_bytes(make_pixels(1, 4, 5)))
    (root / "inner" / "x" / "1.png").write_bytes(png_bytes(make_pixels(2, 6, 6)))
    with pytest.raises(DatasetError, match=r"is 6x6 but the first image is 4x5; pass image_size"):
        load_dataset(root)
    data = load_dataset(root, image_size=(3, 3), channels=1)
    assert data.images.shape == (2, 1, 3, 3) and data.classes == ("x",)


@pytest.mark.parametrize(
    "member", ["../evil.png", "/abs/evil.png", "a/../../evil.png", "C:/evil.png", "..\\evil.png"]
)
def test_zip_with_unsafe_member_is_rejected(tmp_path, member):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("cls/0.png", png_bytes(make_pixels(1)))
        zf.writestr(member, png_bytes(make_pixels(2)))
    with pytest.raises(DatasetError, match="unsafe member") as err:
        load_dataset(archive)
    assert repr(member) in str(err.value) and str(archive) in str(err.value)


def test_missing_empty_and_corrupt_sources_name_the_path(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        load_dataset(missing)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetError, match=re.escape(f"no images found in {empty}")):
        load_dataset(empty)
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "0.png").write_bytes(png_bytes(make_pixels(0)))
    with pytest.raises(DatasetError, match="not inside a class folder"):
        load_dataset(loose)
    bad = tmp_path / "bad"
    write_folder(bad, {"a": 1})
    (bad / "a" / "broken.jpg").write_bytes(b"\xff\xd8 definitely not a jpeg")
    with pytest.raises(DatasetError, match=r"cannot decode image .*broken\.jpg"):
        load_dataset(bad)
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a/broken.png", b"garbage")
    with pytest.raises(DatasetError, match=re.escape(f"'a/broken.png' in archive {archive}")):
        load_dataset(archive)
    notzip = tmp_path / "junk.zip"
    notzip.write_bytes(b"junk")
    with pytest.raises(DatasetError, match=re.escape(f"not a readable zip archive: {notzip}")):
        load_dataset(notzip)
    other = tmp_path / "file.txt"
    other.write_text("x")
    with pytest.raises(DatasetError, match="unsupported dataset file"):
        load_dataset(other)


# --- CIFAR-10 binary -------------------------------------------------------------------------


def write_cifar(path: Path, labels: list[int], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(len(labels), 3, 32, 32), dtype=np.uint8)
    records = np.concatenate(
        [np.array(labels, dtype=np.uint8)[:, None], pixels.reshape(len(labels), -1)], axis=1
    )
    path.write_bytes(records.tobytes())
    return pixels


def test_cifar_binary_records(tmp_path):
    root = tmp_path / "cifar-10-batches-bin"
    root.mkdir()
    p1 = write_cifar(root / "data_batch_1.bin", [3, 9], 1)
    p2 = write_cifar(root / "data_batch_2.bin", [0], 2)
    pt = write_cifar(root / "test_batch.bin", [5], 3)
    train = load_dataset(root)
    assert train.labels.tolist() == [3, 9, 0] and train.classes == CIFAR10_CLASSES
    assert torch.equal(train.images, torch.from_numpy(np.concatenate([p1, p2])))
    # record layout: byte 1 + 32·i + j of a record is the red pixel (i, j)
    raw = (root / "data_batch_1.bin").read_bytes()
    assert train.images[0, 0, 1, 2] == raw[1 + 32 * 1 + 2]
    test = load_dataset(root, "test")
    assert torch.equal(test.images, torch.from_numpy(pt)) and test.labels.tolist() == [5]
    assert len(load_dataset(root / "data_batch_2.bin")) == 1
    (root / "data_batch_3.bin").write_bytes(b"\x00" * 100)
    with pytest.raises(DatasetError, match=r"data_batch_3.bin is not a CIFAR-10 binary batch"):
        load_dataset(root)
    (root / "data_batch_3.bin").unlink()
    write_cifar(root / "data_batch_4.bin", [12], 4)
    with pytest.raises(DatasetError, match="label 12"):
        load_dataset(root)


# --- arrays ----------------------------------------------------------------------------------


def test_npz_and_npy_arrays(tmp_path):
    rng = np.random.default_rng(0)
    nhwc = rng.integers(0, 256, size=(6, 5, 4, 3), dtype=np.uint8)
    np.savez(tmp_path / "imgs.npz", x=nhwc, y=np.array([0, 1, 2, 0, 1, 2]))
    data = load_dataset(tmp_path / "imgs.npz")
    assert isinstance(data, ImageDataset) and data.classes == ("0", "1", "2")
    assert torch.equal(data.images, torch.from_numpy(nhwc.transpose(0, 3, 1, 2).copy()))
    np.savez(
        tmp_path / "split.npz",
        images_train=nhwc[:4] / 255.0,
        labels_train=np.arange(4),
        classes=np.array(["a", "b", "c", "d"]),
    )
    part = load_dataset(tmp_path / "split.npz", "train")
    assert torch.equal(part.images, data.images[:4]) and part.classes == ("a", "b", "c", "d")
    np.save(tmp_path / "vec.npy", rng.normal(size=(7, 3)))
    vec = load_dataset(tmp_path / "vec.npy")
    assert isinstance(vec, VectorDataset) and vec.dim == 3 and not vec.has_labels
    assert vec.labels.tolist() == [-1] * 7
    np.savez(tmp_path / "nokey.npz", foo=nhwc)
    with pytest.raises(DatasetError, match=r"no input array.*\['foo'\]"):
        load_dataset(tmp_path / "nokey.npz")
    np.save(tmp_path / "hot.npy", np.full((2, 4, 4), 3.0))
    with pytest.raises(DatasetError, match=r"must lie in \[0, 1\]"):
        load_dataset(tmp_path / "hot.npy")
    with pytest.raises(ValueError, match="cannot tell the channel axis"):
        ImageDataset.from_arrays(np.zeros((2, 3, 4, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="out of range for 2 classes"):
        ImageDataset.from_arrays(np.zeros((2, 4, 4), dtype=np.uint8), [0, 2], ["a", "b"])


def test_channel_conversion_uses_luma_weights():
    px = torch.tensor([100, 200, 50], dtype=torch.uint8).view(1, 3, 1, 1)
    gray = convert_images(px, 1, None)
    assert int(gray) == round(0.299 * 100 + 0.587 * 200 + 0.114 * 50)


def test_registry_and_bad_arguments():
    assert "digits" in dataset_names()
    calls = []

    def factory(split=None, n=4):
        calls.append((split, n))
        return VectorDataset.from_arrays(np.ones((n, 2)), name="toy")

    register_dataset("toy-vectors-test", factory)
    try:
        assert len(load_dataset("toy-vectors-test", "train", n=5)) == 5
        assert calls == [("train", 5)]
        with pytest.raises(ValueError, match="already registered"):
            register_dataset("toy-vectors-test", factory)
    finally:
        from infossl.data import loading

        loading._REGISTRY.pop("toy-vectors-test")
    with pytest.raises(ValueError, match="split must be one of"):
        load_dataset("digits", "validation")
    with pytest.raises(ValueError, match="channels must be one of"):
        load_dataset("digits", channels=2)
    with pytest.raises(TypeError, match="image_size"):
        load_dataset("digits", image_size=2.5)


# --- batch loader ----------------------------------------------------------------------------


def toy_images(n: int) -> ImageDataset:
    images = torch.arange(n, dtype=torch.uint8).view(n, 1, 1, 1)
    return ImageDataset(images, torch.arange(n) % 3, ("a", "b", "c"), "toy")


def test_batch_loader_epochs_seeded_and_complete():
    data = toy_images(10)
    loader = BatchLoader(data, 3, seed=1, drop_last=False)
    batches = list(loader.iterate(0))
    assert [len(b.indices) for b in batches] == [3, 3, 3, 1] and len(loader) == 4
    seen = torch.cat([b.indices for b in batches])
    assert sorted(seen.tolist()) == list(range(10))
    for b in batches:
        assert torch.equal(b.inputs.view(-1).long(), b.indices)
        assert torch.equal(b.labels, b.indices % 3)
    again = BatchLoader(data, 3, seed=1, drop_last=False)
    assert torch.equal(again.indices(0), loader.indices(0))
    assert not torch.equal(loader.indices(0), loader.indices(1))
    loader.set_epoch(1)
    assert torch.equal(torch.cat([b.indices for b in loader]), loader.indices(1))
    ordered = BatchLoader(data, 4, shuffle=False, drop_last=True)
    assert [b.indices.tolist() for b in ordered] == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_batch_loader_shards_like_distributed_sampler():
    data = toy_images(11)
    shards = [BatchLoader(data, 2, seed=3, rank=r, world_size=3, drop_last=False) for r in range(3)]
    idx = [s.indices(2) for s in shards]
    assert [len(i) for i in idx] == [4, 4, 4] and len({len(s) for s in shards}) == 1
    assert set(torch.cat(idx).tolist()) == set(range(11))  # padded by wrapping: 1 repeat
    perm = np.random.default_rng([3, 2]).permutation(11)
    assert idx[1].tolist() == [perm[1], perm[4], perm[7], perm[10]]
    dropped = [BatchLoader(data, 2, seed=3, rank=r, world_size=3).indices(2) for r in range(3)]
    flat = torch.cat(dropped).tolist()
    assert len(flat) == len(set(flat)) == 9
    with pytest.raises(ValueError, match="rank must be <= 2"):
        BatchLoader(data, 2, rank=3, world_size=3)
    with pytest.raises(ValueError, match="gives no batch"):
        BatchLoader(data, 20)
    with pytest.raises(TypeError, match="dataset must be"):
        BatchLoader(torch.zeros(3), 1)


def test_vector_dataset_batches():
    data = VectorDataset.from_arrays(np.arange(12.0).reshape(6, 2), labels=["x", "y"] * 3)
    assert data.classes == ("x", "y") and data.labels.tolist() == [0, 1] * 3
    batch = next(iter(BatchLoader(data, 4, seed=0)))
    assert batch.inputs.dtype == torch.float32 and batch.inputs.shape == (4, 2)
    torch.testing.assert_close(batch.inputs[:, 0], batch.indices.float() * 2)
    sub = data.subset([1, 3])
    assert sub.labels.tolist() == [1, 1]
    with pytest.raises(ValueError, match="NaN"):
        VectorDataset.from_arrays(np.array([[np.nan, 1.0]]))


# --- shared CIFAR-10 files -------------------------------------------------------------------


@pytest.mark.skipif(not CIFAR_VAL.is_file(), reason="../shared/data (CIFAR-10 zips) not present")
def test_shared_cifar10_val_zip_loads_5000_images():
    data = load_dataset(CIFAR_VAL)
    assert data.images.shape == (5000, 3, 32, 32) and data.classes == CIFAR10_CLASSES
    assert data.labels.bincount().tolist() == [500] * 10
    mean, _ = data.channel_stats()
    # a 5,000-image JPEG subset of the test set: within 0.015 of the training-set means
    assert all(abs(m - ref) < 0.015 for m, ref in zip(mean, CIFAR10_MEAN, strict=True))
    with pytest.raises(DatasetError, match=r"split 'train' not found .*\['val'\]"):
        load_dataset(CIFAR_VAL, "train")


# --- multi-view testbed ------------------------------------------------------------------------


def test_multiview_testbed_datasets_match_the_tasks():
    from infossl.tasks.multiview import LinearGaussianMultiView

    train = load_dataset("multiview-linear", "train", n=50, seed=3, task_seed=1, dim_x=5)
    assert isinstance(train, MultiViewDataset) and train.classes == ("0", "1")
    direct = LinearGaussianMultiView(seed=1, dim_x=5).sample(50, np.random.default_rng([3, 0]))
    torch.testing.assert_close(train.views[0], torch.from_numpy(direct.x1).float())
    torch.testing.assert_close(train.views[1], torch.from_numpy(direct.x2).float())
    assert torch.equal(train.labels, torch.from_numpy(direct.y_class).long())
    assert train.latents["s"].shape == (50, 2)
    test = load_dataset("multiview-linear", "test", n=50, seed=3, task_seed=1, dim_x=5)
    assert not torch.allclose(test.views[0], train.views[0])
    shapes = load_dataset("multiview-shapes", n=12, label="view-specific", size=16)
    assert shapes.views[0].shape == (12, 1, 16, 16) and shapes.num_classes == 6
    batch = next(iter(BatchLoader(shapes, 5, seed=0)))
    assert isinstance(batch.inputs, tuple) and len(batch.inputs) == 2
    torch.testing.assert_close(batch.inputs[1], shapes.views[1][batch.indices])
    sub = shapes.subset([0, 2])
    assert len(sub) == 2 and sub.latents["u1"].shape[0] == 2
    with pytest.raises(ValueError, match="split must be one of"):
        load_dataset("multiview-linear", "val")
