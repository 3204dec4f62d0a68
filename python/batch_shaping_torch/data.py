"""Datasets in the layouts users already have, with the recipe's transforms (the TransformSpec of
src/data/transform_spec.ts) done with torchvision:
  cifar10     torchvision's CIFAR-10 folder: <root>/cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta}
              (read directly: torchvision's class insists on the official MD5s, which generated test data lacks)
  imagefolder torchvision ImageFolder: <root>/<split>/<class>/<image> (ImageNet's train/ and val/ after the
              usual valprep, Imagenette as extracted)
  cityscapes  Cityscapes' folders: <root>/leftImg8bit/<split>/<city>/*_leftImg8bit.png and
              <root>/gtFine/<split>/<city>/*_gtFine_labelIds.png; labelIds -> the 19 trainIds (others 255), images
              resized to --resize (default 512x1024, as `batch-shaping prepare cityscapes`), masks nearest
Normalisation: the spec's own, else mean/std from a prepared dataset's meta.json (--meta: then both sides
normalise identically), else the dataset's usual constants.
"""

import glob
import json
import os
import pickle
import random

import numpy as np
import torch
import torchvision.transforms as T
import torchvision.transforms.functional as TF
from PIL import Image
from torch.utils.data import Dataset

DEFAULT_NORMALIZATION = {
    "cifar10": ([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]),
    "imagefolder": ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    "cityscapes": ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
}
LAYOUT_OF_DATASET = {"cifar10": "cifar10", "imagenet": "imagefolder", "cityscapes": "cityscapes"}
# cityscapesScripts' labelId -> trainId (19 classes); every other id is ignored (255).
CITYSCAPES_TRAIN_IDS = {7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10, 24: 11, 25: 12,
                        26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18}


class Cifar10(Dataset):
    """CIFAR-10 from torchvision's python layout; split 'train' (data_batch_1..5) or 'test' (test_batch)."""

    def __init__(self, root: str, split: str, transform):
        folder = os.path.join(root, "cifar-10-batches-py")
        if not os.path.isdir(folder):
            folder = root
        names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
        if split not in ("train", "test"):
            raise ValueError(f"Cifar10: split must be 'train' or 'test'; got {split!r}")
        images, labels = [], []
        for name in names:
            path = os.path.join(folder, name)
            if not os.path.exists(path):
                raise FileNotFoundError(f"Cifar10: {path} is missing (expected torchvision's cifar-10-batches-py)")
            with open(path, "rb") as f:
                batch = pickle.load(f, encoding="latin1")
            images.append(np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
            labels.extend(batch["labels"])
        self.images = np.concatenate(images)
        self.labels = labels
        self.classes = 10
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.transform(Image.fromarray(self.images[i])), self.labels[i]


class ImageFolder(Dataset):
    def __init__(self, root: str, split: str, transform):
        from torchvision.datasets import ImageFolder as TvImageFolder

        path = os.path.join(root, split)
        if not os.path.isdir(path):
            raise FileNotFoundError(f"ImageFolder: {path} is missing (expected <root>/<split>/<class>/<image>)")
        self.inner = TvImageFolder(path, transform=transform)
        self.classes = len(self.inner.classes)

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, i):
        return self.inner[i]


class Cityscapes(Dataset):
    """(image tensor, mask LongTensor [H, W] of trainIds / 255) pairs; ``joint`` transforms both."""

    def __init__(self, root: str, split: str, joint, resize=(512, 1024)):
        pattern = os.path.join(root, "leftImg8bit", split, "*", "*_leftImg8bit.png")
        self.images = sorted(glob.glob(pattern))
        if not self.images:
            raise FileNotFoundError(f"Cityscapes: no images match {pattern}")
        self.masks = []
        for p in self.images:
            m = p.replace(os.sep + "leftImg8bit" + os.sep, os.sep + "gtFine" + os.sep).replace(
                "_leftImg8bit.png", "_gtFine_labelIds.png")
            if not os.path.exists(m):
                raise FileNotFoundError(f"Cityscapes: {m} is missing (the labelIds of {p})")
            self.masks.append(m)
        lut = np.full(256, 255, dtype=np.uint8)
        for k, v in CITYSCAPES_TRAIN_IDS.items():
            lut[k] = v
        self.lut = lut
        self.resize = resize
        self.joint = joint
        self.classes = 19

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        image = Image.open(self.images[i]).convert("RGB")
        mask = Image.fromarray(self.lut[np.asarray(Image.open(self.masks[i]))])
        h, w = self.resize
        image = image.resize((w, h), Image.BILINEAR)
        mask = mask.resize((w, h), Image.NEAREST)
        return self.joint(image, mask)


