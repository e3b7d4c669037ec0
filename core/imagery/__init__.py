"""Imagery: coordinates, reading GeoTIFF scenes and their bands, where they came from, pictures of them, and
fetching them.

Owns coordinate work (``geo``: reprojection, geodesic areas and distances, pixel sizes in metres), scene reading
(``raster``, ``bands``), provenance (``provenance``), the request grid and regions (``tile_grid``, ``regions``),
image chips and map pictures (``chips``, ``preview``, ``pictures``) and Google Earth Engine as an optional source
(``earth_engine``; ``ee`` is imported only when a user connects). Must not import Keras/TensorFlow, DuckDB,
Streamlit, ``db``, ``models``, ``ui`` or ``core.demo``.
"""
