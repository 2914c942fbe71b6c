"""Realistic demo data that reproduces the figures of the city's work report."""

from controllers.demo.generator import DemoFigures, DemoRefused, generate_demo

__all__ = ["DemoFigures", "DemoRefused", "generate_demo"]
