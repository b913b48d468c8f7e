"""Turns a run's findings into JSON, JUnit XML, Markdown and HTML, and compares runs."""
