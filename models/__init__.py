"""Keras models of MineScan: architectures, saved bundles (weights + card), datasets and training.

Importing this package does not import TensorFlow; the submodules that need it import it when used.
"""
