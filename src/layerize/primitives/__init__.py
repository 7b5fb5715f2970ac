"""Pixel primitives every stage shares: colours, masks, plane fits and compositing.

Each exists once here; no stage keeps a private copy.
"""
