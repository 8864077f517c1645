"""The `todo` command's groups, one module each; `todo.cli` assembles them."""
