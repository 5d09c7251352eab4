"""Transparency report generator for round 1 of Korea's Sovereign AI Foundation Model project.

The package reads as its pipeline: ``load`` → ``validate`` → ``scoring`` → ``audit`` → ``render`` →
``publish``; :mod:`generator.pipeline` calls the stages in order.
"""

__version__ = "0.2.0"
"""The engine's version, recorded in every evidence file: an evidence run redoes an audit made by another
version (:mod:`generator.evidence.run`), so it is raised with every change to what an audit reports."""
