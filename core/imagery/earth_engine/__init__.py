"""Google Earth Engine as an optional imagery source: the paper's Sentinel-2 composite for any region.

Nothing here imports ``ee`` at import time: the client is imported when a user connects (``connection.connect``),
and every function that talks to Earth Engine takes the initialised module as an argument, so the request
building is tested offline with the real client and a recorded algorithm list.
"""
