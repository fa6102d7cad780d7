"""Where a Tensor's numbers live: "cpu" means numpy (or any CPU array-API library), "gpu" means cupy.

cupy is an optional extra, imported only when a GPU is asked for, so nothing here needs a GPU.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

DEVICES = ("cpu", "gpu")

_namespaces: dict[type, ModuleType] = {}


class DeviceUnavailableError(RuntimeError):
    """A GPU was asked for and cannot be used; the message says why and how to carry on."""


def check_device(device: object) -> str:
    """`device` itself if it names a device Tensor knows ("cpu" or "gpu"), else a ValueError."""
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}: use 'cpu' (numpy) or 'gpu' (cupy, needs a CUDA GPU)")
    return device


def namespace(array: Any) -> ModuleType:
    """The array-API namespace of `array` (array_api_compat's answer, cached per array type:
    the lookup costs ~10 µs, far more than the small array ops it would otherwise precede)."""
    kind = type(array)
    if kind not in _namespaces:
        _namespaces[kind] = array_api_compat.array_namespace(array)
    return _namespaces[kind]


def device_of(array: Any) -> str:
    """"gpu" for a cupy array, "cpu" for everything else (numpy, array_api_strict, ...)."""
    return "gpu" if array_api_compat.is_cupy_array(array) else "cpu"


def gpu_namespace() -> ModuleType:
    """cupy's array-API namespace, or DeviceUnavailableError saying why there is none and what to do."""
    try:
        cupy = importlib.import_module("cupy")
    except ImportError as error:
        raise DeviceUnavailableError(
            f'device="gpu" needs cupy, which is not installed ({error}). '
            'Install it with `pip install backprop-lab[gpu]` on a machine with a CUDA GPU, '
            'or use device="cpu" (numpy): every exercise runs on a CPU.'
        ) from error
    if not cupy.is_available():
        raise DeviceUnavailableError(
            f'device="gpu" needs a usable CUDA GPU, and cupy finds none here ({_cuda_problem(cupy)}). '
            'Use device="cpu" (numpy) instead: every exercise runs on a CPU.'
        )
    return array_api_compat.array_namespace(cupy.empty(0))


def _cuda_problem(cupy: ModuleType) -> str:
    """CUDA's own words for why no GPU can be used (a missing driver, no device ...)."""
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # cupy raises its own CUDA error types, or others when CUDA is absent
        return str(error) or type(error).__name__
    return f"{count} CUDA device(s) visible, none usable"


def to_device(array: Any, device: str) -> Any:
    """`array` on `device`: unchanged if it is there already, else copied across."""
    if device_of(array) == check_device(device):
        return array
    if device == "gpu":
        return gpu_namespace().asarray(np.asarray(array))
    return array.get()  # only cupy arrays live on the GPU, and .get() copies one to numpy


def to_numpy(array: Any) -> np.ndarray:
    """A numpy array with the values of `array`, from any device (no copy when it is numpy already)."""
    if device_of(array) == "gpu":
        return array.get()
    return np.asarray(array)
