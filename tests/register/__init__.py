"""Tests of register."""
