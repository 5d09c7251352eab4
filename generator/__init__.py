"""Transparency report generator for round 1 of Korea's Sovereign AI Foundation Model project.

The package reads as its pipeline: ``load`` → ``validate`` → ``scoring`` → ``audit`` → ``render`` →
``publish``; :mod:`generator.pipeline` calls the stages in order.
"""

__version__ = "0.1.0"