def normalization(spec: dict, dataset_layout: str, meta_path: str | None):
    norm = spec.get("normalization")
    if norm:
        return norm["mean"], norm["std"]
    if meta_path:
        with open(meta_path) as f:
            meta = json.load(f)
        if "mean" in meta and "std" in meta:
            return meta["mean"], meta["std"]
        raise ValueError(f"normalization: {meta_path} has no 'mean'/'std'")
    return DEFAULT_NORMALIZATION[dataset_layout]


class PadCrop:
    """Zero-pad by ``pad`` on every side, then a random crop of the image's own size."""

    def __init__(self, pad: int):
        self.pad = pad

    def __call__(self, image: Image.Image) -> Image.Image:
        w, h = image.size
        return T.RandomCrop((h, w), padding=self.pad)(image)


def image_transform(spec: dict, mean, std):
    """A classification TransformSpec as torchvision transforms (PIL image -> normalised CHW tensor)."""
    kind = spec["kind"]
    steps = []
    if kind == "padCropFlip":
        steps = [PadCrop(spec.get("pad", 4)), T.RandomHorizontalFlip(spec.get("flipProb", 0.5))]
    elif kind == "randomResizedCrop":
        steps = [T.RandomResizedCrop(spec["size"], scale=tuple(spec.get("scale", (0.08, 1))),
                                     ratio=tuple(spec.get("ratio", (3 / 4, 4 / 3)))),
                 T.RandomHorizontalFlip(spec.get("flipProb", 0.5))]
    elif kind == "eval":
        if spec.get("resize") is not None:
            steps.append(T.Resize(spec["resize"]))
        if spec.get("crop") is not None:
            steps.append(T.CenterCrop(spec["crop"]))
    else:
        raise ValueError(f"image_transform: transform kind {kind!r} does not apply to classification images")
    return T.Compose([*steps, T.ToTensor(), T.Normalize(mean, std)])


class JointTransform:
    """Segmentation: scaleCropFlip (random scale, crop with 0 / 255 padding, flip) or eval, on image and mask."""

    def __init__(self, spec: dict, mean, std):
        self.spec, self.mean, self.std = spec, mean, std

    def __call__(self, image: Image.Image, mask: Image.Image):
        spec = self.spec
        if spec["kind"] == "scaleCropFlip":
            lo, hi = spec.get("scale", (0.5, 2))
            s = random.uniform(lo, hi)
            w, h = image.size
            nh, nw = max(1, round(h * s)), max(1, round(w * s))
            image = image.resize((nw, nh), Image.BILINEAR)
            mask = mask.resize((nw, nh), Image.NEAREST)
            ch, cw = spec["size"]
            ph, pw = max(0, ch - nh), max(0, cw - nw)
            if ph or pw:
                image = TF.pad(image, [0, 0, pw, ph], fill=0)
                mask = TF.pad(mask, [0, 0, pw, ph], fill=255)
            top = random.randint(0, image.size[1] - ch)
            left = random.randint(0, image.size[0] - cw)
            image, mask = TF.crop(image, top, left, ch, cw), TF.crop(mask, top, left, ch, cw)
            if random.random() < spec.get("flipProb", 0.5):
                image, mask = TF.hflip(image), TF.hflip(mask)
        elif spec["kind"] != "eval" or spec.get("resize") is not None or spec.get("crop") is not None:
            raise ValueError(f"JointTransform: segmentation supports scaleCropFlip and a plain eval; got {spec}")
        x = TF.normalize(TF.to_tensor(image), self.mean, self.std)
        return x, torch.from_numpy(np.asarray(mask, dtype=np.int64).copy())


def build_dataset(layout: str, root: str, split: str, spec: dict, meta_path=None,
                  resize=(512, 1024)):
    mean, std = normalization(spec, layout, meta_path)
    if layout == "cifar10":
        return Cifar10(root, split, image_transform(spec, mean, std))
    if layout == "imagefolder":
        return ImageFolder(root, split, image_transform(spec, mean, std))
    if layout == "cityscapes":
        return Cityscapes(root, split, JointTransform(spec, mean, std), resize)
    raise ValueError(f"build_dataset: layout must be cifar10, imagefolder or cityscapes; got {layout!r}")
