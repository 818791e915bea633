"""How closely twins of real users rate like the people they mirror (``ratings fidelity``)."""
