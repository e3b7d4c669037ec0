"""Opening GeoTIFF scenes: band selection by name, reflectance scaling, nodata as a mask.

This is the only module that opens rasters for reading.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.enums import MaskFlags
from rasterio.errors import NotGeoreferencedWarning, RasterioError, RasterioIOError
from rasterio.windows import Window

from core.errors import BandMismatchError, InvalidSceneError, NoValidDataError
from core.imagery.bands import S2_12_BANDS, S2_13_BANDS, canonical_band_name
from core.imagery.periods import Period, period_of_scene
from core.imagery.provenance import ImageryProvenance, provenance_from_tags
from core.wording.translate import _, ngettext

#: Integer digital numbers are divided by this to give reflectance (Sentinel-2 L1C convention).
DN_PER_REFLECTANCE = 10_000.0


@dataclass(frozen=True)
class SceneInfo:
    """What a scan needs to know about a scene file, without its pixels."""

    path: Path
    width: int
    height: int
    crs: CRS
    transform: Affine
    bands: tuple[str, ...]
    band_indexes: tuple[int, ...]
    scale: float
    nodata: float | None
    dtype: str
    file_bands: tuple[str, ...]
    tags: dict[str, str]

    @property
    def pixel_size(self) -> tuple[float, float]:
        """Pixel width and height in CRS units (both positive)."""
        return abs(self.transform.a), abs(self.transform.e)

    @property
    def scene_id(self) -> str:
        """A short identifier: the file name without extension."""
        return self.path.stem

    @property
    def synthetic(self) -> bool:
        """True for scenes MineScan generated itself (the demo)."""
        return _synthetic(self.tags)

    @property
    def provenance(self) -> ImageryProvenance:
        """Where the pixels came from, as the file's ``MINESCAN_IMAGERY`` tag records (else synthetic or unknown)."""
        return provenance_from_tags(self.tags, synthetic=self.synthetic)


@dataclass(frozen=True)
class Scene:
    """Pixels with their georeferencing: ``data`` is (rows, cols, bands) float32 reflectance."""

    data: np.ndarray
    valid: np.ndarray
    transform: Affine
    crs: CRS
    bands: tuple[str, ...]


def _describe_file_bands(names: tuple[str, ...]) -> str:
    return ", ".join(n or "?" for n in names) if names else _("no band names")


def select_bands(file_descriptions: tuple[str | None, ...], needed: tuple[str, ...], source: str) -> tuple[int, ...]:
    """Return the 1-based file band indexes holding ``needed``, matched by name, else by an unambiguous count.

    Raises:
        BandMismatchError: the file's bands cannot be matched; the message lists what it has and what is needed.
    """
    count = len(file_descriptions)
    canon = tuple(canonical_band_name(d) for d in file_descriptions)
    shown = tuple(d or _("unnamed") for d in file_descriptions)
    need_txt = ", ".join(needed)
    named = [c for c in canon if c is not None]
    if named:
        duplicated = sorted({c for c in named if named.count(c) > 1 and c in needed})
        if duplicated:
            message = _(
                "{source} names band {band} more than once ({bands}), so it is "
                "ambiguous which to use. Re-export it with one band per name."
            )
            raise BandMismatchError(
                message.format(source=source, band=duplicated[0], bands=_describe_file_bands(shown))
            )
        if all(b in canon for b in needed):
            return tuple(canon.index(b) + 1 for b in needed)
        if len(named) == count:
            missing = [b for b in needed if b not in canon]
            message = ngettext(
                "{source} has {n} band(s) ({bands}) but lacks {missing}. The model needs {needed}: {needed_bands}.",
                "{source} has {n} band(s) ({bands}) but lacks {missing}. The model needs {needed}: {needed_bands}.",
                count,
            )
            raise BandMismatchError(
                message.format(source=source, n=count, bands=_describe_file_bands(shown), missing=", ".join(missing),
                               needed=len(needed), needed_bands=need_txt)
            )  # fmt: skip
    # No usable names: fall back to position only where the count leaves no doubt.
    if count == len(needed):
        return tuple(range(1, count + 1))
    for layout in (S2_13_BANDS, S2_12_BANDS):
        if count == len(layout) and all(b in layout for b in needed):
            return tuple(layout.index(b) + 1 for b in needed)
    message = ngettext(
        "{source} has {n} band(s) ({bands}); the model needs {needed}: {needed_bands}. Name the bands in the file "
        "(descriptions such as B2, B3, B4) or export exactly these bands in this order.",
        "{source} has {n} band(s) ({bands}); the model needs {needed}: {needed_bands}. Name the bands in the file "
        "(descriptions such as B2, B3, B4) or export exactly these bands in this order.",
        count,
    )
    raise BandMismatchError(
        message.format(source=source, n=count, bands=_describe_file_bands(shown), needed=len(needed),
                       needed_bands=need_txt)
    )  # fmt: skip


