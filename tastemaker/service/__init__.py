"""The HTTP service: a FastAPI app over the store, the catalogue and a recommender runtime
(see :mod:`tastemaker.service.app`)."""
