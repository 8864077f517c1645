"""The request edge: what every request passes through before (and after) any route runs.

`middleware.Edge` gives each request an id, bounds and receives its body in full (with a size
limit and a deadline) before a route can take a database connection, decodes and checks input
once for every route (`decode`), and answers every failure in the shape of the route family
it was meant for (`family`), so that no exception ever reaches the server or closes a client's
connection.
"""