def _check_georeferencing(src: rasterio.io.DatasetReader, source: str) -> None:
    if src.crs is None:
        message = _(
            "{source} has no coordinate reference system, so detections could not be placed on a map. "
            "Export it as a georeferenced GeoTIFF (for example EPSG:4326 or a UTM zone)."
        )
        raise InvalidSceneError(message.format(source=source))
    t = src.transform
    if t == Affine.identity():
        message = _("{source} has no geotransform (pixel coordinates only). Export it georeferenced.")
        raise InvalidSceneError(message.format(source=source))
    if t.b != 0 or t.d != 0:
        message = _(
            "{source} is rotated (its geotransform has rotation terms). Warp it north-up first, "
            "for example with gdalwarp."
        )
        raise InvalidSceneError(message.format(source=source))
    if t.a <= 0 or t.e >= 0:
        message = _("{source} is not north-up (pixel size {x}, {y}). Warp it north-up first.")
        raise InvalidSceneError(message.format(source=source, x=t.a, y=t.e))


def open_scene(path: Path | str, bands: tuple[str, ...]) -> SceneInfo:
    """Open ``path`` and work out which of its bands hold ``bands``, without reading pixels.

    Raises:
        InvalidSceneError: missing, empty, unreadable, non-georeferenced or rotated file.
        BandMismatchError: the needed bands cannot be found.
    """
    path = Path(path)
    source = path.name
    if not path.exists():
        raise InvalidSceneError(_("{path} does not exist.").format(path=path))
    if path.is_dir():
        raise InvalidSceneError(_("{path} is a folder, not an image file.").format(path=path))
    if path.stat().st_size == 0:
        message = _("{source} is an empty file (0 bytes): the download or export did not finish.")
        raise InvalidSceneError(message.format(source=source))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(path) as src:
                _check_georeferencing(src, source)
                if src.count == 0:
                    raise InvalidSceneError(_("{source} holds no bands.").format(source=source))
                descriptions = tuple(src.descriptions)
                indexes = select_bands(descriptions, bands, source)
                dtype = src.dtypes[indexes[0] - 1]
                if any(src.dtypes[i - 1] != dtype for i in indexes):
                    message = _("{source} mixes data types across the needed bands; export one type.")
                    raise InvalidSceneError(message.format(source=source))
                kind = np.dtype(dtype).kind
                if kind not in "uif":
                    message = _("{source} has pixels of type {dtype}; expected integers or floats.")
                    raise InvalidSceneError(message.format(source=source, dtype=dtype))
                return SceneInfo(
                    path=path,
                    width=src.width,
                    height=src.height,
                    crs=src.crs,
                    transform=src.transform,
                    bands=tuple(bands),
                    band_indexes=indexes,
                    scale=1.0 / DN_PER_REFLECTANCE if kind in "ui" else 1.0,
                    nodata=src.nodata,
                    dtype=dtype,
                    file_bands=tuple(d or "" for d in descriptions),
                    tags=dict(src.tags()),
                )
    except RasterioIOError as err:
        message = _(
            "{source} is not a readable GeoTIFF ({reason}). Check that it is an image file and "
            "that it was copied completely."
        )
        raise InvalidSceneError(message.format(source=source, reason=_gdal_reason(err))) from None


