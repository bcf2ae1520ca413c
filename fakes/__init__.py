"""Fakes at the outer boundary that the tests and the bench share: a recording stand-in
for the four microservices."""
