"""Auditing a finished run: the HTML report, the originals sample it shows, and opt-outs.

Nothing here is imported by `import jeongje`; the runner imports only `facts` and
`originals` (small, pyarrow only).
"""