def _file_tags(path: Path | str) -> dict[str, str] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(Path(path)) as src:
                return dict(src.tags())
    except (RasterioIOError, RasterioError, OSError):
        return None


def scene_provenance(path: Path | str) -> ImageryProvenance | None:
    """Where a scene file's pixels came from, read from its tags alone (no band check, no pixels); ``None`` when
    the file cannot be opened (the scan says why when it is run)."""
    tags = _file_tags(path)
    return None if tags is None else provenance_from_tags(tags, synthetic=_synthetic(tags))


def scene_period(path: Path | str) -> tuple[Period, str] | None:
    """When a scene file's pixels were acquired and where that is recorded (``recipe`` or ``tags``), read from its
    tags alone; ``None`` when the file records no period or cannot be opened."""
    tags = _file_tags(path)
    if tags is None:
        return None
    provenance = provenance_from_tags(tags, synthetic=_synthetic(tags))
    return period_of_scene(tags, provenance.start, provenance.end)


def _synthetic(tags: dict[str, str]) -> bool:
    return tags.get("MINESCAN_SYNTHETIC", "").lower() in ("1", "true", "yes")


def _gdal_reason(err: Exception) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text[:200]


#: Source types whose values, and so whose nodata value, float32 holds exactly: their mask is computed from the
#: float32 pixels. Other types (int32, float64 ...) ask GDAL for the mask.
_EXACT_IN_FLOAT32 = frozenset({"uint8", "int8", "uint16", "int16", "float32"})
#: GDAL's block cache while a reader is open. GDAL's default (5 % of RAM: 1.2 GB on a 24 GB machine) fills up
#: with decoded blocks over a large scene, and was most of the scan's memory beyond 2 GB at 9216 px. A 1282 px tile
#: of a 12-band uint16 file touches about 56 MB of blocks, so 128 MB lets the next tile along the row reuse the
#: blocks they share; 256 or 384 MB (which also keep the rows the next tile row shares) measured no faster.
READ_CACHE_MB = 128


