"""Tests of imagery."""
