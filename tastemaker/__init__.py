"""tastemaker: bootstrap a fashion recommender from LLM-simulated shoppers.

One package per pipeline stage (see DESIGN.md): ``catalog``, ``embed``, ``llm``, ``personas``,
``ratings``, ``model``, ``evaluate``, ``index``, ``service``, with ``store`` as the system of
record and ``cli`` as the ``tastemaker`` command.
"""

__version__ = "0.1.0"
