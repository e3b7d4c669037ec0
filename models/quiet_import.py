"""Keep TensorFlow's C++ start-up lines (oneDNN, CPU instructions, absl's 'before InitializeLog' warning) out of
a person's terminal. They are written to the process's stderr while ``import tensorflow`` runs, before TensorFlow
reads ``TF_CPP_MIN_LOG_LEVEL`` (a known TensorFlow bug), so that one import runs with file descriptor 2 pointed at
/dev/null. Python errors are not affected: an import that fails still raises, and prints once stderr is back.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import ModuleType


@contextmanager
def stderr_silenced() -> Iterator[None]:
    """File descriptor 2 (what C and C++ libraries write to) goes to /dev/null inside the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _QuietTensorFlow(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` as usual and runs its first import with stderr silenced, then steps aside."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        loader = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            with stderr_silenced():
                run(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def quiet_tensorflow_import() -> None:
    """From now on, the process's first ``import tensorflow`` (also through Keras) prints nothing to stderr.
    Idempotent; does nothing once TensorFlow is imported."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # and its INFO lines after start-up
    if "tensorflow" in sys.modules or any(isinstance(f, _QuietTensorFlow) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _QuietTensorFlow())
