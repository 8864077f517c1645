"""The server-rendered web UI: the task page (TodoMVC markup) and the account pages."""
