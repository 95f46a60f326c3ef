"""(placeholder: filled by its issue-3 work)"""
