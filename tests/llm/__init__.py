"""Tests of tastemaker.llm."""
