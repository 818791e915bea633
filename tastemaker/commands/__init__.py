"""The subcommands of ``tastemaker``, one module per pipeline stage; ``tastemaker.cli`` joins them.

Commands parse options, open the store, call the stage and print. They hold no business logic.
"""