class SceneReader:
    """Reads windows of an opened scene as reflectance plus a validity mask; keeps the file open.

    While open it caps GDAL's (process-wide) block cache at ``cache_mb`` (``None``: leave GDAL's setting alone).
    """

    def __init__(self, info: SceneInfo, cache_mb: int | None = READ_CACHE_MB) -> None:
        self.info = info
        self.cache_mb = cache_mb
        self._src: rasterio.io.DatasetReader | None = None
        self._env: rasterio.Env | None = None
        self._mask_mode = "none"
        self._nodata = np.zeros(0, np.float32)

    def __enter__(self) -> SceneReader:
        if self.cache_mb is not None:
            self._env = rasterio.Env(GDAL_CACHEMAX=self.cache_mb * 2**20)
            self._env.__enter__()
        try:
            self._src = rasterio.open(self.info.path)
        except RasterioIOError as err:
            self.__exit__()
            message = _("{scene} could not be reopened ({reason}).")
            raise InvalidSceneError(message.format(scene=self.info.path.name, reason=_gdal_reason(err))) from None
        self._mask_mode, self._nodata = _mask_plan(self._src, self.info.band_indexes, self.info.dtype)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._src is not None:
            self._src.close()
            self._src = None
        if self._env is not None:
            self._env.__exit__(None, None, None)
            self._env = None

    def read(self, row0: int, row1: int, col0: int, col1: int) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(data, valid)`` for rows ``[row0, row1)`` and cols ``[col0, col1)``.

        ``data`` is (rows, cols, bands) float32 reflectance with invalid pixels set to 0; ``valid`` is (rows, cols)
        bool, False where any needed band is nodata, masked, NaN or infinite.

        Raises:
            InvalidSceneError: the pixels cannot be read (damaged or truncated file).
        """
        if self._src is None:
            raise RuntimeError("SceneReader.read() called outside its 'with' block")
        window = Window(col0, row0, col1 - col0, row1 - row0)
        indexes = list(self.info.band_indexes)
        # GDAL converts to float32 and interleaves the bands straight into the (rows, cols, bands) array.
        data = np.empty((row1 - row0, col1 - col0, len(indexes)), np.float32)
        try:
            self._src.read(indexes, window=window, out=data.transpose(2, 0, 1))
            invalid = self._invalid(data, window)
        except (RasterioIOError, RasterioError) as err:
            message = _(
                "{scene} is damaged: reading rows {row0}-{row1}, columns {col0}-{col1} failed "
                "({reason}). Export or download it again."
            )
            raise InvalidSceneError(
                message.format(scene=self.info.path.name, row0=row0, row1=row1, col0=col0, col1=col1,
                               reason=_gdal_reason(err))
            ) from None  # fmt: skip
        if np.dtype(self.info.dtype).kind == "f":
            invalid |= any_band(~np.isfinite(data))
        if self.info.scale != 1.0:
            data *= np.float32(self.info.scale)
        data[invalid] = 0.0
        return data, ~invalid

    def _invalid(self, data: np.ndarray, window: Window) -> np.ndarray:
        """Pixels any needed band declares nodata: from the pixels themselves where that is exact, else GDAL's masks.

        Reading GDAL's nodata masks would decode every block a second time.
        """
        if self._src is None:
            raise RuntimeError("SceneReader used outside its 'with' block")
        if self._mask_mode == "nodata":
            same = bool((self._nodata == self._nodata[0]).all())
            return any_band(data == (self._nodata[0] if same else self._nodata))
        if self._mask_mode == "dataset":
            return np.asarray(self._src.read_masks(self.info.band_indexes[0], window=window) == 0)
        if self._mask_mode == "bands":
            return np.asarray((self._src.read_masks(list(self.info.band_indexes), window=window) == 0).any(axis=0))
        return np.zeros(data.shape[:2], dtype=bool)


def any_band(flags: np.ndarray) -> np.ndarray:
    """``flags.any(axis=-1)`` for a C-contiguous (rows, cols, bands) bool array, about 5x faster.

    numpy reduces a short last axis one pixel at a time; OR-ing the bands as machine words does a few long passes.
    """
    bands = flags.shape[-1]
    word = next(w for w in (8, 4, 2, 1) if bands % w == 0)
    words = np.ascontiguousarray(flags).view(np.dtype(f"u{word}"))
    out = words[..., 0].copy()
    for k in range(1, bands // word):
        out |= words[..., k]
    return out != 0


def _mask_plan(src: rasterio.io.DatasetReader, indexes: tuple[int, ...], dtype: str) -> tuple[str, np.ndarray]:
    """How to find invalid pixels: 'none', 'nodata' (compare with these values), 'dataset' or 'bands' masks."""
    flags = [set(src.mask_flag_enums[i - 1]) for i in indexes]
    nodata = [src.nodatavals[i - 1] for i in indexes]
    if all(f == {MaskFlags.all_valid} for f in flags):
        return "none", np.zeros(0, np.float32)
    if dtype in _EXACT_IN_FLOAT32 and all(f == {MaskFlags.nodata} for f in flags) and None not in nodata:
        return "nodata", np.asarray(nodata, dtype=np.float32)
    if all(MaskFlags.per_dataset in f for f in flags):
        return "dataset", np.zeros(0, np.float32)
    return "bands", np.zeros(0, np.float32)


@contextmanager
def scene_reader(info: SceneInfo) -> Iterator[SceneReader]:
    """Context manager yielding a :class:`SceneReader`."""
    with SceneReader(info) as reader:
        yield reader


def read_scene(path: Path | str, bands: tuple[str, ...]) -> Scene:
    """Read a whole (small) scene into memory.

    Raises:
        InvalidSceneError: as :func:`open_scene`, and :class:`NoValidDataError` when every pixel is nodata.
    """
    info = open_scene(path, bands)
    with scene_reader(info) as reader:
        data, valid = reader.read(0, info.height, 0, info.width)
    if not valid.any():
        message = _("{scene}: every pixel is nodata (masked, NaN or the nodata value).")
        raise NoValidDataError(message.format(scene=info.path.name))
    return Scene(data=data, valid=valid, transform=info.transform, crs=info.crs, bands=info.bands)
