"""Errors a user sees: each carries a short headline (``title``, English: show it as ``_(err.title)``) and a
message saying what to do (written in the language current where it was raised)."""

from __future__ import annotations

from core.wording.translate import N_


class MineScanError(Exception):
    """Base of every error that is shown to a user instead of a traceback."""

    title = N_("Something went wrong")


class InvalidSceneError(MineScanError, ValueError):
    """An image file that cannot be scanned (not a raster, no CRS, too small, ...)."""

    title = N_("This image can't be analysed")


class BandMismatchError(InvalidSceneError):
    """The file's bands cannot be matched to the bands a model needs."""

    title = N_("The image's bands don't match the model")


class NoValidDataError(InvalidSceneError):
    """Every pixel of the scene (or of the part needed) is nodata."""

    title = N_("The image holds no valid pixels")


class ModelBundleError(MineScanError, ValueError):
    """A saved model folder that is missing, incomplete or inconsistent with its card."""

    title = N_("This model can't be loaded")


class ModelMismatchError(MineScanError, ValueError):
    """Two models that cannot work together (an impact model needs bands the discovery model does not read)."""

    title = N_("These models don't fit together")


class TrainingDataError(MineScanError, ValueError):
    """Training data that cannot be used (missing classes, mixed band counts, ...)."""

    title = N_("The training data can't be used")


class RegionError(MineScanError, ValueError):
    """A region to fetch imagery for that cannot be used (bad bounds, unreadable CSV/GeoJSON, too large, ...)."""

    title = N_("This region can't be used")


class StoreKindError(MineScanError):
    """Demo and real work would mix in one store: the demo has a store of its own."""

    title = N_("Demo and real work stay apart")


class ClusterError(MineScanError):
    """A Dask cluster that cannot be reached or cannot do the work (scene or model unreadable on a worker, ...)."""

    title = N_("The Dask cluster can't run this scan")
