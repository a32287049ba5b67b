"""Instructor tooling for the course: release labs, grade submissions, report grades."""
