"""Tasks: the todo items each user owns."""
