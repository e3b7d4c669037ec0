"""Errors a user sees: each carries a short headline (``title``) and a message saying what to do."""

from __future__ import annotations


class MineScanError(Exception):
    """Base of every error that is shown to a user instead of a traceback."""

    title = "Something went wrong"


class InvalidSceneError(MineScanError, ValueError):
    """An image file that cannot be scanned (not a raster, no CRS, too small, ...)."""

    title = "This image can't be analysed"


class BandMismatchError(InvalidSceneError):
    """The file's bands cannot be matched to the bands a model needs."""

    title = "The image's bands don't match the model"


class NoValidDataError(InvalidSceneError):
    """Every pixel of the scene (or of the part needed) is nodata."""

    title = "The image holds no valid pixels"


class ModelBundleError(MineScanError, ValueError):
    """A saved model folder that is missing, incomplete or inconsistent with its card."""

    title = "This model can't be loaded"


class ModelMismatchError(MineScanError, ValueError):
    """Two models that cannot work together (an impact model needs bands the discovery model does not read)."""

    title = "These models don't fit together"


class TrainingDataError(MineScanError, ValueError):
    """Training data that cannot be used (missing classes, mixed band counts, ...)."""

    title = "The training data can't be used"


class RegionError(MineScanError, ValueError):
    """A region to fetch imagery for that cannot be used (bad bounds, unreadable CSV/GeoJSON, too large, ...)."""

    title = "This region can't be used"


class StoreKindError(MineScanError):
    """Demo and real work would mix in one store: the demo has a store of its own."""

    title = "Demo and real work stay apart"


class ClusterError(MineScanError):
    """A Dask cluster that cannot be reached or cannot do the work (scene or model unreadable on a worker, ...)."""

    title = "The Dask cluster can't run this scan"
