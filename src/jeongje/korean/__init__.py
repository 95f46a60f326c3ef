"""Korean text knowledge shared by stages: notices, boilerplate patterns, sentences.

Pure functions over strings; offsets are character offsets into the string given.
"""
